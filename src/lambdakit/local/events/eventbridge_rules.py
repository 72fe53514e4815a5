"""Which ``PutEvents`` entries reach which functions, and with what input (FIDELITY 4.6).

Stages, all pure: the app model + physical names → the rule table (bus name → its `Rule`s, one
per function, queue or topic target, patterns resolved to physical names) → one forwarded
``PutEvents`` call (`AwsCall`, JSON protocol, ``X-Amz-Target: AWSEvents.PutEvents``) → the
`PutEntry`s moto accepted, each with the ``EventId`` it answered → the 4.6.1 envelope on the
rule's bus → the rules whose pattern matches → the target's input: the event, the constant
``Input``, the part ``InputPath`` selects, or the ``InputTransformer``'s template filled in.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lambdakit.local.edge_calls import AwsCall
from lambdakit.local.events.event_patterns import matches
from lambdakit.local.events.payloads import eventbridge_event
from lambdakit.local.physical_names import PhysicalResource
from lambdakit.model import App, Destination, EventBridgeEvent, GetAtt, Ref, RuleTarget, Value

_PATH_PART = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")
_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")


@dataclass(frozen=True)
class Rule:
    """One rule with an event pattern and one of its targets: a function, a queue or a topic."""

    function: str | None
    """`Function.id` of a function target; None for a queue or topic target."""
    name: str
    bus: str
    """The event bus name (``default`` unless the rule says otherwise)."""
    pattern: Mapping[str, Any]
    region: str = "us-east-1"
    account: str = "123456789012"
    input: Any = None
    """The constant ``Input``, parsed; None when the target does not set one."""
    input_path: str | None = None
    input_paths: Mapping[str, str] = field(default_factory=dict)
    """``InputTransformer.InputPathsMap``."""
    input_template: str | None = None
    """``InputTransformer.InputTemplate``; None without a transformer."""
    destination: Destination | None = None
    """The queue or topic target (ARN resolved to the local one when it is the app's)."""
    message_group_id: str | None = None
    """``SqsParameters.MessageGroupId`` of a FIFO queue target."""

    @property
    def target(self) -> str:
        """The target as messages name it: the function id, or the queue's/topic's ARN."""
        return target_name(self.function, self.destination)

    @property
    def arn(self) -> str:
        """``arn:aws:events:<region>:<account>:rule/[<bus>/]<name>``."""
        where = self.name if self.bus == "default" else f"{self.bus}/{self.name}"
        return f"arn:aws:events:{self.region}:{self.account}:rule/{where}"

    def wants(self, event: Mapping[str, Any]) -> bool:
        """Whether the envelope `event` matches this rule's pattern."""
        return matches(self.pattern, event)

    def target_input(self, event: Mapping[str, Any]) -> bytes:
        """What the function receives for `event`: the envelope or the transformed input."""
        if self.input is not None:
            return json.dumps(self.input).encode()
        return shaped_input(
            event,
            input_path=self.input_path,
            input_paths=self.input_paths,
            input_template=self.input_template,
            rule_arn=self.arn,
            rule_name=self.name,
        )


def target_name(function: str | None, destination: Destination | None) -> str:
    """A rule target as messages name it: the function id, or the queue's/topic's ARN or id."""
    if destination is not None:
        arn = destination.arn
        return arn if isinstance(arn, str) else str(destination.resource)
    return str(function)


def shaped_input(
    event: Mapping[str, Any],
    *,
    input_path: str | None,
    input_paths: Mapping[str, str],
    input_template: str | None,
    rule_arn: str,
    rule_name: str,
) -> bytes:
    """What a target receives for `event` without a constant ``Input``: the envelope, the
    ``InputPath`` selection, or the filled ``InputTransformer`` template."""
    if input_path is not None:
        return json.dumps(json_path(event, input_path)).encode()
    if input_template is not None:
        values = {name: json_path(event, path) for name, path in input_paths.items()}
        values |= {
            "aws.events.rule-arn": rule_arn,
            "aws.events.rule-name": rule_name,
            "aws.events.event": event,
            "aws.events.event.json": event,
            "aws.events.event.ingestion-time": event.get("time"),
        }
        return fill_template(input_template, values).encode()
    return json.dumps(event).encode()


@dataclass(frozen=True)
class PutEntry:
    """One event ``PutEvents`` accepted."""

    event_id: str
    source: str
    detail_type: str
    detail: Mapping[str, Any]
    bus: str
    resources: tuple[str, ...] = ()
    time: datetime | None = None

    def envelope(self, rule: Rule, now: datetime) -> dict[str, Any]:
        """The event as `rule`'s target sees it before any input transformation (4.6.1)."""
        return eventbridge_event(
            source=self.source,
            detail_type=self.detail_type,
            detail=self.detail,
            resources=self.resources,
            account=rule.account,
            region=rule.region,
            id=self.event_id,
            time=self.time or now,
        )


def rule_table(app: App, physical: Mapping[str, PhysicalResource]) -> dict[str, list[Rule]]:
    """Event bus name → the pattern rules' targets on it: functions first, in the app's order."""
    stacks = {stack.name: stack for stack in app.stacks}
    stack_of = {resource.logical_id: resource.stack for resource in app.resources}
    first = app.stacks[0] if app.stacks else None
    table: dict[str, list[Rule]] = {}
    sources: list[EventBridgeEvent | RuleTarget] = [
        s for s in app.event_sources if isinstance(s, EventBridgeEvent)
    ]
    sources += [t for t in app.rule_targets if t.pattern is not None]
    for source in sources:
        if not source.enabled:
            continue
        stack = stacks.get(stack_of.get(source.rule, ""), first)
        bus = bus_name(resolve(source.bus, physical))
        if bus is None:
            continue
        transformer = source.input_transformer or {}
        paths = resolve(transformer.get("InputPathsMap"), physical)
        template = resolve(transformer.get("InputTemplate"), physical)
        table.setdefault(bus, []).append(
            Rule(
                name=source.rule,
                bus=bus,
                pattern=resolve(dict(source.pattern or {}), physical),
                region=stack.region if stack else "us-east-1",
                account=stack.account if stack else "123456789012",
                input=resolve(source.input, physical),
                input_path=source.input_path,
                input_paths={str(k): str(v) for k, v in (paths or {}).items()}
                if isinstance(paths, dict)
                else {},
                input_template=template if isinstance(template, str) else None,
                **_target(source, physical),
            )
        )
    return table


def _target(
    source: EventBridgeEvent | RuleTarget, physical: Mapping[str, PhysicalResource]
) -> dict[str, Any]:
    """The `Rule` fields that say where its events go."""
    if isinstance(source, EventBridgeEvent):
        return {"function": source.function}
    group = resolve(source.message_group_id, physical)
    return {
        "function": None,
        "destination": resolved_destination(source.destination, physical),
        "message_group_id": group if isinstance(group, str) else None,
    }


def resolved_destination(
    destination: Destination, physical: Mapping[str, PhysicalResource]
) -> Destination:
    """`destination` with its ARN the local resource's when it is one of the app's."""
    record = physical.get(destination.resource) if destination.resource else None
    arn = record.arn if record is not None else resolve(destination.arn, physical)
    return Destination(
        arn=arn if isinstance(arn, str) else destination.arn,
        kind=destination.kind,
        resource=destination.resource,
    )


def resolve(value: Value | Any, physical: Mapping[str, PhysicalResource]) -> Any:
    """`value` with ``Ref``/``GetAtt`` of emulated resources replaced by their physical values."""
    if isinstance(value, Ref):
        found = physical.get(value.logical_id)
        return found.ref if found is not None else None
    if isinstance(value, GetAtt):
        found = physical.get(value.logical_id)
        return found.attributes.get(value.attribute) if found is not None else None
    if isinstance(value, Mapping):
        return {key: resolve(item, physical) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item, physical) for item in value]
    return value


