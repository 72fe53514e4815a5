"""The executor against the in-memory fakes: every stage of `execute`, `destroy`, `outputs`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from lambdakit.deploy.executor import ExecuteOptions, destroy, execute
from lambdakit.deploy.instructions import TEMPLATE_BODY_LIMIT, Asset, DeployPlan, StackOutput
from lambdakit.deploy.stack_outputs import outputs
from lambdakit.errors import DeployError
from lambdakit.testing.deploy_fakes import FakeAssetStore, FakeStacks, RecordingReporter

BUCKET = "lambdakit-assets-123456789012-us-east-1"


class Clock:
    """Time that passes only when the executor sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def options(**overrides: Any) -> ExecuteOptions:
    clock = Clock()
    values: dict[str, Any] = {
        "confirm": lambda message: True,
        "poll_seconds": 1.0,
        "clock": clock,
        "sleep": clock.sleep,
        "now": lambda: datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC),
    }
    values.update(overrides)
    return ExecuteOptions(**values)


def template(code_key: str = "lambdakit/aaa.zip", **extra: Any) -> dict[str, Any]:
    resources: dict[str, Any] = {
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 30}},
        "Fn": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Code": {"S3Bucket": BUCKET, "S3Key": code_key},
                "Handler": "app.handler",
            },
        },
    }
    resources.update(extra)
    return {
        "Resources": resources,
        "Outputs": {
            "QueueUrl": {"Value": {"Ref": "Queue"}},
            "ApiUrl": {"Value": "https://abc.execute-api.us-east-1.amazonaws.com/Prod/"},
        },
    }


def asset(tmp_path: Path, name: str, size: int) -> Asset:
    path = tmp_path / name
    path.write_bytes(b"x" * size)
    return Asset(name, path, name * 8, size, f"lambdakit/{name}.zip")


def plan(body: dict[str, Any], assets: tuple[Asset, ...] = ()) -> DeployPlan:
    return DeployPlan("shop", "us-east-1", "123456789012", BUCKET, assets, json.dumps(body))


def status_of(stacks: FakeStacks, name: str) -> str | None:
    state = stacks.describe(name)
    return state.status if state else None


@pytest.fixture
def fakes() -> tuple[FakeStacks, FakeAssetStore, RecordingReporter]:
    return FakeStacks(), FakeAssetStore(chunk=100), RecordingReporter()


def test_first_deploy_creates_bucket_uploads_assets_creates_stack_and_returns_outputs(
    fakes: tuple[FakeStacks, FakeAssetStore, RecordingReporter], tmp_path: Path
) -> None:
    stacks, store, reporter = fakes
    assets = (asset(tmp_path, "a", 250), asset(tmp_path, "b", 40))
    result = execute(
        plan(template(), assets), stacks=stacks, store=store, reporter=reporter, options=options()
    )

    assert result.outcome == "deployed" and result.status == "CREATE_COMPLETE"
    assert result.bucket_created and BUCKET in store.buckets
    assert (result.uploaded_count, result.uploaded_bytes, result.skipped_bytes) == (2, 290, 0)
    assert reporter.of("upload_started") == [(290, 2)]
    assert reporter.uploaded_bytes == 290  # progress in chunks, summed
    assert sorted(store.puts) == ["lambdakit/a.zip", "lambdakit/b.zip"]
    summary = reporter.of("change_set")[0]
    assert summary.change_set_type == "CREATE"
    assert [c.logical_id for c in summary.added] == ["Fn", "Queue"]
    assert summary.change_set_id.startswith(
        "arn:aws:cloudformation:changeSet/lambdakit-20260304050607/"
    )
    # events reported live, once each, in order, ending with the stack's CREATE_COMPLETE
    events = reporter.of("event")
    assert len({e.event_id for e in events}) == len(events)
    assert events[-1].status == "CREATE_COMPLETE" and events[-1].logical_id == "shop"
    assert result.outputs == (
        StackOutput("ApiUrl", "https://abc.execute-api.us-east-1.amazonaws.com/Prod/"),
        StackOutput("QueueUrl", "Queue-physical"),
    )
    assert reporter.calls[-1] == ("done", result)


def test_second_deploy_uploads_only_what_is_missing_and_reports_one_modification(
    fakes: tuple[FakeStacks, FakeAssetStore, RecordingReporter], tmp_path: Path
) -> None:
    stacks, store, reporter = fakes
    first, second = asset(tmp_path, "a", 250), asset(tmp_path, "b", 40)
    execute(
        plan(template(), (first,)),
        stacks=stacks,
        store=store,
        reporter=RecordingReporter(),
        options=options(),
    )

    result = execute(
        plan(template("lambdakit/b.zip"), (first, second)),
        stacks=stacks,
        store=store,
        reporter=reporter,
        options=options(),
    )
    assert (result.uploaded_count, result.uploaded_bytes) == (1, 40)
    assert (result.skipped_count, result.skipped_bytes) == (1, 250)
    assert not result.bucket_created
    summary = result.change_set
    assert summary is not None and not summary.added and not summary.removed
    assert [(c.logical_id, c.replacement, c.details) for c in summary.modified] == [
        ("Fn", "False", ("Code",))
    ]
    assert result.status == "UPDATE_COMPLETE"


