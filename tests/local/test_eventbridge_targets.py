"""Queue and topic targets of event rules: ``put_events`` → a message, through the endpoint.

FIDELITY 4.6: the matched (and input-transformed) event is the message body. A real moto server
stands behind the services endpoint; the sink sends through that endpoint, so a topic target
with a Lambda subscription invokes the recorder as a publish by the functions would.
"""

from __future__ import annotations

import json

import boto3
import pytest

from lambdakit.aws.destinations_sink import AwsDestinationSink
from lambdakit.local.eventbridge_observer import EventBridgeNotifier
from lambdakit.local.events.eventbridge_rules import Rule
from lambdakit.local.events.sns_delivery import Subscription
from lambdakit.local.sns_observer import SnsNotifier
from lambdakit.model import Destination

from .recorder_cloud import recording

pytest.importorskip("moto.server")

REGION = "eu-west-1"
ACCOUNT = "123456789012"
JOBS = f"arn:aws:sqs:{REGION}:{ACCOUNT}:jobs"
ORDERED = f"arn:aws:sqs:{REGION}:{ACCOUNT}:ordered.fifo"
ALERTS = f"arn:aws:sns:{REGION}:{ACCOUNT}:alerts"
ORDERS = {"source": ["shop.orders"]}


def target_rule(name: str, arn: str, kind: str, **options: object) -> Rule:
    destination = Destination(arn=arn, kind=kind)  # type: ignore[arg-type]
    return Rule(None, name, "default", ORDERS, region=REGION, destination=destination, **options)  # type: ignore[arg-type]


TABLE = {
    "default": [
        target_rule("ToJobs", JOBS, "sqs", input_path="$.detail"),
        target_rule("ToOrdered", ORDERED, "sqs", message_group_id="orders"),
        target_rule("ToAlerts", ALERTS, "sns"),
        target_rule("ToNowhere", f"arn:aws:sqs:{REGION}:{ACCOUNT}:missing", "sqs"),
    ]
}
SUBSCRIPTIONS = {
    ALERTS: [Subscription(function="Recorder", topic_arn=ALERTS, subscription_arn=f"{ALERTS}:s")]
}


@pytest.fixture(scope="module")
def setup(tmp_path_factory, moto):
    notifiers = []

    def observers(service, reports):
        notifiers.append(SnsNotifier(service, SUBSCRIPTIONS, report=reports.append))
        notifiers.append(EventBridgeNotifier(service, TABLE, report=reports.append, sink=sink))
        return notifiers

    sink = AwsDestinationSink("", region=REGION)
    with recording(tmp_path_factory.mktemp("targets"), moto.url, observers) as cloud:
        sink.endpoint_url = cloud.endpoint
        session = boto3.Session(
            region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
        )
        sqs = session.client("sqs", endpoint_url=cloud.endpoint)
        sqs.create_queue(QueueName="jobs")
        sqs.create_queue(QueueName="ordered.fifo", Attributes={"FifoQueue": "true"})
        session.client("sns", endpoint_url=cloud.endpoint).create_topic(Name="alerts")
        yield cloud, notifiers, session.client("events", endpoint_url=cloud.endpoint), sqs


def received(sqs, name: str) -> list[dict]:
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    answer = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, AttributeNames=["All"]
    )
    return answer.get("Messages", [])


def test_a_matched_event_reaches_queue_fifo_queue_and_topic_targets(setup) -> None:
    cloud, notifiers, events, sqs = setup
    answer = events.put_events(
        Entries=[
            {"Source": "shop.orders", "DetailType": "Order Placed", "Detail": '{"id": 7}'},
            {"Source": "shop.other", "DetailType": "Ignored", "Detail": "{}"},
        ]
    )
    event_id = answer["Entries"][0]["EventId"]
    for notifier in reversed(notifiers):  # the topic's publish is seen after the rule's send
        cloud.local.call(notifier.flush(), timeout=30)
    cloud.local.drain(timeout=30)

    [job] = received(sqs, "jobs")
    assert json.loads(job["Body"]) == {"id": 7}  # InputPath applied

    [ordered] = received(sqs, "ordered.fifo")
    envelope = json.loads(ordered["Body"])
    assert (envelope["id"], envelope["source"], envelope["detail"]) == (
        event_id,
        "shop.orders",
        {"id": 7},
    )
    assert ordered["Attributes"]["MessageGroupId"] == "orders"
    assert ordered["Attributes"]["MessageDeduplicationId"] == event_id

    [sns_event] = [json.loads(line) for line in cloud.events.read_text().splitlines()]
    assert json.loads(sns_event["Records"][0]["Sns"]["Message"])["id"] == event_id

    [dropped] = cloud.reports
    assert "rule ToNowhere" in dropped
    assert "was dropped" in dropped
