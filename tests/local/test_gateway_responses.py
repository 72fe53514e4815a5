"""Function result → HTTP response, API Gateway's own errors, CORS (FIDELITY 4.1.2-4.1.4, 4.2.2)."""

from __future__ import annotations

import base64
import json

import pytest

from lambdakit.local.gateway import (
    HttpRequest,
    HttpResponse,
    cors_headers,
    error_response,
    integration_timeout,
    is_preflight,
    preflight,
    to_response,
)
from lambdakit.model.http import ApiKind, Cors

INTERNAL = {"message": "Internal server error"}


def rest(result):
    return to_response(result, payload_version="1.0", api_kind=ApiKind.REST)


def http2(result):
    return to_response(result, payload_version="2.0", api_kind=ApiKind.HTTP)


def body_json(response):
    return json.loads(response.body)


def all_values(response, name):
    return [value for key, value in response.headers if key.lower() == name.lower()]


# --- payload 1.0 (FIDELITY 4.1.2, 4.1.3) -----------------------------------------------------


def test_v1_status_headers_and_body():
    response = rest({"statusCode": 201, "headers": {"Content-Type": "text/plain"}, "body": "made"})
    assert response.status == 201
    assert response.header("content-type") == "text/plain"
    assert response.body == b"made"


def test_v1_accepts_raw_payload_bytes():
    response = rest(b'{"statusCode": 204}')
    assert response.status == 204
    assert response.body == b""


@pytest.mark.parametrize(
    "result",
    [
        {"body": "no status"},  # missing statusCode
        {"statusCode": "abc"},
        {"statusCode": 200, "body": {"not": "a string"}},
        {"statusCode": 200, "body": "!!", "isBase64Encoded": True},
        {"statusCode": 200, "headers": ["x"]},
        "hello",
        [1, 2],
        b"not json",
        b"\xff\xfe",
    ],
)
def test_v1_malformed_response_is_502_internal_server_error(result):
    response = rest(result)
    assert response.status == 502  # FIDELITY 4.1.3
    assert body_json(response) == INTERNAL
    assert response.header("content-type") == "application/json"


def test_v1_headers_and_multi_value_headers_are_merged():
    response = rest(
        {
            "statusCode": 200,
            "headers": {"X-One": "a", "X-Both": "same", "X-Also": "h"},
            "multiValueHeaders": {"X-Both": ["same", "other"], "X-Also": ["m"]},
            "body": "",
        }
    )
    assert all_values(response, "X-One") == ["a"]
    assert all_values(response, "X-Both") == ["same", "other"]  # a pair in both appears once
    assert sorted(all_values(response, "X-Also")) == ["h", "m"]


def test_v1_missing_content_type_defaults_to_json():
    response = rest({"statusCode": 200, "body": "{}"})
    assert response.header("Content-Type") == "application/json"  # FIDELITY 7.1.12


def test_v1_base64_body_is_decoded():
    png = b"\x89PNG\r\n\x1a\n\x00\x01"
    response = rest(
        {
            "statusCode": 200,
            "headers": {"Content-Type": "image/png"},
            "body": base64.b64encode(png).decode(),
            "isBase64Encoded": True,
        }
    )
    assert response.status == 200
    assert response.body == png


def test_v1_numeric_header_values_become_text():
    response = rest({"statusCode": 200, "headers": {"X-Count": 3, "X-Flag": True}})
    assert response.header("X-Count") == "3"
    assert response.header("X-Flag") == "true"


def test_http_api_payload_1_0_uses_the_v1_rules():
    response = to_response({"a": 1}, payload_version="1.0", api_kind=ApiKind.HTTP)
    assert response.status == 502  # no inference for 1.0
    ok = to_response(
        {"statusCode": 200, "multiValueHeaders": {"X": ["1", "2"]}, "body": "ok"},
        payload_version="1.0",
        api_kind=ApiKind.HTTP,
    )
    assert ok.status == 200
    assert all_values(ok, "X") == ["1", "2"]


