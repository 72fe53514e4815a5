"""The Lambda Runtime API (FIDELITY §1) that execution environments' runtimes talk to.

Each environment gets its own endpoint (a loopback port, as each Lambda sandbox has its own
``AWS_LAMBDA_RUNTIME_API``) backed by a `RuntimeChannel`: the state of that one runtime — waiting
in ``/next``, working on one invoke, or failed at init. The environment drives the channel
(``dispatch`` an invocation, read its `RuntimeOutcome`); the runtime drives it over HTTP, through
the lean protocol of ``runtime_http`` (every invoke crosses it twice, so it stays cheap).
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass

from lambdakit.local.invocation import RESPONSE_LIMIT, Invocation
from lambdakit.local.runtime_http import Reply, RuntimeHttpProtocol

API_PREFIX = "/2018-06-01"
_NEXT = API_PREFIX + "/runtime/invocation/next"
_INVOCATION = API_PREFIX + "/runtime/invocation/"
_INIT_ERROR = API_PREFIX + "/runtime/init/error"
_PING = API_PREFIX + "/ping"
_ERROR_TYPE = re.compile(r"(Runtime|Function)\.[A-Z][a-zA-Z]+")
_ACCEPTED = json.dumps({"status": "OK"}).encode()
_NO_HEADERS: Mapping[str, str] = {}


@dataclass(frozen=True)
class RuntimeOutcome:
    """How the runtime answered one invoke (or failed its init)."""

    payload: bytes
    content_type: str = "application/json"
    error_type: str | None = None
    """Set when the runtime posted an error: the ``Lambda-Runtime-Function-Error-Type`` header."""
    init_error: bool = False
    platform: bool = False
    """True when the platform (not the runtime) produced this outcome, e.g. a 413 response."""


@dataclass(frozen=True)
class _Dispatched:
    invocation: Invocation
    deadline_ms: int
    invoked_arn: str


def normalized_error_type(header: str | None) -> str:
    """RAPID's internal error type for an ``/error`` header (FIDELITY 1.3.8)."""
    if header and _ERROR_TYPE.fullmatch(header):
        return header
    if header and header.startswith("Function."):
        return "Function.Unknown"
    return "Runtime.Unknown"


def _error(reply: Reply, status: int, error_type: str, message: str) -> None:
    body = json.dumps({"errorMessage": message, "errorType": error_type}).encode()
    reply(status, _NO_HEADERS, body)


def _accepted(reply: Reply) -> None:
    reply(202, _NO_HEADERS, _ACCEPTED)


