"""A lean HTTP/1.1 server protocol for the Runtime API: one runtime, one loopback connection.

The Runtime API's client is known (awslambdaric's libcurl client and ``http.client``) and sits
on loopback, and every invoke crosses this protocol twice (``/next``, ``/response``), so it is
kept to what those clients send: a request line, headers, a ``Content-Length`` or chunked body,
keep-alive. The protocol parses; a `RuntimeHandler` decides; answers may be given later
(``/next`` waits for an invoke) through the `Reply` it receives.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Protocol, cast

Reply = Callable[[int, Mapping[str, str], bytes], None]
"""Answer one request: status, extra headers, body."""

BODY_LIMIT = 64 * 1024 * 1024
"""Bodies past this are refused (413) and the connection closed, without buffering them."""
_HEAD_LIMIT = 64 * 1024


class RuntimeHandler(Protocol):
    """Decides what each Runtime API request gets."""

    def handle(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes, reply: Reply
    ) -> None: ...


def encode_response(status: int, headers: Mapping[str, str], body: bytes) -> bytes:
    """The bytes of one HTTP/1.1 response."""
    reason = HTTPStatus(status).phrase
    lines = [f"HTTP/1.1 {status} {reason}", f"Content-Length: {len(body)}"]
    if "Content-Type" not in headers:
        lines.append("Content-Type: application/json")
    lines.extend(f"{name}: {value}" for name, value in headers.items())
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class RuntimeHttpProtocol(asyncio.Protocol):
    """One connection from a runtime; requests are answered in order."""

    def __init__(self, handler: RuntimeHandler, connections: set[asyncio.Transport]) -> None:
        self._handler = handler
        self._connections = connections
        """Every open connection of this endpoint, so closing it can close them all."""
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._busy = False
        """A request is being answered; later pipelined ones wait in the buffer."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self._transport = cast(asyncio.Transport, transport)
        self._connections.add(self._transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._transport is not None:
            self._connections.discard(self._transport)
        self._transport = None

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        self._next_request()

    def _next_request(self) -> None:
        if self._busy or self._transport is None:
            return
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buffer) > _HEAD_LIMIT:
                self._fail(431, "request headers too large")
            return
        head = bytes(self._buffer[:end]).decode("latin-1").split("\r\n")
        try:
            method, target, _version = head[0].split(" ", 2)
        except ValueError:
            self._fail(400, "malformed request line")
            return
        headers = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        body = self._body(headers, end + 4)
        if body is None:
            return
        self._busy = True
        keep_alive = headers.get("connection", "").lower() != "close"
        self._handler.handle(
            method, target.split("?", 1)[0], _Headers(headers), body, self._replier(keep_alive)
        )

    def _body(self, headers: dict[str, str], start: int) -> bytes | None:
        """The request's body once complete (consumed from the buffer), else None."""
        if headers.get("transfer-encoding", "").lower() == "chunked":
            return self._chunked(start)
        try:
            length = int(headers.get("content-length", "0"))
        except ValueError:
            self._fail(400, "bad Content-Length")
            return None
        if length > BODY_LIMIT:
            self._fail(413, "body too large")
            return None
        if len(self._buffer) - start < length:
            return None
        body = bytes(self._buffer[start : start + length])
        del self._buffer[: start + length]
        return body

    def _chunked(self, start: int) -> bytes | None:
        chunks: list[bytes] = []
        at = start
        while True:
            line_end = self._buffer.find(b"\r\n", at)
            if line_end < 0:
                return None
            try:
                size = int(bytes(self._buffer[at:line_end]).split(b";", 1)[0], 16)
            except ValueError:
                self._fail(400, "bad chunk size")
                return None
            if size == 0:
                trailer_end = self._buffer.find(b"\r\n\r\n", line_end)
                if trailer_end < 0:
                    return None
                del self._buffer[: trailer_end + 4]
                return b"".join(chunks)
            data_start = line_end + 2
            if len(self._buffer) < data_start + size + 2:
                return None
            chunks.append(bytes(self._buffer[data_start : data_start + size]))
            if sum(map(len, chunks)) > BODY_LIMIT:
                self._fail(413, "body too large")
                return None
            at = data_start + size + 2

    def _replier(self, keep_alive: bool) -> Reply:
        answered = False

        def reply(status: int, headers: Mapping[str, str], body: bytes) -> None:
            nonlocal answered
            if answered:
                return
            answered = True
            transport = self._transport
            if transport is None or transport.is_closing():
                return
            if not keep_alive:
                headers = {**headers, "Connection": "close"}
            transport.write(encode_response(status, headers, body))
            if not keep_alive:
                transport.close()
                return
            self._busy = False
            if self._buffer:
                self._next_request()

        return reply

    def _fail(self, status: int, message: str) -> None:
        if self._transport is not None:
            body = f'{{"errorMessage": "{message}", "errorType": "BadRequest"}}'.encode()
            self._transport.write(encode_response(status, {"Connection": "close"}, body))
            self._transport.close()
        self._buffer.clear()


class _Headers(dict[str, str]):
    """Request headers, looked up without regard to case (stored lower-case)."""

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        return super().get(key.lower(), default)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())
