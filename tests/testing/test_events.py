"""`lambdakit.testing.events`: each factory is `lambdakit event KIND` with the same options, and
the shapes tests rely on (several SQS bodies, JSON bodies) hold."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest

from lambdakit.local.events.samples import SampleOptions, sample_event
from lambdakit.testing import events


def test_s3_factories_are_the_samples_with_bucket_and_key() -> None:
    """FIDELITY 4.3.1, 4.3.2: eventName without the s3: prefix."""
    put = events.s3_put("photos", "a b.jpg", size=7)
    assert put == sample_event("s3-put", SampleOptions(bucket="photos", key="a b.jpg", size=7))
    record = put["Records"][0]
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["s3"]["bucket"]["name"] == "photos"
    assert record["s3"]["object"]["size"] == 7
    removed = events.s3_delete("photos", "a.jpg", region="eu-west-1")["Records"][0]
    assert removed["eventName"] == "ObjectRemoved:Delete"
    assert removed["awsRegion"] == "eu-west-1"


def test_sqs_takes_one_body_or_one_record_per_body() -> None:
    """FIDELITY 4.5.1: md5OfBody matches each body; a dict body is JSON."""
    one = events.sqs({"fail": True}, queue="work")
    assert [r["body"] for r in one["Records"]] == ['{"fail": true}']
    assert one["Records"][0]["eventSourceARN"].endswith(":work")
    many = events.sqs(["a", {"b": 1}, "c"])
    bodies = [r["body"] for r in many["Records"]]
    assert bodies == ["a", '{"b": 1}', "c"]
    assert [r["md5OfBody"] for r in many["Records"]] == [
        hashlib.md5(b.encode()).hexdigest() for b in bodies
    ]
    assert len({r["messageId"] for r in many["Records"]}) == 3
    assert len(events.sqs("x", count=4)["Records"]) == 4
    assert "MessageGroupId" in events.sqs("x", queue="q.fifo")["Records"][0]["attributes"]
    with pytest.raises(ValueError, match="count=2"):
        events.sqs(["a"], count=2)
    with pytest.raises(ValueError, match="at least one"):
        events.sqs([])


def test_sns_api_and_http_api() -> None:
    """FIDELITY 4.4.1, 4.1.1, 4.2.1."""
    sns = events.sns({"n": 1}, topic="changes", subject="hi")["Records"][0]["Sns"]
    assert json.loads(sns["Message"]) == {"n": 1}
    assert sns["TopicArn"].endswith(":changes")
    assert sns["Subject"] == "hi"
    rest = events.api("POST", "/items", body={"x": 1})
    assert rest == sample_event(
        "api-v1", SampleOptions(method="POST", path="/items", body='{"x": 1}')
    )
    assert rest["httpMethod"] == "POST"
    http = events.http_api("PUT", "/items/7", body="raw")
    assert http["routeKey"] == "PUT /items/7"
    assert http["body"] == "raw"


def test_eventbridge_schedule_and_streams() -> None:
    """FIDELITY 4.6.1, 4.6.2, 4.7.1, 4.7.2."""
    bus = events.eventbridge({"id": 3}, source="shop", detail_type="Order Placed")
    assert (bus["source"], bus["detail-type"], bus["detail"]) == ("shop", "Order Placed", {"id": 3})
    scheduled = events.schedule("nightly")
    assert scheduled["detail-type"] == "Scheduled Event"
    assert scheduled["resources"][0].endswith(":rule/nightly")
    stream = events.dynamodb("orders", count=3)["Records"]
    assert [r["eventName"] for r in stream] == ["INSERT", "MODIFY", "REMOVE"]
    assert "table/orders/stream" in stream[0]["eventSourceARN"]
    shards = events.kinesis({"k": 1}, stream="clicks", count=2)["Records"]
    assert len(shards) == 2
    assert json.loads(base64.b64decode(shards[0]["kinesis"]["data"])) == {"k": 1}
