"""Request → event: the Lambda event API Gateway (or a function URL) builds for a matched request.

Payload 1.0 (REST APIs, and HTTP APIs configured for it) follows FIDELITY 4.1.1: single-value maps
hold the last value, ``multiValue*`` maps hold every value, absent maps are ``null``, and
``requestContext.path`` includes the stage while ``path`` is the raw request path without it.

Payload 2.0 (HTTP APIs, function URLs) follows FIDELITY 4.2.1: lower-case header names, repeats
comma-joined, ``Cookie`` headers moved to a ``cookies`` list, ``routeKey`` ``METHOD /path`` or
``$default``. Unlike SAM CLI, which sends ``null`` for them, payload 2.0 leaves out ``cookies``,
``queryStringParameters``, ``pathParameters``, ``stageVariables`` and ``body`` when there are
none, as AWS does [INFERRED from the AWS docs examples and the well-known "queryStringParameters
is undefined" gotcha].

A body is passed base64-encoded (``isBase64Encoded: true``) when it is not UTF-8 or its
content type is binary (images, audio, video, fonts, archives, octet-stream, PDF).
"""

from __future__ import annotations

import base64
import functools
import hashlib
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from lambdakit.local.gateway_http import HttpRequest
from lambdakit.local.gateway_routes import DEFAULT_ROUTE, DEFAULT_STAGE, Match
from lambdakit.model.http import ApiKind

_BINARY_PREFIXES = ("image/", "audio/", "video/", "font/")
_BINARY_TYPES = frozenset(
    {
        "application/octet-stream",
        "application/pdf",
        "application/zip",
        "application/gzip",
        "application/x-gzip",
        "application/x-tar",
        "application/x-7z-compressed",
        "application/wasm",
        "application/x-protobuf",
        "application/protobuf",
    }
)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def to_event(
    match: Match, request: HttpRequest, *, request_id: str, account: str, api_id: str
) -> dict[str, Any]:
    """The event for ``request`` on ``match``, in the route's payload format version."""
    if match.route.payload_version == "2.0":
        return _event_v2(match, request, request_id=request_id, account=account, api_id=api_id)
    return _event_v1(match, request, request_id=request_id, account=account, api_id=api_id)


def is_binary(body: bytes, content_type: str | None) -> bool:
    """Whether a body travels base64-encoded: binary content type, or not valid UTF-8."""
    if not body:
        return False
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media.startswith(_BINARY_PREFIXES) or media in _BINARY_TYPES:
        return True
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _body(request: HttpRequest) -> tuple[str | None, bool]:
    if not request.body:
        return None, False
    if is_binary(request.body, request.header("content-type")):
        return base64.b64encode(request.body).decode("ascii"), True
    return request.body.decode("utf-8"), False


