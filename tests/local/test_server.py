"""`lambdakit local`'s ports and its local AWS endpoint: a port in use, unknown operations."""

from __future__ import annotations

import io
import socket
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from lambdakit.errors import LocalCloudError
from lambdakit.local.function_spec import LocalFunction
from lambdakit.local.lambda_service import LambdaOptions
from lambdakit.local.logs import LogPrinter
from lambdakit.local.runner import LocalLambda
from lambdakit.local.server import LocalServer, Ports
from lambdakit.local.services_endpoint import service_of
from lambdakit.model.http import ApiKind, Route
from lambdakit.model.origin import Origin
from lambdakit.testing import FolderCode

CREDENTIALS = {"aws_access_key_id": "x", "aws_secret_access_key": "x", "region_name": "us-east-1"}


def test_a_port_in_use_is_a_user_error_naming_the_option():
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(LocalCloudError) as caught:
            Ports.bind("127.0.0.1", port, 0)
        assert f"port {port} on 127.0.0.1 is already in use (API Gateway)" in caught.value.message
        assert "--port" in (caught.value.hint or "")
        with pytest.raises(LocalCloudError) as caught:
            Ports.bind("127.0.0.1", 0, port)
        assert "--services-port" in (caught.value.hint or "")


def test_port_zero_becomes_a_real_port_in_the_urls():
    ports = Ports.bind("127.0.0.1", 0, 0)
    try:
        assert ports.api_url.startswith("http://127.0.0.1:")
        assert not ports.api_url.endswith(":0")
        assert ports.api_url != ports.services_url
    finally:
        ports.close()


def test_the_service_is_read_from_the_sigv4_credential_scope():
    header = (
        "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host, Signature=abc"
    )
    assert service_of(header) == "dynamodb"
    assert service_of(None) is None
    assert service_of("Bearer x") is None


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("services")
    (root / "task").mkdir()
    (root / "task" / "app.py").write_text("def handler(event, context):\n    return event\n")
    fn = LocalFunction(id="Echo", name="echo", handler="app.handler", runtime="python3.12")
    local = LocalLambda(
        [fn],
        FolderCode({"Echo": root / "task"}),
        options=LambdaOptions(state_dir=root / "state"),
        printer=LogPrinter(io.StringIO(), color=False),
    )
    ghost = Route(
        api="Api",
        api_kind=ApiKind.HTTP,
        payload_version="2.0",
        method="GET",
        path="/ghost",
        function="Ghost",
        origin=Origin(file=Path("template.yaml"), name="Api"),
    )
    reports = []
    with LocalServer(
        local, Ports.bind("127.0.0.1", 0, 0), [ghost], report=reports.append
    ) as started:
        started.reports = reports
        yield started


def test_a_route_to_a_function_that_cannot_run_is_reported_at_start(server):
    assert server.reports == [
        "GET /ghost: Ghost cannot run locally (see `lambdakit inspect`); its requests get 500"
    ]


def test_lambda_invoke_is_served_on_the_services_port(server):
    client = boto3.client("lambda", endpoint_url=server.services_url, **CREDENTIALS)
    response = client.invoke(FunctionName="echo", Payload=b'{"n": 1}')
    assert response["Payload"].read() == b'{"n": 1}'


def test_other_services_get_unknown_operation_naming_the_service(server):
    for name, call in (
        ("dynamodb", lambda c: c.list_tables()),  # JSON protocol
        ("sns", lambda c: c.list_topics()),  # query protocol (XML errors)
        ("s3", lambda c: c.list_buckets()),  # REST-XML
    ):
        client = boto3.client(name, endpoint_url=server.services_url, **CREDENTIALS)
        with pytest.raises(ClientError) as caught:
            call(client)
        error = caught.value.response["Error"]
        assert error["Code"] == "UnknownOperationException", name
        assert f"does not emulate {name}" in error["Message"], name


def test_lambda_operations_not_served_are_named_without_an_upstream_too(server):
    client = boto3.client("lambda", endpoint_url=server.services_url, **CREDENTIALS)
    assert [fn["FunctionName"] for fn in client.list_functions()["Functions"]] == ["echo"]
    with pytest.raises(ClientError) as caught:
        client.list_event_source_mappings()
    error = caught.value.response["Error"]
    assert error["Code"] == "UnknownOperationException"
    assert "Lambda's ListEventSourceMappings" in error["Message"]


def test_with_an_upstream_other_services_are_forwarded_to_it(tmp_path):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{unused.getsockname()[1]}"
    local = LocalLambda(
        [],
        FolderCode({}),
        options=LambdaOptions(state_dir=tmp_path),
        printer=LogPrinter(io.StringIO(), color=False),
    )
    with LocalServer(local, Ports.bind("127.0.0.1", 0, 0), [], upstream=dead) as started:
        client = boto3.client(
            "dynamodb",
            endpoint_url=started.services_url,
            config=Config(retries={"max_attempts": 1, "mode": "standard"}),
            **CREDENTIALS,
        )
        with pytest.raises(ClientError) as caught:
            client.list_tables()
    error = caught.value.response["Error"]
    assert error["Code"] == "BadGateway"
    assert dead in error["Message"]
