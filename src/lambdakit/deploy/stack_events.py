"""Reading a stack's event history: this operation's events in order, the root cause of a
failure, and how far the operation has got.

Pure. CloudFormation lists events newest first and keeps the whole history of the stack; an
operation's events are those after the point where it started (`operation_events`). When an
operation fails, the last events are consequences ("Resource creation cancelled", the stack's
``ROLLBACK_IN_PROGRESS`` "The following resource(s) failed to create: [...]"): the cause is the
first resource that reached a ``*_FAILED`` status with a reason of its own (`root_cause`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from lambdakit.deploy.instructions import StackEvent

STACK_RESOURCE_TYPE = "AWS::CloudFormation::Stack"

CONSEQUENTIAL_REASONS = (
    "Resource creation cancelled",
    "Resource update cancelled",
    "Resource deletion cancelled",
    "The following resource(s) failed to",
)
"""Reasons of failures that only follow from another resource's failure."""

SUCCESS_STATUSES = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"})
"""Stack statuses that end an operation that went through."""

_DONE_SUFFIXES = ("_COMPLETE", "_FAILED", "_SKIPPED")


def is_terminal(status: str) -> bool:
    """Whether a stack status ends an operation (nothing is in progress any more)."""
    return not status.endswith("_IN_PROGRESS")


def operation_events(
    events_newest_first: Sequence[StackEvent],
    *,
    after_event_id: str | None = None,
    since: datetime | None = None,
) -> list[StackEvent]:
    """The events of the operation that started after `after_event_id` (the newest event seen
    before it began) or at/after `since`, oldest first."""
    chosen: list[StackEvent] = []
    for event in events_newest_first:
        if after_event_id is not None and event.event_id == after_event_id:
            break
        if since is not None and event.timestamp < since:
            break
        chosen.append(event)
    chosen.reverse()
    return chosen


def new_events(events_newest_first: Sequence[StackEvent], seen: set[str]) -> list[StackEvent]:
    """The events not in `seen`, oldest first; adds them to `seen` (for live polling)."""
    fresh = [e for e in events_newest_first if e.event_id not in seen]
    fresh.reverse()
    seen.update(e.event_id for e in fresh)
    return fresh


@dataclass(frozen=True)
class FailureCause:
    """The resource whose failure made the operation fail."""

    logical_id: str
    resource_type: str
    status: str
    reason: str

    def describe(self) -> str:
        return f"{self.logical_id} ({self.resource_type}) {self.status}: {self.reason}"


def _consequential(reason: str) -> bool:
    return any(reason.startswith(marker) for marker in CONSEQUENTIAL_REASONS)


def root_cause(events_oldest_first: Iterable[StackEvent]) -> FailureCause | None:
    """The first failure with a reason of its own; a resource's failure is preferred to the
    stack's, and consequential failures are used only when there is nothing else."""
    failures = [e for e in events_oldest_first if e.status.endswith("_FAILED") and e.reason]
    own = [e for e in failures if not _consequential(e.reason or "")]
    ranked = (
        [e for e in own if e.resource_type != STACK_RESOURCE_TYPE]
        or own
        or [e for e in failures if e.resource_type != STACK_RESOURCE_TYPE]
        or failures
    )
    if not ranked:
        return None
    first = ranked[0]
    return FailureCause(first.logical_id, first.resource_type, first.status, first.reason or "")


@dataclass(frozen=True)
class Progress:
    """How many resources of the operation are done, for a progress bar."""

    done: int
    total: int

    @property
    def fraction(self) -> float:
        return 1.0 if self.total == 0 else min(1.0, self.done / self.total)


def progress(events_oldest_first: Iterable[StackEvent], total: int) -> Progress:
    """Resources (not the stack) whose latest event is done (complete, failed or skipped)."""
    latest: dict[str, str] = {}
    for event in events_oldest_first:
        if event.resource_type != STACK_RESOURCE_TYPE:
            latest[event.logical_id] = event.status
    done = sum(1 for status in latest.values() if status.endswith(_DONE_SUFFIXES))
    return Progress(done=done, total=max(total, len(latest)))
