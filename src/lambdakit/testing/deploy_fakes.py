"""In-memory fakes of the deploy ports, and a reporter that records what it is told.

`FakeStacks` behaves like CloudFormation as far as the executor can tell: change sets that are
pending for a while, "no changes" change sets that fail with CloudFormation's reason, events
that appear a few per poll (newest first), a create that fails with a rollback to
``ROLLBACK_COMPLETE``, an update that rolls back to ``UPDATE_ROLLBACK_COMPLETE``, deletes that
keep ``Retain`` resources. `FakeAssetStore` is a bucket in a dict. Neither sleeps.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from lambdakit.deploy.changeset import ChangeSummary
from lambdakit.deploy.executor import DeployResult, DestroyResult
from lambdakit.deploy.instructions import (
    ChangeSet,
    Replacement,
    ResourceChange,
    StackEvent,
    StackOutput,
    StackResource,
    StackState,
)
from lambdakit.errors import DeployError

STACK_TYPE = "AWS::CloudFormation::Stack"
NO_CHANGES_REASON = (
    "The submitted information didn't contain changes. Submit different information to "
    "create a change set."
)


class RecordingReporter:
    """A `DeployReporter` that keeps every call, in order, as ``(kind, value)``."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []
        self._lock = threading.Lock()

    def _add(self, kind: str, value: object) -> None:
        with self._lock:
            self.calls.append((kind, value))

    def phase(self, name: str) -> None:
        self._add("phase", name)

    def upload_started(self, total_bytes: int, count: int) -> None:
        self._add("upload_started", (total_bytes, count))

    def uploaded(self, size: int) -> None:
        self._add("uploaded", size)

    def change_set(self, summary: ChangeSummary) -> None:
        self._add("change_set", summary)

    def event(self, event: StackEvent) -> None:
        self._add("event", event)

    def done(self, result: DeployResult | DestroyResult) -> None:
        self._add("done", result)

    def of(self, kind: str) -> list[Any]:
        return [value for k, value in self.calls if k == kind]

    @property
    def uploaded_bytes(self) -> int:
        return sum(self.of("uploaded"))


class FakeAssetStore:
    """An `AssetStore` in memory: ``objects[(bucket, key)] = bytes``."""

    def __init__(self, chunk: int = 64 * 1024) -> None:
        self.buckets: set[str] = set()
        self.objects: dict[tuple[str, str], bytes] = {}
        self.puts: list[str] = []
        self._chunk = chunk
        self._lock = threading.Lock()

    def ensure_bucket(self, bucket: str) -> bool:
        with self._lock:
            created = bucket not in self.buckets
            self.buckets.add(bucket)
        return created

    def has(self, bucket: str, key: str) -> bool:
        return (bucket, key) in self.objects

    def put(self, bucket: str, key: str, path: Path, progress: Callable[[int], None]) -> None:
        if bucket not in self.buckets:
            raise DeployError(f"The specified bucket does not exist: {bucket}")
        data = path.read_bytes()
        for start in range(0, len(data), self._chunk):
            progress(len(data[start : start + self._chunk]))
        with self._lock:
            self.objects[(bucket, key)] = data
            self.puts.append(key)

    def url(self, bucket: str, key: str) -> str:
        return f"https://{bucket}.s3.amazonaws.com/{key}"


@dataclass
class _Stack:
    name: str
    stack_id: str
    status: str
    template: dict[str, Any] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)
    events: list[StackEvent] = field(default_factory=list)
    """Visible events, oldest first."""
    script: list[tuple[str, str, str, str | None]] = field(default_factory=list)
    """Events still to come: (logical id, type, status, reason); the stack's own events change
    its status when they appear."""
    reason: str | None = None


def _resources(template: Mapping[str, Any]) -> dict[str, Any]:
    resources: dict[str, Any] = template.get("Resources", {})
    return resources


