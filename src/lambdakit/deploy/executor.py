"""Run a `DeployPlan` through the ports, telling a `DeployReporter` what happens as it happens.

Stages of `execute`:

1. ensure the assets bucket;
2. upload the assets the bucket does not have yet (HeadObject), in parallel, with progress;
3. a template over CloudFormation's body limit goes to the bucket too (TemplateURL);
4. decide from the stack's state (`stack_status.decide`): create, update, delete and create again
   (``ROLLBACK_COMPLETE``, after `ExecuteOptions.confirm`), or stop with the way out;
5. create a change set ``lambdakit-<UTC timestamp>`` and wait for it, bounded;
   "no changes" deletes the empty change set and ends there;
6. report the diff; unless not executing or not confirmed, execute it and follow the stack's
   events until the operation ends (bounded); a failure raises `DeployError` naming the root
   cause (the first resource that failed and why), not the final rollback event.

`destroy` deletes a stack (after confirmation, saying which resources are retained) and
`outputs` reads its outputs. All waits poll through `ExecuteOptions.sleep`/`clock`, so tests
run them without real time.
"""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, Protocol

from lambdakit.deploy.changeset import (
    CHANGE_SET_DONE,
    NO_CHANGES_REASONS,
    ChangeSummary,
    is_no_changes,
    summarize,
)
from lambdakit.deploy.instructions import (
    ASSET_PREFIX,
    TEMPLATE_BODY_LIMIT,
    ChangeSet,
    DeployPlan,
    StackEvent,
    StackOutput,
    StackResource,
    StackState,
)
from lambdakit.deploy.ports import AssetStore, Stacks
from lambdakit.deploy.stack_events import (
    SUCCESS_STATUSES,
    is_terminal,
    new_events,
    root_cause,
)
from lambdakit.deploy.stack_outputs import order_outputs
from lambdakit.deploy.stack_status import Action, decide
from lambdakit.errors import DeployError

RETAINED_POLICIES = frozenset({"Retain", "RetainExceptOnCreate", "Snapshot"})
"""Deletion policies that keep a resource (or a snapshot of it) when its stack is deleted."""


class DeployReporter(Protocol):
    """Who shows the user what a deploy does. `uploaded` is called from upload threads."""

    def phase(self, name: str) -> None: ...
    def upload_started(self, total_bytes: int, count: int) -> None: ...
    def uploaded(self, size: int) -> None: ...
    def change_set(self, summary: ChangeSummary) -> None: ...
    def event(self, event: StackEvent) -> None: ...
    def done(self, result: DeployResult | DestroyResult) -> None: ...


def _never(message: str) -> bool:
    return False


@dataclass(frozen=True)
class ExecuteOptions:
    confirm: Callable[[str], bool] = _never
    """Asked before deleting a stack and before executing a change set (``--yes``: always
    True); False stops there."""
    execute: bool = True
    """False for ``--no-execute`` and ``diff``: stop after showing the change set."""
    keep_unexecuted_change_set: bool = True
    """When not executing: keep the change set for review (``--no-execute``) or delete it."""
    poll_seconds: float = 2.0
    change_set_timeout: float = 300.0
    stack_timeout: float = 3600.0
    upload_workers: int = 8
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


Outcome = Literal["deployed", "no changes", "not executed", "cancelled"]


@dataclass(frozen=True)
class DeployResult:
    stack_name: str
    outcome: Outcome
    change_set: ChangeSummary | None = None
    outputs: tuple[StackOutput, ...] = ()
    status: str | None = None
    uploaded_count: int = 0
    uploaded_bytes: int = 0
    skipped_count: int = 0
    skipped_bytes: int = 0
    bucket_created: bool = False
    recreated: bool = False
    events: tuple[StackEvent, ...] = ()


@dataclass(frozen=True)
class DestroyResult:
    stack_name: str
    deleted: bool
    """False when the stack did not exist or the user declined."""
    existed: bool = True
    retained: tuple[StackResource, ...] = ()
    events: tuple[StackEvent, ...] = ()


def _upload_assets(
    plan: DeployPlan, store: AssetStore, reporter: DeployReporter, options: ExecuteOptions
) -> DeployResult:
    """Upload what the bucket lacks; the result so far counts what was sent and skipped."""
    bucket = plan.assets_bucket
    with ThreadPoolExecutor(max_workers=max(1, options.upload_workers)) as pool:
        present = list(pool.map(lambda a: store.has(bucket, a.key), plan.assets))
        missing = [a for a, here in zip(plan.assets, present, strict=True) if not here]
        size = sum(a.size for a in missing)
        reporter.upload_started(size, len(missing))
        list(pool.map(lambda a: store.put(bucket, a.key, a.path, reporter.uploaded), missing))
    return DeployResult(
        plan.stack_name,
        "no changes",
        uploaded_count=len(missing),
        uploaded_bytes=size,
        skipped_count=len(plan.assets) - len(missing),
        skipped_bytes=sum(a.size for a in plan.assets) - size,
    )


