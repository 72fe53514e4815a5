"""Resources besides functions: those the local cloud emulates (buckets, tables...) and the rest."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from lambdakit.model.origin import Origin
from lambdakit.model.values import Value


class ResourceKind(enum.Enum):
    """Resources the local cloud creates, and the rest."""

    BUCKET = "bucket"
    TABLE = "table"
    TOPIC = "topic"
    QUEUE = "queue"
    STREAM = "stream"
    EVENT_BUS = "event-bus"
    SSM_PARAMETER = "ssm-parameter"
    SECRET = "secret"
    OTHER = "other"
    """Kept opaque and listed as not emulated locally."""


@dataclass(frozen=True, kw_only=True)
class Resource:
    """A resource of the app other than functions, layers and API wiring."""

    logical_id: str
    stack: str
    type: str
    """The CloudFormation type, e.g. ``AWS::DynamoDB::Table``."""
    origin: Origin
    name: Value = None
    """The physical name when the template sets it."""
    condition: str | None = None

    @property
    def kind(self) -> ResourceKind:
        return ResourceKind.OTHER

    @property
    def emulated(self) -> bool:
        return self.kind is not ResourceKind.OTHER


@dataclass(frozen=True, kw_only=True)
class Bucket(Resource):
    versioned: bool = False
    eventbridge_enabled: bool = False

    @property
    def kind(self) -> ResourceKind:
        return ResourceKind.BUCKET


@dataclass(frozen=True)
class KeyAttribute:
    """One key attribute of a table or index."""

    name: str
    type: Literal["S", "N", "B"]
    key_type: Literal["HASH", "RANGE"]


@dataclass(frozen=True)
class SecondaryIndex:
    name: str
    keys: tuple[KeyAttribute, ...]
    projection: str = "ALL"
    local: bool = False


@dataclass(frozen=True, kw_only=True)
class Table(Resource):
    keys: tuple[KeyAttribute, ...]
    indexes: tuple[SecondaryIndex, ...] = ()
    stream_view_type: str | None = None
    """``NEW_IMAGE``, ``OLD_IMAGE``, ``NEW_AND_OLD_IMAGES``, ``KEYS_ONLY``; None: no stream."""
    billing_mode: str = "PAY_PER_REQUEST"
    ttl_attribute: str | None = None

    @property
    def kind(self) -> ResourceKind:
        return ResourceKind.TABLE


@dataclass(frozen=True)
class Subscription:
    """A topic subscription to something other than a function (queue, email, https...)."""

    protocol: str
    endpoint: Value
    raw_message_delivery: bool = False
    filter_policy: Mapping[str, Any] | None = None
    filter_policy_scope: Literal["MessageAttributes", "MessageBody"] = "MessageAttributes"
    resource: str | None = None
    """Logical id of the subscribed queue when it is ours."""


@dataclass(frozen=True, kw_only=True)
class Topic(Resource):
    fifo: bool = False
    subscriptions: tuple[Subscription, ...] = ()

    @property
    def kind(self) -> ResourceKind:
        return ResourceKind.TOPIC


@dataclass(frozen=True)
class RedrivePolicy:
    dead_letter_queue: str | None
    """Logical id of the DLQ when it is ours."""
    dead_letter_arn: Value
    max_receive_count: int


@dataclass(frozen=True, kw_only=True)
class Queue(Resource):
    fifo: bool = False
    content_based_deduplication: bool = False
    visibility_timeout_seconds: int = 30
    message_retention_seconds: int = 345600
    delay_seconds: int = 0
    redrive: RedrivePolicy | None = None

    @property
    def kind(self) -> ResourceKind:
        return ResourceKind.QUEUE


@dataclass(frozen=True, kw_only=True)
class Stream(Resource):
    shard_count: int = 1

    @property
    def kind(self) -> ResourceKind:
        return ResourceKind.STREAM


@dataclass(frozen=True, kw_only=True)
class EventBus(Resource):
    @property
    def kind(self) -> ResourceKind:
        return ResourceKind.EVENT_BUS


@dataclass(frozen=True, kw_only=True)
class SsmParameter(Resource):
    value: Value = None
    parameter_type: str = "String"

    @property
    def kind(self) -> ResourceKind:
        return ResourceKind.SSM_PARAMETER


@dataclass(frozen=True, kw_only=True)
class Secret(Resource):
    secret_string: Value = None
    generated: bool = False
    """True when the template asks Secrets Manager to generate the value."""

    @property
    def kind(self) -> ResourceKind:
        return ResourceKind.SECRET
