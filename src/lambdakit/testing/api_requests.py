"""HTTP requests to the local API for tests: one request in, an `ApiResponse` out.

4xx and 5xx answers are answers (a test asserts on them), not exceptions. A dict or list body is
sent as JSON with ``Content-Type: application/json`` unless the caller set a content type.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import Message

REQUEST_TIMEOUT = 60.0
"""Seconds one request may take: a cold start of a function that builds its clients included."""

Body = str | bytes | Mapping[str, object] | list[object] | None


@dataclass(frozen=True)
class ApiResponse:
    """What the local API Gateway answered."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    """Header names in lower case."""
    body: bytes = b""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> object:
        """The body decoded as JSON (None for an empty body)."""
        return json.loads(self.body) if self.body else None


def send_request(
    base_url: str,
    method: str,
    path: str,
    body: Body = None,
    headers: Mapping[str, str] | None = None,
    *,
    timeout: float = REQUEST_TIMEOUT,
) -> ApiResponse:
    """`method` `path` (``/items?x=1``, joined to `base_url`) with `body` and `headers`."""
    sent = dict(headers or {})
    data: bytes | None
    if body is None:
        data = None
    elif isinstance(body, bytes):
        data = body
    elif isinstance(body, str):
        data = body.encode()
    else:
        data = json.dumps(body).encode()
        if not any(name.lower() == "content-type" for name in sent):
            sent["Content-Type"] = "application/json"
    url = base_url.rstrip("/") + "/" + path.lstrip("/")
    request = urllib.request.Request(url, data=data, headers=sent, method=method.upper())
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return ApiResponse(response.status, _headers(response.headers), response.read())
    except urllib.error.HTTPError as error:
        with error:
            return ApiResponse(error.code, _headers(error.headers), error.read())


def _headers(message: Message) -> dict[str, str]:
    return {name.lower(): value for name, value in message.items()}