# --- payload 2.0 (FIDELITY 4.2.2) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("result", "body"),
    [
        ("hello", b'"hello"'),
        ({"a": 1}, b'{"a": 1}'),
        ([1, 2], b"[1, 2]"),
        (b'"hello"', b'"hello"'),  # raw payload bytes are passed through as sent
        (b'{"a":1}\n', b'{"a":1}'),
    ],
)
def test_v2_value_without_status_code_is_200_json(result, body):
    response = http2(result)
    assert response.status == 200
    assert response.header("content-type") == "application/json"
    assert response.body == body


def test_v2_dict_with_status_code_is_a_structured_response():
    response = http2({"statusCode": 418, "headers": {"content-type": "text/plain"}, "body": "tea"})
    assert response.status == 418
    assert response.header("content-type") == "text/plain"
    assert response.body == b"tea"


def test_v2_cookies_become_set_cookie_headers():
    response = http2({"statusCode": 200, "cookies": ["a=1; Path=/", "b=2; HttpOnly"], "body": ""})
    assert all_values(response, "Set-Cookie") == ["a=1; Path=/", "b=2; HttpOnly"]


def test_v2_base64_body_is_decoded():
    response = http2(
        {"statusCode": 200, "body": base64.b64encode(b"\x00\xff").decode(), "isBase64Encoded": True}
    )
    assert response.body == b"\x00\xff"


def test_v2_non_string_body_is_json_encoded():
    response = http2({"statusCode": 200, "body": {"a": 1}})
    assert json.loads(response.body) == {"a": 1}


def test_v2_invalid_json_payload_is_502():
    response = http2(b"<html>")
    assert response.status == 502
    assert body_json(response) == INTERNAL


def test_function_url_uses_payload_2_0_rules():
    response = to_response("hi", payload_version="2.0", api_kind=ApiKind.FUNCTION_URL)
    assert response.status == 200
    assert response.body == b'"hi"'


# --- API Gateway's own errors (FIDELITY 4.1.3, 4.1.4, 7.1.12) -------------------------------


@pytest.mark.parametrize("kind", [ApiKind.REST, ApiKind.HTTP, ApiKind.FUNCTION_URL])
@pytest.mark.parametrize(
    ("error", "status", "message"),
    [
        ("function-error", 502, "Internal server error"),
        ("timeout", 504, "Endpoint request timed out"),
        ("throttled", 429, "Too Many Requests"),
        ("invoke-failed", 500, "Internal server error"),
    ],
)
def test_error_responses(kind, error, status, message):
    response = error_response(error, api_kind=kind)
    assert response.status == status
    assert body_json(response) == {"message": message}
    assert response.header("content-type") == "application/json"


def test_unknown_route_is_403_for_rest_and_404_for_http_api():
    rest_missing = error_response("not-found", api_kind=ApiKind.REST)
    assert rest_missing.status == 403
    assert body_json(rest_missing) == {"message": "Missing Authentication Token"}
    assert rest_missing.body == b'{"message":"Missing Authentication Token"}'
    http_missing = error_response("not-found", api_kind=ApiKind.HTTP)
    assert http_missing.status == 404
    assert body_json(http_missing) == {"message": "Not Found"}


def test_integration_timeouts():
    assert integration_timeout(ApiKind.REST) == 29  # FIDELITY 4.1.4
    assert integration_timeout(ApiKind.HTTP) == 30
    assert integration_timeout(ApiKind.FUNCTION_URL) is None


# --- CORS ----------------------------------------------------------------------------------


def options(origin="https://app.example", method="PUT", headers=None):
    sent = [("Origin", origin), ("Access-Control-Request-Method", method)]
    if headers:
        sent.append(("Access-Control-Request-Headers", headers))
    return HttpRequest(method="OPTIONS", path="/items", headers=tuple(sent))


FULL = Cors(
    allow_origins=("https://app.example",),
    allow_methods=("GET", "PUT"),
    allow_headers=("Content-Type", "X-Token"),
    expose_headers=("X-Request-Id",),
    allow_credentials=True,
    max_age=600,
)


