"""Async invoke outcomes delivered to a real moto server, read back with boto3 (FIDELITY 3.8+)."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

from lambdakit.aws.destinations_sink import AwsDestinationSink
from lambdakit.aws.moto_server import MotoServer
from lambdakit.aws.provision import FAKE_CREDENTIALS
from lambdakit.local.destinations import (
    DeliveryError,
    DestinationMessage,
    InvocationRecord,
    dead_letter_message,
    failure_message,
    success_message,
)
from lambdakit.local.function_spec import LocalFunction
from lambdakit.local.lambda_service import LambdaOptions
from lambdakit.local.logs import LogPrinter
from lambdakit.local.physical_names import PhysicalResource
from lambdakit.local.runner import LocalLambda
from lambdakit.model import Destination, EventInvokeConfig, GetAtt, ResourceKind
from lambdakit.testing import FolderCode

REGION = "us-east-1"
ACCOUNT = "123456789012"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders"
RECORD = InvocationRecord(
    request_id="c0ffee00-0000-4000-8000-000000000001",
    function_arn=f"{FUNCTION_ARN}:$LATEST",
    condition="RetriesExhausted",
    approximate_invoke_count=3,
    request_payload=b'{"order": 7}',
    timestamp=datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
    function_error="Unhandled",
    response_payload=b'{"errorMessage": "boom", "errorType": "ValueError"}',
)


def client(server: MotoServer, service: str) -> Any:
    session = boto3.session.Session(region_name=REGION, **FAKE_CREDENTIALS)
    return session.client(service, endpoint_url=server.url)


def queue(server: MotoServer, name: str, **attributes: str) -> tuple[str, str]:
    """A new queue's URL and ARN."""
    sqs = client(server, "sqs")
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return url, arn["QueueArn"]


def received(server: MotoServer, url: str, *, wait: float = 5.0) -> list[dict[str, Any]]:
    """The queue's messages with all their attributes (waits for the first one)."""
    response = client(server, "sqs").receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=10,
        MessageAttributeNames=["All"],
        WaitTimeSeconds=int(wait),
    )
    return list(response.get("Messages", []))


def deliver(
    sink: AwsDestinationSink, destination: Destination, message: DestinationMessage
) -> None:
    asyncio.run(sink.deliver(destination, message))


def test_sqs_gets_the_record_as_its_body_3_9(moto: MotoServer) -> None:
    url, arn = queue(moto, "on-failure")
    sink = AwsDestinationSink(moto.url)

    deliver(sink, Destination(arn=arn, kind="sqs"), failure_message(RECORD))

    [message] = received(moto, url)
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["functionArn"] == f"{FUNCTION_ARN}:$LATEST"
    assert record["requestPayload"] == {"order": 7}
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert "MessageAttributes" not in message


def test_a_dead_letter_queue_gets_the_event_and_its_attributes_3_10(moto: MotoServer) -> None:
    url, arn = queue(moto, "dead-letters")
    sink = AwsDestinationSink(moto.url)

    deliver(sink, Destination(arn=arn, kind="sqs"), dead_letter_message(RECORD))

    [message] = received(moto, url)
    assert json.loads(message["Body"]) == {"order": 7}
    attributes = {
        name: (value["DataType"], value["StringValue"])
        for name, value in message["MessageAttributes"].items()
    }
    assert attributes == {
        "RequestID": ("String", RECORD.request_id),
        "ErrorCode": ("Number", "200"),
        "ErrorMessage": ("String", "boom"),
    }


def test_sns_publishes_the_record_to_its_subscribers_3_9(moto: MotoServer) -> None:
    url, queue_arn = queue(moto, "topic-subscriber")
    sns = client(moto, "sns")
    topic = sns.create_topic(Name="on-success")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    sink = AwsDestinationSink(moto.url)

    deliver(sink, Destination(arn=topic, kind="sns"), success_message(RECORD))

    [message] = received(moto, url)
    envelope = json.loads(message["Body"])
    assert envelope["TopicArn"] == topic
    assert json.loads(envelope["Message"])["requestContext"]["requestId"] == RECORD.request_id


def test_an_sns_dead_letter_topic_carries_the_attributes_3_10(moto: MotoServer) -> None:
    url, queue_arn = queue(moto, "dlq-topic-subscriber")
    sns = client(moto, "sns")
    topic = sns.create_topic(Name="dead-letter-topic")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    sink = AwsDestinationSink(moto.url)

    deliver(sink, Destination(arn=topic, kind="sns"), dead_letter_message(RECORD))

    [message] = received(moto, url)
    envelope = json.loads(message["Body"])
    assert json.loads(envelope["Message"]) == {"order": 7}
    assert envelope["MessageAttributes"]["ErrorCode"] == {"Type": "Number", "Value": "200"}
    assert envelope["MessageAttributes"]["RequestID"]["Value"] == RECORD.request_id


def test_eventbridge_gets_the_record_as_detail_3_9(moto: MotoServer) -> None:
    url, queue_arn = queue(moto, "bus-target")
    events = client(moto, "events")
    bus = events.create_event_bus(Name="outcomes")["EventBusArn"]
    events.put_rule(
        Name="all-lambda", EventBusName="outcomes", EventPattern='{"source":["lambda"]}'
    )
    events.put_targets(
        Rule="all-lambda", EventBusName="outcomes", Targets=[{"Id": "q", "Arn": queue_arn}]
    )
    sink = AwsDestinationSink(moto.url)

    deliver(sink, Destination(arn=bus, kind="eventbridge"), failure_message(RECORD))

    [message] = received(moto, url)
    event = json.loads(message["Body"])
    assert event["source"] == "lambda"
    assert event["detail-type"] == "Lambda Function Invocation Result - Failure"
    assert event["detail"]["requestContext"]["requestId"] == RECORD.request_id