class FakeStacks:
    """A `Stacks` in memory with CloudFormation's lifecycle (see the module docstring).

    Knobs: `fail` (logical id → reason: creating or updating that resource fails),
    `replacements` (logical id → Replacement for a modification), `pending_polls` (how many
    `describe_change_set` calls answer ``CREATE_PENDING``), `events_per_poll` (how many
    scripted events each `events`/`describe` call reveals; 0 freezes the stack).
    """

    def __init__(self) -> None:
        self.stacks: dict[str, _Stack] = {}
        self.change_sets: dict[str, tuple[ChangeSet, dict[str, Any], dict[str, str]]] = {}
        self.fail: dict[str, str] = {}
        self.replacements: dict[str, Replacement] = {}
        self.pending_polls = 1
        self.events_per_poll = 2
        self.calls: list[str] = []
        self.executed: list[str] = []
        self.deleted_change_sets: list[str] = []
        self._ids = itertools.count(1)
        self._time = datetime(2026, 1, 1, tzinfo=UTC)
        self._polls: dict[str, int] = {}

    # ----------------------------------------------------------------- setting up a test

    def put_stack(
        self,
        name: str,
        status: str,
        template: Mapping[str, Any] | None = None,
        reason: str | None = None,
    ) -> None:
        """A stack that already exists in `status` (e.g. ROLLBACK_COMPLETE)."""
        stack = _Stack(name, f"arn:aws:cloudformation:stack/{name}/{next(self._ids)}", status)
        stack.template = json.loads(json.dumps(template or {}))
        stack.reason = reason
        self.stacks[name] = stack
        self._event(stack, name, STACK_TYPE, status, reason)

    # ----------------------------------------------------------------- the port

    def describe(self, stack_name: str) -> StackState | None:
        self.calls.append("describe")
        stack = self.stacks.get(stack_name)
        if stack is None:
            return None
        self._advance(stack)
        if stack.status == "DELETE_COMPLETE":
            del self.stacks[stack_name]
            return None
        return StackState(
            stack.name, stack.stack_id, stack.status, stack.reason, self._outputs(stack)
        )

    def create_change_set(
        self,
        *,
        stack_name: str,
        change_set_name: str,
        change_set_type: Literal["CREATE", "UPDATE"],
        template_body: str | None,
        template_url: str | None,
        parameters: Mapping[str, str],
        capabilities: Sequence[str],
    ) -> str:
        self.calls.append(f"create_change_set {change_set_type}")
        stack = self.stacks.get(stack_name)
        if change_set_type == "UPDATE" and stack is None:
            raise DeployError(f"Stack [{stack_name}] does not exist")
        if change_set_type == "CREATE":
            if stack is not None and stack.status != "REVIEW_IN_PROGRESS":
                raise DeployError(
                    f"Stack [{stack_name}] already exists and cannot be created again"
                )
            if stack is None:
                self.put_stack(stack_name, "REVIEW_IN_PROGRESS", reason="User Initiated")
                stack = self.stacks[stack_name]
        assert stack is not None
        if template_body is None:
            raise DeployError("FakeStacks reads templates only from TemplateBody")
        template = json.loads(template_body)
        change_set_id = f"arn:aws:cloudformation:changeSet/{change_set_name}/{next(self._ids)}"
        changes = self._diff(stack.template if change_set_type == "UPDATE" else {}, template)
        unchanged = (
            change_set_type == "UPDATE"
            and template == stack.template
            and dict(parameters) == stack.parameters
        )
        change_set = ChangeSet(
            id=change_set_id,
            stack_name=stack_name,
            status="FAILED" if unchanged else "CREATE_COMPLETE",
            execution_status="UNAVAILABLE" if unchanged else "AVAILABLE",
            reason=NO_CHANGES_REASON if unchanged else None,
            changes=() if unchanged else tuple(changes),
            change_set_type=change_set_type,
        )
        self.change_sets[change_set_id] = (change_set, template, dict(parameters))
        self._polls[change_set_id] = 0
        return change_set_id

    def describe_change_set(self, change_set_id: str) -> ChangeSet:
        if change_set_id not in self.change_sets:
            raise DeployError(f"ChangeSet [{change_set_id}] does not exist")
        change_set = self.change_sets[change_set_id][0]
        self._polls[change_set_id] += 1
        if self._polls[change_set_id] <= self.pending_polls:
            return ChangeSet(
                change_set.id,
                change_set.stack_name,
                "CREATE_PENDING",
                change_set_type=change_set.change_set_type,
            )
        return change_set

    def delete_change_set(self, change_set_id: str) -> None:
        self.change_sets.pop(change_set_id, None)
        self.deleted_change_sets.append(change_set_id)

    def execute_change_set(self, change_set_id: str) -> None:
        change_set, template, parameters = self.change_sets.pop(change_set_id)
        self.executed.append(change_set_id)
        stack = self.stacks[change_set.stack_name]
        kind = change_set.change_set_type
        verb = "CREATE" if kind == "CREATE" else "UPDATE"
        # the stack's status changes at once, its resources follow poll by poll
        self._event(stack, stack.name, STACK_TYPE, f"{verb}_IN_PROGRESS", "User Initiated")
        order = [c.logical_id for c in change_set.changes if c.action in ("Add", "Modify")]
        types = {c.logical_id: c.resource_type for c in change_set.changes}
        failed = [lid for lid in order if lid in self.fail]
        if not failed:
            for lid in order:
                stack.script.append((lid, types[lid], f"{verb}_IN_PROGRESS", None))
                stack.script.append((lid, types[lid], f"{verb}_COMPLETE", None))
            for c in change_set.changes:
                if c.action == "Remove":
                    stack.script.append((c.logical_id, c.resource_type, "DELETE_COMPLETE", None))
            stack.script.append((stack.name, STACK_TYPE, f"{verb}_COMPLETE", None))
            stack.template, stack.parameters = template, parameters
            return
        cut = order.index(failed[0])
        for lid in order[:cut]:
            stack.script.append((lid, types[lid], f"{verb}_IN_PROGRESS", None))
            stack.script.append((lid, types[lid], f"{verb}_COMPLETE", None))
        stack.script.append((failed[0], types[failed[0]], f"{verb}_IN_PROGRESS", None))
        stack.script.append((failed[0], types[failed[0]], f"{verb}_FAILED", self.fail[failed[0]]))
        cancelled = (
            "Resource creation cancelled" if verb == "CREATE" else "Resource update cancelled"
        )
        for lid in order[cut + 1 :]:
            stack.script.append((lid, types[lid], f"{verb}_FAILED", cancelled))
        names = ", ".join(order[cut:])
        rollback = "ROLLBACK" if verb == "CREATE" else "UPDATE_ROLLBACK"
        stack.script.append(
            (
                stack.name,
                STACK_TYPE,
                f"{rollback}_IN_PROGRESS",
                f"The following resource(s) failed to {verb.lower()}: [{names}]. "
                "Rollback requested by user.",
            )
        )
        for lid in reversed(order[:cut]):
            undo = "DELETE_COMPLETE" if verb == "CREATE" else "UPDATE_COMPLETE"
            stack.script.append((lid, types[lid], undo, None))
        stack.script.append((stack.name, STACK_TYPE, f"{rollback}_COMPLETE", None))

    def events(self, stack_name: str) -> list[StackEvent]:
        stack = self.stacks.get(stack_name)
        if stack is None:
            raise DeployError(f"Stack [{stack_name}] does not exist")
        self._advance(stack)
        return list(reversed(stack.events))

    def resources(self, stack_name: str) -> list[StackResource]:
        stack = self.stacks[stack_name]
        return [
            StackResource(
                lid,
                body.get("Type", ""),
                f"{lid}-physical",
                "CREATE_COMPLETE",
                body.get("DeletionPolicy"),
            )
            for lid, body in _resources(stack.template).items()
        ]

    def delete_stack(self, stack_name: str) -> None:
        self.calls.append("delete_stack")
        stack = self.stacks.get(stack_name)
        if stack is None:
            return
        self._event(stack, stack.name, STACK_TYPE, "DELETE_IN_PROGRESS", "User Initiated")
        for lid, body in reversed(list(_resources(stack.template).items())):
            kept = body.get("DeletionPolicy") in ("Retain", "RetainExceptOnCreate")
            status = "DELETE_SKIPPED" if kept else "DELETE_COMPLETE"
            stack.script.append((lid, body.get("Type", ""), status, None))
        stack.script.append((stack.name, STACK_TYPE, "DELETE_COMPLETE", None))

    # ----------------------------------------------------------------- inside

    def _event(self, stack: _Stack, lid: str, kind: str, status: str, reason: str | None) -> None:
        self._time += timedelta(seconds=1)
        number = next(self._ids)
        physical = stack.stack_id if kind == STACK_TYPE else f"{lid}-physical"
        stack.events.append(
            StackEvent(f"event-{number}", self._time, lid, kind, status, reason, physical)
        )
        if kind == STACK_TYPE:
            stack.status = status
            stack.reason = reason

    def _advance(self, stack: _Stack) -> None:
        for _ in range(min(self.events_per_poll, len(stack.script))):
            self._event(stack, *stack.script.pop(0))

    def _outputs(self, stack: _Stack) -> tuple[StackOutput, ...]:
        if stack.status not in ("CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"):
            return ()
        found = []
        for key, body in stack.template.get("Outputs", {}).items():
            value = body.get("Value")
            if isinstance(value, dict) and "Ref" in value:
                value = f"{value['Ref']}-physical"
            found.append(StackOutput(key, str(value), body.get("Description")))
        return tuple(found)

    def _diff(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[ResourceChange]:
        before, after = _resources(old), _resources(new)
        changes = [
            ResourceChange("Add", lid, body.get("Type", ""))
            for lid, body in after.items()
            if lid not in before
        ]
        for lid, body in after.items():
            if lid in before and before[lid] != body:
                was, now = before[lid].get("Properties", {}), body.get("Properties", {})
                changed = sorted(k for k in set(was) | set(now) if was.get(k) != now.get(k))
                changes.append(
                    ResourceChange(
                        "Modify",
                        lid,
                        body.get("Type", ""),
                        replacement=self.replacements.get(lid, "False"),
                        scope=("Properties",),
                        details=tuple(changed),
                    )
                )
        changes += [
            ResourceChange("Remove", lid, body.get("Type", ""))
            for lid, body in before.items()
            if lid not in after
        ]
        return changes
