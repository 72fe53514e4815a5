"""Sample events by kind name (`lambdakit event KIND`): options in, one builder call, payload out.

Every option is optional; what is left out takes a fixed sample value, so the same options
always give the same payload (the shared fixtures in `tests/events/` are these defaults).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import timedelta
from typing import Any

from lambdakit.errors import UsageError
from lambdakit.local.events.payloads import (
    SAMPLE_ACCOUNT,
    SAMPLE_REGION,
    SAMPLE_TIME,
    SqsMessage,
    eventbridge_event,
    s3_event,
    s3_records,
    schedule_event,
    sns_event,
    sqs_event,
)
from lambdakit.local.events.payloads_api import SAMPLE_API_ID, api_v1_event, api_v2_event
from lambdakit.local.events.payloads_streams import (
    DynamoEventName,
    DynamoRecord,
    KinesisRecord,
    dynamodb_event,
    kinesis_event,
)


@dataclass(frozen=True, kw_only=True)
class SampleOptions:
    """What the user may say about a sample event; `None` means the sample value."""

    region: str | None = None
    account: str | None = None
    bucket: str | None = None
    key: str | None = None
    size: int | None = None
    body: str | None = None
    subject: str | None = None
    queue: str | None = None
    topic: str | None = None
    stream: str | None = None
    table: str | None = None
    rule: str | None = None
    method: str | None = None
    path: str | None = None
    source: str | None = None
    detail_type: str | None = None
    detail: Mapping[str, Any] | None = None
    count: int | None = None


_API = frozenset({"method", "path", "body"})
_S3 = frozenset({"bucket", "key", "size"})
_OPTIONS_BY_KIND: dict[str, frozenset[str]] = {
    "api-v1": _API,
    "api-v2": _API,
    "s3-put": _S3,
    "s3-delete": _S3 - {"size"},
    "sqs": frozenset({"queue", "body", "count"}),
    "sns": frozenset({"topic", "body", "subject"}),
    "schedule": frozenset({"rule"}),
    "dynamodb": frozenset({"table", "count"}),
    "kinesis": frozenset({"stream", "body", "count"}),
    "eventbridge": frozenset({"source", "detail_type", "detail"}),
}
_EVERY_KIND = frozenset({"region", "account"})

KINDS: tuple[str, ...] = tuple(_OPTIONS_BY_KIND)
"""The event kinds `lambdakit event` knows, in the order the CLI lists them."""


def _sample_headers(r: _Resolved) -> dict[str, str]:
    """What curl sends to a deployed API in the sample's region."""
    return {
        "Accept": "*/*",
        "Host": f"{SAMPLE_API_ID}.execute-api.{r.region}.amazonaws.com",
        "User-Agent": "curl/8.4.0",
    }


@dataclass(frozen=True)
class _Resolved:
    """Options with the sample values filled in."""

    options: SampleOptions
    region: str
    account: str
    count: int

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account}:{resource}"


def sample_event(kind: str, options: SampleOptions | None = None) -> dict[str, Any]:
    """The sample payload of `kind` (one of `KINDS`) shaped by `options`."""
    if kind not in _OPTIONS_BY_KIND:
        msg = f"unknown event kind {kind!r}"
        raise UsageError(msg, hint=f"choose one of: {', '.join(KINDS)}")
    opts = options or SampleOptions()
    allowed = _OPTIONS_BY_KIND[kind] | _EVERY_KIND
    for option in fields(opts):
        if getattr(opts, option.name) is not None and option.name not in allowed:
            flag = "--" + option.name.replace("_", "-")
            names = ", ".join("--" + n.replace("_", "-") for n in sorted(allowed))
            msg = f"{flag} does not apply to {kind} events"
            raise UsageError(msg, hint=f"{kind} takes {names}")
    count = 1 if opts.count is None else opts.count
    if count < 1:
        msg = f"--count must be at least 1, not {count}"
        raise UsageError(msg)
    resolved = _Resolved(opts, opts.region or SAMPLE_REGION, opts.account or SAMPLE_ACCOUNT, count)
    return _BUILDERS[kind](resolved)


def _api_v1(r: _Resolved) -> dict[str, Any]:
    o = r.options
    return api_v1_event(
        method=o.method or "GET",
        path=o.path or "/hello",
        headers=_sample_headers(r),
        body=o.body,
        account=r.account,
    )


