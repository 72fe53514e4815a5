"""Function result → HTTP response, and the error responses API Gateway itself produces.

Payload 1.0 (FIDELITY 4.1.2/4.1.3): the result must be a JSON object with an integer
``statusCode``; ``body`` a string or absent; ``headers`` and ``multiValueHeaders`` are merged (a
name/value pair in both appears once); ``isBase64Encoded`` means the body is decoded before it is
sent. Anything else (not JSON, not an object, no ``statusCode``, a non-string body, bad base64)
is a malformed response: **502** ``{"message": "Internal server error"}``. Keys outside the
documented set are ignored rather than rejected as SAM CLI does (FIDELITY 7.1.12), because the
documented contract only names required keys [INFERRED].

Payload 2.0 (FIDELITY 4.2.2; HTTP APIs and function URLs): a JSON object with ``statusCode`` is
read like 1.0 plus ``cookies`` (each becomes one ``Set-Cookie`` header); any other valid JSON
(a string, a list, a number, an object without ``statusCode``) is sent as is (the function's
JSON text, so ``"hello"`` keeps its quotes) with status 200 and ``content-type:
application/json``. A non-string ``body`` is JSON-encoded.

A response without a content type gets ``application/json`` (API Gateway's default; SAM CLI,
FIDELITY 7.1.12).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, Literal

from lambdakit.local.gateway_http import HttpResponse
from lambdakit.model.http import ApiKind

ErrorKind = Literal["function-error", "timeout", "not-found", "throttled", "invoke-failed"]

REST_TIMEOUT_SECONDS = 29
"""REST API integration timeout (FIDELITY 4.1.4; raisable for Regional/Private APIs)."""
HTTP_TIMEOUT_SECONDS = 30
"""HTTP API integration timeout (FIDELITY 4.1.4)."""

_JSON = ("Content-Type", "application/json")


class MalformedResponseError(ValueError):
    """The function's result is not a response API Gateway can send (→ 502)."""


def integration_timeout(api_kind: ApiKind) -> int | None:
    """Seconds API Gateway waits for the function; None for function URLs (the function's own)."""
    if api_kind is ApiKind.REST:
        return REST_TIMEOUT_SECONDS
    if api_kind is ApiKind.HTTP:
        return HTTP_TIMEOUT_SECONDS
    return None


def _message(status: int, message: str, *extra: tuple[str, str]) -> HttpResponse:
    body = json.dumps({"message": message}, separators=(",", ":")).encode()
    return HttpResponse(status=status, headers=(_JSON, *extra), body=body)


def error_response(kind: ErrorKind, *, api_kind: ApiKind) -> HttpResponse:
    """What API Gateway answers when it cannot return the function's response."""
    if kind == "function-error":
        return _message(502, "Internal server error")  # FIDELITY 4.1.3
    if kind == "timeout":
        return _message(504, "Endpoint request timed out")  # FIDELITY 4.1.4
    if kind == "throttled":
        return _message(429, "Too Many Requests")
    if kind == "invoke-failed":
        return _message(500, "Internal server error")  # FIDELITY 4.1.3
    if api_kind is ApiKind.REST:  # FIDELITY 7.1.12: REST answers unknown routes with 403
        return _message(
            403,
            "Missing Authentication Token",
            ("x-amzn-ErrorType", "MissingAuthenticationTokenException"),
        )
    return _message(404, "Not Found")


def to_response(result: Any, *, payload_version: str, api_kind: ApiKind) -> HttpResponse:
    """The HTTP response for a function's result (raw payload bytes or the decoded JSON value)."""
    try:
        value = _decode(result)
        if payload_version == "2.0" or api_kind is ApiKind.FUNCTION_URL:
            raw = bytes(result) if isinstance(result, bytes | bytearray) else None
            return _from_v2(value, raw)
        return _from_v1(value)
    except MalformedResponseError:
        return error_response("function-error", api_kind=api_kind)


def _decode(result: Any) -> Any:
    if not isinstance(result, bytes | bytearray):
        return result
    try:
        return json.loads(result)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MalformedResponseError("the function's response is not JSON") from error


def _status(value: dict[str, Any]) -> int:
    status = value["statusCode"]
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise MalformedResponseError(f"statusCode {status!r} is not an HTTP status")
    return status


def _body(value: dict[str, Any], *, strict: bool) -> bytes:
    body = value.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        if strict:
            raise MalformedResponseError("body must be a string")
        body = json.dumps(body)
    if value.get("isBase64Encoded") is True:
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as error:
            raise MalformedResponseError("body is not valid base64") from error
    return body.encode("utf-8")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def _map(value: dict[str, Any], key: str) -> dict[str, Any]:
    found = value.get(key)
    if found is None:
        return {}
    if not isinstance(found, dict):
        raise MalformedResponseError(f"{key} must be an object")
    return found


def _merged_headers(value: dict[str, Any]) -> list[tuple[str, str]]:
    """``multiValueHeaders`` then ``headers``; a pair already present is not repeated (4.1.2)."""
    merged: list[tuple[str, str]] = []
    for name, values in _map(value, "multiValueHeaders").items():
        if not isinstance(values, list):
            raise MalformedResponseError("multiValueHeaders values must be lists")
        merged.extend((name, _text(item)) for item in values)
    present = {(name.lower(), item) for name, item in merged}
    for name, item in _map(value, "headers").items():
        if (name.lower(), _text(item)) not in present:
            merged.append((name, _text(item)))
    return merged


def _with_content_type(headers: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers = [*headers, _JSON]
    return tuple(headers)


def _from_v1(value: Any) -> HttpResponse:
    if not isinstance(value, dict) or "statusCode" not in value:
        raise MalformedResponseError("a payload 1.0 response needs a statusCode")
    status = _status(value)
    headers = _with_content_type(_merged_headers(value))
    return HttpResponse(status=status, headers=headers, body=_body(value, strict=True))


def _from_v2(value: Any, raw: bytes | None) -> HttpResponse:
    if not isinstance(value, dict) or "statusCode" not in value:  # FIDELITY 4.2.2 inference
        body = raw.strip() if raw is not None else json.dumps(value).encode("utf-8")
        return HttpResponse(status=200, headers=(_JSON,), body=body)
    status = _status(value)
    headers = _merged_headers(value)
    cookies = value.get("cookies") or []
    if not isinstance(cookies, list):
        raise MalformedResponseError("cookies must be a list")
    headers.extend(("Set-Cookie", _text(cookie)) for cookie in cookies)
    body = _body(value, strict=False)
    return HttpResponse(status=status, headers=_with_content_type(headers), body=body)
