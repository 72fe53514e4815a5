"""Sample API Gateway proxy events, REST (1.0) and HTTP API (2.0), made by the gateway itself.

A sample is a request as a client sends it (method, path, query and headers that may repeat,
body as text or bytes) run through the route matching and event mapping of the local API
Gateway (`lambdakit.local.gateway`), so ``lambdakit event api-v1`` and a real local request
can never disagree (FIDELITY 4.1.1, 4.2.1). Values only a request carries (Host, User-Agent)
come from its headers.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, urlencode

from lambdakit.local.events.payloads import SAMPLE_ACCOUNT, SAMPLE_TIME
from lambdakit.local.gateway import HttpRequest, Router, to_event
from lambdakit.model import ApiKind, Origin, Route

MultiValue = Mapping[str, str | list[str]]
"""A query or header map where a repeated name carries a list of its values, in order."""

SAMPLE_API_ID = "1234567890"
SAMPLE_REQUEST_ID = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
SAMPLE_SOURCE_IP = "127.0.0.1"

_ORIGIN = Origin(file=Path("<sample>"), name="sample")


def api_v1_event(
    *,
    method: str,
    path: str,
    resource: str | None = None,
    query: MultiValue | None = None,
    headers: MultiValue | None = None,
    body: str | bytes | None = None,
    stage: str = "Prod",
    account: str = SAMPLE_ACCOUNT,
    api_id: str = SAMPLE_API_ID,
    request_id: str = SAMPLE_REQUEST_ID,
    source_ip: str = SAMPLE_SOURCE_IP,
    time: datetime = SAMPLE_TIME,
) -> dict[str, Any]:
    """A REST API proxy event, payload 1.0 (4.1.1), for `path` on the route `resource`."""
    request = _request(method, path, stage, query, headers, (), body, source_ip, time)
    route = _route("1.0", ApiKind.REST, method, resource or path, stage)
    return _event(route, request, request_id=request_id, account=account, api_id=api_id)


def api_v2_event(
    *,
    method: str,
    path: str,
    route: str = "$default",
    query: MultiValue | None = None,
    headers: MultiValue | None = None,
    cookies: list[str] | None = None,
    body: str | bytes | None = None,
    stage: str = "$default",
    account: str = SAMPLE_ACCOUNT,
    api_id: str = SAMPLE_API_ID,
    request_id: str = SAMPLE_REQUEST_ID,
    source_ip: str = SAMPLE_SOURCE_IP,
    time: datetime = SAMPLE_TIME,
) -> dict[str, Any]:
    """An HTTP API event, payload 2.0 (4.2.1), for `path` on the route path `route`."""
    request = _request(method, path, stage, query, headers, cookies or (), body, source_ip, time)
    template = _route("2.0", ApiKind.HTTP, method, route, stage)
    return _event(template, request, request_id=request_id, account=account, api_id=api_id)


def _route(
    version: Literal["1.0", "2.0"], kind: ApiKind, method: str, path: str, stage: str
) -> Route:
    return Route(
        api="SampleApi",
        api_kind=kind,
        payload_version=version,
        method=method.upper(),
        path=path,
        function="Sample",
        stage=stage,
        origin=_ORIGIN,
    )


def _request(  # noqa: PLR0917 - private, called with the builders' arguments in order
    method: str,
    path: str,
    stage: str,
    query: MultiValue | None,
    headers: MultiValue | None,
    cookies: tuple[str, ...] | list[str],
    body: str | bytes | None,
    source_ip: str,
    time: datetime,
) -> HttpRequest:
    prefix = "" if stage == "$default" else f"/{stage}"
    pairs = [("Cookie", "; ".join(cookies))] if cookies else []
    pairs += [(name, v) for name, value in (headers or {}).items() for v in _values(value)]
    return HttpRequest(
        method=method.upper(),
        path=prefix + quote(path, safe="/{}+%"),
        query=urlencode([(k, v) for k, value in (query or {}).items() for v in _values(value)]),
        headers=tuple(pairs),
        body=body.encode() if isinstance(body, str) else (body or b""),
        source_ip=source_ip,
        received_at=time,
    )


def _event(
    route: Route, request: HttpRequest, *, request_id: str, account: str, api_id: str
) -> dict[str, Any]:
    match = Router([route]).match(request.method, request.path)
    if match is None:
        msg = f"the path {request.path!r} does not fit the route {route.method} {route.path}"
        raise ValueError(msg)
    return to_event(match, request, request_id=request_id, account=account, api_id=api_id)


def _values(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)
