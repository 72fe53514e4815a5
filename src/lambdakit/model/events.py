"""Event sources: S3, SNS, SQS, schedules, EventBridge and streams delivering to functions."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from lambdakit.model.functions import Destination
from lambdakit.model.origin import Origin
from lambdakit.model.values import Value


class EventKind(enum.Enum):
    """A service that delivers events to functions."""

    S3 = "s3"
    SNS = "sns"
    SQS = "sqs"
    SCHEDULE = "schedule"
    EVENTBRIDGE = "eventbridge"
    DYNAMODB = "dynamodb"
    KINESIS = "kinesis"


@dataclass(frozen=True, kw_only=True)
class EventSource:
    """What every event source has: the target function and the source resource."""

    function: str
    """`Function.id` of the target."""
    source: str | None
    """Logical id of the bucket/topic/queue/rule/table/stream when it is in the app."""
    source_arn: Value = None
    """ARN of an external source, or the symbolic ARN of one of ours."""
    origin: Origin
    enabled: bool = True

    @property
    def kind(self) -> EventKind:
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class S3Event(EventSource):
    """Bucket notifications to a function (FIDELITY 4.3)."""

    events: tuple[str, ...]
    """Bucket-configuration names: ``s3:ObjectCreated:*``, ``s3:ObjectRemoved:Delete``."""
    prefix: str | None = None
    suffix: str | None = None

    @property
    def kind(self) -> EventKind:
        return EventKind.S3


@dataclass(frozen=True, kw_only=True)
class SnsEvent(EventSource):
    """A topic subscription of a function (FIDELITY 4.4)."""

    filter_policy: Mapping[str, Any] | None = None
    filter_policy_scope: Literal["MessageAttributes", "MessageBody"] = "MessageAttributes"

    @property
    def kind(self) -> EventKind:
        return EventKind.SNS


@dataclass(frozen=True, kw_only=True)
class SqsEvent(EventSource):
    """An SQS event source mapping (FIDELITY 4.5)."""

    batch_size: int = 10
    batching_window_seconds: int = 0
    report_batch_item_failures: bool = False
    filters: tuple[Mapping[str, Any], ...] = ()
    maximum_concurrency: int | None = None

    @property
    def kind(self) -> EventKind:
        return EventKind.SQS


@dataclass(frozen=True, kw_only=True)
class ScheduleEvent(EventSource):
    """A scheduled rule (``rate(...)``/``cron(...)``) targeting a function (FIDELITY 4.6)."""

    rule: str
    """The rule's logical id (``lambdakit trigger`` takes it)."""
    expression: str
    input: Value = None

    @property
    def kind(self) -> EventKind:
        return EventKind.SCHEDULE


@dataclass(frozen=True, kw_only=True)
class EventBridgeEvent(EventSource):
    """An EventBridge rule with an event pattern targeting a function (FIDELITY 4.6)."""

    rule: str
    pattern: Mapping[str, Any]
    bus: Value = "default"
    input: Value = None
    input_path: str | None = None
    input_transformer: Mapping[str, Value] | None = None

    @property
    def kind(self) -> EventKind:
        return EventKind.EVENTBRIDGE


@dataclass(frozen=True, kw_only=True)
class StreamEvent(EventSource):
    """A DynamoDB or Kinesis stream event source mapping (FIDELITY 4.7)."""

    stream_kind: Literal["dynamodb", "kinesis"]
    starting_position: str = "LATEST"
    batch_size: int = 100
    batching_window_seconds: int = 0
    bisect_on_error: bool = False
    maximum_retry_attempts: int = -1
    maximum_record_age_seconds: int = -1
    parallelization_factor: int = 1
    report_batch_item_failures: bool = False
    on_failure: Destination | None = None
    filters: tuple[Mapping[str, Any], ...] = ()

    @property
    def kind(self) -> EventKind:
        return EventKind.DYNAMODB if self.stream_kind == "dynamodb" else EventKind.KINESIS


@dataclass(frozen=True, kw_only=True)
class RuleTarget:
    """A queue or topic target of an EventBridge rule: a pattern or a schedule (FIDELITY 4.6).

    Function targets are `EventBridgeEvent`/`ScheduleEvent`s; these deliver the matched (and
    input-transformed) event as the message body instead.
    """

    rule: str
    """The rule's logical id."""
    destination: Destination
    """The queue (``kind="sqs"``) or topic (``kind="sns"``) and its logical id when ours."""
    origin: Origin
    enabled: bool = True
    pattern: Mapping[str, Any] | None = None
    expression: str | None = None
    """The rule's ``ScheduleExpression``, when it has one."""
    bus: Value = "default"
    input: Value = None
    input_path: str | None = None
    input_transformer: Mapping[str, Value] | None = None
    message_group_id: Value = None
    """``SqsParameters.MessageGroupId`` (FIFO queues need one)."""
