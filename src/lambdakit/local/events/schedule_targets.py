"""The app's scheduled rules as the local cloud fires them: parsed schedule, rule ARN, payload.

Stages, all pure: each `ScheduleEvent` (a function target) and each scheduled `RuleTarget` (a
queue or topic target) of the model → its parsed expression (a bad one is a `TemplateError`
naming the rule), the rule's ARN from the name CloudFormation would give it
(``<stack>-<RuleId>-<12 hex>``, ≤ 64 characters) in its stack, and its input options →
`ScheduleTarget.payload`: the constant input when the target has one (EventBridge sends it
instead of the event), the part ``InputPath`` selects or the ``InputTransformer``'s template
filled in (queue and topic targets), else the "Scheduled Event" of FIDELITY 4.6.2.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lambdakit.errors import NotFoundError
from lambdakit.local.events.eventbridge_rules import shaped_input, target_name
from lambdakit.local.events.payloads import schedule_event
from lambdakit.local.events.schedule_expressions import Schedule, parse
from lambdakit.local.physical_names import generated_name, partition
from lambdakit.model import (
    App,
    Destination,
    Origin,
    RuleTarget,
    ScheduleEvent,
    Stack,
    Value,
    is_symbolic,
    render_value,
)

_RULE_NAME_LENGTH = 64

Resolver = Callable[[Value], str]
"""Turns a symbolic value (``!Ref Queue``...) into the text the local cloud uses for it."""


@dataclass(frozen=True, kw_only=True)
class ScheduleTarget:
    """One target a scheduled rule fires: a function (invoked) or a queue or topic (sent to)."""

    rule: str
    """The rule's logical id."""
    function: str | None = None
    """`Function.id` of a function target; None for a queue or topic target."""
    expression: str
    schedule: Schedule
    rule_arn: str
    input: bytes | None = None
    """The constant input (JSON text) EventBridge sends instead of the event, when set."""
    enabled: bool = True
    destination: Destination | None = None
    """The queue (``sqs``) or topic (``sns``) of a `RuleTarget`; None for a function target."""
    message_group_id: str | None = None
    """``SqsParameters.MessageGroupId`` of a FIFO queue target."""
    input_path: str | None = None
    input_paths: Mapping[str, str] = field(default_factory=dict)
    """``InputTransformer.InputPathsMap``."""
    input_template: str | None = None
    """``InputTransformer.InputTemplate``; None without a transformer."""

    @property
    def target(self) -> str:
        """The target as messages name it: the function id, or the queue's/topic's ARN or id."""
        return target_name(self.function, self.destination)

    @property
    def rule_name(self) -> str:
        """The rule's (generated) name: the last part of its ARN."""
        return self.rule_arn.rsplit("/", 1)[-1]

    def payload(self, *, time: datetime, event_id: str | None = None) -> bytes:
        """What the target receives when the rule fires at `time` (the message body, for a
        queue or topic)."""
        if self.input is not None:
            return self.input
        event = schedule_event(rule_arn=self.rule_arn, id=event_id or str(uuid.uuid4()), time=time)
        return shaped_input(
            event,
            input_path=self.input_path,
            input_paths=self.input_paths,
            input_template=self.input_template,
            rule_arn=self.rule_arn,
            rule_name=self.rule_name,
        )


def schedule_targets(app: App, *, resolve: Resolver | None = None) -> tuple[ScheduleTarget, ...]:
    """Every scheduled rule target of `app`, functions first; `resolve` turns a symbolic input
    into JSON text (and a symbolic group id or template into its text)."""
    stacks = {stack.name: stack for stack in app.stacks}
    targets = []
    for event in app.event_sources:
        if not isinstance(event, ScheduleEvent):
            continue
        stack = stacks.get(app.function(event.function).stack)
        targets.append(
            ScheduleTarget(
                rule=event.rule,
                function=event.function,
                expression=event.expression,
                schedule=parse(event.expression, where=f"{event.origin} (rule {event.rule})"),
                rule_arn=_rule_arn(app, stack, event.rule),
                input=_input(event.input, resolve),
                enabled=event.enabled,
            )
        )
    for rule_target in app.rule_targets:
        if rule_target.expression is not None:
            targets.append(_destination_target(app, rule_target, rule_target.expression, resolve))
    return tuple(targets)


def targets_of(targets: tuple[ScheduleTarget, ...], rule: str) -> tuple[ScheduleTarget, ...]:
    """The targets of `rule` (its logical id); `NotFoundError` listing the rules if none."""
    found = tuple(t for t in targets if t.rule == rule)
    if not found:
        known = ", ".join(sorted({t.rule for t in targets})) or "none"
        raise NotFoundError(
            f"the app has no scheduled rule {rule!r}", hint=f"scheduled rules in this app: {known}"
        )
    return found


def _destination_target(
    app: App, target: RuleTarget, expression: str, resolve: Resolver | None
) -> ScheduleTarget:
    """A scheduled rule's queue or topic target (FIDELITY 4.6.2 as the message body)."""
    transformer = target.input_transformer or {}
    paths = _text_or_json(transformer.get("InputPathsMap"), resolve)
    template = transformer.get("InputTemplate")
    return ScheduleTarget(
        rule=target.rule,
        expression=expression,
        schedule=parse(expression, where=f"{target.origin} (rule {target.rule})"),
        rule_arn=_rule_arn(app, _stack_of(app, target.origin), target.rule),
        input=_input(target.input, resolve),
        enabled=target.enabled,
        destination=target.destination,
        message_group_id=_text(target.message_group_id, resolve),
        input_path=target.input_path,
        input_paths={str(k): str(v) for k, v in paths.items()} if isinstance(paths, dict) else {},
        input_template=_text(template, resolve),
    )


def _stack_of(app: App, origin: Origin) -> Stack | None:
    """The stack whose template the rule is in (the first one when none says so)."""
    found = next((s for s in app.stacks if s.template_file == origin.file), None)
    return found or (app.stacks[0] if app.stacks else None)


def _rule_arn(app: App, stack: Stack | None, rule: str) -> str:
    stack_name = stack.name if stack else app.name
    region = stack.region if stack else "us-east-1"
    account = stack.account if stack else "123456789012"
    name = generated_name(stack_name, rule, max_length=_RULE_NAME_LENGTH)
    return f"arn:{partition(region)}:events:{region}:{account}:rule/{name}"


def _input(value: Value, resolve: Resolver | None) -> bytes | None:
    if value is None:
        return None
    if is_symbolic(value):
        return (resolve(value) if resolve else render_value(value)).encode()
    return json.dumps(value).encode()


def _text(value: Value, resolve: Resolver | None) -> str | None:
    """A string option (group id, template): itself, or the symbolic value resolved."""
    if isinstance(value, str):
        return value
    if value is None or not is_symbolic(value):
        return None
    return resolve(value) if resolve else render_value(value)


def _text_or_json(value: Value, resolve: Resolver | None) -> Any:
    """A mapping option with its symbolic leaves resolved to text."""
    if isinstance(value, dict):
        return {key: _text_or_json(item, resolve) for key, item in value.items()}
    return _text(value, resolve) if is_symbolic(value) else value
