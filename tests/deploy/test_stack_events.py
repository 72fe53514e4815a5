"""Reading stack events: an operation's events, the root cause of a failure, progress."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lambdakit.deploy.instructions import StackEvent
from lambdakit.deploy.stack_events import (
    FailureCause,
    is_terminal,
    new_events,
    operation_events,
    progress,
    root_cause,
)

STACK = "AWS::CloudFormation::Stack"
START = datetime(2026, 1, 1, tzinfo=UTC)


def history(*rows: tuple[str, str, str, str | None]) -> list[StackEvent]:
    """Events oldest first, one second apart."""
    return [
        StackEvent(f"e{n}", START + timedelta(seconds=n), lid, kind, status, reason)
        for n, (lid, kind, status, reason) in enumerate(rows)
    ]


FAILED_CREATE = history(
    ("shop", STACK, "CREATE_IN_PROGRESS", "User Initiated"),
    ("Queue", "AWS::SQS::Queue", "CREATE_IN_PROGRESS", None),
    ("Queue", "AWS::SQS::Queue", "CREATE_COMPLETE", None),
    ("Table", "AWS::DynamoDB::Table", "CREATE_FAILED", "Resource creation cancelled"),
    (
        "Fn",
        "AWS::Lambda::Function",
        "CREATE_FAILED",
        "Error occurred while GetObject. S3 Error Code: NoSuchKey",
    ),
    ("Other", "AWS::SNS::Topic", "CREATE_FAILED", "Topic quota exceeded"),
    (
        "shop",
        STACK,
        "ROLLBACK_IN_PROGRESS",
        "The following resource(s) failed to create: [Table, Fn, Other]. "
        "Rollback requested by user.",
    ),
    ("Queue", "AWS::SQS::Queue", "DELETE_COMPLETE", None),
    ("shop", STACK, "ROLLBACK_COMPLETE", None),
)


def test_root_cause_is_the_first_own_failure_not_the_cancellations_or_rollback() -> None:
    cause = root_cause(FAILED_CREATE)
    assert cause is not None
    assert (cause.logical_id, cause.resource_type, cause.status) == (
        "Fn",
        "AWS::Lambda::Function",
        "CREATE_FAILED",
    )
    assert cause.reason.startswith("Error occurred while GetObject")
    assert cause.describe().startswith("Fn (AWS::Lambda::Function) CREATE_FAILED: Error occurred")


def logical_id(cause: FailureCause | None) -> str | None:
    return cause.logical_id if cause else None


def test_root_cause_falls_back_to_the_stack_and_then_to_consequences() -> None:
    only_stack = history(("shop", STACK, "UPDATE_FAILED", "Parameter validation failed"))
    assert logical_id(root_cause(only_stack)) == "shop"
    only_cancelled = history(
        ("Table", "AWS::DynamoDB::Table", "CREATE_FAILED", "Resource creation cancelled")
    )
    assert logical_id(root_cause(only_cancelled)) == "Table"
    assert root_cause(history(("shop", STACK, "CREATE_COMPLETE", None))) is None


def test_operation_events_are_those_after_the_start_marker_oldest_first() -> None:
    earlier = history(("shop", STACK, "UPDATE_COMPLETE", None))[0]
    newest_first = [
        *reversed(FAILED_CREATE),
        StackEvent("old", START - timedelta(days=1), "shop", STACK, "CREATE_COMPLETE"),
    ]
    assert operation_events(newest_first, after_event_id="old") == FAILED_CREATE
    assert operation_events(newest_first, since=START) == FAILED_CREATE
    assert operation_events(newest_first, after_event_id="e6") == FAILED_CREATE[7:]
    assert earlier.event_id == "e0"


def test_new_events_reports_each_event_once_in_order() -> None:
    seen: set[str] = set()
    newest_first = list(reversed(FAILED_CREATE))
    assert new_events(newest_first[5:], seen) == FAILED_CREATE[:4]
    assert new_events(newest_first, seen) == FAILED_CREATE[4:]
    assert new_events(newest_first, seen) == []


def test_progress_counts_resources_done() -> None:
    assert progress(FAILED_CREATE[:3], total=4).done == 1
    assert progress(FAILED_CREATE[:3], total=4).fraction == 0.25
    assert progress(FAILED_CREATE, total=4).done == 4
    assert progress([], total=0).fraction == 1.0


def test_terminal_statuses() -> None:
    assert is_terminal("ROLLBACK_COMPLETE") and is_terminal("UPDATE_ROLLBACK_FAILED")
    assert not is_terminal("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