def _template_url(plan: DeployPlan, store: AssetStore) -> str | None:
    body = plan.template_body.encode()
    if len(body) <= TEMPLATE_BODY_LIMIT:
        return None
    key = f"{ASSET_PREFIX}{hashlib.sha256(body).hexdigest()}.template.json"
    if not store.has(plan.assets_bucket, key):
        with tempfile.TemporaryDirectory(prefix="lambdakit-template-") as folder:
            path = Path(folder) / "template.json"
            path.write_bytes(body)
            store.put(plan.assets_bucket, key, path, lambda _size: None)
    return store.url(plan.assets_bucket, key)


@dataclass
class _Watch:
    """Follows one operation on a stack: each new event reported once, bounded in time."""

    name: str
    stacks: Stacks
    reporter: DeployReporter
    options: ExecuteOptions
    seen: set[str] = field(default_factory=set)
    events: list[StackEvent] = field(default_factory=list)
    """The operation's events, oldest first."""

    def mark(self) -> None:
        """Call before starting the operation: the events so far are not its own."""
        self.seen = {e.event_id for e in self.stacks.events(self.name)}

    def _report(self) -> None:
        with contextlib.suppress(DeployError):  # a deleted stack's events go with it
            fresh = new_events(self.stacks.events(self.name), self.seen)
            self.events += fresh
            for event in fresh:
                self.reporter.event(event)

    def until_done(self) -> StackState | None:
        """Poll until nothing is in progress; None when the stack is gone."""
        deadline = self.options.clock() + self.options.stack_timeout
        while True:
            self._report()
            state = self.stacks.describe(self.name)
            if state is None or is_terminal(state.status):
                if state is not None:
                    self._report()
                return state
            if self.options.clock() > deadline:
                raise DeployError(
                    f"Stack {self.name} is still {state.status} after "
                    f"{self.options.stack_timeout:.0f} s; CloudFormation goes on with it.",
                    hint="watch it: aws cloudformation describe-stack-events --stack-name "
                    f"{self.name}",
                )
            self.options.sleep(self.options.poll_seconds)

    def delete(self) -> None:
        """Delete the stack and wait until it is gone; a failed delete names the cause."""
        self.mark()
        self.stacks.delete_stack(self.name)
        state = self.until_done()
        if state is not None:
            cause = root_cause(self.events)
            detail = cause.describe() if cause else (state.reason or "no reason given")
            raise DeployError(
                f"Deleting stack {self.name} failed ({state.status}): {detail}",
                hint="delete or empty that resource, then run `lambdakit destroy` again",
            )


def _recreate(
    state: StackState, stacks: Stacks, reporter: DeployReporter, options: ExecuteOptions
) -> None:
    decision = decide(state)
    assert decision.message is not None
    if not options.confirm(f"{decision.message} Delete it and create it again?"):
        raise DeployError(decision.message, hint=decision.hint)
    reporter.phase(f"deleting stack {state.name} ({state.status})")
    _Watch(state.name, stacks, reporter, options).delete()


def _wait_change_set(change_set_id: str, stacks: Stacks, options: ExecuteOptions) -> ChangeSet:
    deadline = options.clock() + options.change_set_timeout
    while True:
        change_set = stacks.describe_change_set(change_set_id)
        if change_set.status in CHANGE_SET_DONE:
            return change_set
        if options.clock() > deadline:
            raise DeployError(
                f"CloudFormation is slow: change set {change_set_id} is still "
                f"{change_set.status} after {options.change_set_timeout:.0f} s.",
                hint="look at it in the CloudFormation console, or run "
                f"`aws cloudformation describe-change-set --change-set-name {change_set_id}`",
            )
        options.sleep(options.poll_seconds)


def _failure(state: StackState, events: Sequence[StackEvent]) -> DeployError:
    cause = root_cause(events)
    what = (cause.describe() if cause else (state.reason or "no reason given")).rstrip(".")
    after = decide(state)
    hint = after.hint if after.action is not Action.UPDATE else None
    return DeployError(
        f"Deploying stack {state.name} failed: {what}. The stack is now {state.status}.",
        hint=hint or "fix the cause and deploy again",
    )


def _change_set_name(options: ExecuteOptions) -> str:
    return "lambdakit-" + options.now().astimezone(UTC).strftime("%Y%m%d%H%M%S")


