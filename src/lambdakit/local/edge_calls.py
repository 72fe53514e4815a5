"""AWS calls seen passing through the local services endpoint, for what reacts to them.

S3 notifies functions of object changes, SNS delivers to its Lambda subscribers, EventBridge to
its rules' targets: none of that reaches lambdakit from moto, so the endpoint reports every
call it forwarded with a successful answer to `EdgeObserver`s, which deliver the events. Bodies
of requests under `BODY_LIMIT` are read before forwarding (S3 uploads stream, body None).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

BODY_LIMIT = 1024 * 1024
"""Request bodies up to this size are kept for observers; larger ones stream past."""


@dataclass(frozen=True)
class AwsCall:
    """One call the endpoint forwarded, and the upstream's answer."""

    service: str | None
    """The service named in the request's signature (``s3``, ``sns``, ``events``...)."""
    method: str
    host: str
    path: str
    """The raw path, as sent (percent-encoded)."""
    query: str
    headers: Mapping[str, str]
    body: bytes | None
    """The request body when it was at most `BODY_LIMIT` bytes, else None."""
    status: int
    response_headers: Mapping[str, str]
    response_body: bytes | None
    """The answer's body when it was read whole (small answers), else None."""


class EdgeObserver(Protocol):
    """Reacts to calls; must return at once (schedule any work on the running loop)."""

    def observed(self, call: AwsCall) -> None: ...