def bus_name(value: Any) -> str | None:
    """The bus name of a name or an event-bus ARN; None for what is not a string."""
    if not isinstance(value, str) or not value:
        return None
    if value.startswith("arn:") and ":event-bus/" in value:
        return value.split(":event-bus/", 1)[1]
    return value


# --- calls → entries --------------------------------------------------------------------------


def put_entries(call: AwsCall) -> list[PutEntry]:
    """The events a ``PutEvents`` call put, less those the answer lists as failed."""
    target = {k.lower(): v for k, v in call.headers.items()}.get("x-amz-target", "")
    if target != "AWSEvents.PutEvents" or not 200 <= call.status < 300:
        return []
    request, response = _json(call.body), _json(call.response_body)
    if not isinstance(request, dict) or not isinstance(request.get("Entries"), list):
        return []
    answers = response.get("Entries") if isinstance(response, dict) else None
    found: list[PutEntry] = []
    for number, entry in enumerate(request["Entries"]):
        answer = answers[number] if isinstance(answers, list) and number < len(answers) else {}
        if not isinstance(entry, dict) or not isinstance(answer, dict) or "ErrorCode" in answer:
            continue
        parsed = _entry(entry, answer.get("EventId"))
        if parsed is not None:
            found.append(parsed)
    return found