def execute(
    plan: DeployPlan,
    *,
    stacks: Stacks,
    store: AssetStore,
    reporter: DeployReporter,
    options: ExecuteOptions,
) -> DeployResult:
    """Deploy `plan` (see the module docstring for the stages)."""
    name = plan.stack_name
    reporter.phase(f"assets bucket {plan.assets_bucket}")
    created = store.ensure_bucket(plan.assets_bucket)
    reporter.phase("uploading assets")
    base = replace(_upload_assets(plan, store, reporter, options), bucket_created=created)
    template_url = _template_url(plan, store)

    state = stacks.describe(name)
    decision = decide(state)
    if decision.action is Action.BLOCKED:
        raise DeployError(decision.message or f"Stack {name} cannot be deployed now.")
    recreated = decision.action is Action.RECREATE
    if recreated:
        assert state is not None
        _recreate(state, stacks, reporter, options)

    reporter.phase("creating change set")
    try:
        change_set_id = stacks.create_change_set(
            stack_name=name,
            change_set_name=_change_set_name(options),
            change_set_type=decision.change_set_type,
            template_body=None if template_url else plan.template_body,
            template_url=template_url,
            parameters=plan.parameters,
            capabilities=plan.capabilities,
        )
    except DeployError as error:
        # Some endpoints (moto) refuse a change set that changes nothing instead of making a
        # FAILED one as CloudFormation does: the same answer for the user.
        if not any(reason in error.message for reason in NO_CHANGES_REASONS):
            raise
        summary = ChangeSummary(name, "", decision.change_set_type, no_changes=True)
        reporter.change_set(summary)
        base = replace(base, change_set=summary, recreated=recreated)
        return _done(reporter, base, "no changes", stacks.describe(name))
    change_set = _wait_change_set(change_set_id, stacks, options)
    summary = summarize(change_set)
    base = replace(base, change_set=summary, recreated=recreated)
    if is_no_changes(change_set):
        stacks.delete_change_set(change_set_id)
        reporter.change_set(summary)
        return _done(reporter, base, "no changes", stacks.describe(name))
    if change_set.status != "CREATE_COMPLETE":
        raise DeployError(
            f"CloudFormation could not make change set {change_set_id} for stack {name}: "
            f"{change_set.reason or change_set.status}",
            hint="fix the template or parameters; the change set is kept for inspection",
        )
    reporter.change_set(summary)

    if not options.execute:
        if not options.keep_unexecuted_change_set:
            stacks.delete_change_set(change_set_id)
        return _done(reporter, base, "not executed")
    if not options.confirm(f"Deploy these changes to stack {name}?"):
        stacks.delete_change_set(change_set_id)
        return _done(reporter, base, "cancelled")

    reporter.phase("executing change set")
    watch = _Watch(name, stacks, reporter, options)
    watch.mark()
    stacks.execute_change_set(change_set_id)
    final = watch.until_done()
    if final is None:
        raise DeployError(f"Stack {name} disappeared while it was being deployed.")
    if final.status not in SUCCESS_STATUSES:
        raise _failure(final, watch.events)
    return _done(reporter, base, "deployed", final, watch.events)


def _done(
    reporter: DeployReporter,
    base: DeployResult,
    outcome: Outcome,
    state: StackState | None = None,
    events: Sequence[StackEvent] = (),
) -> DeployResult:
    result = replace(
        base,
        outcome=outcome,
        outputs=order_outputs(state.outputs) if state else (),
        status=state.status if state else None,
        events=tuple(events),
    )
    reporter.done(result)
    return result


def destroy(
    stack_name: str, *, stacks: Stacks, reporter: DeployReporter, options: ExecuteOptions
) -> DestroyResult:
    """Delete the stack after `options.confirm`, naming the resources its deletion keeps."""
    state = stacks.describe(stack_name)
    if state is None:
        result = DestroyResult(stack_name, deleted=False, existed=False)
        reporter.done(result)
        return result
    # a stack never created, or rolled back from its first create, holds no resources
    empty = state.status in ("REVIEW_IN_PROGRESS", "ROLLBACK_COMPLETE")
    resources = [] if empty else stacks.resources(stack_name)
    retained = tuple(r for r in resources if r.deletion_policy in RETAINED_POLICIES)
    question = f"Delete stack {stack_name} ({state.status}) and its {len(resources)} resources?"
    if retained:
        kept = ", ".join(f"{r.logical_id} ({r.deletion_policy})" for r in retained)
        question += f" Kept after the delete: {kept}."
    if not options.confirm(question):
        result = DestroyResult(stack_name, deleted=False, retained=retained)
        reporter.done(result)
        return result
    reporter.phase(f"deleting stack {stack_name}")
    watch = _Watch(stack_name, stacks, reporter, options)
    watch.delete()
    result = DestroyResult(stack_name, deleted=True, retained=retained, events=tuple(watch.events))
    reporter.done(result)
    return result