def test_no_changes_deletes_the_empty_change_set_and_does_not_execute(
    fakes: tuple[FakeStacks, FakeAssetStore, RecordingReporter],
) -> None:
    stacks, store, reporter = fakes
    execute(
        plan(template()),
        stacks=stacks,
        store=store,
        reporter=RecordingReporter(),
        options=options(),
    )
    result = execute(
        plan(template()), stacks=stacks, store=store, reporter=reporter, options=options()
    )
    assert result.outcome == "no changes"
    assert result.change_set is not None and result.change_set.no_changes
    assert stacks.deleted_change_sets and not stacks.change_sets
    assert len(stacks.executed) == 1  # only the first deploy
    assert reporter.of("event") == []
    assert result.outputs  # the outputs of the stack as it is


def test_failed_create_raises_the_root_cause_and_leaves_rollback_complete(
    fakes: tuple[FakeStacks, FakeAssetStore, RecordingReporter],
) -> None:
    stacks, store, reporter = fakes
    stacks.fail["Queue"] = "Invalid value for the parameter VisibilityTimeout."
    with pytest.raises(DeployError) as raised:
        execute(plan(template()), stacks=stacks, store=store, reporter=reporter, options=options())
    message = str(raised.value)
    assert (
        "Queue (AWS::SQS::Queue) CREATE_FAILED: Invalid value for the parameter VisibilityTimeout."
        in message
    )
    assert "ROLLBACK_COMPLETE" in message
    assert "following resource(s)" not in message  # the rollback event is not the cause
    assert raised.value.hint is not None and "--yes" in raised.value.hint
    assert status_of(stacks, "shop") == "ROLLBACK_COMPLETE"
    assert [e.status for e in reporter.of("event")][-1] == "ROLLBACK_COMPLETE"


def test_rollback_complete_is_deleted_and_created_again_when_confirmed(
    fakes: tuple[FakeStacks, FakeAssetStore, RecordingReporter],
) -> None:
    stacks, store, reporter = fakes
    stacks.put_stack("shop", "ROLLBACK_COMPLETE")
    questions: list[str] = []

    def confirm(message: str) -> bool:
        questions.append(message)
        return True

    result = execute(
        plan(template()),
        stacks=stacks,
        store=store,
        reporter=reporter,
        options=options(confirm=confirm),
    )
    assert result.recreated and result.status == "CREATE_COMPLETE"
    assert "ROLLBACK_COMPLETE" in questions[0] and "Delete it and create it again?" in questions[0]
    assert stacks.calls.index("delete_stack") < stacks.calls.index("create_change_set CREATE")
    # the stack is gone once DELETE_COMPLETE: its events by name end with it
    assert any(
        e.status == "DELETE_IN_PROGRESS" and e.logical_id == "shop" for e in reporter.of("event")
    )


def test_rollback_complete_is_left_alone_without_confirmation(
    fakes: tuple[FakeStacks, FakeAssetStore, RecordingReporter],
) -> None:
    stacks, store, reporter = fakes
    stacks.put_stack("shop", "ROLLBACK_COMPLETE")
    with pytest.raises(DeployError, match="cannot update it"):
        execute(
            plan(template()),
            stacks=stacks,
            store=store,
            reporter=reporter,
            options=options(confirm=lambda m: False),
        )
    assert "delete_stack" not in stacks.calls and stacks.describe("shop") is not None


def test_blocked_stack_stops_before_any_change_set(
    fakes: tuple[FakeStacks, FakeAssetStore, RecordingReporter],
) -> None:
    stacks, store, reporter = fakes
    stacks.put_stack("shop", "UPDATE_ROLLBACK_FAILED")
    with pytest.raises(DeployError, match="continue-update-rollback --stack-name shop"):
        execute(plan(template()), stacks=stacks, store=store, reporter=reporter, options=options())
    assert not any(c.startswith("create_change_set") for c in stacks.calls)


def test_failed_update_rolls_back_and_names_the_cause(
    fakes: tuple[FakeStacks, FakeAssetStore, RecordingReporter],
) -> None:
    stacks, store, reporter = fakes
    execute(
        plan(template()),
        stacks=stacks,
        store=store,
        reporter=RecordingReporter(),
        options=options(),
    )
    stacks.fail["Fn"] = "Error occurred while GetObject. S3 Error Code: NoSuchKey"
    with pytest.raises(DeployError) as raised:
        execute(
            plan(template("lambdakit/zzz.zip")),
            stacks=stacks,
            store=store,
            reporter=reporter,
            options=options(),
        )
    assert "Fn (AWS::Lambda::Function) UPDATE_FAILED: Error occurred while GetObject" in str(
        raised.value
    )
    assert "UPDATE_ROLLBACK_COMPLETE" in str(raised.value)
    assert raised.value.hint == "fix the cause and deploy again"


