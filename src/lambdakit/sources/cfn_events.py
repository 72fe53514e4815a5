"""Every event source of a stack: what invokes the app's functions besides HTTP.

`extract_events` reads each resource that wires a source to a function, in template order:
- ``AWS::S3::Bucket`` ``NotificationConfiguration.LambdaConfigurations`` (plain and SAM) and
  CDK's ``Custom::S3BucketNotifications`` -> `S3Event` (FIDELITY 4.3);
- ``AWS::SNS::Subscription`` with protocol ``lambda`` and ``AWS::SNS::Topic`` inline
  ``Subscription``s -> `SnsEvent` (FIDELITY 4.4);
- ``AWS::Lambda::EventSourceMapping`` -> `SqsEvent` / `StreamEvent` (`cfn_mappings`);
- ``AWS::Events::Rule``: a ``ScheduleExpression`` -> `ScheduleEvent`, an ``EventPattern`` ->
  `EventBridgeEvent`, one per function target; ``AWS::Scheduler::Schedule`` -> `ScheduleEvent`
  (FIDELITY 4.6).
Targets that are not the app's functions (queues, topics, other accounts) are left out, and an
``AWS::Lambda::Permission`` only allows an invoke, so it never makes an event source.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Literal

from lambdakit.errors import TemplateError
from lambdakit.model import (
    EventBridgeEvent,
    EventSource,
    GetAtt,
    Join,
    Ref,
    S3Event,
    ScheduleEvent,
    SnsEvent,
    Value,
    is_symbolic,
)
from lambdakit.sources.cfn_mappings import mapping_events
from lambdakit.sources.cfn_props import (
    items,
    json_object,
    json_value,
    mapping,
    required_str,
    upper_str,
    where,
)
from lambdakit.sources.coerce import as_str, as_str_list
from lambdakit.sources.resolved import ResolvedResource, ResolvedStack

_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_CRON = re.compile(r"^cron\(([^)]*)\)$")
_AT = re.compile(r"^at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)$")
_CRON_FIELDS = 6
_STATES = {
    "ENABLED": True,
    "DISABLED": False,
    "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS": True,
}


def extract_events(stack: ResolvedStack) -> tuple[EventSource, ...]:
    """All event sources of the stack that invoke one of its functions, in template order."""
    events: list[EventSource] = []
    for res in stack.resources.values():
        reader = _READERS.get(res.type)
        if reader is not None:
            events.extend(reader(stack, res))
    return tuple(events)


# --------------------------------------------------------------------------- S3


def _bucket_events(stack: ResolvedStack, bucket: ResolvedResource) -> list[EventSource]:
    """``NotificationConfiguration.LambdaConfigurations`` on the bucket (SAM puts them there)."""
    config = mapping(bucket.prop("NotificationConfiguration"))
    place = where(stack, bucket.logical_id, "NotificationConfiguration.LambdaConfigurations")
    events: list[EventSource] = []
    for i, item in enumerate(items(config.get("LambdaConfigurations"), place)):
        entry, here = mapping(item), f"{place}[{i}]"
        _require(entry, ("Event", "Function"), here)
        function = stack.target_function(entry["Function"])
        event = as_str(entry["Event"], f"{here}.Event")
        if function is None or event is None:
            continue
        rules = mapping(mapping(entry.get("Filter")).get("S3Key")).get("Rules")
        prefix, suffix = _key_filter(rules, f"{here}.Filter.S3Key.Rules")
        events.append(
            S3Event(
                function=stack.context.function_id(function),
                source=bucket.logical_id,
                source_arn=GetAtt(bucket.logical_id, "Arn"),
                origin=stack.context.origin(bucket.logical_id),
                events=(_s3_event_name(event, f"{here}.Event"),),
                prefix=prefix,
                suffix=suffix,
            )
        )
    return events


def _cdk_bucket_events(stack: ResolvedStack, custom: ResolvedResource) -> list[EventSource]:
    """CDK's ``Custom::S3BucketNotifications``: the S3 API's shape, applied by a custom resource."""
    bucket_name = custom.prop("BucketName")
    bucket = stack.get(stack.referenced(bucket_name))
    bucket_id = bucket.logical_id if bucket and bucket.type == "AWS::S3::Bucket" else None
    config = mapping(custom.prop("NotificationConfiguration"))
    place = where(
        stack, custom.logical_id, "NotificationConfiguration.LambdaFunctionConfigurations"
    )
    events: list[EventSource] = []
    for i, item in enumerate(items(config.get("LambdaFunctionConfigurations"), place)):
        entry, here = mapping(item), f"{place}[{i}]"
        _require(entry, ("Events", "LambdaFunctionArn"), here)
        function = stack.target_function(entry["LambdaFunctionArn"])
        if function is None:
            continue
        names = as_str_list(entry["Events"], f"{here}.Events")
        rules = mapping(mapping(entry.get("Filter")).get("Key")).get("FilterRules")
        prefix, suffix = _key_filter(rules, f"{here}.Filter.Key.FilterRules")
        events.append(
            S3Event(
                function=stack.context.function_id(function),
                source=bucket_id,
                source_arn=(
                    GetAtt(bucket_id, "Arn") if bucket_id else _bucket_arn(stack, bucket_name)
                ),
                origin=stack.context.origin(custom.logical_id),
                events=tuple(_s3_event_name(n, f"{here}.Events") for n in names),
                prefix=prefix,
                suffix=suffix,
            )
        )
    return events


def _bucket_arn(stack: ResolvedStack, name: Value) -> Value:
    partition = "aws-cn" if stack.context.region.startswith("cn-") else "aws"
    if isinstance(name, str):
        return f"arn:{partition}:s3:::{name}"
    return Join((f"arn:{partition}:s3:::", name)) if is_symbolic(name) else None


def _s3_event_name(name: str, place: str) -> str:
    if not name.startswith("s3:"):
        raise TemplateError(
            f"{place}: {name!r} is not an S3 event type",
            hint="S3 event types start with s3:, e.g. s3:ObjectCreated:* (FIDELITY 4.3.2)",
        )
    return name


def _key_filter(rules: Value, place: str) -> tuple[str | None, str | None]:
    """The key prefix and suffix of an S3 filter (``Name``: ``prefix``/``suffix``, any case)."""
    found: dict[str, str] = {}
    for i, item in enumerate(items(rules, place)):
        rule = mapping(item)
        name = (as_str(rule.get("Name"), f"{place}[{i}].Name") or "").lower()
        value = as_str(rule.get("Value"), f"{place}[{i}].Value")
        if name not in ("prefix", "suffix"):
            raise TemplateError(f"{place}[{i}].Name: must be prefix or suffix, got {name!r}")
        if name in found:
            raise TemplateError(f"{place}: more than one {name} rule; S3 allows one of each")
        if value is not None:
            found[name] = value
    return found.get("prefix"), found.get("suffix")


def _require(entry: Mapping[str, Value], names: tuple[str, ...], place: str) -> None:
    for name in names:
        if entry.get(name) is None:
            raise TemplateError(f"{place}: required property {name} is missing")


# --------------------------------------------------------------------------- SNS


def _subscription_events(stack: ResolvedStack, sub: ResolvedResource) -> list[EventSource]:
    protocol = required_str(stack, sub, "Protocol")
    if protocol is None or protocol.lower() != "lambda":
        return []
    required_str(stack, sub, "TopicArn")
    if sub.prop("Endpoint") is None:
        raise TemplateError(
            f"{where(stack, sub.logical_id, 'Endpoint')}: a lambda subscription needs the "
            "function's ARN as Endpoint"
        )
    function = stack.target_function(sub.prop("Endpoint"))
    if function is None:
        return []
    topic_arn = sub.prop("TopicArn")
    topic = stack.get(stack.referenced(topic_arn))
    return [
        SnsEvent(
            function=stack.context.function_id(function),
            source=topic.logical_id if topic and topic.type == "AWS::SNS::Topic" else None,
            source_arn=topic_arn,
            origin=stack.context.origin(sub.logical_id),
            filter_policy=json_object(
                sub.prop("FilterPolicy"), where(stack, sub.logical_id, "FilterPolicy")
            ),
            filter_policy_scope=_filter_policy_scope(stack, sub),
        )
    ]


def _filter_policy_scope(
    stack: ResolvedStack, sub: ResolvedResource
) -> Literal["MessageAttributes", "MessageBody"]:
    place = where(stack, sub.logical_id, "FilterPolicyScope")
    scope = as_str(sub.prop("FilterPolicyScope"), place)
    if scope in (None, "MessageAttributes"):
        return "MessageAttributes"
    if scope == "MessageBody":
        return "MessageBody"
    raise TemplateError(f"{place}: must be MessageAttributes or MessageBody, got {scope!r}")


def _topic_events(stack: ResolvedStack, topic: ResolvedResource) -> list[EventSource]:
    """Inline ``Subscription`` entries of a topic (no filter policy can be set there)."""
    place = where(stack, topic.logical_id, "Subscription")
    events: list[EventSource] = []
    for i, item in enumerate(items(topic.prop("Subscription"), place)):
        entry = mapping(item)
        protocol = as_str(entry.get("Protocol"), f"{place}[{i}].Protocol") or ""
        function = stack.target_function(entry.get("Endpoint"))
        if protocol.lower() == "lambda" and function is not None:
            events.append(
                SnsEvent(
                    function=stack.context.function_id(function),
                    source=topic.logical_id,
                    source_arn=Ref(topic.logical_id),
                    origin=stack.context.origin(topic.logical_id),
                )
            )
    return events


# --------------------------------------------------------------------------- EventBridge


def _rule_events(stack: ResolvedStack, rule: ResolvedResource) -> list[EventSource]:
    """One event source per function target, for the schedule and for the pattern."""
    place = where(stack, rule.logical_id, "ScheduleExpression")
    if rule.prop("ScheduleExpression") is None and rule.prop("EventPattern") is None:
        raise TemplateError(
            f"{where(stack, rule.logical_id, 'Properties')}: a rule needs a ScheduleExpression "
            "or an EventPattern"
        )
    expression = as_str(rule.prop("ScheduleExpression"), place)
    if expression is not None:
        _check_schedule(expression, place, one_time=False)
    pattern = json_object(rule.prop("EventPattern"), where(stack, rule.logical_id, "EventPattern"))
    enabled = _enabled(rule.prop("State"), where(stack, rule.logical_id, "State"))
    events: list[EventSource] = []
    targets_place = where(stack, rule.logical_id, "Targets")
    for i, item in enumerate(items(rule.prop("Targets"), targets_place)):
        target, here = mapping(item), f"{targets_place}[{i}]"
        function = stack.target_function(target.get("Arn"))
        if function is None:
            continue
        common: dict[str, Any] = {
            "function": stack.context.function_id(function),
            "source": rule.logical_id,
            "source_arn": GetAtt(rule.logical_id, "Arn"),
            "origin": stack.context.origin(rule.logical_id),
            "enabled": enabled,
            "rule": rule.logical_id,
            # EventBridge passes Input as the event; it must be valid JSON text.
            "input": json_value(target.get("Input"), f"{here}.Input"),
        }
        if expression is not None:
            events.append(ScheduleEvent(expression=expression, **common))
        if pattern is not None:
            events.append(_pattern_event(rule, target, pattern, here, common))
    return events


def _pattern_event(
    rule: ResolvedResource,
    target: Mapping[str, Value],
    pattern: Mapping[str, Any],
    place: str,
    common: dict[str, Any],
) -> EventBridgeEvent:
    transformer = target.get("InputTransformer")
    return EventBridgeEvent(
        pattern=pattern,
        bus=rule.prop("EventBusName", default="default"),
        input_path=as_str(target.get("InputPath"), f"{place}.InputPath"),
        input_transformer=transformer if isinstance(transformer, dict) else None,
        **common,
    )


def _schedule_events(stack: ResolvedStack, schedule: ResolvedResource) -> list[EventSource]:
    """``AWS::Scheduler::Schedule``: one target, ``rate``/``cron``/one-time ``at`` expressions."""
    expression = required_str(stack, schedule, "ScheduleExpression")
    if schedule.prop("Target", "Arn") is None:
        raise TemplateError(
            f"{where(stack, schedule.logical_id, 'Target.Arn')}: required property is missing"
        )
    function = stack.target_function(schedule.prop("Target", "Arn"))
    if expression is None or function is None:
        return []
    _check_schedule(
        expression, where(stack, schedule.logical_id, "ScheduleExpression"), one_time=True
    )
    return [
        ScheduleEvent(
            function=stack.context.function_id(function),
            source=schedule.logical_id,
            source_arn=GetAtt(schedule.logical_id, "Arn"),
            origin=stack.context.origin(schedule.logical_id),
            enabled=_enabled(schedule.prop("State"), where(stack, schedule.logical_id, "State")),
            rule=schedule.logical_id,
            expression=expression,
            input=_scheduler_input(schedule.prop("Target", "Input")),
        )
    ]


def _scheduler_input(value: Value) -> Value:
    """Scheduler passes "text, or well-formed JSON": JSON is parsed, other text kept as is."""
    try:
        return json_value(value, "Target.Input")
    except TemplateError:
        return value


def _check_schedule(expression: str, place: str, *, one_time: bool) -> None:
    """``rate(1 minute)``/``rate(5 minutes)``, six-field ``cron(...)``, Scheduler's ``at(...)``."""
    rate = _RATE.match(expression.strip())
    if rate:
        value, unit = int(rate[1]), rate[2]
        if value < 1 or (value == 1) == unit.endswith("s"):
            raise TemplateError(
                f"{place}: {expression!r} is not a valid rate",
                hint="the unit is singular for 1 and plural otherwise: rate(1 minute), "
                "rate(5 minutes) (FIDELITY 4.6.3)",
            )
        return
    cron = _CRON.match(expression.strip())
    if cron and len(cron[1].split()) == _CRON_FIELDS:
        return
    if one_time and _AT.match(expression.strip()):
        return
    raise TemplateError(
        f"{place}: {expression!r} is not a schedule expression",
        hint="write rate(Value Unit) or cron(Minutes Hours Day-of-month Month Day-of-week Year), "
        "e.g. rate(5 minutes) or cron(0 18 ? * MON-FRI *) (FIDELITY 4.6.3)",
    )


def _enabled(state: Value, place: str) -> bool:
    text = upper_str(state, place)
    if text is None:
        return True
    if text not in _STATES:
        raise TemplateError(f"{place}: must be ENABLED or DISABLED, got {text!r}")
    return _STATES[text]


_READERS: Mapping[str, Callable[[ResolvedStack, ResolvedResource], list[EventSource]]] = {
    "AWS::S3::Bucket": _bucket_events,
    "Custom::S3BucketNotifications": _cdk_bucket_events,
    "AWS::SNS::Subscription": _subscription_events,
    "AWS::SNS::Topic": _topic_events,
    "AWS::Lambda::EventSourceMapping": mapping_events,
    "AWS::Events::Rule": _rule_events,
    "AWS::Scheduler::Schedule": _schedule_events,
}
