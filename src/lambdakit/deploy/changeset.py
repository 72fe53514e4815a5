"""A change set as the user reads it: resources added, modified (and whether they are replaced),
removed; "no changes" recognized; rendered as text lines for the CLI and as a JSON-able dict.

Pure: the executor gets a `ChangeSet` through the `Stacks` port and hands it to `summarize`.
CloudFormation answers an update that changes nothing with a change set in status ``FAILED``
and a reason such as "The submitted information didn't contain changes. Submit different
information to create a change set." (or "No updates are to be performed."): that is no error,
it is "no changes" (`is_no_changes`).
"""

from __future__ import annotations

from dataclasses import dataclass

from lambdakit.deploy.instructions import ChangeSet, ResourceChange

NO_CHANGES_REASONS = (
    "The submitted information didn't contain changes",
    "No updates are to be performed",
)
"""The beginnings of the reasons CloudFormation gives for a change set that changes nothing."""

CHANGE_SET_DONE = frozenset({"CREATE_COMPLETE", "FAILED", "DELETE_COMPLETE", "DELETE_FAILED"})
"""Change set statuses after which waiting longer changes nothing."""

_REPLACEMENT_WORDS = {
    "True": "replaced",
    "Conditional": "may be replaced",
    "False": "updated in place",
}


def is_no_changes(change_set: ChangeSet) -> bool:
    """Whether CloudFormation made the change set and found nothing to change."""
    if change_set.status == "FAILED":
        reason = change_set.reason or ""
        return any(marker in reason for marker in NO_CHANGES_REASONS)
    # A complete change set without resource changes still updates outputs or parameters when
    # executed (CloudFormation makes one when only Outputs changed): not "no changes".
    return False


@dataclass(frozen=True)
class ChangeSummary:
    """What a change set will do, grouped the way the user reads it."""

    stack_name: str
    change_set_id: str
    change_set_type: str
    added: tuple[ResourceChange, ...] = ()
    modified: tuple[ResourceChange, ...] = ()
    removed: tuple[ResourceChange, ...] = ()
    other: tuple[ResourceChange, ...] = ()
    """``Import`` and ``Dynamic`` changes."""
    no_changes: bool = False

    @property
    def resource_count(self) -> int:
        """How many resources the change set touches (the total of a progress bar)."""
        return len(self.added) + len(self.modified) + len(self.removed) + len(self.other)

    @property
    def replacements(self) -> tuple[ResourceChange, ...]:
        """Modified resources that CloudFormation replaces (or may replace)."""
        return tuple(c for c in self.modified if c.replacement in ("True", "Conditional"))


def summarize(change_set: ChangeSet) -> ChangeSummary:
    """Group a change set's changes; a "no changes" change set gives an empty summary."""
    if is_no_changes(change_set):
        return ChangeSummary(
            change_set.stack_name, change_set.id, change_set.change_set_type, no_changes=True
        )

    def pick(*actions: str) -> tuple[ResourceChange, ...]:
        chosen = [c for c in change_set.changes if c.action in actions]
        return tuple(sorted(chosen, key=lambda c: c.logical_id))

    return ChangeSummary(
        stack_name=change_set.stack_name,
        change_set_id=change_set.id,
        change_set_type=change_set.change_set_type,
        added=pick("Add"),
        modified=pick("Modify"),
        removed=pick("Remove"),
        other=pick("Import", "Dynamic"),
    )


def _modified_line(change: ResourceChange) -> str:
    line = f"  ~ {change.logical_id} ({change.resource_type})"
    if change.details:
        line += f": {', '.join(change.details)}"
    elif change.scope:
        line += f": {', '.join(change.scope)}"
    if change.replacement is not None:
        line += f" [{_REPLACEMENT_WORDS[change.replacement]}]"
    return line


def render_lines(summary: ChangeSummary) -> list[str]:
    """The summary as plain text lines (``+`` added, ``~`` modified, ``-`` removed)."""
    if summary.no_changes:
        return [f"Stack {summary.stack_name}: no changes."]
    verb = "create" if summary.change_set_type == "CREATE" else "update"
    lines = [
        f"Stack {summary.stack_name} ({verb}): {len(summary.added)} to add, "
        f"{len(summary.modified)} to modify, {len(summary.removed)} to remove"
    ]
    lines += [f"  + {c.logical_id} ({c.resource_type})" for c in summary.added]
    lines += [_modified_line(c) for c in summary.modified]
    lines += [f"  - {c.logical_id} ({c.resource_type})" for c in summary.removed]
    lines += [f"  * {c.logical_id} ({c.resource_type}): {c.action}" for c in summary.other]
    replaced = summary.replacements
    if replaced:
        names = ", ".join(c.logical_id for c in replaced)
        lines.append(f"Note: replacement deletes and recreates {names} (new physical ids).")
    return lines


def _change_json(change: ResourceChange) -> dict[str, object]:
    return {
        "action": change.action,
        "logical_id": change.logical_id,
        "resource_type": change.resource_type,
        "replacement": change.replacement,
        "scope": list(change.scope),
        "details": list(change.details),
    }


def to_json(summary: ChangeSummary) -> dict[str, object]:
    """The summary as a dict that `json.dumps` takes (for ``--json``)."""
    return {
        "stack_name": summary.stack_name,
        "change_set_id": summary.change_set_id,
        "change_set_type": summary.change_set_type,
        "no_changes": summary.no_changes,
        "added": [_change_json(c) for c in summary.added],
        "modified": [_change_json(c) for c in summary.modified],
        "removed": [_change_json(c) for c in summary.removed],
        "other": [_change_json(c) for c in summary.other],
    }