def _api_v2(r: _Resolved) -> dict[str, Any]:
    o = r.options
    method, path = o.method or "GET", o.path or "/hello"
    return api_v2_event(
        method=method,
        path=path,
        route=path,
        headers=_sample_headers(r),
        body=o.body,
        account=r.account,
    )


def _s3(event_name: str) -> Callable[[_Resolved], dict[str, Any]]:
    def build(r: _Resolved) -> dict[str, Any]:
        o = r.options
        record = s3_event(
            bucket=o.bucket or "example-bucket",
            key=o.key or "uploads/red flower.jpg",
            event_name=event_name,
            size=1024 if o.size is None else o.size,
            region=r.region,
        )
        return s3_records([record])

    return build


def _sqs(r: _Resolved) -> dict[str, Any]:
    body = r.options.body or "Hello from SQS!"
    queue = r.options.queue or "my-queue"
    fifo = queue.endswith(".fifo")  # a FIFO queue adds its three attributes (FIDELITY 4.5.1)
    messages = [
        SqsMessage(
            body=body,
            message_id=f"059f36b4-87a3-44ab-83d2-{i:012d}",
            receipt_handle=f"AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a{i:04d}",
            sent=SAMPLE_TIME + timedelta(milliseconds=i),
            message_group_id="1" if fifo else None,
            deduplication_id=f"{i + 1:064x}" if fifo else None,
            sequence_number=str(18849496460467696128 + i) if fifo else None,
        )
        for i in range(r.count)
    ]
    return sqs_event(messages, queue_arn=r.arn("sqs", queue), region=r.region)


def _sns(r: _Resolved) -> dict[str, Any]:
    return sns_event(
        topic_arn=r.arn("sns", r.options.topic or "my-topic"),
        message=r.options.body or "Hello from SNS!",
        subject=r.options.subject,
    )


def _schedule(r: _Resolved) -> dict[str, Any]:
    return schedule_event(rule_arn=r.arn("events", f"rule/{r.options.rule or 'my-schedule'}"))


def _eventbridge(r: _Resolved) -> dict[str, Any]:
    o = r.options
    return eventbridge_event(
        source=o.source or "com.example.app",
        detail_type=o.detail_type or "Example Event",
        detail={"message": "Hello from EventBridge!"} if o.detail is None else o.detail,
        account=r.account,
        region=r.region,
    )


def _kinesis(r: _Resolved) -> dict[str, Any]:
    data = r.options.body or "Hello, this is a test."
    first = 49590338271490256608559692538361571095921575989136588898
    records = [
        KinesisRecord(
            data=data,
            partition_key=str(i + 1),
            sequence_number=str(first + i),
            arrival=SAMPLE_TIME + timedelta(milliseconds=i),
        )
        for i in range(r.count)
    ]
    stream = r.options.stream or "my-stream"
    return kinesis_event(
        records,
        stream_arn=r.arn("kinesis", f"stream/{stream}"),
        region=r.region,
        invoke_identity_arn=f"arn:aws:iam::{r.account}:role/lambda-role",
    )


_DYNAMO_CYCLE: tuple[DynamoEventName, ...] = ("INSERT", "MODIFY", "REMOVE")


def _dynamodb(r: _Resolved) -> dict[str, Any]:
    records = []
    for i in range(r.count):
        name = _DYNAMO_CYCLE[i % 3]
        item_id = 101 + i // 3
        records.append(
            DynamoRecord(
                event_name=name,
                keys={"Id": item_id},
                new_image=None if name == "REMOVE" else {"Id": item_id, "Message": "New item!"},
                old_image=None if name == "INSERT" else {"Id": item_id, "Message": "Old item!"},
                sequence_number=str(111 + 111 * i),
                event_id=f"{i + 1:032x}",
                created=SAMPLE_TIME,
            )
        )
    table = r.options.table or "my-table"
    arn = r.arn("dynamodb", f"table/{table}/stream/2024-01-01T00:00:00.000")
    return dynamodb_event(records, stream_arn=arn, region=r.region)


_BUILDERS: dict[str, Callable[[_Resolved], dict[str, Any]]] = {
    "api-v1": _api_v1,
    "api-v2": _api_v2,
    "s3-put": _s3("ObjectCreated:Put"),
    "s3-delete": _s3("ObjectRemoved:Delete"),
    "sqs": _sqs,
    "sns": _sns,
    "schedule": _schedule,
    "dynamodb": _dynamodb,
    "kinesis": _kinesis,
    "eventbridge": _eventbridge,
}