def test_preflight_answers_from_the_cors_config():
    response = preflight(FULL, options(), api_kind=ApiKind.HTTP)
    assert response is not None
    assert response.status == 204
    assert response.body == b""
    assert response.header("Access-Control-Allow-Origin") == "https://app.example"
    assert response.header("Access-Control-Allow-Methods") == "GET,PUT"
    assert response.header("Access-Control-Allow-Headers") == "Content-Type,X-Token"
    assert response.header("Access-Control-Max-Age") == "600"
    assert response.header("Access-Control-Allow-Credentials") == "true"


def test_rest_preflight_is_200():
    response = preflight(FULL, options(), api_kind=ApiKind.REST)
    assert response is not None
    assert response.status == 200


def test_preflight_wildcard_origin_without_credentials():
    cors = Cors(allow_origins=("*",), allow_methods=("*",), allow_headers=("*",))
    response = preflight(cors, options(headers="x-a,x-b"), api_kind=ApiKind.HTTP)
    assert response is not None
    assert response.header("Access-Control-Allow-Origin") == "*"
    assert response.header("Access-Control-Allow-Methods") == "PUT"
    assert response.header("Access-Control-Allow-Headers") == "x-a,x-b"
    assert response.header("Access-Control-Allow-Credentials") is None


def test_preflight_wildcard_origin_with_credentials_echoes_the_origin():
    cors = Cors(allow_origins=("*",), allow_methods=("PUT",), allow_credentials=True)
    response = preflight(cors, options(), api_kind=ApiKind.HTTP)
    assert response is not None
    assert response.header("Access-Control-Allow-Origin") == "https://app.example"


def test_preflight_disallowed_origin_or_method_gets_no_cors_headers():
    for request in (options(origin="https://evil.example"), options(method="DELETE")):
        response = preflight(FULL, request, api_kind=ApiKind.HTTP)
        assert response is not None
        assert response.status == 204
        assert not [k for k, _ in response.headers if k.lower().startswith("access-control-")]


def test_preflight_falls_back_to_the_route_methods():
    cors = Cors(allow_origins=("*",))
    response = preflight(
        cors,
        options(method="POST"),
        api_kind=ApiKind.HTTP,
        route_methods=frozenset({"POST", "GET"}),
    )
    assert response is not None
    assert response.header("Access-Control-Allow-Methods") == "GET,POST"


def test_no_preflight_without_cors_or_without_preflight_headers():
    assert preflight(None, options(), api_kind=ApiKind.HTTP) is None
    plain = HttpRequest(method="OPTIONS", path="/items", headers=(("Origin", "https://a"),))
    assert not is_preflight(plain)
    assert preflight(FULL, plain, api_kind=ApiKind.HTTP) is None
    get = HttpRequest(method="GET", path="/items", headers=options().headers)
    assert preflight(FULL, get, api_kind=ApiKind.HTTP) is None


def test_cors_headers_on_actual_responses():
    headers = dict(cors_headers(FULL, "https://app.example"))
    assert headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert headers["Access-Control-Expose-Headers"] == "X-Request-Id"
    assert headers["Access-Control-Allow-Credentials"] == "true"
    assert headers["Vary"] == "Origin"
    assert cors_headers(FULL, "https://evil.example") == ()
    assert cors_headers(FULL, None) == ()
    assert cors_headers(None, "https://app.example") == ()
    assert cors_headers(Cors(allow_origins=("*",)), "https://x") == (
        ("Access-Control-Allow-Origin", "*"),
    )


def test_with_headers_replaces_same_names():
    response = HttpResponse(
        status=200, headers=(("access-control-allow-origin", "old"), ("X", "1"))
    )
    updated = response.with_headers((("Access-Control-Allow-Origin", "new"),))
    assert updated.headers == (("X", "1"), ("Access-Control-Allow-Origin", "new"))
