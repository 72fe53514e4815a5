"""Request → Lambda event for payload 1.0 (FIDELITY 4.1.1) and 2.0 (FIDELITY 4.2.1)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from lambdakit.local.gateway import HttpRequest, Router, to_event
from lambdakit.model.http import ApiKind

from .api_event_keys import V1_KEYS, V2_CONTEXT_KEYS, V2_KEYS
from .test_gateway_routes import route

WHEN = datetime(2020, 3, 12, 19, 3, 58, 390000, tzinfo=UTC)


def request(method="GET", path="/", query="", headers=(), body=b""):
    return HttpRequest(
        method=method,
        path=path,
        query=query,
        headers=tuple(headers),
        body=body,
        source_ip="10.0.0.9",
        received_at=WHEN,
    )


def event_for(routes, req):
    found = Router(routes).match(req.method, req.path)
    assert found is not None
    return to_event(found, req, request_id="rid-1", account="123456789012", api_id="abc123")


def rest_event(req, path="/items/{id}", method="GET"):
    return event_for([route(path, method, stage="Prod")], req)


def http_event(req, path="/items/{id}", method="GET", stage="$default"):
    return event_for([route(path, method, kind=ApiKind.HTTP, stage=stage, version="2.0")], req)


# --- payload 1.0 ---------------------------------------------------------------------------


def test_v1_has_exactly_the_documented_keys():
    event = rest_event(request(path="/Prod/items/7", query="a=1", headers=[("Host", "h")]))
    assert set(event) == V1_KEYS  # FIDELITY 4.1.1 (REST events carry no "version")


def test_v1_absent_maps_are_null():
    event = rest_event(request(path="/items"), path="/items")
    assert event["headers"] is None
    assert event["multiValueHeaders"] is None
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["pathParameters"] is None
    assert event["stageVariables"] is None
    assert event["body"] is None
    assert event["isBase64Encoded"] is False


def test_v1_multi_value_headers_and_last_value_single_map():
    headers = [("Accept", "text/html"), ("X-Tag", "a"), ("x-tag", "b"), ("Host", "localhost:3000")]
    event = rest_event(request(path="/items/1", headers=headers))
    assert event["multiValueHeaders"] == {
        "Accept": ["text/html"],
        "X-Tag": ["a", "b"],
        "Host": ["localhost:3000"],
    }
    assert event["headers"] == {"Accept": "text/html", "X-Tag": "b", "Host": "localhost:3000"}


def test_v1_multi_value_query_and_last_value_single_map():
    event = rest_event(request(path="/items/1", query="a=1&a=2&b=x%20y&flag"))
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": ["x y"], "flag": [""]}
    assert event["queryStringParameters"] == {"a": "2", "b": "x y", "flag": ""}


def test_v1_paths_resource_and_stage():
    event = rest_event(request(method="GET", path="/Prod/items/a%20b"))
    assert event["resource"] == "/items/{id}"
    assert event["path"] == "/items/a%20b"
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"id": "a b"}
    context = event["requestContext"]
    assert context["path"] == "/Prod/items/a%20b"  # FIDELITY 4.1.1: includes the stage
    assert context["resourcePath"] == "/items/{id}"
    assert context["stage"] == "Prod"
    assert context["httpMethod"] == "GET"


def test_v1_request_path_without_stage_still_reports_it_in_the_context():
    event = rest_event(request(path="/items/1"))
    assert event["path"] == "/items/1"
    assert event["requestContext"]["path"] == "/Prod/items/1"


def test_v1_request_context_identity_and_time():
    event = rest_event(
        request(path="/items/1", headers=[("User-Agent", "curl/8"), ("Host", "x.y")])
    )
    context = event["requestContext"]
    assert context["requestId"] == "rid-1"
    assert context["accountId"] == "123456789012"
    assert context["apiId"] == "abc123"
    assert context["domainName"] == "x.y"
    assert context["identity"]["sourceIp"] == "10.0.0.9"
    assert context["identity"]["userAgent"] == "curl/8"
    assert context["identity"]["accessKey"] is None
    assert context["requestTime"] == "12/Mar/2020:19:03:58 +0000"
    assert context["requestTimeEpoch"] == 1584039838390
    assert context["protocol"] == "HTTP/1.1"


def test_v1_text_body_is_passed_as_text():
    event = rest_event(request(method="POST", path="/items/1", body=b'{"a": 1}'), method="POST")
    assert event["body"] == '{"a": 1}'
    assert event["isBase64Encoded"] is False


def test_v1_binary_content_type_is_base64():
    png = b"\x89PNG\r\n\x1a\nrest"
    headers = [("Content-Type", "image/png")]
    event = rest_event(
        request(method="POST", path="/items/1", headers=headers, body=png), method="POST"
    )
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == png


def test_v1_non_utf8_body_is_base64_even_as_text_plain():
    raw = b"\xff\xfe\x00abc"
    headers = [("Content-Type", "text/plain")]
    event = rest_event(
        request(method="PUT", path="/items/1", headers=headers, body=raw), method="PUT"
    )
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == raw


def test_http_api_payload_1_0_carries_version_and_has_no_stage_in_context_path():
    routes = [route("/items", kind=ApiKind.HTTP, stage="$default", version="1.0")]
    event = event_for(routes, request(path="/items"))
    assert set(event) == V1_KEYS | {"version"}
    assert event["version"] == "1.0"
    assert event["requestContext"]["path"] == "/items"


# --- payload 2.0 ---------------------------------------------------------------------------


def full_v2_request():
    return request(
        method="POST",
        path="/items/7",
        query="a=1&a=2&b=3",
        headers=[
            ("Host", "abc123.execute-api.localhost"),
            ("X-Multi", "one"),
            ("x-multi", "two"),
            ("Cookie", "c1=v1; c2=v2"),
            ("cookie", "c3=v3"),
            ("User-Agent", "agent"),
        ],
        body=b"hello",
    )


def test_v2_has_exactly_the_documented_keys():
    event = http_event(full_v2_request(), method="POST")
    event_keys = set(event)
    event_keys.add("stageVariables")  # never set locally; AWS leaves it out too [INFERRED]
    assert event_keys == V2_KEYS  # FIDELITY 4.2.1
    assert set(event["requestContext"]) == V2_CONTEXT_KEYS
    assert set(event["requestContext"]["http"]) == {
        "method",
        "path",
        "protocol",
        "sourceIp",
        "userAgent",
    }
    assert "multiValueHeaders" not in event
    assert "multiValueQueryStringParameters" not in event


def test_v2_headers_lower_case_and_duplicates_comma_joined():
    event = http_event(full_v2_request(), method="POST")
    assert event["headers"] == {
        "host": "abc123.execute-api.localhost",
        "x-multi": "one,two",
        "user-agent": "agent",
    }


def test_v2_cookies_are_a_list_and_leave_the_headers():
    event = http_event(full_v2_request(), method="POST")
    assert event["cookies"] == ["c1=v1", "c2=v2", "c3=v3"]
    assert "cookie" not in event["headers"]


def test_v2_query_duplicates_comma_joined_and_raw_query_kept():
    event = http_event(full_v2_request(), method="POST")
    assert event["rawQueryString"] == "a=1&a=2&b=3"
    assert event["queryStringParameters"] == {"a": "1,2", "b": "3"}


def test_v2_route_key_path_and_context():
    event = http_event(full_v2_request(), method="POST")
    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /items/{id}"
    assert event["rawPath"] == "/items/7"
    assert event["pathParameters"] == {"id": "7"}
    assert event["body"] == "hello"
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["routeKey"] == "POST /items/{id}"
    assert context["stage"] == "$default"
    assert context["domainName"] == "abc123.execute-api.localhost"
    assert context["domainPrefix"] == "abc123"
    assert context["http"] == {
        "method": "POST",
        "path": "/items/7",
        "protocol": "HTTP/1.1",
        "sourceIp": "10.0.0.9",
        "userAgent": "agent",
    }
    assert context["time"] == "12/Mar/2020:19:03:58 +0000"
    assert context["timeEpoch"] == 1584039838390


def test_v2_default_route_key():
    routes = [route("$default", "ANY", kind=ApiKind.HTTP, stage=None, version="2.0")]
    event = event_for(routes, request(path="/anything"))
    assert event["routeKey"] == "$default"
    assert event["requestContext"]["routeKey"] == "$default"
    assert event["rawPath"] == "/anything"


def test_v2_any_route_key_keeps_any():
    event = http_event(request(method="DELETE", path="/items/1"), method="ANY")
    assert event["routeKey"] == "ANY /items/{id}"


def test_v2_named_stage_raw_path_includes_the_stage():
    event = http_event(request(path="/dev/items/1"), stage="dev")
    assert event["rawPath"] == "/dev/items/1"
    assert event["requestContext"]["stage"] == "dev"
    assert event["pathParameters"] == {"id": "1"}


def test_v2_absent_parts_are_left_out():
    routes = [route("/items", kind=ApiKind.HTTP, stage=None, version="2.0")]
    event = event_for(routes, request(path="/items"))
    for key in ("cookies", "queryStringParameters", "pathParameters", "body", "stageVariables"):
        assert key not in event
    assert event["rawQueryString"] == ""
    assert event["headers"] == {}


def test_v2_binary_body_is_base64():
    raw = bytes(range(256))
    headers = [("Content-Type", "application/octet-stream")]
    event = http_event(
        request(method="POST", path="/items/1", headers=headers, body=raw), method="POST"
    )
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == raw


def test_function_url_event():
    routes = [route("/{proxy+}", "ANY", kind=ApiKind.FUNCTION_URL, stage=None, version="2.0")]
    event = event_for(routes, request(method="GET", path="/a/b", query="x=1"))
    assert event["routeKey"] == "$default"
    assert event["rawPath"] == "/a/b"
    assert event["requestContext"]["stage"] == "$default"
    assert "pathParameters" not in event
