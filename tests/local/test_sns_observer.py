"""Topic subscriptions end to end: boto3 → the services endpoint → moto, then async invokes.

A real moto server stands behind the endpoint; the subscribed function appends each event it
gets to a file, which the tests read once the service has drained. SNS → SQS is moto's own.
"""

from __future__ import annotations

import json

import boto3
import pytest

from lambdakit.local.events.sns_delivery import Subscription
from lambdakit.local.sns_observer import SnsNotifier

from .recorder_cloud import recording

pytest.importorskip("moto.server")

REGION = "eu-west-1"
TOPIC = f"arn:aws:sns:{REGION}:123456789012:orders"
TABLE = {
    TOPIC: [
        Subscription(function="Recorder", topic_arn=TOPIC, subscription_arn=f"{TOPIC}:all"),
        Subscription(
            function="Recorder",
            topic_arn=TOPIC,
            subscription_arn=f"{TOPIC}:big",
            filter_policy={"size": [{"numeric": [">=", 10]}], "colour": ["red", "blue"]},
        ),
        Subscription(
            function="Recorder",
            topic_arn=TOPIC,
            subscription_arn=f"{TOPIC}:body",
            filter_policy={"order": {"kind": [{"prefix": "rush"}]}},
            filter_policy_scope="MessageBody",
        ),
    ]
}


@pytest.fixture(scope="module")
def setup(tmp_path_factory, moto):
    notifiers = []

    def observers(service, reports):
        notifiers.append(SnsNotifier(service, TABLE, report=reports.append))
        return notifiers

    with recording(tmp_path_factory.mktemp("sns"), moto.url, observers) as cloud:
        session = boto3.Session(
            region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
        )
        sns = session.client("sns", endpoint_url=cloud.endpoint)
        assert sns.create_topic(Name="orders")["TopicArn"] == TOPIC
        sqs = session.client("sqs", endpoint_url=cloud.endpoint)
        yield cloud.local, notifiers[0], sns, sqs, cloud.events, cloud.reports


def records_after(setup, action) -> list[dict]:
    """The SNS records delivered because of `action(sns)`, in delivery order."""
    local, notifier, sns, _, events, reports = setup
    events.write_text("")
    action(sns)
    local.call(notifier.flush(), timeout=30)
    local.drain(timeout=30)
    assert not reports
    found = [json.loads(line) for line in events.read_text().splitlines()]
    for event in found:
        assert len(event["Records"]) == 1
    return [event["Records"][0] for event in found]


def by_subscription(records: list[dict]) -> list[str]:
    return sorted(r["EventSubscriptionArn"].rsplit(":", 1)[1] for r in records)


def test_publish_delivers_the_sns_record_shape(setup) -> None:
    answers: list[str] = []

    def publish(sns) -> None:
        answer = sns.publish(
            TopicArn=TOPIC,
            Message="hello",
            Subject="greeting",
            MessageAttributes={"colour": {"DataType": "String", "StringValue": "green"}},
        )
        answers.append(answer["MessageId"])

    [record] = records_after(setup, publish)
    assert record["EventVersion"] == "1.0"
    assert record["EventSource"] == "aws:sns"
    assert record["EventSubscriptionArn"] == f"{TOPIC}:all"
    sns = record["Sns"]
    assert sns["Type"] == "Notification"
    assert sns["TopicArn"] == TOPIC
    assert sns["MessageId"] == answers[0]
    assert sns["Message"] == "hello"
    assert sns["Subject"] == "greeting"
    assert sns["MessageAttributes"] == {"colour": {"Type": "String", "Value": "green"}}
    assert sns["SigningCertUrl"].startswith(f"https://sns.{REGION}.amazonaws.com/")


def test_attribute_filter_policy_selects_subscriptions(setup) -> None:
    def publish(sns) -> None:
        for colour, size in (("red", "12"), ("red", "3"), ("purple", "20")):
            sns.publish(
                TopicArn=TOPIC,
                Message=f"{colour}-{size}",
                MessageAttributes={
                    "colour": {"DataType": "String", "StringValue": colour},
                    "size": {"DataType": "Number", "StringValue": size},
                },
            )

    records = records_after(setup, publish)
    delivered = sorted(
        (r["Sns"]["Message"], r["EventSubscriptionArn"].rsplit(":", 1)[1]) for r in records
    )
    assert delivered == [
        ("purple-20", "all"),
        ("red-12", "all"),
        ("red-12", "big"),
        ("red-3", "all"),
    ]


def test_body_filter_policy_and_publish_batch(setup) -> None:
    def publish(sns) -> None:
        sns.publish_batch(
            TopicArn=TOPIC,
            PublishBatchRequestEntries=[
                {"Id": "1", "Message": json.dumps({"order": {"kind": "rush-hour"}})},
                {"Id": "2", "Message": json.dumps({"order": {"kind": "slow"}})},
            ],
        )

    records = records_after(setup, publish)
    assert by_subscription(records) == ["all", "all", "body"]
    [body] = [r for r in records if r["EventSubscriptionArn"].endswith(":body")]
    assert json.loads(body["Sns"]["Message"]) == {"order": {"kind": "rush-hour"}}
    assert len({r["Sns"]["MessageId"] for r in records}) == 2


def test_json_message_structure_delivers_the_lambda_entry(setup) -> None:
    def publish(sns) -> None:
        sns.publish(
            TopicArn=TOPIC,
            MessageStructure="json",
            Message=json.dumps({"default": "for everyone", "lambda": "for functions"}),
        )

    [record] = records_after(setup, publish)
    assert record["Sns"]["Message"] == "for functions"


def test_other_topics_and_calls_deliver_nothing(setup) -> None:
    def publish(sns) -> None:
        other = sns.create_topic(Name="elsewhere")["TopicArn"]
        sns.publish(TopicArn=other, Message="not ours")
        sns.list_topics()

    assert records_after(setup, publish) == []


def test_sqs_subscriptions_are_delivered_by_moto(setup) -> None:
    _, _, sns, sqs, _, _ = setup
    url = sqs.create_queue(QueueName="order-copies")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=TOPIC, Protocol="sqs", Endpoint=queue_arn)
    records_after(setup, lambda client: client.publish(TopicArn=TOPIC, Message="copied"))
    received = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
    [envelope] = [json.loads(m["Body"]) for m in received]
    assert envelope["Type"] == "Notification"
    assert envelope["Message"] == "copied"
    assert envelope["TopicArn"] == TOPIC
