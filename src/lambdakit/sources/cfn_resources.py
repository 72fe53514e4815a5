"""Read a resolved stack's resources other than functions, layers and wiring into `Resource`s.

Stages:

1. leave out what another part of the model stands for (`cfn_absorbed`: functions, layers,
   routes, event wiring, permissions, CodeDeploy traffic shifting);
2. read each remaining resource by its type, in template order: buckets, tables
   (`cfn_tables`), topics with their non-function subscriptions, queues with their redrive
   policy, Kinesis streams, event buses, SSM parameters and secrets become typed resources the
   local cloud creates; anything else becomes a plain `Resource` listed as not emulated
   locally, named by its ``<Type>Name`` (``LogGroupName``, ``DomainName``) or ``Name``
   property when the template sets one.

References to the app's own resources stay symbolic (``!GetAtt Dlq.Arn``) and are also
resolved to logical ids (`RedrivePolicy.dead_letter_queue`, `Subscription.resource`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields
from typing import Any

from lambdakit.errors import TemplateError
from lambdakit.model import (
    Bucket,
    EventBus,
    Queue,
    RedrivePolicy,
    Resource,
    Secret,
    SsmParameter,
    Stream,
    Subscription,
    Topic,
    Value,
    is_symbolic,
)
from lambdakit.sources.cfn_absorbed import absorbed_ids
from lambdakit.sources.cfn_json import json_document
from lambdakit.sources.cfn_tables import table
from lambdakit.sources.coerce import as_bool, as_int, as_str
from lambdakit.sources.resolved import ResolvedResource, ResolvedStack

_Reader = Callable[[ResolvedStack, ResolvedResource], Resource]


def extract_resources(stack: ResolvedStack) -> tuple[Resource, ...]:
    """The stack's resources except functions, layers and wiring, in template order."""
    absorbed = absorbed_ids(stack)
    return tuple(
        _READERS.get(res.type, _other)(stack, res)
        for logical_id, res in stack.resources.items()
        if logical_id not in absorbed
    )


def common(stack: ResolvedStack, res: ResolvedResource, name_property: str) -> dict[str, Any]:
    """The fields every `Resource` has, with `name` read from `name_property`."""
    return {
        "logical_id": res.logical_id,
        "stack": stack.context.stack,
        "type": res.type,
        "origin": stack.context.origin(res.logical_id),
        "name": res.prop(name_property),
        "condition": res.condition,
    }


def _where(stack: ResolvedStack, res: ResolvedResource, prop: str) -> str:
    return f"{stack.context.origin(res.logical_id)}: {prop}"


def _other(stack: ResolvedStack, res: ResolvedResource) -> Resource:
    """A resource lambdakit does not emulate: kept with its type and name for listing."""
    short = res.type.rsplit("::", 1)[-1]
    candidates = (f"{short}Name", short, "Name")  # LogGroupName; DomainName; Name
    name_property = next(
        (p for p in candidates if p.endswith("Name") and res.prop(p) is not None), "Name"
    )
    return Resource(**common(stack, res, name_property))


# --------------------------------------------------------------------------- S3


def _bucket(stack: ResolvedStack, res: ResolvedResource) -> Bucket:
    status = as_str(
        res.prop("VersioningConfiguration", "Status"),
        _where(stack, res, "VersioningConfiguration.Status"),
    )
    return Bucket(
        **common(stack, res, "BucketName"),
        versioned=status == "Enabled",
        eventbridge_enabled=_eventbridge_enabled(stack, res),
    )


def _eventbridge_enabled(stack: ResolvedStack, res: ResolvedResource) -> bool:
    """``NotificationConfiguration.EventBridgeConfiguration`` on the bucket, or CDK's equivalent.

    CDK sets bucket notifications through a ``Custom::S3BucketNotifications`` resource whose
    configuration follows the S3 API: an ``EventBridgeConfiguration: {}`` there enables it.
    """
    config = res.prop("NotificationConfiguration", "EventBridgeConfiguration")
    if isinstance(config, dict):
        enabled = as_bool(
            config.get("EventBridgeEnabled"),
            _where(stack, res, "NotificationConfiguration.EventBridgeConfiguration"),
        )
        return enabled is not False
    for custom in stack.of_type("Custom::S3BucketNotifications"):
        if stack.referenced(custom.prop("BucketName")) == res.logical_id and isinstance(
            custom.prop("NotificationConfiguration", "EventBridgeConfiguration"), dict
        ):
            return True
    return False


# --------------------------------------------------------------------------- SNS


def _topic(stack: ResolvedStack, res: ResolvedResource) -> Topic:
    inline = res.prop("Subscription")
    subscriptions = [
        _subscription(stack, res, f"Subscription[{i}]", item, {})
        for i, item in enumerate(inline if isinstance(inline, list) else [])
        if isinstance(item, dict)
    ]
    for sub in stack.of_type("AWS::SNS::Subscription"):
        if stack.referenced(sub.prop("TopicArn")) == res.logical_id:
            subscriptions.append(
                _subscription(stack, sub, "", dict(sub.properties), sub.properties)
            )
    return Topic(
        **common(stack, res, "TopicName"),
        fifo=bool(as_bool(res.prop("FifoTopic"), _where(stack, res, "FifoTopic"))),
        subscriptions=tuple(s for s in subscriptions if s is not None),
    )