def _entry(entry: Mapping[str, Any], event_id: Any) -> PutEntry | None:
    detail = _json(str(entry.get("Detail", "{}")).encode())
    source, detail_type = entry.get("Source"), entry.get("DetailType")
    if not isinstance(detail, dict) or not isinstance(source, str):
        return None  # PutEvents refuses these on AWS
    if not isinstance(detail_type, str):
        return None
    resources = entry.get("Resources")
    return PutEntry(
        event_id=event_id if isinstance(event_id, str) else str(uuid.uuid4()),
        source=source,
        detail_type=detail_type,
        detail=detail,
        bus=bus_name(entry.get("EventBusName")) or "default",
        resources=tuple(str(r) for r in resources) if isinstance(resources, list) else (),
        time=_time(entry.get("Time")),
    )


def _time(value: Any) -> datetime | None:
    """botocore sends timestamps as epoch seconds; ISO 8601 text is accepted too."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


# --- input paths and templates ----------------------------------------------------------------


def json_path(event: Any, path: str) -> Any:
    """The value at a simple JSONPath (``$``, ``$.detail.items[0].id``); None when absent."""
    if not path.startswith("$"):
        return None
    rest, value = path[1:], event
    while rest:
        step = _PATH_PART.match(rest)
        if step is None:
            return None
        key, index = step.groups()
        if key is not None:
            value = value.get(key) if isinstance(value, Mapping) else None
        else:
            position = int(index)
            value = value[position] if isinstance(value, list) and position < len(value) else None
        rest = rest[step.end() :]
    return value


def fill_template(template: str, values: Mapping[str, Any]) -> str:
    """``InputTemplate`` with each known ``<name>`` replaced as EventBridge does.

    Inside a JSON string a placeholder becomes the value's text (strings unquoted); elsewhere in
    a JSON template its JSON; in a template that is not JSON (plain text), the text.
    """
    is_json = template.lstrip()[:1] in ("{", "[", '"')
    pieces: list[str] = []
    in_string, escaped, position = False, False, 0
    while position < len(template):
        char = template[position]
        placeholder = _PLACEHOLDER.match(template, position) if char == "<" else None
        if placeholder is not None and placeholder.group(1) in values:
            value = values[placeholder.group(1)]
            mode = "string" if in_string else "json" if is_json else "text"
            pieces.append(_filled(value, mode))
            position = placeholder.end()
            continue
        if escaped:
            escaped = False
        elif char == "\\" and in_string:
            escaped = True
        elif char == '"':
            in_string = not in_string
        pieces.append(char)
        position += 1
    return "".join(pieces)


def _filled(value: Any, mode: str) -> str:
    if mode == "json":
        return json.dumps(value)
    text = value if isinstance(value, str) else json.dumps(value)
    return json.dumps(text)[1:-1] if mode == "string" else text


def _json(body: bytes | None) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None
