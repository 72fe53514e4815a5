"""What a deploy can do with a stack in the state CloudFormation reports: create it, update it,
delete and create it again, or stop and tell the user the way out.

Pure. A stack whose first create failed is ``ROLLBACK_COMPLETE``: it holds no resources and
CloudFormation refuses to update it, so it must be deleted first (`Action.RECREATE`, done after
confirmation). ``UPDATE_ROLLBACK_FAILED`` needs ``continue-update-rollback`` (or a delete);
a stack with an operation ``*_IN_PROGRESS`` must be left to finish (`Action.BLOCKED`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Literal

from lambdakit.deploy.instructions import StackState


class Action(enum.Enum):
    CREATE = "create"
    UPDATE = "update"
    RECREATE = "recreate"
    """Delete the stack (it has no usable resources), then create it."""
    BLOCKED = "blocked"
    """The user (or time) must act first; `Decision.message` says how."""


@dataclass(frozen=True)
class Decision:
    action: Action
    message: str | None = None
    """For RECREATE and BLOCKED: what is wrong and what to do, naming the stack."""
    hint: str | None = None

    @property
    def change_set_type(self) -> Literal["CREATE", "UPDATE"]:
        return "UPDATE" if self.action is Action.UPDATE else "CREATE"


_UPDATABLE = frozenset(
    {
        "CREATE_COMPLETE",
        "UPDATE_COMPLETE",
        "UPDATE_ROLLBACK_COMPLETE",
        "IMPORT_COMPLETE",
        "IMPORT_ROLLBACK_COMPLETE",
        "UPDATE_FAILED",  # only with --disable-rollback; an update is allowed again
    }
)


def _reason(state: StackState) -> str:
    return f" ({state.reason})" if state.reason else ""


def decide(state: StackState | None) -> Decision:
    """The action for a stack in `state` (None: the stack does not exist)."""
    if state is None or state.status in ("DELETE_COMPLETE", "REVIEW_IN_PROGRESS"):
        # REVIEW_IN_PROGRESS: a CREATE change set was made but never executed; CloudFormation
        # takes another CREATE change set for it.
        return Decision(Action.CREATE)
    name, status = state.name, state.status
    if status in _UPDATABLE:
        return Decision(Action.UPDATE)
    if status in ("ROLLBACK_COMPLETE", "CREATE_FAILED"):
        return Decision(
            Action.RECREATE,
            f"Stack {name} is {status}: its first create failed{_reason(state)}, so it has no "
            "resources and CloudFormation cannot update it. It must be deleted and created "
            "again.",
            hint=f"confirm (or pass --yes) to delete {name} and create it again",
        )
    return _blocked(state)


def _blocked(state: StackState) -> Decision:
    """Why the stack cannot be deployed now, and what to do."""
    name, status = state.name, state.status
    if status == "UPDATE_ROLLBACK_FAILED":
        return Decision(
            Action.BLOCKED,
            f"Stack {name} is UPDATE_ROLLBACK_FAILED: an update failed and so did the rollback"
            f"{_reason(state)}. Fix what blocked the rollback, then run "
            f"`aws cloudformation continue-update-rollback --stack-name {name}` (add "
            "`--resources-to-skip LogicalId ...` for resources that cannot roll back), or "
            "delete the stack.",
            hint="see the stack's events for the resource whose rollback failed",
        )
    if status in ("ROLLBACK_FAILED", "DELETE_FAILED"):
        return Decision(
            Action.BLOCKED,
            f"Stack {name} is {status}{_reason(state)}: CloudFormation could not delete some "
            f"of its resources. Delete them (or keep them with `aws cloudformation delete-stack "
            f"--stack-name {name} --retain-resources LogicalId ...`), delete the stack, then "
            "deploy again.",
            hint=f"`lambdakit destroy --stack-name {name}` retries the delete",
        )
    if status.endswith("_IN_PROGRESS"):
        return Decision(
            Action.BLOCKED,
            f"Stack {name} is {status}: another operation is running on it. Wait until it "
            "ends, then deploy again.",
            hint=f"watch it with `aws cloudformation describe-stack-events --stack-name {name}`",
        )
    return Decision(
        Action.BLOCKED,
        f"Stack {name} is {status}{_reason(state)}: lambdakit does not know how to deploy to "
        "a stack in this state.",
        hint="look at the stack in the CloudFormation console",
    )
