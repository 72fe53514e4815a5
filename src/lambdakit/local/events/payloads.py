"""Payload builders for the push and queue sources: S3, SNS, SQS, EventBridge and schedules.

Each builder is a pure function of its keyword arguments and returns the exact JSON-ready dict
the service hands to Lambda (FIDELITY 4.3-4.6). Identifiers and times default to fixed sample
values, so a builder called twice with the same arguments returns equal payloads.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

SAMPLE_ACCOUNT = "123456789012"
SAMPLE_REGION = "us-east-1"
SAMPLE_TIME = datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC)
SAMPLE_ID = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"

_S3_ETAG = "0123456789abcdef0123456789abcdef"
_S3_SEQUENCER = "0A1B2C3D4E5F678901"
_SNS_SIGNATURE = (
    "EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fUQvi2egU3N858fiTDN6b"
    "kkOxYDVrY0Ad8L10Hs3zH81mtnPk5uvvolIC1CXGu43obcgFxeL3khZl8IKvO61GWB6jI9b5+gLPoBc1Q="
)
_SQS_SENDER = "AIDAIENQZJOLO23YVJ4VO"


def epoch_millis(moment: datetime) -> int:
    """Milliseconds since the epoch, as SQS timestamps and API Gateway epochs carry them."""
    return int(moment.timestamp() * 1000)


def iso_millis(moment: datetime) -> str:
    """`2024-01-01T12:00:00.000Z`: the ISO form S3 and SNS use."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def iso_seconds(moment: datetime) -> str:
    """`2024-01-01T12:00:00Z`: the ISO form EventBridge uses."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- S3 (FIDELITY 4.3) ------------------------------------------------------------------------


def s3_event(
    *,
    bucket: str,
    key: str,
    event_name: str = "ObjectCreated:Put",
    size: int = 1024,
    etag: str = _S3_ETAG,
    region: str = SAMPLE_REGION,
    version_id: str | None = None,
    sequencer: str = _S3_SEQUENCER,
    time: datetime = SAMPLE_TIME,
    source_ip: str = "127.0.0.1",
    principal_id: str = "AWS:AIDAINPONIXQXHT3IKHL2",
    configuration_id: str = "lambdakit-notification",
) -> dict[str, Any]:
    """One S3 notification record (4.3.1) for `key` in `bucket`; wrap it with `s3_records`.

    `event_name` may carry the `s3:` prefix of a bucket configuration; it is dropped (4.3.2).
    The key is URL-encoded form-style, `red flower.jpg` -> `red+flower.jpg` (4.3.3). Removal
    events carry no `size` or `eTag`, as S3 sends them.
    """
    name = event_name.removeprefix("s3:")
    obj: dict[str, Any] = {"key": quote_plus(key, safe="/")}
    if not name.startswith("ObjectRemoved:"):
        obj["size"] = size
        obj["eTag"] = etag
    if version_id is not None:
        obj["versionId"] = version_id
    obj["sequencer"] = sequencer
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": iso_millis(time),
        "eventName": name,
        "userIdentity": {"principalId": principal_id},
        "requestParameters": {"sourceIPAddress": source_ip},
        "responseElements": {
            "x-amz-request-id": "C3D13FE58DE4C810",
            "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD",
        },
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": configuration_id,
            "bucket": {
                "name": bucket,
                "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                "arn": f"arn:aws:s3:::{bucket}",
            },
            "object": obj,
        },
    }


def s3_records(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The S3 event envelope: `{"Records": [...]}` (4.3.1)."""
    return {"Records": [dict(record) for record in records]}


# --- SNS (FIDELITY 4.4) -----------------------------------------------------------------------


def sns_event(
    *,
    topic_arn: str,
    message: str,
    subject: str | None = None,
    message_attributes: Mapping[str, tuple[str, str]] | None = None,
    subscription_arn: str | None = None,
    message_id: str = "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
    time: datetime = SAMPLE_TIME,
) -> dict[str, Any]:
    """An SNS notification (4.4.1); `message_attributes` maps a name to `(Type, Value)`."""
    region = topic_arn.split(":")[3] if topic_arn.count(":") >= 5 else SAMPLE_REGION
    subscription = subscription_arn or f"{topic_arn}:21be56ed-a058-49f5-8c98-aedd2564c486"
    attributes = {
        name: {"Type": kind, "Value": value}
        for name, (kind, value) in (message_attributes or {}).items()
    }
    return {
        "Records": [
            {
                "EventVersion": "1.0",
                "EventSubscriptionArn": subscription,
                "EventSource": "aws:sns",
                "Sns": {
                    "SignatureVersion": "1",
                    "Timestamp": iso_millis(time),
                    "Signature": _SNS_SIGNATURE,
                    "SigningCertUrl": f"https://sns.{region}.amazonaws.com/"
                    "SimpleNotificationService-0000000000000000000000.pem",
                    "MessageId": message_id,
                    "Message": message,
                    "MessageAttributes": attributes,
                    "Type": "Notification",
                    "UnsubscribeUrl": f"https://sns.{region}.amazonaws.com/"
                    f"?Action=Unsubscribe&SubscriptionArn={subscription}",
                    "TopicArn": topic_arn,
                    "Subject": subject,
                },
            }
        ]
    }