class RuntimeChannel:
    """One runtime's view of the Runtime API: at most one invoke at a time (FIDELITY 2.4.7)."""

    def __init__(self, port: int) -> None:
        loop = asyncio.get_running_loop()
        self.port = port
        self.ready: asyncio.Future[RuntimeOutcome | None] = loop.create_future()
        """Resolves to None at the runtime's first ``/next`` (init done), or its init error."""
        self.ready_at: float | None = None
        self._parked: Reply | None = None
        """The reply of a ``/next`` waiting for an invoke."""
        self._pending: _Dispatched | None = None
        self._current: str | None = None
        self._outcome: asyncio.Future[RuntimeOutcome] | None = None
        self._last_answered: str | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def dispatch(
        self, invocation: Invocation, *, deadline_ms: int, invoked_arn: str
    ) -> asyncio.Future[RuntimeOutcome]:
        """Hand `invocation` to the runtime; the future resolves when it answers."""
        if self._outcome is not None and not self._outcome.done():
            raise RuntimeError("an invoke is already in flight on this environment")
        self._outcome = asyncio.get_running_loop().create_future()
        item = _Dispatched(invocation, deadline_ms, invoked_arn)
        parked, self._parked = self._parked, None
        if parked is not None:
            self._deliver(item, parked)
        else:
            self._pending = item
        return self._outcome

    def abandon(self) -> None:
        """Forget the invoke in flight (the environment is being killed)."""
        self._pending = None
        self._current = None
        parked, self._parked = self._parked, None
        if parked is not None:
            _error(parked, 500, "Runtime.Unknown", "the environment is shutting down")

    def _deliver(self, item: _Dispatched, reply: Reply) -> None:
        self._current = item.invocation.request_id
        reply(200, _next_headers(item), item.invocation.payload)

    # -- requests from the runtime -----------------------------------------------------------

    def handle(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes, reply: Reply
    ) -> None:
        """Route one Runtime API request (FIDELITY 1.1.3)."""
        if path == _NEXT and method == "GET":
            self._next(reply)
        elif path.startswith(_INVOCATION) and method == "POST":
            request_id, _, action = path[len(_INVOCATION) :].partition("/")
            if action == "response":
                self._response(request_id, headers, body, reply)
            elif action == "error":
                self._error(request_id, headers, body, reply)
            else:
                _error(reply, 404, "NotFound", f"no route {method} {path}")
        elif path == _INIT_ERROR and method == "POST":
            self._init_error(headers, body, reply)
        elif path == _PING and method == "GET":
            reply(200, {"Content-Type": "text/plain"}, b"pong")
        else:
            _error(reply, 404, "NotFound", f"no route {method} {path}")

    def _next(self, reply: Reply) -> None:
        if self._current is not None:
            _error(
                reply,
                403,
                "InvalidStateTransition",
                "State transition from RuntimeResponseSent to InvocationNext failed for runtime."
                " Error: the current invoke has no response yet",
            )
            return
        if not self.ready.done():
            self.ready_at = time.perf_counter()
            self.ready.set_result(None)
        item, self._pending = self._pending, None
        if item is None:
            self._parked = reply
        else:
            self._deliver(item, reply)

    def _response(
        self, request_id: str, headers: Mapping[str, str], body: bytes, reply: Reply
    ) -> None:
        if self._refused(request_id, "InvocationResponse", reply):
            return
        mode = headers.get("Lambda-Runtime-Function-Response-Mode")
        if mode is not None and mode.lower() != "streaming":
            self._finish(_platform("Runtime.InvalidResponseModeHeader", f"bad mode {mode!r}"))
            _error(reply, 400, "InvalidFunctionResponseMode", f"Invalid response mode {mode!r}")
            return
        if len(body) > RESPONSE_LIMIT:
            message = (
                f"Response payload size ({len(body)} bytes) exceeded maximum allowed payload"
                f" size ({RESPONSE_LIMIT} bytes)."
            )
            self._finish(_platform("Function.ResponseSizeTooLarge", message))
            _error(
                reply,
                413,
                "RequestEntityTooLarge",
                f"Exceeded maximum allowed payload size ({RESPONSE_LIMIT} bytes).",
            )
            return
        content_type = headers.get("Content-Type") or "application/json"
        self._finish(RuntimeOutcome(payload=body, content_type=content_type))
        _accepted(reply)

    def _error(
        self, request_id: str, headers: Mapping[str, str], body: bytes, reply: Reply
    ) -> None:
        if self._refused(request_id, "InvocationErrorResponse", reply):
            return
        kind = headers.get("Lambda-Runtime-Function-Error-Type")
        self._finish(RuntimeOutcome(payload=body, error_type=normalized_error_type(kind)))
        _accepted(reply)

    def _init_error(self, headers: Mapping[str, str], body: bytes, reply: Reply) -> None:
        if self.ready.done():
            _error(
                reply,
                403,
                "InvalidStateTransition",
                "State transition from Ready to InitError failed for runtime."
                " Error: init already completed",
            )
            return
        kind = headers.get("Lambda-Runtime-Function-Error-Type")
        outcome = RuntimeOutcome(
            payload=body, error_type=normalized_error_type(kind), init_error=True
        )
        self.ready.set_result(outcome)
        _accepted(reply)

    def _refused(self, request_id: str, transition: str, reply: Reply) -> bool:
        if not request_id or request_id not in (self._current, self._last_answered):
            _error(reply, 400, "InvalidRequestID", "Invalid request ID")
            return True
        if request_id != self._current:
            _error(
                reply,
                403,
                "InvalidStateTransition",
                f"State transition from RuntimeResponseSent to {transition} failed for"
                " runtime. Error: the invoke was already answered",
            )
            return True
        return False

    def _finish(self, outcome: RuntimeOutcome) -> None:
        self._last_answered = self._current
        self._current = None
        if self._outcome is not None and not self._outcome.done():
            self._outcome.set_result(outcome)


def _platform(error_type: str, message: str) -> RuntimeOutcome:
    payload = json.dumps({"errorMessage": message, "errorType": error_type}).encode()
    return RuntimeOutcome(payload=payload, error_type=error_type, platform=True)


def _next_headers(item: _Dispatched) -> dict[str, str]:
    invocation = item.invocation
    headers = {
        "Content-Type": invocation.content_type,
        "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
        "Lambda-Runtime-Deadline-Ms": str(item.deadline_ms),
        "Lambda-Runtime-Invoked-Function-Arn": item.invoked_arn,
    }
    # FIDELITY 1.2.6: empty values are omitted, not sent empty.
    optional = {
        "Lambda-Runtime-Trace-Id": invocation.trace_id,
        "Lambda-Runtime-Client-Context": invocation.client_context,
        "Lambda-Runtime-Cognito-Identity": invocation.cognito_identity,
    }
    headers.update({name: value for name, value in optional.items() if value})
    return headers


class RuntimeApi:
    """One loopback server per environment, each speaking to that environment's channel."""

    def __init__(self) -> None:
        self._servers: dict[int, tuple[RuntimeChannel, asyncio.Server, set[asyncio.Transport]]] = {}
        self._started = False

    async def start(self) -> None:
        self._started = True

    async def open(self) -> RuntimeChannel:
        """A new endpoint for one environment."""
        if not self._started:
            raise RuntimeError("RuntimeApi.start() was not called")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
            channel = RuntimeChannel(port)
            connections: set[asyncio.Transport] = set()
            server = await asyncio.get_running_loop().create_server(
                lambda: RuntimeHttpProtocol(channel, connections), sock=sock
            )
        except BaseException:
            sock.close()
            raise
        self._servers[port] = (channel, server, connections)
        return channel

    async def close(self, channel: RuntimeChannel) -> None:
        channel.abandon()
        entry = self._servers.pop(channel.port, None)
        if entry is not None:
            _channel, server, connections = entry
            server.close()
            for transport in list(connections):
                transport.abort()
            await server.wait_closed()

    async def stop(self) -> None:
        for channel, _server, _connections in list(self._servers.values()):
            await self.close(channel)
        self._started = False