def _subscription(
    stack: ResolvedStack,
    res: ResolvedResource,
    prefix: str,
    spec: Mapping[str, Value],
    options: Mapping[str, Value],
) -> Subscription | None:
    """One subscription, or None when it delivers to a function of the app (an event source).

    `options` holds ``RawMessageDelivery`` and ``FilterPolicy``, which only the
    ``AWS::SNS::Subscription`` resource has (an inline ``Subscription`` item has neither).
    """

    def where(prop: str) -> str:
        return _where(stack, res, f"{prefix}.{prop}" if prefix else prop)

    endpoint = spec.get("Endpoint")
    protocol = (as_str(spec.get("Protocol"), where("Protocol")) or "").lower()
    if protocol == "lambda" and stack.target_function(endpoint) is not None:
        return None
    queue = stack.get(stack.referenced(endpoint))
    policy = options.get("FilterPolicy")
    document = json_document(policy, where("FilterPolicy")) if policy is not None else None
    return Subscription(
        protocol=protocol,
        endpoint=endpoint,
        raw_message_delivery=bool(
            as_bool(options.get("RawMessageDelivery"), where("RawMessageDelivery"))
        ),
        filter_policy=document if isinstance(document, dict) else None,
        filter_policy_scope=(
            "MessageBody"
            if options.get("FilterPolicyScope") == "MessageBody"
            else "MessageAttributes"
        ),
        resource=queue.logical_id if queue and queue.type == "AWS::SQS::Queue" else None,
    )


# --------------------------------------------------------------------------- SQS

_QUEUE_DEFAULTS: Mapping[str, Any] = {f.name: f.default for f in fields(Queue)}


def _queue(stack: ResolvedStack, res: ResolvedResource) -> Queue:
    def number(prop: str, default: int) -> int:
        value = as_int(res.prop(prop), _where(stack, res, prop))
        return default if value is None else value

    return Queue(
        **common(stack, res, "QueueName"),
        fifo=bool(as_bool(res.prop("FifoQueue"), _where(stack, res, "FifoQueue"))),
        content_based_deduplication=bool(
            as_bool(
                res.prop("ContentBasedDeduplication"),
                _where(stack, res, "ContentBasedDeduplication"),
            )
        ),
        visibility_timeout_seconds=number(
            "VisibilityTimeout", _QUEUE_DEFAULTS["visibility_timeout_seconds"]
        ),
        message_retention_seconds=number(
            "MessageRetentionPeriod", _QUEUE_DEFAULTS["message_retention_seconds"]
        ),
        delay_seconds=number("DelaySeconds", _QUEUE_DEFAULTS["delay_seconds"]),
        redrive=_redrive(stack, res),
    )


def _redrive(stack: ResolvedStack, res: ResolvedResource) -> RedrivePolicy | None:
    """``RedrivePolicy`` (an object, or a JSON string that may hold ``${Dlq.Arn}``)."""
    raw = res.prop("RedrivePolicy")
    where = _where(stack, res, "RedrivePolicy")
    if raw is None:
        return None
    policy = json_document(raw, where)
    if not isinstance(policy, dict):
        if is_symbolic(policy):
            return None  # known only at deploy time: nothing to emulate
        raise TemplateError(f"{where}: expected an object, got {type(policy).__name__}")
    arn, count = policy.get("deadLetterTargetArn"), policy.get("maxReceiveCount")
    if arn is None or count is None:
        raise TemplateError(
            f"{where}: needs deadLetterTargetArn and maxReceiveCount",
            hint="write RedrivePolicy: {deadLetterTargetArn: !GetAtt Dlq.Arn, maxReceiveCount: 5}",
        )
    max_receive_count = as_int(count, f"{where}.maxReceiveCount")
    if max_receive_count is None:
        return None  # symbolic count: only CloudFormation knows it
    queue = stack.get(stack.referenced(arn))
    return RedrivePolicy(
        dead_letter_queue=queue.logical_id if queue and queue.type == "AWS::SQS::Queue" else None,
        dead_letter_arn=arn,
        max_receive_count=max_receive_count,
    )


# --------------------------------------------------------------------------- the rest


def _stream(stack: ResolvedStack, res: ResolvedResource) -> Stream:
    shards = as_int(res.prop("ShardCount"), _where(stack, res, "ShardCount"))
    return Stream(**common(stack, res, "Name"), shard_count=1 if shards is None else shards)


def _event_bus(stack: ResolvedStack, res: ResolvedResource) -> EventBus:
    return EventBus(**common(stack, res, "Name"))


def _ssm_parameter(stack: ResolvedStack, res: ResolvedResource) -> SsmParameter:
    return SsmParameter(
        **common(stack, res, "Name"),
        value=res.prop("Value"),
        parameter_type=as_str(res.prop("Type"), _where(stack, res, "Type")) or "String",
    )


def _secret(stack: ResolvedStack, res: ResolvedResource) -> Secret:
    return Secret(
        **common(stack, res, "Name"),
        secret_string=res.prop("SecretString"),
        generated=res.prop("GenerateSecretString") is not None,
    )


def _table(stack: ResolvedStack, res: ResolvedResource) -> Resource:
    return table(stack, res, common(stack, res, "TableName"))


_READERS: Mapping[str, _Reader] = {
    "AWS::S3::Bucket": _bucket,
    "AWS::DynamoDB::Table": _table,
    "AWS::DynamoDB::GlobalTable": _table,
    "AWS::SNS::Topic": _topic,
    "AWS::SQS::Queue": _queue,
    "AWS::Kinesis::Stream": _stream,
    "AWS::Events::EventBus": _event_bus,
    "AWS::SSM::Parameter": _ssm_parameter,
    "AWS::SecretsManager::Secret": _secret,
}