# --- SQS (FIDELITY 4.5) -----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SqsMessage:
    """One message as the SQS poller hands it to Lambda; FIFO fields only on FIFO queues."""

    body: str
    message_id: str = "059f36b4-87a3-44ab-83d2-661975830a7d"
    receipt_handle: str = "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a"
    receive_count: int = 1
    sent: datetime = SAMPLE_TIME
    first_received: datetime | None = None
    sender_id: str = _SQS_SENDER
    message_attributes: Mapping[str, str | bytes] = field(default_factory=dict)
    message_group_id: str | None = None
    deduplication_id: str | None = None
    sequence_number: str | None = None


def sqs_event(
    messages: Sequence[SqsMessage], *, queue_arn: str, region: str = SAMPLE_REGION
) -> dict[str, Any]:
    """A batch of SQS records (4.5.1), with `md5OfBody` computed from each body."""
    return {"Records": [_sqs_record(m, queue_arn=queue_arn, region=region) for m in messages]}


def _sqs_record(message: SqsMessage, *, queue_arn: str, region: str) -> dict[str, Any]:
    first = message.first_received or message.sent
    attributes = {
        "ApproximateReceiveCount": str(message.receive_count),
        "SentTimestamp": str(epoch_millis(message.sent)),
    }
    if message.message_group_id is not None:  # FIFO adds these three (4.5.1)
        attributes["SequenceNumber"] = message.sequence_number or "18849496460467696128"
        attributes["MessageGroupId"] = message.message_group_id
    attributes["SenderId"] = message.sender_id
    if message.message_group_id is not None:
        attributes["MessageDeduplicationId"] = (
            message.deduplication_id or hashlib.sha256(message.body.encode()).hexdigest()
        )
    attributes["ApproximateFirstReceiveTimestamp"] = str(epoch_millis(first))
    record: dict[str, Any] = {
        "messageId": message.message_id,
        "receiptHandle": message.receipt_handle,
        "body": message.body,
        "attributes": attributes,
        "messageAttributes": {
            name: _sqs_attribute(value) for name, value in message.message_attributes.items()
        },
        "md5OfBody": hashlib.md5(message.body.encode()).hexdigest(),
    }
    if message.message_attributes:
        record["md5OfMessageAttributes"] = sqs_attributes_md5(message.message_attributes)
    record |= {"eventSource": "aws:sqs", "eventSourceARN": queue_arn, "awsRegion": region}
    return record


def _sqs_attribute(value: str | bytes) -> dict[str, Any]:
    if isinstance(value, bytes):
        return {
            "binaryValue": base64.b64encode(value).decode(),
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "Binary",
        }
    return {
        "stringValue": value,
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "String",
    }


def sqs_attributes_md5(attributes: Mapping[str, str | bytes]) -> str:
    """SQS's MD5 of message attributes: length-prefixed name, type, transport byte, value."""
    digest = hashlib.md5()
    for name in sorted(attributes):
        value = attributes[name]
        raw, kind, transport = (
            (value, b"Binary", 2) if isinstance(value, bytes) else (value.encode(), b"String", 1)
        )
        for part in (name.encode(), kind):
            digest.update(struct.pack("!I", len(part)) + part)
        digest.update(bytes([transport]) + struct.pack("!I", len(raw)) + raw)
    return digest.hexdigest()


# --- EventBridge and schedules (FIDELITY 4.6) -------------------------------------------------


def eventbridge_event(
    *,
    source: str,
    detail_type: str,
    detail: Mapping[str, Any],
    resources: Sequence[str] = (),
    account: str = SAMPLE_ACCOUNT,
    region: str = SAMPLE_REGION,
    id: str = SAMPLE_ID,
    time: datetime = SAMPLE_TIME,
) -> dict[str, Any]:
    """The EventBridge envelope (4.6.1); the bus name is not part of what Lambda receives."""
    return {
        "version": "0",
        "id": id,
        "detail-type": detail_type,
        "source": source,
        "account": account,
        "time": iso_seconds(time),
        "region": region,
        "resources": list(resources),
        "detail": dict(detail),
    }


def schedule_event(
    *,
    rule_arn: str,
    id: str = SAMPLE_ID,
    time: datetime = SAMPLE_TIME,
) -> dict[str, Any]:
    """A scheduled rule firing (4.6.2); account and region come from the rule's ARN."""
    parts = rule_arn.split(":")
    if len(parts) < 6 or parts[2] != "events" or not parts[5].startswith("rule/"):
        msg = f"not an EventBridge rule ARN: {rule_arn!r}"
        raise ValueError(msg)
    return eventbridge_event(
        source="aws.events",
        detail_type="Scheduled Event",
        detail={},
        resources=[rule_arn],
        account=parts[4],
        region=parts[3],
        id=id,
        time=time,
    )