def test_slow_change_set_raises_naming_it(
    fakes: tuple[FakeStacks, FakeAssetStore, RecordingReporter],
) -> None:
    stacks, store, reporter = fakes
    stacks.pending_polls = 10**6
    with pytest.raises(
        DeployError,
        match="CloudFormation is slow: change set arn:aws:cloudformation:changeSet/lambdakit-",
    ):
        execute(
            plan(template()),
            stacks=stacks,
            store=store,
            reporter=reporter,
            options=options(change_set_timeout=10),
        )


def test_stack_that_never_finishes_raises_after_the_stack_timeout(
    fakes: tuple[FakeStacks, FakeAssetStore, RecordingReporter],
) -> None:
    stacks, store, reporter = fakes
    execute(
        plan(template()),
        stacks=stacks,
        store=store,
        reporter=RecordingReporter(),
        options=options(),
    )
    stacks.events_per_poll = 0  # the stack stays UPDATE_IN_PROGRESS
    with pytest.raises(DeployError, match="still UPDATE_IN_PROGRESS after 30 s"):
        execute(
            plan(template("lambdakit/new.zip")),
            stacks=stacks,
            store=store,
            reporter=reporter,
            options=options(stack_timeout=30),
        )


def test_no_execute_and_declined_stop_after_the_diff(
    fakes: tuple[FakeStacks, FakeAssetStore, RecordingReporter],
) -> None:
    stacks, store, reporter = fakes
    kept = execute(
        plan(template()),
        stacks=stacks,
        store=store,
        reporter=reporter,
        options=options(execute=False),
    )
    assert kept.outcome == "not executed" and len(stacks.change_sets) == 1 and not stacks.executed
    assert status_of(stacks, "shop") == "REVIEW_IN_PROGRESS"

    diffed = execute(
        plan(template()),
        stacks=stacks,
        store=store,
        reporter=reporter,
        options=options(execute=False, keep_unexecuted_change_set=False),
    )
    assert diffed.outcome == "not executed" and len(stacks.change_sets) == 1  # the new one deleted

    declined = execute(
        plan(template()),
        stacks=stacks,
        store=store,
        reporter=reporter,
        options=options(confirm=lambda m: False),
    )
    assert declined.outcome == "cancelled" and not stacks.executed


def test_template_over_the_body_limit_goes_by_url(tmp_path: Path) -> None:
    store, reporter = FakeAssetStore(), RecordingReporter()
    seen: dict[str, Any] = {}

    class UrlStacks(FakeStacks):
        def create_change_set(self, **arguments: Any) -> str:
            seen.update(arguments)
            raise DeployError("stop here")

    big = template(
        Padding={"Type": "AWS::SQS::Queue", "Metadata": {"x": "y" * TEMPLATE_BODY_LIMIT}}
    )
    with pytest.raises(DeployError, match="stop here"):
        execute(plan(big), stacks=UrlStacks(), store=store, reporter=reporter, options=options())
    assert seen["template_body"] is None
    assert seen["template_url"].startswith(f"https://{BUCKET}.s3.amazonaws.com/lambdakit/")
    key = seen["template_url"].split(".com/")[1]
    assert json.loads(store.objects[(BUCKET, key)]) == big


def test_destroy_names_retained_resources_and_deletes_after_confirmation(
    fakes: tuple[FakeStacks, FakeAssetStore, RecordingReporter],
) -> None:
    stacks, store, reporter = fakes
    body = template(
        Data={"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain"},
        Db={"Type": "AWS::RDS::DBInstance", "DeletionPolicy": "Snapshot"},
    )
    execute(plan(body), stacks=stacks, store=store, reporter=RecordingReporter(), options=options())
    questions: list[str] = []
    declined = destroy(
        "shop",
        stacks=stacks,
        reporter=reporter,
        options=options(confirm=lambda m: questions.append(m) or False),
    )
    assert not declined.deleted and [r.logical_id for r in declined.retained] == ["Data", "Db"]
    assert "Kept after the delete: Data (Retain), Db (Snapshot)." in questions[0]
    assert stacks.describe("shop") is not None

    result = destroy("shop", stacks=stacks, reporter=reporter, options=options())
    assert result.deleted and stacks.describe("shop") is None
    assert any(e.logical_id == "Data" and e.status == "DELETE_SKIPPED" for e in result.events)
    assert not destroy("shop", stacks=stacks, reporter=reporter, options=options()).existed


def test_outputs_put_the_api_url_first_and_missing_stack_is_an_error(
    fakes: tuple[FakeStacks, FakeAssetStore, RecordingReporter],
) -> None:
    stacks, store, reporter = fakes
    with pytest.raises(DeployError, match="Stack shop does not exist"):
        outputs("shop", stacks)
    execute(plan(template()), stacks=stacks, store=store, reporter=reporter, options=options())
    assert [o.key for o in outputs("shop", stacks)] == ["ApiUrl", "QueueUrl"]
