"""The CloudWatch Logs adapter of `lambdakit logs` against a real moto server (FIDELITY 2.7)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from lambdakit.aws.log_reader import LogReader
from lambdakit.aws.moto_server import MotoServer
from lambdakit.deploy.log_query import tail
from lambdakit.errors import DeployError

REGION = "us-east-1"
STREAM = "2026/11/23/[$LATEST]0123456789abcdef0123456789abcdef"


def _session() -> boto3.session.Session:
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )


@pytest.fixture(scope="module")
def logs(moto: MotoServer) -> Iterator[Any]:
    client = _session().client("logs", endpoint_url=moto.url)
    client.create_log_group(logGroupName="/aws/lambda/reader-fn")
    client.create_log_stream(logGroupName="/aws/lambda/reader-fn", logStreamName=STREAM)
    now = int(time.time() * 1000)
    client.put_log_events(
        logGroupName="/aws/lambda/reader-fn",
        logStreamName=STREAM,
        logEvents=[{"timestamp": now - 3000 + i, "message": f"line {i}\n"} for i in range(60)],
    )
    yield client


@pytest.fixture
def reader(moto: MotoServer) -> LogReader:
    return LogReader(session=_session(), endpoint_url=moto.url)


def test_filter_log_events_reads_every_page_oldest_first(logs, reader):
    events = reader.filter_log_events("/aws/lambda/reader-fn", 0, None, None)
    assert [e.message for e in events] == [f"line {i}\n" for i in range(60)]
    assert {e.stream for e in events} == {STREAM}
    assert len({e.event_id for e in events}) == 60


def test_filter_log_events_passes_the_pattern_and_window(logs, reader):
    events = reader.filter_log_events("/aws/lambda/reader-fn", 0, None, "line 42")
    assert [e.message for e in events] == ["line 42\n"]
    first = reader.filter_log_events("/aws/lambda/reader-fn", 0, None, None)[0].timestamp_ms
    assert len(reader.filter_log_events("/aws/lambda/reader-fn", first, first + 1, None)) == 2


def test_a_missing_log_group_is_a_deploy_error_that_says_why(reader):
    with pytest.raises(DeployError, match=r"log group /aws/lambda/never not found: has the"):
        reader.filter_log_events("/aws/lambda/never", 0, None, None)


def test_log_group_defaults_to_aws_lambda_name_when_the_function_is_unknown(reader):
    """FIDELITY 2.7.6: default /aws/lambda/<name>."""
    assert reader.log_group("not-deployed") == "/aws/lambda/not-deployed"


def test_physical_name_without_a_stack_is_the_name_given(reader):
    assert reader.physical_name("my-function", None) == "my-function"


_STACK = {
    "Resources": {
        "Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {"AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []}},
        },
        "Api": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Runtime": "python3.12",
                "Handler": "index.handler",
                "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                "Code": {"ZipFile": "def handler(event, context): pass"},
            },
        },
    }
}


def test_physical_name_of_a_logical_id_comes_from_the_stack(moto, reader):
    """A logical id resolves to the deployed name; its log group is /aws/lambda/<that name>
    (FIDELITY 2.7.6; moto keeps no LoggingConfig, so a custom LogGroup is covered offline)."""
    cloudformation = _session().client("cloudformation", endpoint_url=moto.url)
    cloudformation.create_stack(StackName="logs-app", TemplateBody=json.dumps(_STACK))
    name = reader.physical_name("Api", "logs-app")
    assert name.startswith("logs-app-Api-")
    assert reader.log_group(name) == f"/aws/lambda/{name}"
    with pytest.raises(DeployError, match="stack logs-app has no resource Missing"):
        reader.physical_name("Missing", "logs-app")
    with pytest.raises(DeployError, match="Role in stack logs-app is a AWS::IAM::Role, not a"):
        reader.physical_name("Role", "logs-app")
    with pytest.raises(DeployError, match=r"stack no-such-stack: .*does not exist"):
        reader.physical_name("Api", "no-such-stack")


def test_tail_over_the_adapter_picks_up_an_event_put_after_it_started(logs, reader):
    """The tail's second query sees only what arrived after the first (FIDELITY 2.7.1 lines)."""
    start = int(time.time() * 1000) - 60_000

    def sleep(_seconds: float) -> None:
        logs.put_log_events(
            logGroupName="/aws/lambda/reader-fn",
            logStreamName=STREAM,
            logEvents=[{"timestamp": int(time.time() * 1000), "message": "END RequestId: r9\n"}],
        )

    shown = [
        e.message
        for e in tail(
            reader,
            "/aws/lambda/reader-fn",
            start_ms=start,
            filter_pattern=None,
            interval_seconds=0.0,
            sleep=sleep,
            max_polls=2,
        )
    ]
    assert shown == [f"line {i}\n" for i in range(60)] + ["END RequestId: r9\n"]
