"""Queue and topic targets of a stack's EventBridge rules (FIDELITY 4.6).

`extract_rule_targets` reads every ``AWS::Events::Rule`` (plain, SAM-translated or CDK) in
template order and keeps each target whose ``Arn`` is an SQS queue or an SNS topic — the app's
own (``!GetAtt Queue.Arn``, ``!Ref Topic``) or a literal ARN — as a `RuleTarget` with the
rule's pattern or schedule, the target's ``Input``/``InputPath``/``InputTransformer`` and its
``SqsParameters.MessageGroupId``. Function targets are `cfn_events`' job; the rule itself is
checked there (a rule without pattern and schedule, a bad expression) before this runs.
"""

from __future__ import annotations

from collections.abc import Mapping

from lambdakit.model import RuleTarget, Value
from lambdakit.sources.cfn_mappings import destination
from lambdakit.sources.cfn_props import items, json_object, json_value, mapping, upper_str, where
from lambdakit.sources.coerce import as_str
from lambdakit.sources.resolved import ResolvedResource, ResolvedStack

_DISABLED = "DISABLED"


def extract_rule_targets(stack: ResolvedStack) -> tuple[RuleTarget, ...]:
    """The queue/topic targets of the stack's rules, in template order."""
    found: list[RuleTarget] = []
    for res in stack.resources.values():
        if res.type == "AWS::Events::Rule":
            found.extend(_rule_targets(stack, res))
    return tuple(found)


def _rule_targets(stack: ResolvedStack, rule: ResolvedResource) -> list[RuleTarget]:
    expression = as_str(
        rule.prop("ScheduleExpression"), where(stack, rule.logical_id, "ScheduleExpression")
    )
    pattern = json_object(rule.prop("EventPattern"), where(stack, rule.logical_id, "EventPattern"))
    if expression is None and pattern is None:
        return []
    state = upper_str(rule.prop("State"), where(stack, rule.logical_id, "State"))
    place = where(stack, rule.logical_id, "Targets")
    found: list[RuleTarget] = []
    for i, item in enumerate(items(rule.prop("Targets"), place)):
        target, here = mapping(item), f"{place}[{i}]"
        found_destination = destination(stack, target.get("Arn"))
        if found_destination is None or found_destination.kind not in ("sqs", "sns"):
            continue
        found.append(
            RuleTarget(
                rule=rule.logical_id,
                destination=found_destination,
                origin=stack.context.origin(rule.logical_id),
                enabled=state != _DISABLED,
                pattern=pattern,
                expression=expression,
                bus=rule.prop("EventBusName", default="default"),
                input=json_value(target.get("Input"), f"{here}.Input"),
                input_path=as_str(target.get("InputPath"), f"{here}.InputPath"),
                input_transformer=_transformer(target.get("InputTransformer")),
                message_group_id=mapping(target.get("SqsParameters")).get("MessageGroupId"),
            )
        )
    return found


def _transformer(value: Value) -> Mapping[str, Value] | None:
    return value if isinstance(value, dict) else None