def test_s3_keeps_an_on_failure_record_under_the_async_prefix_3_8(moto: MotoServer) -> None:
    s3 = client(moto, "s3")
    s3.create_bucket(Bucket="failures")
    sink = AwsDestinationSink(moto.url)

    deliver(sink, Destination(arn="arn:aws:s3:::failures", kind="s3"), failure_message(RECORD))

    [entry] = s3.list_objects_v2(Bucket="failures")["Contents"]
    assert entry["Key"] == (
        f"aws/lambda/async/orders/2026/01/02/2026-01-02T03.04.05-{RECORD.request_id}"
    )
    body = s3.get_object(Bucket="failures", Key=entry["Key"])["Body"].read()
    assert json.loads(body)["requestContext"]["requestId"] == RECORD.request_id


def test_an_app_queue_is_found_by_its_logical_id(moto: MotoServer) -> None:
    url, arn = queue(moto, "app-failures")
    record = PhysicalResource(
        logical_id="Failures",
        kind=ResourceKind.QUEUE,
        name="app-failures",
        arn=arn,
        ref=url,
        url=url,
    )
    sink = AwsDestinationSink(moto.url, physical={"Failures": record})
    symbolic = Destination(arn=GetAtt("Failures", "Arn"), kind="sqs", resource="Failures")

    deliver(sink, symbolic, failure_message(RECORD))

    [message] = received(moto, url)
    assert json.loads(message["Body"])["requestContext"]["requestId"] == RECORD.request_id


def test_an_app_fifo_queue_is_refused_3_8(moto: MotoServer) -> None:
    url, arn = queue(moto, "app-records.fifo", FifoQueue="true")
    record = PhysicalResource(
        logical_id="Records", kind=ResourceKind.QUEUE, name="app-records.fifo", arn=arn, ref=url
    )
    sink = AwsDestinationSink(moto.url, physical={"Records": record})
    symbolic = Destination(arn=GetAtt("Records", "Arn"), kind="sqs", resource="Records")

    with pytest.raises(DeliveryError, match="FIFO"):
        deliver(sink, symbolic, failure_message(RECORD))


def test_what_lambda_refuses_is_refused_3_8(moto: MotoServer) -> None:
    _, fifo = queue(moto, "records.fifo", FifoQueue="true")
    sink = AwsDestinationSink(moto.url)

    with pytest.raises(DeliveryError, match="FIFO"):
        deliver(sink, Destination(arn=fifo, kind="sqs"), failure_message(RECORD))
    with pytest.raises(DeliveryError, match="on-failure"):
        deliver(sink, Destination(arn="arn:aws:s3:::failures", kind="s3"), success_message(RECORD))


def test_a_missing_resource_is_a_delivery_error(moto: MotoServer) -> None:
    sink = AwsDestinationSink(moto.url)
    missing = f"arn:aws:sqs:{REGION}:{ACCOUNT}:nowhere"

    with pytest.raises(DeliveryError, match="nowhere"):
        deliver(sink, Destination(arn=missing, kind="sqs"), failure_message(RECORD))


def test_lambda_destinations_go_to_the_connected_service() -> None:
    sink = AwsDestinationSink("http://127.0.0.1:1")
    calls: list[tuple[str, bytes]] = []

    async def invoke_async(target: str, payload: bytes) -> None:
        calls.append((target, payload))

    destination = Destination(arn=FUNCTION_ARN, kind="lambda")
    with pytest.raises(DeliveryError, match="not connected"):
        deliver(sink, destination, success_message(RECORD))
    sink.connect(invoke_async)
    deliver(sink, destination, success_message(RECORD))

    [(target, payload)] = calls
    assert target == FUNCTION_ARN
    assert json.loads(payload)["requestContext"]["requestId"] == RECORD.request_id


def test_an_async_failure_ends_in_the_local_queue_3_9(moto: MotoServer, tmp_path: Path) -> None:
    """GIVEN a function that always fails, no retries, OnFailure = a moto queue
    WHEN it is invoked with InvocationType Event
    THEN the invocation record (RetriesExhausted) arrives in the queue."""
    url, arn = queue(moto, "end-to-end-failures")
    code = tmp_path / "code"
    code.mkdir()
    (code / "app.py").write_text("def handler(event, context):\n    raise ValueError('always')\n")
    function = LocalFunction(
        id="AlwaysFails",
        name="always-fails",
        handler="app.handler",
        runtime="python3.12",
        timeout_seconds=5.0,
        event_invoke=EventInvokeConfig(
            maximum_retry_attempts=0, on_failure=Destination(arn=arn, kind="sqs")
        ),
    )
    sink = AwsDestinationSink(moto.url)
    local = LocalLambda(
        [function],
        FolderCode({"AlwaysFails": code}),
        options=LambdaOptions(state_dir=tmp_path / "state", time_scale=0.001),
        printer=LogPrinter(io.StringIO(), color=False),
        sink=sink,
    )
    with local:
        assert local.invoke("always-fails", {"order": 9}, invocation_type="Event") is None
        local.drain(30)

    [message] = received(moto, url)
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["requestPayload"] == {"order": 9}
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorMessage"] == "always"
