"""The payload builders against FIDELITY §4, key by key, and the shared `tests/events/` library."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote_plus

import pytest

from lambdakit.errors import UsageError
from lambdakit.local.events import (
    KINDS,
    DynamoRecord,
    KinesisRecord,
    SampleOptions,
    SqsMessage,
    api_v1_event,
    api_v2_event,
    dynamodb_event,
    eventbridge_event,
    kinesis_event,
    s3_event,
    s3_records,
    sample_event,
    schedule_event,
    sns_event,
    sqs_event,
    to_dynamodb,
)
from lambdakit.local.events.payloads import sqs_attributes_md5
from lambdakit.local.events.payloads_streams import item_size

from ..api_event_keys import V1_KEYS, V2_CONTEXT_KEYS, V2_KEYS

EVENTS = Path(__file__).parent.parent.parent / "events"
WHEN = datetime(2020, 3, 4, 19, 15, 17, 135000, tzinfo=UTC)
QUEUE = "arn:aws:sqs:us-east-2:123456789012:my-queue"
STREAM = "arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream"
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/T/stream/2015-06-27T00:48:05.899"


# --- S3 -----------------------------------------------------------------------------------------


def test_s3_record_has_every_documented_key():
    # FIDELITY 4.3.1
    event = s3_records([s3_event(bucket="b", key="k", size=7, time=WHEN)])
    (record,) = event["Records"]
    assert set(record) == {
        "eventVersion",
        "eventSource",
        "awsRegion",
        "eventTime",
        "eventName",
        "userIdentity",
        "requestParameters",
        "responseElements",
        "s3",
    }
    assert record["eventVersion"] == "2.1"
    assert record["eventSource"] == "aws:s3"
    assert record["awsRegion"] == "us-east-1"
    assert record["eventTime"] == "2020-03-04T19:15:17.135Z"
    assert record["eventName"] == "ObjectCreated:Put"
    assert "principalId" in record["userIdentity"]
    assert "sourceIPAddress" in record["requestParameters"]
    assert set(record["responseElements"]) == {"x-amz-request-id", "x-amz-id-2"}
    s3 = record["s3"]
    assert s3["s3SchemaVersion"] == "1.0"
    assert "configurationId" in s3
    assert s3["bucket"]["name"] == "b"
    assert s3["bucket"]["arn"] == "arn:aws:s3:::b"
    assert "principalId" in s3["bucket"]["ownerIdentity"]
    assert set(s3["object"]) == {"key", "size", "eTag", "sequencer"}
    assert s3["object"]["size"] == 7


def test_s3_version_id_appears_only_when_given():
    # FIDELITY 4.3.1: object{key,size,eTag,sequencer[,versionId]}
    record = s3_event(bucket="b", key="k", version_id="v1")
    assert record["s3"]["object"]["versionId"] == "v1"


def test_s3_event_name_drops_the_configuration_prefix():
    # FIDELITY 4.3.2
    assert s3_event(bucket="b", key="k", event_name="s3:ObjectCreated:Copy")["eventName"] == (
        "ObjectCreated:Copy"
    )
    removed = s3_event(bucket="b", key="k", event_name="s3:ObjectRemoved:Delete")
    assert removed["eventName"] == "ObjectRemoved:Delete"
    # S3 sends no size or eTag for a removed object
    assert set(removed["s3"]["object"]) == {"key", "sequencer"}


@pytest.mark.parametrize(
    ("key", "encoded"),
    [
        ("red flower.jpg", "red+flower.jpg"),
        ("photos/2024/a b+c.png", "photos/2024/a+b%2Bc.png"),
        ("naïve ünïcode.txt", "na%C3%AFve+%C3%BCn%C3%AFcode.txt"),
    ],
)
def test_s3_key_is_url_encoded_form_style(key, encoded):
    # FIDELITY 4.3.3: consumers decode with unquote_plus
    got = s3_event(bucket="b", key=key)["s3"]["object"]["key"]
    assert got == encoded
    assert unquote_plus(got) == key


# --- SNS ----------------------------------------------------------------------------------------


def test_sns_record_has_every_documented_key():
    # FIDELITY 4.4.1
    topic = "arn:aws:sns:us-east-1:123456789012:t"
    event = sns_event(
        topic_arn=topic,
        message="hi",
        subject="S",
        message_attributes={"Test": ("String", "TestString")},
        time=WHEN,
    )
    (record,) = event["Records"]
    assert record["EventVersion"] == "1.0"
    assert record["EventSource"] == "aws:sns"
    assert record["EventSubscriptionArn"].startswith(topic + ":")
    sns = record["Sns"]
    assert set(sns) == {
        "SignatureVersion",
        "Timestamp",
        "Signature",
        "SigningCertUrl",
        "MessageId",
        "Message",
        "MessageAttributes",
        "Type",
        "UnsubscribeUrl",
        "TopicArn",
        "Subject",
    }
    assert sns["Type"] == "Notification"
    assert sns["Message"] == "hi"
    assert sns["Subject"] == "S"
    assert sns["TopicArn"] == topic
    assert sns["Timestamp"] == "2020-03-04T19:15:17.135Z"
    assert sns["MessageAttributes"] == {"Test": {"Type": "String", "Value": "TestString"}}


def test_sns_without_subject_sends_null():
    # FIDELITY 4.4.1: Subject is always there, null when the publisher gave none
    event = sns_event(topic_arn="arn:aws:sns:us-east-1:1:t", message="m", subscription_arn="s")
    assert event["Records"][0]["Sns"]["Subject"] is None
    assert event["Records"][0]["EventSubscriptionArn"] == "s"


# --- SQS ----------------------------------------------------------------------------------------


def test_sqs_record_has_every_documented_key():
    # FIDELITY 4.5.1
    message = SqsMessage(body="Test message.", sent=WHEN, message_attributes={"a": "1"})
    (record,) = sqs_event([message], queue_arn=QUEUE, region="us-east-2")["Records"]
    assert {
        "messageId",
        "receiptHandle",
        "body",
        "attributes",
        "messageAttributes",
        "md5OfBody",
        "eventSource",
        "eventSourceARN",
        "awsRegion",
    } <= set(record)
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == QUEUE
    assert record["awsRegion"] == "us-east-2"
    assert record["attributes"] == {
        "ApproximateReceiveCount": "1",
        "SentTimestamp": "1583349317135",
        "SenderId": "AIDAIENQZJOLO23YVJ4VO",
        "ApproximateFirstReceiveTimestamp": "1583349317135",
    }
    assert record["messageAttributes"]["a"]["stringValue"] == "1"
    assert record["messageAttributes"]["a"]["dataType"] == "String"


def test_sqs_md5_of_body_is_computed_from_the_body():
    # FIDELITY 4.5.1: md5OfBody (PT tests/events/sqsEvent.json: "Test message." -> e4e68f...)
    (record,) = sqs_event([SqsMessage(body="Test message.")], queue_arn=QUEUE)["Records"]
    assert record["md5OfBody"] == "e4e68fb7bd0e697a0ae8f1bb342846b3"
    assert record["md5OfBody"] == hashlib.md5(b"Test message.").hexdigest()


def test_sqs_binary_attributes_are_base64_and_checksummed():
    # FIDELITY 4.5.1: messageAttributes{name:{stringValue, binaryValue, dataType}}
    message = SqsMessage(body="b", message_attributes={"bin": b"\x00\x01", "s": "x"})
    (record,) = sqs_event([message], queue_arn=QUEUE)["Records"]
    assert record["messageAttributes"]["bin"]["binaryValue"] == "AAE="
    assert record["messageAttributes"]["bin"]["dataType"] == "Binary"
    assert record["md5OfMessageAttributes"] == sqs_attributes_md5({"bin": b"\x00\x01", "s": "x"})


def test_sqs_attributes_md5_matches_the_sqs_algorithm():
    # Known value: the SQS docs' algorithm over one String attribute, computed by hand
    expected = hashlib.md5(
        b"\x00\x00\x00\x04name" + b"\x00\x00\x00\x06String" + b"\x01" + b"\x00\x00\x00\x05value"
    ).hexdigest()
    assert sqs_attributes_md5({"name": "value"}) == expected


def test_sqs_fifo_messages_add_the_three_fifo_attributes():
    # FIDELITY 4.5.1: FIFO adds SequenceNumber, MessageGroupId, MessageDeduplicationId
    message = SqsMessage(body="b", message_group_id="g", deduplication_id="d", sequence_number="42")
    (record,) = sqs_event([message], queue_arn=QUEUE + ".fifo")["Records"]
    attributes = record["attributes"]
    assert attributes["MessageGroupId"] == "g"
    assert attributes["MessageDeduplicationId"] == "d"
    assert attributes["SequenceNumber"] == "42"
    (plain,) = sqs_event([SqsMessage(body="b")], queue_arn=QUEUE)["Records"]
    assert not {"MessageGroupId", "MessageDeduplicationId", "SequenceNumber"} & set(
        plain["attributes"]
    )


# --- EventBridge and schedules -----------------------------------------------------------------


def test_eventbridge_envelope():
    # FIDELITY 4.6.1
    event = eventbridge_event(
        source="aws.ec2",
        detail_type="EC2 Instance State-change Notification",
        detail={"state": "running"},
        resources=["arn:aws:ec2:us-west-1:123456789012:instance/i-1"],
        account="111122223333",
        region="us-west-1",
        id="abc",
        time=WHEN,
    )
    assert event == {
        "version": "0",
        "id": "abc",
        "detail-type": "EC2 Instance State-change Notification",
        "source": "aws.ec2",
        "account": "111122223333",
        "time": "2020-03-04T19:15:17Z",
        "region": "us-west-1",
        "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1"],
        "detail": {"state": "running"},
    }


def test_schedule_event_names_its_rule():
    # FIDELITY 4.6.2
    rule = "arn:aws:events:eu-west-1:210987654321:rule/nightly"
    event = schedule_event(rule_arn=rule)
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["detail"] == {}
    assert event["resources"] == [rule]
    assert event["account"] == "210987654321"
    assert event["region"] == "eu-west-1"
    assert event["version"] == "0"


def test_schedule_event_rejects_a_non_rule_arn():
    with pytest.raises(ValueError, match="not an EventBridge rule ARN"):
        schedule_event(rule_arn="arn:aws:sqs:us-east-1:1:q")


# --- Kinesis ------------------------------------------------------------------------------------


def test_kinesis_record_has_every_documented_key():
    # FIDELITY 4.7.1
    record_in = KinesisRecord(data="Hello, this is a test.", sequence_number="495", arrival=WHEN)
    event = kinesis_event([record_in], stream_arn=STREAM, region="us-east-2", shard_id="shardId-6")
    (record,) = event["Records"]
    assert record == {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": "1",
            "sequenceNumber": "495",
            "data": "SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==",
            "approximateArrivalTimestamp": 1583349317.135,
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": "shardId-6:495",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": "arn:aws:iam::123456789012:role/lambda-role",
        "awsRegion": "us-east-2",
        "eventSourceARN": STREAM,
    }
    assert isinstance(record["kinesis"]["approximateArrivalTimestamp"], float)


def test_kinesis_binary_data_round_trips_through_base64():
    # FIDELITY 4.7.1: data is base64
    blob = bytes(range(256))
    event = kinesis_event([KinesisRecord(data=blob)], stream_arn=STREAM)
    assert base64.b64decode(event["Records"][0]["kinesis"]["data"]) == blob


# --- DynamoDB -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "typed"),
    [
        ("x", {"S": "x"}),
        (101, {"N": "101"}),
        (1.5, {"N": "1.5"}),
        (Decimal("3.14"), {"N": "3.14"}),
        (True, {"BOOL": True}),
        (None, {"NULL": True}),
        (b"\x00\xff", {"B": "AP8="}),
        ([1, "a"], {"L": [{"N": "1"}, {"S": "a"}]}),
        ({"k": {"n": False}}, {"M": {"k": {"M": {"n": {"BOOL": False}}}}}),
        ({"b", "a"}, {"SS": ["a", "b"]}),
        (frozenset({2, 1}), {"NS": ["1", "2"]}),
        ({b"a"}, {"BS": ["YQ=="]}),
    ],
)
def test_to_dynamodb_types_python_values(value, typed):
    # FIDELITY 4.7.2: typed attribute values ({"N":"101"}, {"S":"..."})
    assert to_dynamodb(value) == typed


@pytest.mark.parametrize(
    ("value", "error"),
    [(set(), ValueError), ({"a", 1}, TypeError), (float("nan"), ValueError), (object(), TypeError)],
)
def test_to_dynamodb_rejects_what_dynamodb_cannot_store(value, error):
    with pytest.raises(error):
        to_dynamodb(value)


def test_dynamodb_insert_record_matches_the_documented_example():
    # FIDELITY 4.7.2, with the LDG with-ddb INSERT example's keys, image and SizeBytes (26)
    record_in = DynamoRecord(
        event_name="INSERT",
        keys={"Id": 101},
        new_image={"Message": "New item!", "Id": 101},
        sequence_number="111",
    )
    (record,) = dynamodb_event([record_in], stream_arn=TABLE)["Records"]
    assert set(record) == {
        "eventID",
        "eventVersion",
        "dynamodb",
        "awsRegion",
        "eventName",
        "eventSourceARN",
        "eventSource",
    }
    assert record["eventVersion"] == "1.0"
    assert record["eventSource"] == "aws:dynamodb"
    assert record["eventName"] == "INSERT"
    assert record["eventSourceARN"] == TABLE
    stream = record["dynamodb"]
    assert stream["Keys"] == {"Id": {"N": "101"}}
    assert stream["NewImage"] == {"Message": {"S": "New item!"}, "Id": {"N": "101"}}
    assert "OldImage" not in stream
    assert stream["SequenceNumber"] == "111"
    assert stream["SizeBytes"] == 26
    assert stream["StreamViewType"] == "NEW_AND_OLD_IMAGES"


def test_dynamodb_modify_size_matches_the_documented_example():
    # FIDELITY 4.7.2: LDG with-ddb MODIFY example has SizeBytes 59
    record_in = DynamoRecord(
        event_name="MODIFY",
        keys={"Id": 101},
        new_image={"Message": "This item has changed", "Id": 101},
        old_image={"Message": "New item!", "Id": 101},
    )
    stream = dynamodb_event([record_in], stream_arn=TABLE)["Records"][0]["dynamodb"]
    assert stream["OldImage"] == {"Message": {"S": "New item!"}, "Id": {"N": "101"}}
    assert stream["SizeBytes"] == 59


@pytest.mark.parametrize(
    ("view", "event_name", "images"),
    [
        ("KEYS_ONLY", "MODIFY", set()),
        ("NEW_IMAGE", "MODIFY", {"NewImage"}),
        ("OLD_IMAGE", "MODIFY", {"OldImage"}),
        ("NEW_AND_OLD_IMAGES", "MODIFY", {"NewImage", "OldImage"}),
        ("NEW_AND_OLD_IMAGES", "INSERT", {"NewImage"}),
        ("NEW_AND_OLD_IMAGES", "REMOVE", {"OldImage"}),
    ],
)
def test_dynamodb_images_follow_the_stream_view_type(view, event_name, images):
    # FIDELITY 4.7.2: NewImage?/OldImage? per StreamViewType and eventName
    record_in = DynamoRecord(
        event_name=event_name, keys={"Id": 1}, new_image={"Id": 1}, old_image={"Id": 1}
    )
    stream = dynamodb_event([record_in], stream_arn=TABLE, stream_view_type=view)["Records"][0]
    assert {"NewImage", "OldImage"} & set(stream["dynamodb"]) == images
    assert stream["dynamodb"]["StreamViewType"] == view


def test_item_size_counts_names_values_and_container_overhead():
    assert item_size({"a": {"S": "xyz"}}) == 4
    assert item_size({"n": {"N": "12345"}}) == 1 + 4
    assert item_size({"l": {"L": [{"BOOL": True}, {"NULL": True}]}}) == 1 + 3 + 2 + 2
    assert item_size({"m": {"M": {"k": {"S": "v"}}}}) == 1 + 3 + 1 + 1 + 1
    assert item_size({"s": {"SS": ["ab", "c"]}, "b": {"B": "AAE="}}) == 1 + 3 + 1 + 2


# --- API Gateway REST (payload 1.0) ------------------------------------------------------------


def test_api_v1_absent_maps_are_null():
    # FIDELITY 4.1.1
    event = api_v1_event(method="get", path="/items")
    assert set(event) == V1_KEYS
    for key in (
        "headers",
        "multiValueHeaders",
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "pathParameters",
        "stageVariables",
        "body",
    ):
        assert event[key] is None, key
    assert event["isBase64Encoded"] is False
    assert event["httpMethod"] == "GET"
    assert event["resource"] == "/items"


def test_api_v1_request_context():
    # FIDELITY 4.1.1: resourcePath, httpMethod, path incl. stage, requestId, identity, ...
    event = api_v1_event(
        method="POST",
        path="/items/7",
        resource="/items/{id}",
        headers={"User-Agent": "curl/8"},
        time=WHEN,
    )
    context = event["requestContext"]
    assert context["resourcePath"] == "/items/{id}"
    assert context["httpMethod"] == "POST"
    assert context["path"] == "/Prod/items/7"
    assert context["stage"] == "Prod"
    assert context["accountId"] == "123456789012"
    assert context["protocol"] == "HTTP/1.1"
    assert context["requestTimeEpoch"] == 1583349317135
    assert context["requestTime"] == "04/Mar/2020:19:15:17 +0000"
    assert context["requestId"]
    assert context["apiId"]
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["userAgent"] == "curl/8"
    assert event["pathParameters"] == {"id": "7"}
    assert event["path"] == "/items/7"


def test_api_v1_repeated_query_and_headers_keep_the_last_and_all_values():
    # FIDELITY 4.1.1: single-value maps hold the LAST value, multiValue* all of them
    event = api_v1_event(
        method="GET",
        path="/",
        query={"a": ["1", "2"], "b": "3"},
        headers={"X-Tag": ["x", "y"], "Accept": "*/*"},
    )
    assert event["queryStringParameters"] == {"a": "2", "b": "3"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": ["3"]}
    assert event["headers"] == {"X-Tag": "y", "Accept": "*/*"}
    assert event["multiValueHeaders"] == {"X-Tag": ["x", "y"], "Accept": ["*/*"]}


def test_api_v1_binary_body_is_base64():
    # FIDELITY 4.1.1: body + isBase64Encoded
    event = api_v1_event(method="POST", path="/", body=b"\x89PNG")
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x89PNG"
    text = api_v1_event(method="POST", path="/", body='{"a": 1}')
    assert text["body"] == '{"a": 1}'
    assert text["isBase64Encoded"] is False


# --- API Gateway HTTP API (payload 2.0) --------------------------------------------------------


def test_api_v2_has_the_documented_keys_and_no_multi_value_maps():
    # FIDELITY 4.2.1
    event = api_v2_event(
        method="post",
        path="/my/path",
        route="/my/{p}",
        query={"q": "1"},
        headers={"Host": "h", "User-Agent": "Custom User Agent String"},
        cookies=["c=1"],
        body="hi",
        time=WHEN,
    )
    # every documented key; stage variables are left out when the stage has none
    assert set(event) == V2_KEYS - {"stageVariables"}
    assert event["version"] == "2.0"
    # the route key is the route's template; its parameters come from matching the path
    assert event["routeKey"] == "POST /my/{p}"
    assert event["pathParameters"] == {"p": "path"}
    context = event["requestContext"]
    assert set(context) >= V2_CONTEXT_KEYS
    assert context["http"] == {
        "method": "POST",
        "path": "/my/path",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "Custom User Agent String",
    }
    assert context["routeKey"] == "POST /my/{p}"
    assert context["stage"] == "$default"
    assert context["timeEpoch"] == 1583349317135
    assert context["time"] == "04/Mar/2020:19:15:17 +0000"


def test_api_v2_defaults_route_key_and_leaves_out_empty_optional_keys():
    # FIDELITY 4.2.1 (PT apiGatewayProxyV2Event.json): absent cookies/query/body are left out
    event = api_v2_event(method="GET", path="/")
    assert event["routeKey"] == "$default"
    assert event["rawQueryString"] == ""
    assert event["headers"] == {}
    assert not {"cookies", "queryStringParameters", "body", "pathParameters"} & set(event)
    assert "multiValueHeaders" not in event
    assert "multiValueQueryStringParameters" not in event


def test_api_v2_lower_cases_and_comma_joins_headers_and_query():
    # FIDELITY 4.2.1: lower-case header names; duplicates comma-joined
    event = api_v2_event(
        method="GET",
        path="/p",
        headers={"X-Tag": ["a", "b"], "User-Agent": "agent"},
        query={"parameter1": ["value1", "value2"], "parameter2": "value"},
    )
    assert event["headers"] == {"x-tag": "a,b", "user-agent": "agent"}
    assert event["queryStringParameters"] == {"parameter1": "value1,value2", "parameter2": "value"}
    assert event["rawQueryString"] == "parameter1=value1&parameter1=value2&parameter2=value"
    assert event["requestContext"]["http"]["userAgent"] == "agent"


def test_api_v2_cookies_move_to_the_cookies_list():
    # FIDELITY 4.2.1: cookies (list) and no cookie header
    event = api_v2_event(method="GET", path="/", headers={"Cookie": "a=1; b=2"}, cookies=["c=3"])
    assert event["cookies"] == ["c=3", "a=1", "b=2"]
    assert "cookie" not in event["headers"]


def test_api_v2_binary_body_and_named_stage():
    # FIDELITY 4.2.1: body, isBase64Encoded; a named stage prefixes rawPath
    event = api_v2_event(
        method="PUT",
        path="/f",
        headers={"Content-Type": "application/octet-stream"},
        body=b"\x00",
        stage="dev",
    )
    assert event["isBase64Encoded"] is True
    assert event["body"] == "AA=="
    assert event["rawPath"] == "/dev/f"
    assert event["requestContext"]["stage"] == "dev"


# --- Determinism, samples and the shared fixture library ---------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_samples_are_deterministic(kind):
    assert sample_event(kind) == sample_event(kind)
    json.dumps(sample_event(kind))  # JSON-ready


@pytest.mark.parametrize("kind", KINDS)
def test_shared_fixture_equals_the_builder_default(kind):
    # DESIGN style 10: tests/events/<kind>.json is what the builders produce with defaults;
    # regenerate with `lambdakit event KIND -o tests/events/KIND.json` when a builder changes
    fixture = json.loads((EVENTS / f"{kind}.json").read_text())
    assert fixture == sample_event(kind)


def test_every_kind_has_a_fixture_and_nothing_else_is_there():
    assert sorted(p.stem for p in EVENTS.glob("*.json")) == sorted(KINDS)


def test_sample_fifo_queue_gets_fifo_attributes():
    # FIDELITY 4.5.1
    event = sample_event("sqs", SampleOptions(queue="orders.fifo", count=2))
    groups = {r["attributes"]["MessageGroupId"] for r in event["Records"]}
    assert groups == {"1"}
    seqs = [int(r["attributes"]["SequenceNumber"]) for r in event["Records"]]
    assert seqs == sorted(seqs)
    assert len({r["messageId"] for r in event["Records"]}) == 2


def test_sample_dynamodb_count_cycles_insert_modify_remove():
    event = sample_event("dynamodb", SampleOptions(count=4))
    assert [r["eventName"] for r in event["Records"]] == ["INSERT", "MODIFY", "REMOVE", "INSERT"]
    assert "NewImage" not in event["Records"][2]["dynamodb"]


def test_sample_options_that_do_not_apply_are_usage_errors():
    with pytest.raises(UsageError, match="--bucket does not apply to sqs") as info:
        sample_event("sqs", SampleOptions(bucket="b"))
    assert info.value.exit_code == 2
    with pytest.raises(UsageError, match="unknown event kind"):
        sample_event("s3-get")
    with pytest.raises(UsageError, match="--count"):
        sample_event("sqs", SampleOptions(count=0))
