"""Payload builders for API Gateway proxy integrations: REST (1.0) and HTTP API (2.0).

Both take the request as the client sent it (method, path, query and headers that may repeat,
body as text or bytes) and return the event Lambda receives (FIDELITY 4.1.1, 4.2.1).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from lambdakit.local.events.payloads import SAMPLE_ACCOUNT, SAMPLE_REGION, SAMPLE_TIME, epoch_millis

MultiValue = Mapping[str, str | list[str]]
"""A query or header map where a repeated name carries a list of its values, in order."""

SAMPLE_API_ID = "1234567890"
SAMPLE_REQUEST_ID = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
SAMPLE_SOURCE_IP = "127.0.0.1"
SAMPLE_USER_AGENT = "Custom User Agent String"


def _values(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _body(body: str | bytes | None) -> tuple[str | None, bool]:
    if isinstance(body, bytes):
        return base64.b64encode(body).decode(), True
    return body, False


def _request_time(moment: datetime) -> str:
    """`01/Jan/2024:12:00:00 +0000`: API Gateway's request time format."""
    return moment.astimezone(UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")


def _user_agent(headers: Mapping[str, list[str]]) -> str:
    for name, values in headers.items():
        if name.lower() == "user-agent" and values:
            return values[-1]
    return SAMPLE_USER_AGENT


def api_v1_event(
    *,
    method: str,
    path: str,
    resource: str | None = None,
    path_parameters: Mapping[str, str] | None = None,
    query: MultiValue | None = None,
    headers: MultiValue | None = None,
    body: str | bytes | None = None,
    stage: str = "Prod",
    stage_variables: Mapping[str, str] | None = None,
    account: str = SAMPLE_ACCOUNT,
    api_id: str = SAMPLE_API_ID,
    region: str = SAMPLE_REGION,
    request_id: str = SAMPLE_REQUEST_ID,
    source_ip: str = SAMPLE_SOURCE_IP,
    time: datetime = SAMPLE_TIME,
) -> dict[str, Any]:
    """A REST API proxy event, payload 1.0 (4.1.1).

    Absent maps are `null`. A repeated query key or header shows its LAST value in
    `queryStringParameters`/`headers` and all of them in the `multiValue*` maps. Bytes bodies
    arrive base64-encoded with `isBase64Encoded: true`.
    """
    multi_query = {k: _values(v) for k, v in query.items()} if query else None
    multi_headers = {k: _values(v) for k, v in headers.items()} if headers else None
    text, encoded = _body(body)
    resource_path = resource or path
    return {
        "resource": resource_path,
        "path": path,
        "httpMethod": method.upper(),
        "headers": {k: v[-1] for k, v in multi_headers.items()} if multi_headers else None,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()}
        if multi_query
        else None,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": dict(path_parameters) if path_parameters else None,
        "stageVariables": dict(stage_variables) if stage_variables else None,
        "requestContext": {
            "resourceId": "123456",
            "resourcePath": resource_path,
            "httpMethod": method.upper(),
            "extendedRequestId": request_id,
            "requestTime": _request_time(time),
            "path": f"/{stage}{path}",
            "accountId": account,
            "protocol": "HTTP/1.1",
            "stage": stage,
            "domainPrefix": api_id,
            "requestTimeEpoch": epoch_millis(time),
            "requestId": request_id,
            "identity": {
                "cognitoIdentityPoolId": None,
                "accountId": None,
                "cognitoIdentityId": None,
                "caller": None,
                "sourceIp": source_ip,
                "principalOrgId": None,
                "accessKey": None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "userArn": None,
                "userAgent": _user_agent(multi_headers or {}),
                "user": None,
            },
            "domainName": f"{api_id}.execute-api.{region}.amazonaws.com",
            "apiId": api_id,
        },
        "body": text,
        "isBase64Encoded": encoded,
    }


def api_v2_event(
    *,
    method: str,
    path: str,
    route_key: str | None = None,
    path_parameters: Mapping[str, str] | None = None,
    query: MultiValue | None = None,
    headers: MultiValue | None = None,
    cookies: list[str] | None = None,
    body: str | bytes | None = None,
    stage: str = "$default",
    stage_variables: Mapping[str, str] | None = None,
    account: str = SAMPLE_ACCOUNT,
    api_id: str = SAMPLE_API_ID,
    region: str = SAMPLE_REGION,
    request_id: str = SAMPLE_REQUEST_ID,
    source_ip: str = SAMPLE_SOURCE_IP,
    time: datetime = SAMPLE_TIME,
) -> dict[str, Any]:
    """An HTTP API event, payload 2.0 (4.2.1).

    Header names are lower-cased and repeated headers or query keys comma-joined. Cookies
    (from `cookies` and from any `Cookie` header) move to the `cookies` list and the header is
    dropped. As API Gateway does, optional keys with nothing to carry are left out; a named
    stage prefixes the raw path.
    """
    joined_headers: dict[str, list[str]] = {}
    for name, value in (headers or {}).items():
        joined_headers.setdefault(name.lower(), []).extend(_values(value))
    all_cookies = list(cookies or [])
    for header in joined_headers.pop("cookie", []):
        all_cookies.extend(c.strip() for c in header.split(";") if c.strip())
    pairs = [(k, v) for k, value in (query or {}).items() for v in _values(value)]
    raw_path = path if stage == "$default" else f"/{stage}{path}"
    route = route_key or "$default"
    text, encoded = _body(body)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route,
        "rawPath": raw_path,
        "rawQueryString": urlencode(pairs),
    }
    if all_cookies:
        event["cookies"] = all_cookies
    event["headers"] = {name: ",".join(values) for name, values in joined_headers.items()}
    if query:
        event["queryStringParameters"] = {k: ",".join(_values(v)) for k, v in query.items()}
    event["requestContext"] = {
        "accountId": account,
        "apiId": api_id,
        "domainName": f"{api_id}.execute-api.{region}.amazonaws.com",
        "domainPrefix": api_id,
        "http": {
            "method": method.upper(),
            "path": raw_path,
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": _user_agent(joined_headers),
        },
        "requestId": request_id,
        "routeKey": route,
        "stage": stage,
        "time": _request_time(time),
        "timeEpoch": epoch_millis(time),
    }
    if text is not None:
        event["body"] = text
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    event["isBase64Encoded"] = encoded
    if stage_variables:
        event["stageVariables"] = dict(stage_variables)
    return event
