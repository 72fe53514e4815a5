"""The local API Gateway end to end: real HTTP in, real functions invoked (FIDELITY 4.1, 4.2).

One `LocalLambda` serves a gateway over a REST API (payload 1.0, stage ``Prod``, CORS) and an
HTTP API (payload 2.0); the functions run from a code folder (`FolderCode`, no build). Requests
go through ``http.client`` so that repeated headers and raw bytes reach the server as sent.
"""

from __future__ import annotations

import base64
import http.client
import io
import json
import os
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from lambdakit.local.function_spec import LocalFunction
from lambdakit.local.gateway_server import api_id, gateway_application
from lambdakit.local.lambda_service import LambdaOptions
from lambdakit.local.logs import LogPrinter
from lambdakit.local.runner import LocalLambda
from lambdakit.local.server import LocalServer, Ports
from lambdakit.model.http import ApiKind, Cors, Route
from lambdakit.model.origin import Origin
from lambdakit.testing import FolderCode

HANDLERS = """
import base64, json, time

def rest(event, context):
    path = event["path"]
    if path == "/boom":
        raise RuntimeError("boom")
    if path == "/malformed":
        return {"body": "a payload 1.0 response needs a statusCode"}
    if path == "/binary":
        body = base64.b64encode(bytes(range(256))).decode()
        return {"statusCode": 200, "headers": {"Content-Type": "image/png"},
                "body": body, "isBase64Encoded": True}
    return {
        "statusCode": 201,
        "headers": {"Content-Type": "application/json"},
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
        "body": json.dumps(event),
    }

def http(event, context):
    return {"event": event}

def slow(event, context):
    time.sleep(float(event.get("queryStringParameters", {}).get("s", "1")))
    return {"statusCode": 200, "body": "late"}
"""
CORS = Cors(allow_origins=("https://example.com",), allow_methods=("GET", "POST"))


def route(path, method="GET", *, function="Rest", kind=ApiKind.REST, api="RestApi", cors=None):
    return Route(
        api=api,
        api_kind=kind,
        payload_version="1.0" if kind is ApiKind.REST else "2.0",
        method=method,
        path=path,
        function=function,
        stage="Prod" if kind is ApiKind.REST else None,
        cors=cors,
        origin=Origin(file=Path("template.yaml"), name=api),
    )


ROUTES = [
    route("/items/{id}", cors=CORS),
    route("/upload", "POST", cors=CORS),
    route("/boom"),
    route("/malformed"),
    route("/binary"),
    route("/throttled", function="Throttled"),
    route("/ghost", function="Ghost"),
    route("/echo", "POST", function="Http", kind=ApiKind.HTTP, api="HttpApi"),
    route("/slow", function="Slow", kind=ApiKind.HTTP, api="HttpApi"),
]


def function(fid, handler, **settings):
    return LocalFunction(
        id=fid, name=fid.lower(), handler=handler, runtime="python3.12", **settings
    )


FUNCTIONS = [
    function("Rest", "app.rest"),
    function("Http", "app.http"),
    function("Slow", "app.slow", timeout_seconds=5.0),
    function("Throttled", "app.rest", reserved_concurrency=0),
]


class Reports(list):
    def __call__(self, line):
        self.append(line)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("gateway")
    (root / "task").mkdir()
    (root / "task" / "app.py").write_text(HANDLERS)
    code = FolderCode({fn.id: root / "task" for fn in FUNCTIONS})
    reports = Reports()
    local = LocalLambda(
        FUNCTIONS,
        code,
        options=LambdaOptions(state_dir=root / "state"),
        printer=LogPrinter(io.StringIO(), color=False),
    )
    with local:
        service = local.service
        port = local.serve(gateway_application(ROUTES, service, report=reports))
        # the same routes, answering 504 after 0.3 s instead of 29/30 s
        quick = gateway_application(ROUTES, service, report=reports, timeouts=lambda kind: 0.3)
        http_only = [r for r in ROUTES if r.api_kind is ApiKind.HTTP]
        yield {
            "port": port,
            "quick": local.serve(quick),
            "http_only": local.serve(gateway_application(http_only, service)),
            "local": local,
            "reports": reports,
        }


