"""A do-nothing HTTP server: the floor under every measurement (load generator, boto3 client).

    python stub.py        # prints its port on stdout, serves until SIGINT/SIGTERM

Answers every request at once, keep-alive, with a canned 200: ``{"hello": "world"}`` for a GET,
the hello handler's proxy result for a POST (what an Invoke of it returns). Run in its own
process, so what the bench measures against it is the client's own cost plus loopback.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys

HEADER_END = b"\r\n\r\n"
GET_BODY = b'{"hello": "world"}'
INVOKE_BODY = json.dumps(
    {"statusCode": 200, "headers": {"X-Handler-Pid": "0"}, "body": '{"hello": "world"}'}
).encode()


def _answer(body: bytes, extra: str = "") -> bytes:
    head = (
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        f"{extra}Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


GET_ANSWER = _answer(GET_BODY, "X-Handler-Pid: 0\r\n")
INVOKE_ANSWER = _answer(
    INVOKE_BODY, "X-Amz-Executed-Version: $LATEST\r\nX-Amzn-Requestid: stub\r\n"
)


class Stub(asyncio.Protocol):
    """Reads whole requests (Content-Length bodies) and answers each with the canned reply."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(HEADER_END)) >= 0:
            head = bytes(self.buffer[:end]).lower()
            at = head.find(b"\r\ncontent-length:")
            length = int(head[at + 17 :].split(b"\r\n", 1)[0]) if at >= 0 else 0
            total = end + len(HEADER_END) + length
            if len(self.buffer) < total:
                return
            del self.buffer[:total]
            assert self.transport is not None
            self.transport.write(INVOKE_ANSWER if head.startswith(b"post") else GET_ANSWER)
            if b"\r\nconnection: close" in head:
                self.transport.close()
                return


async def _serve() -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Stub, "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    sys.stdout.write(json.dumps({"port": port}) + "\n")
    sys.stdout.flush()
    stop = loop.create_future()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, lambda: stop.done() or stop.set_result(None))
    async with server:
        await stop


if __name__ == "__main__":
    asyncio.run(_serve())
