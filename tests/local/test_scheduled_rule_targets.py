"""Scheduled rules with queue and topic targets fire into a real moto behind the endpoint.

FIDELITY 4.6.2: the "Scheduled Event" (or the target's constant input) is the message body. The
scheduler runs on the service's loop with a fake clock (no real waits); the sink sends through
the services endpoint, so a topic with a Lambda subscription invokes the recorder.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from lambdakit.aws.destinations_sink import AwsDestinationSink
from lambdakit.local.events.schedule_expressions import parse
from lambdakit.local.events.schedule_targets import ScheduleTarget
from lambdakit.local.events.sns_delivery import Subscription
from lambdakit.local.scheduler import Scheduler
from lambdakit.local.sns_observer import SnsNotifier
from lambdakit.model import Destination

from .recorder_cloud import recording

pytest.importorskip("moto.server")

REGION = "eu-west-1"
ACCOUNT = "123456789012"
JOBS = f"arn:aws:sqs:{REGION}:{ACCOUNT}:scheduled-jobs"
ALERTS = f"arn:aws:sns:{REGION}:{ACCOUNT}:scheduled-alerts"
RULE_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/app-Tick-0123456789AB"
START = datetime(2026, 11, 23, 16, 47, 30, tzinfo=UTC)
SUBSCRIPTIONS = {
    ALERTS: [Subscription(function="Recorder", topic_arn=ALERTS, subscription_arn=f"{ALERTS}:s")]
}


def scheduled(rule: str, arn: str, kind: str, **more: object) -> ScheduleTarget:
    destination = Destination(arn=arn, kind=kind)  # type: ignore[arg-type]
    return ScheduleTarget(
        rule=rule,
        expression="rate(1 minute)",
        schedule=parse("rate(1 minute)"),
        rule_arn=RULE_ARN,
        destination=destination,
        **more,  # type: ignore[arg-type]
    )


class OneTick:
    """A clock whose first sleep jumps to the wake-up time; later sleeps wait until cancelled."""

    def __init__(self) -> None:
        self.now = START
        self.slept = False

    def clock(self) -> datetime:
        return self.now

    async def sleep(self, seconds: float) -> None:
        if self.slept:
            await asyncio.Event().wait()
        self.slept = True
        self.now += timedelta(seconds=seconds)


@pytest.fixture(scope="module")
def setup(tmp_path_factory, moto):
    notifiers: list[SnsNotifier] = []

    def observers(service, reports):
        notifiers.append(SnsNotifier(service, SUBSCRIPTIONS, report=reports.append))
        return notifiers

    with recording(tmp_path_factory.mktemp("scheduled"), moto.url, observers) as cloud:
        session = boto3.Session(
            region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
        )
        sqs = session.client("sqs", endpoint_url=cloud.endpoint)
        sqs.create_queue(QueueName="scheduled-jobs")
        session.client("sns", endpoint_url=cloud.endpoint).create_topic(Name="scheduled-alerts")
        sink = AwsDestinationSink(cloud.endpoint, region=REGION)
        yield cloud, notifiers[0], sink, sqs


def received(sqs, seconds: float = 20.0) -> list[dict]:
    """The queue's messages (deleted), polled until some arrive or `seconds` pass."""
    url = sqs.get_queue_url(QueueName="scheduled-jobs")["QueueUrl"]
    deadline = time.monotonic() + seconds
    while True:
        answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        messages = answer.get("Messages", [])
        if messages or time.monotonic() > deadline:
            break
    for message in messages:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return messages


def test_a_scheduled_rule_sends_the_scheduled_event_to_its_queue_on_time(setup) -> None:
    cloud, _, sink, sqs = setup
    tick = OneTick()
    scheduler = Scheduler(
        cloud.local.service,
        [scheduled("Tick", JOBS, "sqs")],
        report=cloud.reports.append,
        clock=tick.clock,
        sleep=tick.sleep,
        sink=sink,
    )
    cloud.local.call(scheduler.start(), timeout=30)
    try:
        [message] = received(sqs)
    finally:
        cloud.local.call(scheduler.stop(), timeout=30)
    event = json.loads(message["Body"])
    assert event["detail-type"] == "Scheduled Event"
    assert (event["source"], event["detail"], event["resources"]) == ("aws.events", {}, [RULE_ARN])
    assert event["time"] == "2026-11-23T16:48:30Z"  # one minute after the scheduler started
    assert cloud.reports == []


def test_fire_sends_the_constant_input_to_the_queue(setup) -> None:
    cloud, _, sink, sqs = setup
    target = scheduled("Tagged", JOBS, "sqs", input=b'{"job": "tagged"}')
    scheduler = Scheduler(cloud.local.service, [target], report=cloud.reports.append, sink=sink)
    (event_id,) = cloud.local.call(scheduler.fire("Tagged"), timeout=30)
    assert event_id
    assert [json.loads(m["Body"]) for m in received(sqs)] == [{"job": "tagged"}]


def test_a_topic_target_with_a_lambda_subscription_invokes_the_function(setup) -> None:
    cloud, notifier, sink, _ = setup
    scheduler = Scheduler(
        cloud.local.service,
        [scheduled("Alarm", ALERTS, "sns")],
        report=cloud.reports.append,
        sink=sink,
    )
    (event_id,) = cloud.local.call(scheduler.fire("Alarm"), timeout=30)
    cloud.local.call(notifier.flush(), timeout=30)
    cloud.local.drain(timeout=30)
    [sns_event] = [json.loads(line) for line in cloud.events.read_text().splitlines()]
    record = sns_event["Records"][0]["Sns"]
    assert record["TopicArn"] == ALERTS
    event = json.loads(record["Message"])
    assert (event["id"], event["detail-type"]) == (event_id, "Scheduled Event")
