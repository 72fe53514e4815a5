"""The local AWS endpoint as an edge router: Lambda's API here, everything else to the upstream.

A fake upstream (an aiohttp app on loopback that echoes what it received) stands in for the moto
server; the last test, when moto is installed, runs the real one as a subprocess.
"""

from __future__ import annotations

import hashlib
import http.client
import io
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import boto3
import pytest
from aiohttp import web
from botocore.config import Config
from botocore.exceptions import ClientError

from lambdakit.local.edge_proxy import end_to_end
from lambdakit.local.function_spec import LocalFunction
from lambdakit.local.lambda_service import LambdaOptions
from lambdakit.local.logs import LogPrinter
from lambdakit.local.runner import LocalLambda
from lambdakit.local.services_endpoint import lambda_operation, services_application
from lambdakit.testing import FolderCode

CREDENTIALS = {"aws_access_key_id": "x", "aws_secret_access_key": "x", "region_name": "us-east-1"}
NO_RETRIES = Config(retries={"max_attempts": 1, "mode": "standard"})
STREAMED = 3 * 1024 * 1024 + 17


async def echo(request: web.Request) -> web.StreamResponse:
    """What the upstream received, as JSON; ``/stream`` answers a chunked body instead."""
    body = await request.read()
    if request.path == "/stream":
        response = web.StreamResponse(headers={"X-Upstream": "stream"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        for start in range(0, STREAMED, 65536):
            await response.write(b"s" * min(65536, STREAMED - start))
        await response.write_eof()
        return response
    document = {
        "method": request.method,
        "raw_path": request.raw_path,
        "headers": [[name, value] for name, value in request.headers.items()],
        "length": len(body),
        "sha256": hashlib.sha256(body).hexdigest(),
        "head": body[:64].decode("latin-1"),
    }
    response = web.json_response(document, status=int(request.headers.get("X-Want-Status", "200")))
    response.headers["X-Upstream"] = "echo"
    response.headers.add("Set-Cookie", "a=1")
    response.headers.add("Set-Cookie", "b=2")
    return response


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    root = tmp_path_factory.mktemp("edge")
    (root / "task").mkdir()
    (root / "task" / "app.py").write_text("def handler(event, context):\n    return event\n")
    fn = LocalFunction(id="Echo", name="echo", handler="app.handler", runtime="python3.12")
    with LocalLambda(
        [fn],
        FolderCode({"Echo": root / "task"}),
        options=LambdaOptions(state_dir=root / "state"),
        printer=LogPrinter(io.StringIO(), color=False),
    ) as started:
        yield started


@pytest.fixture(scope="module")
def upstream(local):
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_route("*", "/{tail:.*}", echo)
    return f"http://127.0.0.1:{local.serve(app)}"


@pytest.fixture(scope="module")
def endpoint(local, upstream):
    """The services endpoint in front of the fake upstream."""
    port = local.serve(services_application(local.service, upstream=upstream))
    return f"http://127.0.0.1:{port}"


def request(url, method, path, *, body=None, headers=None, chunked=False):
    """(status, headers, body) of one raw request, with exactly the headers given (and Host)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in ({"Host": parts.netloc} | (headers or {})).items():
            connection.putheader(name, value)
        if chunked:
            connection.putheader("Transfer-Encoding", "chunked")
        elif body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders()
        if chunked:
            for piece in body:
                connection.send(b"%x\r\n%s\r\n" % (len(piece), piece))
            connection.send(b"0\r\n\r\n")
        elif body is not None:
            connection.send(body)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def test_a_request_reaches_the_upstream_unchanged(endpoint):
    signature = (
        "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sqs/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=abc"
    )
    sent = {
        "Host": "sqs.us-east-1.localhost:4566",
        "Authorization": signature,
        "X-Amz-Date": "20240101T000000Z",
        "X-Amz-Target": "AmazonSQS.ListQueues",
        "Content-Type": "application/x-amz-json-1.0",
        "X-Custom": "one",
        "Connection": "keep-alive, X-Private",
        "X-Private": "hop",
    }
    status, headers, body = request(
        endpoint, "POST", "/some%2Fpath/a+b?Action=List&x=%2F&x=2", body=b'{"a": 1}', headers=sent
    )
    assert status == 200
    document = json.loads(body)
    assert document["method"] == "POST"
    assert document["raw_path"] == "/some%2Fpath/a+b?Action=List&x=%2F&x=2"
    received = dict(document["headers"])
    for name in ("Host", "Authorization", "X-Amz-Date", "X-Amz-Target", "Content-Type", "X-Custom"):
        assert received[name] == sent[name], name
    assert "X-Private" not in received  # named by Connection: hop-by-hop
    assert not {"User-Agent", "Accept", "Accept-Encoding"} & set(received)  # none added
    assert document["head"] == '{"a": 1}'
    assert headers["X-Upstream"] == "echo"
    assert headers.get_all("Set-Cookie") == ["a=1", "b=2"]
    assert int(headers["Content-Length"]) == len(body)


def test_the_upstream_status_and_errors_come_back_as_they_are(endpoint):
    status, headers, body = request(endpoint, "DELETE", "/x", headers={"X-Want-Status": "409"})
    assert (status, headers["X-Upstream"]) == (409, "echo")
    assert json.loads(body)["method"] == "DELETE"


def test_head_keeps_the_upstream_length_without_a_body(endpoint):
    status, headers, body = request(endpoint, "HEAD", "/bucket/key", headers={"Host": "h"})
    assert status == 200
    assert body == b""
    assert int(headers["Content-Length"]) > 0
    assert headers["X-Upstream"] == "echo"


def test_a_5_mb_body_goes_up_and_a_large_chunked_answer_comes_back(endpoint):
    big = bytes(range(256)) * (5 * 1024 * 1024 // 256)
    status, _, body = request(endpoint, "PUT", "/bucket/big", body=big, headers={"Host": "h"})
    assert status == 200
    document = json.loads(body)
    assert document["length"] == len(big)
    assert document["sha256"] == hashlib.sha256(big).hexdigest()
    status, headers, body = request(endpoint, "GET", "/stream", headers={"Host": "h"})
    assert status == 200
    assert headers["X-Upstream"] == "stream"
    assert body == b"s" * STREAMED


def test_a_chunked_upload_is_streamed_to_the_upstream(endpoint):
    pieces = [b"x" * 1000, b"y" * 70000, b"z"]
    status, _, body = request(
        endpoint, "POST", "/upload", body=pieces, headers={"Host": "h"}, chunked=True
    )
    assert status == 200
    document = json.loads(body)
    assert document["length"] == 71001
    assert document["sha256"] == hashlib.sha256(b"".join(pieces)).hexdigest()
    assert "Transfer-Encoding" in dict(document["headers"])


def test_lambda_invoke_stays_local_and_other_lambda_calls_are_named(endpoint):
    client = boto3.client("lambda", endpoint_url=endpoint, config=NO_RETRIES, **CREDENTIALS)
    response = client.invoke(FunctionName="echo", Payload=b'{"n": 1}')
    assert response["Payload"].read() == b'{"n": 1}'
    with pytest.raises(ClientError) as caught:
        client.delete_function(FunctionName="echo")
    error = caught.value.response["Error"]
    assert error["Code"] == "UnknownOperationException"
    assert "Lambda's DeleteFunction (DELETE /2015-03-31/functions/echo)" in error["Message"]


def test_list_and_get_function_describe_the_apps_functions(endpoint):
    client = boto3.client("lambda", endpoint_url=endpoint, config=NO_RETRIES, **CREDENTIALS)
    listed = client.list_functions()["Functions"]
    assert [fn["FunctionName"] for fn in listed] == ["echo"]
    configuration = client.get_function_configuration(FunctionName="echo")
    assert configuration["FunctionArn"] == "arn:aws:lambda:us-east-1:123456789012:function:echo"
    assert (configuration["Handler"], configuration["Runtime"]) == ("app.handler", "python3.12")
    assert (configuration["Timeout"], configuration["MemorySize"]) == (3, 128)
    assert configuration["State"] == "Active"
    by_arn = client.get_function(FunctionName=configuration["FunctionArn"])
    assert by_arn["Configuration"]["FunctionName"] == "echo"
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_function(FunctionName="nope")


def test_unsigned_requests_on_lambda_paths_stay_local(endpoint):
    status, _, body = request(
        endpoint, "POST", "/2015-03-31/functions/echo/invocations", body=b"[1]", headers={}
    )
    assert (status, body) == (200, b"[1]")
    status, _, body = request(endpoint, "GET", "/2015-03-31/functions/", headers={})
    assert (status, json.loads(body)["Functions"][0]["FunctionName"]) == (200, "echo")
    status, headers, _ = request(endpoint, "GET", "/2015-03-31/event-source-mappings/", headers={})
    assert status == 404
    assert headers["X-Amzn-ErrorType"] == "UnknownOperationException"


@pytest.mark.parametrize("signature", ["s3", "s3v4"])
def test_a_presigned_s3_url_is_proxied_even_on_a_lambda_looking_path(endpoint, signature):
    config = Config(signature_version=signature)
    s3 = boto3.client("s3", endpoint_url=endpoint, config=config, **CREDENTIALS)
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": "2015-03-31", "Key": "functions/x"}
    )
    with urllib.request.urlopen(url, timeout=30) as response:
        document = json.loads(response.read())
    assert document["raw_path"].startswith("/2015-03-31/functions/x?")
    assert "Signature=" in document["raw_path"]


def test_the_lambda_operations_are_named_from_method_and_path():
    assert lambda_operation("GET", "/2015-03-31/functions/") == "ListFunctions"
    assert lambda_operation("GET", "/2015-03-31/functions/f/configuration") == (
        "GetFunctionConfiguration"
    )
    assert lambda_operation("PATCH", "/2015-03-31/functions/f") is None


def test_hop_by_hop_headers_are_dropped():
    from multidict import CIMultiDict

    headers = CIMultiDict(
        [("Connection", "close, X-A"), ("X-A", "1"), ("Keep-Alive", "5"), ("X-B", "2")]
    )
    headers.add("X-B", "3")
    assert list(end_to_end(headers).items()) == [("X-B", "2"), ("X-B", "3")]


def test_an_upstream_that_is_down_is_a_502_naming_the_endpoint(local):
    dead = f"http://127.0.0.1:{free_port()}"
    port = local.serve(services_application(local.service, upstream=dead))
    endpoint = f"http://127.0.0.1:{port}"
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{endpoint}/anything", timeout=30)
    assert caught.value.code == 502
    document = json.loads(caught.value.read())
    assert document["__type"] == "BadGateway"
    assert f"the local AWS endpoint {endpoint}" in document["message"]
    assert dead in document["message"]
    dynamodb = boto3.client("dynamodb", endpoint_url=endpoint, config=NO_RETRIES, **CREDENTIALS)
    with pytest.raises(ClientError) as raised:
        dynamodb.list_tables()
    assert raised.value.response["Error"]["Code"] == "BadGateway"


@pytest.fixture(scope="module")
def moto_server():
    pytest.importorskip("moto.server")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("moto server did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_boto3_reaches_moto_through_the_endpoint(local, moto_server):
    port = local.serve(services_application(local.service, upstream=moto_server))
    endpoint = f"http://127.0.0.1:{port}"
    session = boto3.session.Session(**CREDENTIALS)
    s3 = session.client("s3", endpoint_url=endpoint)
    s3.create_bucket(Bucket="edge-bucket")
    s3.put_object(Bucket="edge-bucket", Key="a b/ü.txt", Body=b"x" * (2 * 1024 * 1024))
    assert s3.get_object(Bucket="edge-bucket", Key="a b/ü.txt")["Body"].read() == b"x" * (
        2 * 1024 * 1024
    )
    assert s3.head_object(Bucket="edge-bucket", Key="a b/ü.txt")["ContentLength"] == 2 * 1024 * 1024
    sqs = session.client("sqs", endpoint_url=endpoint)
    queue = sqs.create_queue(QueueName="edge-queue")["QueueUrl"]
    sqs.send_message(QueueUrl=queue, MessageBody="hello")
    messages = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1)["Messages"]
    assert [message["Body"] for message in messages] == ["hello"]
    dynamodb = session.client("dynamodb", endpoint_url=endpoint)
    dynamodb.create_table(
        TableName="edge-table",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.put_item(TableName="edge-table", Item={"id": {"S": "1"}})
    assert dynamodb.get_item(TableName="edge-table", Key={"id": {"S": "1"}})["Item"] == {
        "id": {"S": "1"}
    }
    lambda_client = session.client("lambda", endpoint_url=endpoint)
    assert lambda_client.invoke(FunctionName="echo", Payload=b"2")["Payload"].read() == b"2"