def _multi(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Values grouped by name, in order (`_header_pairs` already unified header name spellings)."""
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return grouped


def _header_pairs(request: HttpRequest) -> list[tuple[str, str]]:
    """Header pairs with each name spelled as it was first sent, so repeats group together."""
    spelling: dict[str, str] = {}
    return [(spelling.setdefault(name.lower(), name), value) for name, value in request.headers]


def _query_pairs(request: HttpRequest) -> list[tuple[str, str]]:
    return parse_qsl(request.query, keep_blank_values=True)


def _request_time(at: datetime) -> tuple[str, int]:
    """``12/Mar/2020:19:03:58 +0000`` (locale-independent) and epoch milliseconds."""
    epoch_ms = int(at.timestamp() * 1000)
    return _second_text(epoch_ms // 1000), epoch_ms


@functools.lru_cache(maxsize=4)
def _second_text(epoch_seconds: int) -> str:
    """The text of one second, formatted once however many requests arrive in it."""
    utc = datetime.fromtimestamp(epoch_seconds, UTC)
    return f"{utc:%d}/{_MONTHS[utc.month - 1]}/{utc:%Y:%H:%M:%S} +0000"


def _domain(request: HttpRequest) -> tuple[str, str]:
    host = request.header("host") or "localhost"
    return host, host.split(".", 1)[0].split(":", 1)[0]


def _event_v1(
    match: Match, request: HttpRequest, *, request_id: str, account: str, api_id: str
) -> dict[str, Any]:
    headers = _multi(_header_pairs(request))
    query = _multi(_query_pairs(request))
    body, encoded = _body(request)
    time_text, epoch_ms = _request_time(request.received_at)
    domain, prefix = _domain(request)
    with_stage = match.route.api_kind is ApiKind.REST or match.stage != DEFAULT_STAGE
    context_path = f"/{match.stage}{match.path}" if with_stage else match.path
    event: dict[str, Any] = {}
    if match.route.api_kind is not ApiKind.REST:
        event["version"] = "1.0"  # HTTP API payload 1.0 carries it; REST events do not
    event |= {
        "resource": match.resource_path,
        "path": match.path,
        "httpMethod": request.method.upper(),
        "headers": {name: values[-1] for name, values in headers.items()} or None,
        "multiValueHeaders": headers or None,
        "queryStringParameters": {name: values[-1] for name, values in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": dict(match.path_parameters) or None,
        "stageVariables": None,
        "requestContext": {
            "accountId": account,
            "apiId": api_id,
            "domainName": domain,
            "domainPrefix": prefix,
            "extendedRequestId": request_id,
            "httpMethod": request.method.upper(),
            "identity": _identity(request),
            "path": context_path,
            "protocol": "HTTP/1.1",
            "requestId": request_id,
            "requestTime": time_text,
            "requestTimeEpoch": epoch_ms,
            "resourceId": _resource_id(match),
            "resourcePath": match.resource_path,
            "stage": match.stage,
        },
        "body": body,
        "isBase64Encoded": encoded,
    }
    return event


def _resource_id(match: Match) -> str:
    """A stable stand-in for API Gateway's resource id: six characters from the API and path."""
    digest = hashlib.sha256(f"{match.route.api} {match.resource_path}".encode()).hexdigest()
    return digest[:6]


def _identity(request: HttpRequest) -> dict[str, str | None]:
    identity: dict[str, str | None] = dict.fromkeys(
        (
            "accessKey",
            "accountId",
            "caller",
            "cognitoAuthenticationProvider",
            "cognitoAuthenticationType",
            "cognitoIdentityId",
            "cognitoIdentityPoolId",
            "principalOrgId",
            "user",
            "userArn",
        )
    )
    identity["sourceIp"] = request.source_ip
    identity["userAgent"] = request.header("user-agent")
    return identity


def route_key(match: Match) -> str:
    """``$default`` for the default route and function URLs, else ``METHOD /path``."""
    if match.resource_path == DEFAULT_ROUTE:
        return DEFAULT_ROUTE
    return f"{match.route.method} {match.resource_path}"


def _event_v2(
    match: Match, request: HttpRequest, *, request_id: str, account: str, api_id: str
) -> dict[str, Any]:
    cookies = [
        cookie.strip()
        for value in request.header_values("cookie")
        for cookie in value.split(";")
        if cookie.strip()
    ]
    headers = _multi([(n.lower(), v) for n, v in request.headers if n.lower() != "cookie"])
    query = _multi(_query_pairs(request))
    body, encoded = _body(request)
    time_text, epoch_ms = _request_time(request.received_at)
    domain, prefix = _domain(request)
    key = route_key(match)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": key,
        "rawPath": request.path,
        "rawQueryString": request.query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = {name: ",".join(values) for name, values in headers.items()}
    if query:
        event["queryStringParameters"] = {name: ",".join(vals) for name, vals in query.items()}
    event["requestContext"] = {
        "accountId": account,
        "apiId": api_id,
        "domainName": domain,
        "domainPrefix": prefix,
        "http": {
            "method": request.method.upper(),
            "path": request.path,
            "protocol": "HTTP/1.1",
            "sourceIp": request.source_ip,
            "userAgent": request.header("user-agent") or "",
        },
        "requestId": request_id,
        "routeKey": key,
        "stage": match.stage,
        "time": time_text,
        "timeEpoch": epoch_ms,
    }
    if body is not None:
        event["body"] = body
    if match.path_parameters:
        event["pathParameters"] = dict(match.path_parameters)
    event["isBase64Encoded"] = encoded
    return event