def request(port, method, path, *, body=None, headers=()):
    """(status, headers as a list of pairs, body bytes) of one request over a new connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    connection.putrequest(method, path, skip_accept_encoding=True)
    for name, value in headers:
        connection.putheader(name, value)
    if body is not None:
        connection.putheader("Content-Length", str(len(body)))
    connection.endheaders(body)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, response.getheaders(), data


def header(headers, name):
    return [value for key, value in headers if key.lower() == name.lower()]


# --------------------------------------------------------------------------- REST (payload 1.0)


def test_rest_request_reaches_the_function_as_a_payload_1_event(served):
    status, headers, body = request(
        served["port"],
        "GET",
        "/Prod/items/7?tag=a&tag=b",
        headers=[("X-Multi", "one"), ("X-Multi", "two"), ("User-Agent", "tests")],
    )
    assert status == 201
    event = json.loads(body)
    assert event["resource"] == "/items/{id}"
    assert event["path"] == "/items/7"  # the stage prefix is not part of the path...
    assert event["requestContext"]["path"] == "/Prod/items/7"  # ...but of the context's
    assert event["requestContext"]["stage"] == "Prod"
    assert event["requestContext"]["apiId"] == api_id("RestApi")
    assert event["pathParameters"] == {"id": "7"}
    assert event["headers"]["X-Multi"] == "two"
    assert event["multiValueHeaders"]["X-Multi"] == ["one", "two"]
    assert event["queryStringParameters"] == {"tag": "b"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"]}
    assert event["requestContext"]["identity"]["sourceIp"] == "127.0.0.1"
    assert event["body"] is None
    assert event["isBase64Encoded"] is False
    # multiValueHeaders of the response become repeated headers (FIDELITY 4.1.2)
    assert header(headers, "Set-Cookie") == ["a=1", "b=2"]
    assert header(headers, "Content-Type") == ["application/json"]
    assert header(headers, "x-amzn-RequestId")


def test_a_route_is_also_served_without_its_stage_prefix(served):
    status, _, body = request(served["port"], "GET", "/items/8")
    assert status == 201
    assert json.loads(body)["requestContext"]["path"] == "/Prod/items/8"


def test_unknown_route_of_a_rest_api_is_403_missing_authentication_token(served):
    status, headers, body = request(served["port"], "GET", "/nowhere")
    assert status == 403
    assert json.loads(body) == {"message": "Missing Authentication Token"}
    assert header(headers, "x-amzn-ErrorType") == ["MissingAuthenticationTokenException"]


def test_unknown_route_of_an_http_api_is_404(served):
    status, _, body = request(served["http_only"], "GET", "/nowhere")
    assert status == 404
    assert json.loads(body) == {"message": "Not Found"}


def test_function_error_is_502_internal_server_error(served):
    status, _, body = request(served["port"], "GET", "/boom")
    assert status == 502
    assert json.loads(body) == {"message": "Internal server error"}


def test_malformed_response_is_502_and_says_why(served):
    status, _, body = request(served["port"], "GET", "/malformed")
    assert status == 502
    assert json.loads(body) == {"message": "Internal server error"}
    assert any("Rest: returned a response API Gateway cannot send" in r for r in served["reports"])


def test_binary_request_body_travels_base64_encoded(served):
    payload = bytes(range(256))
    status, _, body = request(
        served["port"],
        "POST",
        "/upload",
        body=payload,
        headers=[("Content-Type", "application/octet-stream")],
    )
    assert status == 201
    event = json.loads(body)
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == payload


def test_base64_response_body_is_sent_as_bytes(served):
    status, headers, body = request(served["port"], "GET", "/binary")
    assert status == 200
    assert header(headers, "Content-Type") == ["image/png"]
    assert body == bytes(range(256))


# --------------------------------------------------------------------------- HTTP API (2.0)


def test_http_api_request_is_a_payload_2_event_and_a_plain_result_is_200_json(served):
    status, headers, body = request(
        served["port"],
        "POST",
        "/echo?a=1&a=2",
        body=b'{"hello": "world"}',
        headers=[("X-Multi", "one"), ("X-Multi", "two"), ("Cookie", "c=1; d=2")],
    )
    assert status == 200
    assert header(headers, "Content-Type") == ["application/json"]
    assert header(headers, "apigw-requestid")
    event = json.loads(body)["event"]
    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /echo"
    assert event["rawPath"] == "/echo"
    assert event["rawQueryString"] == "a=1&a=2"
    assert event["queryStringParameters"] == {"a": "1,2"}
    assert event["headers"]["x-multi"] == "one,two"
    assert event["cookies"] == ["c=1", "d=2"]
    assert event["body"] == '{"hello": "world"}'
    assert event["requestContext"]["http"]["sourceIp"] == "127.0.0.1"
    assert event["requestContext"]["stage"] == "$default"


# --------------------------------------------------------------------------- CORS


def test_cors_preflight_is_answered_by_the_gateway(served):
    status, headers, _ = request(
        served["port"],
        "OPTIONS",
        "/items/7",
        headers=[("Origin", "https://example.com"), ("Access-Control-Request-Method", "GET")],
    )
    assert status == 200  # REST: the mock integration SAM adds
    assert header(headers, "Access-Control-Allow-Origin") == ["https://example.com"]
    assert header(headers, "Access-Control-Allow-Methods") == ["GET,POST"]


def test_cors_preflight_from_another_origin_gets_no_allow_headers(served):
    status, headers, _ = request(
        served["port"],
        "OPTIONS",
        "/items/7",
        headers=[("Origin", "https://evil.example"), ("Access-Control-Request-Method", "GET")],
    )
    assert status == 200
    assert not header(headers, "Access-Control-Allow-Origin")


def test_actual_response_carries_cors_headers_for_an_allowed_origin(served):
    status, headers, _ = request(
        served["port"], "GET", "/items/7", headers=[("Origin", "https://example.com")]
    )
    assert status == 201
    assert header(headers, "Access-Control-Allow-Origin") == ["https://example.com"]


# --------------------------------------------------------------------------- the invoke


def test_a_throttled_invoke_is_429(served):
    status, _, body = request(served["port"], "GET", "/throttled")
    assert status == 429
    assert json.loads(body) == {"message": "Too Many Requests"}


def test_a_refused_invoke_is_500_and_reported(served):
    status, _, body = request(served["port"], "GET", "/ghost")
    assert status == 500
    assert json.loads(body) == {"message": "Internal server error"}
    assert any("Ghost: the invoke was refused" in line for line in served["reports"])


def test_past_the_integration_timeout_the_gateway_answers_504_and_the_environment_lives(served):
    pool_size = served["local"].service.pool
    started = time.monotonic()
    status, _, body = request(served["quick"], "GET", "/slow?s=1")
    assert status == 504
    assert json.loads(body) == {"message": "Endpoint request timed out"}
    assert time.monotonic() - started < 0.9
    # the invoke runs on to its end in its environment, which then serves the next request
    time.sleep(1.2)
    status, _, body = request(served["port"], "GET", "/slow?s=0")
    assert (status, body) == (200, b"late")
    pool = pool_size("Slow")
    assert pool is not None
    assert pool.cold_starts == 1


def test_keep_alive_connection_serves_many_requests(served):
    connection = http.client.HTTPConnection("127.0.0.1", served["port"], timeout=20)
    for number in range(20):
        connection.request("GET", f"/items/{number}")
        response = connection.getresponse()
        assert response.status == 201
        assert json.loads(response.read())["pathParameters"] == {"id": str(number)}
    connection.close()


# --------------------------------------------------------------------------- hot reload


def test_an_edited_handler_answers_the_next_request(tmp_path):
    task = tmp_path / "task"
    task.mkdir()
    handler = task / "app.py"
    handler.write_text("def handler(event, context):\n    return 'one'\n")
    versioned = function("Versioned", "app.handler")
    reports = Reports()
    local = LocalLambda(
        [versioned],
        FolderCode({"Versioned": task}),
        options=LambdaOptions(state_dir=tmp_path / "state"),
        printer=LogPrinter(io.StringIO(), color=False),
    )
    routes = [route("/version", function="Versioned", kind=ApiKind.HTTP, api="HttpApi")]
    ports = Ports.bind("127.0.0.1", 0, 0)
    code = FolderCode({"Versioned": task})
    with LocalServer(
        local, ports, routes, stamp=code.stamp, report=reports, reload_interval=0.05
    ) as server:
        port = urlsplit(server.api_url).port
        assert request(port, "GET", "/version")[2] == b'"one"'
        # GIVEN a warm environment WHEN the handler changes (new size, later mtime)
        handler.write_text("def handler(event, context):\n    return 'second'\n")
        later = time.time() + 2
        os.utime(handler, (later, later))
        # THEN the next request after the reload runs the new code
        deadline = time.monotonic() + 10
        while "reloaded Versioned: code changed" not in reports:
            assert time.monotonic() < deadline, reports
            time.sleep(0.05)
        assert request(port, "GET", "/version")[2] == b'"second"'
