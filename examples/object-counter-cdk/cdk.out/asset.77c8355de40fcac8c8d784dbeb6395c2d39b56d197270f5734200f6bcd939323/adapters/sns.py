"""Announcements on an SNS topic, as JSON messages."""

import json

import boto3

from adapters.ports.counts import Change, Totals


class SnsAnnouncer:
    """`Announcer` publishing one JSON message per change."""

    def __init__(self, topic_arn: str, client=None) -> None:
        self._topic_arn = topic_arn
        self._client = client or boto3.client("sns")

    def announce(self, change: Change, totals: Totals) -> None:
        self._client.publish(TopicArn=self._topic_arn, Message=json.dumps(message(change, totals)))


def message(change: Change, totals: Totals) -> dict:
    """The announcement the worker receives (the queue subscribes with raw delivery)."""
    return {
        "change": change.kind,
        "bucket": change.bucket,
        "key": change.key,
        "size": change.size,
        "objects": totals.objects,
    }
