"""The CloudFormation adapter and the executor together, against a real moto server.

Where moto's CloudFormation falls short of the real service, the path is tested with
`lambdakit.testing.deploy_fakes` in tests/deploy/test_executor.py instead, and the executor
keeps the code path real AWS needs:

- moto's change sets carry no ``Replacement``, ``Scope`` or ``Details`` (only action, logical id
  and type);
- moto records only the stack's own events (no per-resource events), so the root cause is what
  the failing call itself says;
- moto executes a change set synchronously and does not roll back: a resource that fails makes
  ``ExecuteChangeSet`` itself answer an error (a JSON body where XML is expected) and leaves the
  stack ``REVIEW_IN_PROGRESS``, never ``ROLLBACK_COMPLETE``;
- a stack created or updated through a change set has no ``Outputs`` in moto;
- the "no changes" change set is ``FAILED`` with CloudFormation's reason (as AWS), but moto
  still lists stale changes in it.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

from lambdakit.aws.asset_bucket import S3AssetStore
from lambdakit.aws.cloudformation_stacks import CloudFormationStacks
from lambdakit.aws.moto_server import MotoServer
from lambdakit.aws.provision import FAKE_CREDENTIALS
from lambdakit.deploy.executor import DeployResult, ExecuteOptions, destroy, execute
from lambdakit.deploy.instructions import (
    TEMPLATE_BODY_LIMIT,
    Asset,
    DeployPlan,
    assets_bucket_name,
)
from lambdakit.errors import DeployError
from lambdakit.testing.deploy_fakes import RecordingReporter

BUCKET = assets_bucket_name("123456789012", "us-east-1")


def boto() -> boto3.session.Session:
    return boto3.session.Session(region_name="us-east-1", **FAKE_CREDENTIALS)


def options(**overrides: Any) -> ExecuteOptions:
    stamps = iter(range(10**6))
    values: dict[str, Any] = {
        "confirm": lambda message: True,
        "poll_seconds": 0.01,
        "change_set_timeout": 30.0,
        "stack_timeout": 30.0,
        # one change set name per deploy, as if each ran a second after the other
        "now": lambda: datetime.fromtimestamp(1_700_000_000 + next(stamps), UTC),
    }
    values.update(overrides)
    return ExecuteOptions(**values)


def code_asset(tmp_path: Path, name: str, text: str) -> Asset:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", text)
    path = tmp_path / f"{name}.zip"
    path.write_bytes(buffer.getvalue())
    digest = hashlib.sha256(buffer.getvalue()).hexdigest()
    return Asset(name, path, digest, path.stat().st_size, f"lambdakit/{digest}.zip")


def template(code_key: str, code_bucket: str = BUCKET) -> dict[str, Any]:
    return {
        "Resources": {
            "Uploads": {"Type": "AWS::S3::Bucket", "Properties": {}},
            "Jobs": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 30}},
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []}
                },
            },
            "Worker": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Runtime": "python3.12",
                    "Handler": "app.handler",
                    "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                    "Code": {"S3Bucket": code_bucket, "S3Key": code_key},
                },
            },
        }
    }


def plan(name: str, body: dict[str, Any], *assets: Asset) -> DeployPlan:
    return DeployPlan(name, "us-east-1", "123456789012", BUCKET, assets, json.dumps(body))


def deploy(
    moto: MotoServer,
    deploy_plan: DeployPlan,
    reporter: RecordingReporter | None = None,
    **overrides: Any,
) -> DeployResult:
    return execute(
        deploy_plan,
        stacks=CloudFormationStacks(boto(), moto.url),
        store=S3AssetStore(boto(), moto.url),
        reporter=reporter or RecordingReporter(),
        options=options(**overrides),
    )


def test_create_update_no_op_and_destroy(moto: MotoServer, tmp_path: Path) -> None:
    first = code_asset(tmp_path, "v1", "def handler(e, c):\n    return 1\n")
    created = deploy(moto, plan("shop", template(first.key), first))
    assert created.outcome == "deployed" and created.status == "CREATE_COMPLETE"
    assert created.uploaded_count == 1 and created.bucket_created
    assert created.change_set is not None
    assert [c.logical_id for c in created.change_set.added] == ["Jobs", "Role", "Uploads", "Worker"]
    lambda_client = boto().client("lambda", endpoint_url=moto.url)
    stacks = CloudFormationStacks(boto(), moto.url)
    worker = next(r for r in stacks.resources("shop") if r.logical_id == "Worker")
    assert (
        lambda_client.get_function(FunctionName=worker.physical_id)["Configuration"]["Handler"]
        == "app.handler"
    )

    # one function's code changed: exactly that asset uploaded, exactly that modification
    second = code_asset(tmp_path, "v2", "def handler(e, c):\n    return 2\n")
    updated = deploy(moto, plan("shop", template(second.key), first, second))
    assert (updated.uploaded_count, updated.skipped_count) == (1, 1)
    assert updated.uploaded_bytes == second.size and updated.skipped_bytes == first.size
    assert updated.change_set is not None
    assert [(c.action, c.logical_id) for c in updated.change_set.modified] == [("Modify", "Worker")]
    assert not updated.change_set.added and not updated.change_set.removed
    assert updated.status == "UPDATE_COMPLETE"

    # nothing changed: "no changes", the empty change set deleted, nothing uploaded
    unchanged = deploy(moto, plan("shop", template(second.key), first, second))
    assert unchanged.outcome == "no changes" and unchanged.uploaded_bytes == 0
    assert unchanged.change_set is not None and unchanged.change_set.no_changes
    cloudformation = boto().client("cloudformation", endpoint_url=moto.url)
    left = cloudformation.list_change_sets(StackName="shop")["Summaries"]
    assert [s["Status"] for s in left if s["Status"] == "FAILED"] == []

    reporter = RecordingReporter()
    gone = destroy("shop", stacks=stacks, reporter=reporter, options=options())
    assert gone.deleted and stacks.describe("shop") is None


def test_failing_create_names_the_cause_then_the_stack_is_deleted_and_created(
    moto: MotoServer, tmp_path: Path
) -> None:
    # the code's bucket does not exist: moto's Lambda rejects the function
    with pytest.raises(DeployError, match="NoSuchBucket") as raised:
        deploy(moto, plan("broken", template("lambdakit/x.zip", "no-such-bucket")))
    assert "executing change set" in str(raised.value)
    stacks = CloudFormationStacks(boto(), moto.url)
    left = stacks.describe("broken")
    assert left is not None  # moto leaves it REVIEW_IN_PROGRESS (AWS: ROLLBACK_COMPLETE)

    assert destroy("broken", stacks=stacks, reporter=RecordingReporter(), options=options()).deleted
    fixed = code_asset(tmp_path, "ok", "def handler(e, c):\n    return 0\n")
    recovered = deploy(moto, plan("broken", template(fixed.key), fixed))
    assert recovered.status == "CREATE_COMPLETE"


def test_adapter_basics(moto: MotoServer) -> None:
    stacks = CloudFormationStacks(boto(), moto.url)
    assert stacks.describe("never-made") is None
    with pytest.raises(DeployError, match="deleting change set nope"):
        stacks.delete_change_set("nope")
    retained = {"Type": "AWS::S3::Bucket", "Properties": {}, "DeletionPolicy": "Retain"}
    change_set_id = stacks.create_change_set(
        stack_name="kept",
        change_set_name="lambdakit-1",
        change_set_type="CREATE",
        template_body=json.dumps({"Resources": {"Data": retained}}),
        template_url=None,
        parameters={},
        capabilities=["CAPABILITY_IAM"],
    )
    change_set = stacks.describe_change_set(change_set_id)
    assert (change_set.status, change_set.change_set_type) == ("CREATE_COMPLETE", "CREATE")
    assert [(c.action, c.logical_id, c.resource_type) for c in change_set.changes] == [
        ("Add", "Data", "AWS::S3::Bucket")
    ]
    stacks.execute_change_set(change_set_id)
    state = stacks.describe("kept")
    assert state is not None and state.status == "CREATE_COMPLETE"
    assert [(r.logical_id, r.deletion_policy) for r in stacks.resources("kept")] == [
        ("Data", "Retain")
    ]
    events = stacks.events("kept")
    assert events[0].status == "CREATE_COMPLETE" and events[0].timestamp > events[-1].timestamp
    result = destroy("kept", stacks=stacks, reporter=RecordingReporter(), options=options())
    assert [r.logical_id for r in result.retained] == ["Data"]


def test_template_over_the_body_limit_goes_by_template_url(
    moto: MotoServer, tmp_path: Path
) -> None:
    code = code_asset(tmp_path, "big", "def handler(e, c):\n    return 0\n")
    body = template(code.key)
    body["Metadata"] = {"Padding": "x" * TEMPLATE_BODY_LIMIT}
    result = deploy(moto, plan("big", body, code))
    assert result.status == "CREATE_COMPLETE"
    s3 = boto().client("s3", endpoint_url=moto.url)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert any(k.endswith(".template.json") for k in keys)
    cloudformation = boto().client("cloudformation", endpoint_url=moto.url)
    assert "Padding" in json.dumps(cloudformation.get_template(StackName="big")["TemplateBody"])
