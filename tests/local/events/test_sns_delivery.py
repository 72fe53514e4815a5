"""SNS filter policies, published messages of ``Publish``/``PublishBatch`` calls, the table."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

import pytest

from lambdakit.local.edge_calls import AwsCall
from lambdakit.local.events.sns_delivery import (
    Published,
    Subscription,
    policy_matches,
    published_messages,
    subscription_table,
)
from lambdakit.local.physical_names import physical_resources
from lambdakit.model import App, Origin, SnsEvent, SourceKind, Stack, Topic

TOPIC = "arn:aws:sns:eu-west-1:123456789012:orders"
MESSAGE = Published(
    topic_arn=TOPIC,
    message=json.dumps({"order": {"kind": "rush", "total": 12}, "tags": ["a", "b"]}),
    message_id="m1",
    attributes={
        "colour": ("String", "red"),
        "size": ("Number", "12.5"),
        "tags": ("String.Array", '["gift", "rush", 3]'),
        "blob": ("Binary", "AAE="),
    },
)


@pytest.mark.parametrize(
    "policy",
    [
        {},
        {"colour": ["red"]},
        {"colour": ["blue", "red"], "size": [{"numeric": [">", 10]}]},
        {"size": [12.5]},
        {"size": [{"numeric": [">=", 12.5, "<", 13]}]},
        {"colour": [{"prefix": "re"}]},
        {"colour": [{"suffix": "ed"}]},
        {"colour": [{"equals-ignore-case": "RED"}]},
        {"colour": [{"anything-but": ["blue", "green"]}]},
        {"colour": [{"anything-but": {"prefix": "bl"}}]},
        {"tags": ["rush"]},
        {"tags": [3]},
        {"colour": [{"exists": True}]},
        {"missing": [{"exists": False}]},
        {"$or": [{"colour": ["blue"]}, {"size": [{"numeric": ["<", 20]}]}]},
    ],
)
def test_attribute_policies_that_match(policy: dict) -> None:
    assert policy_matches(policy, MESSAGE, "MessageAttributes")


@pytest.mark.parametrize(
    "policy",
    [
        {"colour": ["blue"]},
        {"colour": ["red"], "size": [{"numeric": ["<", 10]}]},  # keys are ANDed
        {"size": ["12.5"]},  # a Number attribute is not a string
        {"colour": [{"numeric": [">", 0]}]},
        {"colour": [{"anything-but": "red"}]},
        {"missing": [{"anything-but": "red"}]},  # absent attributes match no value
        {"missing": ["red"]},
        {"colour": [{"exists": False}]},
        {"blob": ["AAE="]},  # binary attributes are not filtered on
        {"tags": ["other"]},
    ],
)
def test_attribute_policies_that_do_not_match(policy: dict) -> None:
    assert not policy_matches(policy, MESSAGE, "MessageAttributes")


def test_body_policies_look_into_the_json_message() -> None:
    assert policy_matches({"order": {"kind": ["rush"]}}, MESSAGE, "MessageBody")
    assert policy_matches({"order": {"total": [{"numeric": [">", 10]}]}}, MESSAGE, "MessageBody")
    assert policy_matches({"tags": ["b"]}, MESSAGE, "MessageBody")
    assert not policy_matches({"order": {"kind": ["slow"]}}, MESSAGE, "MessageBody")
    assert not policy_matches({"colour": ["red"]}, MESSAGE, "MessageBody")
    plain = Published(topic_arn=TOPIC, message="not json", message_id="m2")
    assert not policy_matches({"a": [{"exists": False}]}, plain, "MessageBody")


def test_a_subscription_without_policy_wants_everything() -> None:
    subscription = Subscription("Fn", TOPIC, f"{TOPIC}:1")
    assert subscription.wants(MESSAGE)
    filtered = Subscription("Fn", TOPIC, f"{TOPIC}:1", filter_policy={"colour": ["blue"]})
    assert not filtered.wants(MESSAGE)


# --- calls → published messages ---------------------------------------------------------------


def call(body: bytes, response: bytes, headers: dict[str, str] | None = None) -> AwsCall:
    return AwsCall(
        service="sns",
        method="POST",
        host="127.0.0.1:4566",
        path="/",
        query="",
        headers=headers or {"Content-Type": "application/x-www-form-urlencoded"},
        body=body,
        status=200,
        response_headers={},
        response_body=response,
    )


NS = 'xmlns="http://sns.amazonaws.com/doc/2010-03-31/"'


def test_query_publish_with_attributes() -> None:
    body = urlencode(
        {
            "Action": "Publish",
            "Version": "2010-03-31",
            "TopicArn": TOPIC,
            "Message": "hello & bye",
            "Subject": "hi",
            "MessageAttributes.entry.1.Name": "colour",
            "MessageAttributes.entry.1.Value.DataType": "String",
            "MessageAttributes.entry.1.Value.StringValue": "red",
            "MessageAttributes.entry.2.Name": "blob",
            "MessageAttributes.entry.2.Value.DataType": "Binary",
            "MessageAttributes.entry.2.Value.BinaryValue": "AAE=",
        }
    ).encode()
    response = (
        f"<PublishResponse {NS}><PublishResult><MessageId>abc</MessageId></PublishResult>"
        "</PublishResponse>"
    ).encode()
    [message] = published_messages(call(body, response))
    assert message == Published(
        topic_arn=TOPIC,
        message="hello & bye",
        message_id="abc",
        subject="hi",
        attributes={"colour": ("String", "red"), "blob": ("Binary", "AAE=")},
    )


def test_query_publish_batch_skips_failed_entries() -> None:
    attribute = "PublishBatchRequestEntries.member.2.MessageAttributes.entry.1."
    body = urlencode(
        {
            "Action": "PublishBatch",
            "TopicArn": TOPIC,
            "PublishBatchRequestEntries.member.1.Id": "one",
            "PublishBatchRequestEntries.member.1.Message": "first",
            "PublishBatchRequestEntries.member.2.Id": "two",
            "PublishBatchRequestEntries.member.2.Message": "second",
            attribute + "Name": "n",
            attribute + "Value.DataType": "Number",
            attribute + "Value.StringValue": "4",
            "PublishBatchRequestEntries.member.3.Id": "three",
            "PublishBatchRequestEntries.member.3.Message": "third",
        }
    ).encode()
    response = (
        f"<PublishBatchResponse {NS}><PublishBatchResult><Successful>"
        "<member><Id>two</Id><MessageId>m-2</MessageId></member>"
        "<member><Id>three</Id><MessageId>m-3</MessageId></member>"
        "</Successful><Failed><member><Id>one</Id><Code>X</Code></member></Failed>"
        "</PublishBatchResult></PublishBatchResponse>"
    ).encode()
    second, third = published_messages(call(body, response))
    assert (second.message, second.message_id, second.attributes) == (
        "second",
        "m-2",
        {"n": ("Number", "4")},
    )
    assert (third.message, third.message_id) == ("third", "m-3")


def test_json_protocol_publish_and_message_structure() -> None:
    headers = {"X-Amz-Target": "AmazonSNS.Publish", "Content-Type": "application/x-amz-json-1.0"}
    request = {
        "TopicArn": TOPIC,
        "MessageStructure": "json",
        "Message": json.dumps({"default": "everyone", "lambda": "functions"}),
        "MessageAttributes": {"k": {"DataType": "String", "StringValue": "v"}},
    }
    [message] = published_messages(
        call(json.dumps(request).encode(), b'{"MessageId": "j1"}', headers)
    )
    assert (message.message, message.message_id, message.attributes) == (
        "functions",
        "j1",
        {"k": ("String", "v")},
    )


def test_json_protocol_publish_batch() -> None:
    headers = {"X-Amz-Target": "AmazonSNS.PublishBatch"}
    request = {
        "TopicArn": TOPIC,
        "PublishBatchRequestEntries": [{"Id": "a", "Message": "A"}, {"Id": "b", "Message": "B"}],
    }
    response = {"Successful": [{"Id": "b", "MessageId": "mb"}], "Failed": [{"Id": "a"}]}
    [message] = published_messages(
        call(json.dumps(request).encode(), json.dumps(response).encode(), headers)
    )
    assert (message.message, message.message_id) == ("B", "mb")


def test_other_calls_publish_nothing() -> None:
    body = urlencode({"Action": "CreateTopic", "Name": "x"}).encode()
    assert published_messages(call(body, b"<CreateTopicResponse/>")) == []
    failed = AwsCall("sns", "POST", "h", "/", "", {}, b"Action=Publish", 400, {}, b"")
    assert published_messages(failed) == []


# --- the subscription table -------------------------------------------------------------------

ORIGIN = Origin(file=Path("template.yaml"), name="X")


def test_the_table_maps_topic_arns_to_lambda_subscriptions() -> None:
    stack = Stack(
        name="shop",
        template_file=Path("template.yaml"),
        source=SourceKind.SAM,
        template={},
        region="eu-west-1",
    )
    topic = Topic(logical_id="Orders", stack="shop", type="AWS::SNS::Topic", origin=ORIGIN)
    external = "arn:aws:sns:eu-west-1:999999999999:theirs"
    app = App(
        name="shop",
        root=Path(),
        source=SourceKind.SAM,
        stacks=(stack,),
        resources=(topic,),
        event_sources=(
            SnsEvent(function="A", source="Orders", origin=ORIGIN),
            SnsEvent(
                function="B",
                source="Orders",
                origin=ORIGIN,
                filter_policy={"k": ["v"]},
                filter_policy_scope="MessageBody",
            ),
            SnsEvent(function="C", source=None, source_arn=external, origin=ORIGIN),
            SnsEvent(function="D", source="Orders", origin=ORIGIN, enabled=False),
        ),
    )
    physical = physical_resources(app, "http://127.0.0.1:4566")
    table = subscription_table(app, physical)
    arn = physical["Orders"].arn
    assert set(table) == {arn, external}
    first, second = table[arn]
    assert (first.function, first.filter_policy) == ("A", None)
    assert (second.function, second.filter_policy_scope) == ("B", "MessageBody")
    assert first.subscription_arn.startswith(arn + ":")
    assert first.subscription_arn != second.subscription_arn
    assert subscription_table(app, physical) == table  # subscription ARNs are stable
