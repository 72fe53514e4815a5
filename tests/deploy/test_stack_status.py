"""What a deploy does with a stack in each CloudFormation status."""

from __future__ import annotations

import pytest

from lambdakit.deploy.instructions import StackState
from lambdakit.deploy.stack_status import Action, decide


def state(status: str, reason: str | None = None) -> StackState:
    return StackState("shop", "arn:stack/shop/1", status, reason)


def test_missing_stack_is_created() -> None:
    assert decide(None).action is Action.CREATE
    assert decide(None).change_set_type == "CREATE"
    # a CREATE change set made but never executed leaves REVIEW_IN_PROGRESS: create again
    assert decide(state("REVIEW_IN_PROGRESS")).change_set_type == "CREATE"


@pytest.mark.parametrize(
    "status", ["CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE"]
)
def test_stable_stacks_are_updated(status: str) -> None:
    decision = decide(state(status))
    assert decision.action is Action.UPDATE and decision.change_set_type == "UPDATE"


def test_rollback_complete_must_be_deleted_and_created_again() -> None:
    decision = decide(
        state("ROLLBACK_COMPLETE", "The following resource(s) failed to create: [Fn].")
    )
    assert decision.action is Action.RECREATE
    assert decision.change_set_type == "CREATE"
    assert decision.message is not None
    assert "shop" in decision.message and "cannot update" in decision.message
    assert "deleted and created again" in decision.message
    assert decision.hint is not None and "--yes" in decision.hint


def test_update_rollback_failed_names_the_way_out() -> None:
    decision = decide(state("UPDATE_ROLLBACK_FAILED"))
    assert decision.action is Action.BLOCKED
    assert decision.message is not None
    assert "aws cloudformation continue-update-rollback --stack-name shop" in decision.message
    assert "--resources-to-skip" in decision.message and "delete" in decision.message


@pytest.mark.parametrize(
    "status",
    [
        "UPDATE_IN_PROGRESS",
        "CREATE_IN_PROGRESS",
        "DELETE_IN_PROGRESS",
        "UPDATE_ROLLBACK_IN_PROGRESS",
    ],
)
def test_running_operation_means_wait(status: str) -> None:
    decision = decide(state(status))
    assert decision.action is Action.BLOCKED
    assert (
        decision.message is not None and "Wait" in decision.message and "shop" in decision.message
    )


@pytest.mark.parametrize("status", ["DELETE_FAILED", "ROLLBACK_FAILED"])
def test_failed_deletes_are_explained(status: str) -> None:
    decision = decide(state(status, "bucket not empty"))
    assert decision.action is Action.BLOCKED
    assert decision.message is not None
    assert "--retain-resources" in decision.message and "bucket not empty" in decision.message
