"""What one invoke carries in and what it gives back, and the platform's own error payloads.

Pure values shared by the runtime (environments, pool), the Invoke API, async retries and the
gateway. The error payloads are the ones Lambda itself produces when the runtime cannot answer
(FIDELITY 1.3.4, 2.4.8, 2.4.10).
"""

from __future__ import annotations

import json
import signal
import uuid
from dataclasses import dataclass, field
from typing import Literal

FunctionError = Literal["Handled", "Unhandled"]

SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024
"""Largest synchronous request payload (FIDELITY 2.5.1): 6 MB."""
ASYNC_PAYLOAD_LIMIT = 1024 * 1024
"""Largest asynchronous (``Event``) request payload (FIDELITY 2.5.2): 1 MB."""
RESPONSE_LIMIT = 6 * 1024 * 1024 + 100
"""Largest response a runtime may post (FIDELITY 1.3.4): 6 MiB + 100 bytes."""
LOG_TAIL_BYTES = 4096
"""``LogType=Tail`` returns the last 4 KB of the invoke's log (FIDELITY 2.6.7)."""


def new_request_id() -> str:
    """A request id shaped like Lambda's (a UUID)."""
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Invocation:
    """One request for a function, as the Runtime API hands it to the runtime (FIDELITY 1.2)."""

    payload: bytes
    request_id: str = field(default_factory=new_request_id)
    content_type: str = "application/json"
    qualifier: str | None = None
    """``$LATEST``, a version or an alias; None means unqualified."""
    client_context: str | None = None
    """The client context JSON (already base64-decoded), sync invokes only (FIDELITY 2.3.6)."""
    cognito_identity: str | None = None
    trace_id: str | None = None


@dataclass(frozen=True)
class InvokeResult:
    """What the caller of one invoke receives (FIDELITY 2.6, 3.1)."""

    request_id: str
    payload: bytes
    function_error: FunctionError | None = None
    error_type: str | None = None
    """The ``errorType`` of a failed invoke (``KeyError``, ``Sandbox.Timedout``...), else None."""
    content_type: str = "application/json"
    executed_version: str = "$LATEST"
    log_tail: bytes = b""
    """The last 4 KB of this invoke's log lines (START to REPORT)."""
    duration_ms: float = 0.0
    init_duration_ms: float | None = None
    max_memory_used_mb: int = 0

    @property
    def ok(self) -> bool:
        return self.function_error is None

    def json(self) -> object:
        """The payload decoded as JSON (None for an empty payload)."""
        return json.loads(self.payload) if self.payload else None


def platform_error(request_id: str, error_type: str, detail: str) -> bytes:
    """The payload Lambda returns when the platform, not the handler, ended an invoke."""
    message = f"RequestId: {request_id} Error: {detail}"
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


def timeout_message(timeout_seconds: float) -> str:
    """``Task timed out after 3.00 seconds`` (FIDELITY 2.4.8)."""
    return f"Task timed out after {timeout_seconds:.2f} seconds"


def exit_detail(returncode: int | None) -> str:
    """``Runtime exited with error: signal: killed`` / ``exit status 1`` (FIDELITY 2.4.10)."""
    if returncode is not None and returncode < 0:
        try:
            name = signal.Signals(-returncode).name.removeprefix("SIG").lower()
        except ValueError:
            name = str(-returncode)
        name = {"kill": "killed", "segv": "segmentation fault", "term": "terminated"}.get(
            name, name
        )
        return f"Runtime exited with error: signal: {name}"
    return f"Runtime exited with error: exit status {returncode}"


def error_type_of(payload: bytes) -> str | None:
    """The ``errorType`` of an error payload, or None when it has none."""
    try:
        value = json.loads(payload)
    except ValueError:
        return None
    kind = value.get("errorType") if isinstance(value, dict) else None
    return kind if isinstance(kind, str) else None


class InvokeRejectedError(Exception):
    """The service refused an invoke before any runtime saw it (FIDELITY 2.4.7, 2.5.3).

    Carries what the Invoke API answers: the HTTP status, the error type boto3 raises
    (``TooManyRequestsException``, ``RequestTooLargeException``, ``ResourceNotFoundException``...)
    and its message.
    """

    def __init__(
        self, status: int, error_type: str, message: str, *, reason: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message
        self.reason = reason
