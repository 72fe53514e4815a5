"""The app's scheduled rules as the local cloud fires them: parsed schedule, rule ARN, payload.

Stages, all pure: each `ScheduleEvent` of the model → its parsed expression (a bad one is a
`TemplateError` naming the rule), the rule's ARN from the name CloudFormation would give it
(``<stack>-<RuleId>-<12 hex>``, ≤ 64 characters) in its function's stack, and its constant
input → `ScheduleTarget.payload`: the constant input when the target has one (EventBridge
sends it instead of the event), else the "Scheduled Event" of FIDELITY 4.6.2.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from lambdakit.errors import NotFoundError
from lambdakit.local.events.payloads import schedule_event
from lambdakit.local.events.schedule_expressions import Schedule, parse
from lambdakit.local.physical_names import generated_name, partition
from lambdakit.model import App, ScheduleEvent, Value, is_symbolic, render_value

_RULE_NAME_LENGTH = 64


@dataclass(frozen=True, kw_only=True)
class ScheduleTarget:
    """One function a scheduled rule invokes."""

    rule: str
    """The rule's logical id."""
    function: str
    """`Function.id` of the target."""
    expression: str
    schedule: Schedule
    rule_arn: str
    input: bytes | None = None
    """The constant input (JSON text) EventBridge sends instead of the event, when set."""
    enabled: bool = True

    def payload(self, *, time: datetime, event_id: str | None = None) -> bytes:
        """What the function receives when the rule fires at `time`."""
        if self.input is not None:
            return self.input
        event = schedule_event(rule_arn=self.rule_arn, id=event_id or str(uuid.uuid4()), time=time)
        return json.dumps(event).encode()


def schedule_targets(
    app: App, *, resolve: Callable[[Value], str] | None = None
) -> tuple[ScheduleTarget, ...]:
    """Every scheduled rule target of `app`; `resolve` turns a symbolic input into JSON text."""
    stacks = {stack.name: stack for stack in app.stacks}
    targets = []
    for event in app.event_sources:
        if not isinstance(event, ScheduleEvent):
            continue
        stack = stacks.get(app.function(event.function).stack)
        stack_name = stack.name if stack else app.name
        region = stack.region if stack else "us-east-1"
        account = stack.account if stack else "123456789012"
        name = generated_name(stack_name, event.rule, max_length=_RULE_NAME_LENGTH)
        targets.append(
            ScheduleTarget(
                rule=event.rule,
                function=event.function,
                expression=event.expression,
                schedule=parse(event.expression, where=f"{event.origin} (rule {event.rule})"),
                rule_arn=f"arn:{partition(region)}:events:{region}:{account}:rule/{name}",
                input=_input(event.input, resolve),
                enabled=event.enabled,
            )
        )
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


def _input(value: Value, resolve: Callable[[Value], str] | None) -> bytes | None:
    if value is None:
        return None
    if is_symbolic(value):
        return (resolve(value) if resolve else render_value(value)).encode()
    return json.dumps(value).encode()
