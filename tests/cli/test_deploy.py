"""`lambdakit deploy`, `diff`, `outputs` and `destroy` against a real moto server over HTTP.

The app is tests/fixtures/sam/shipping (two functions with their own code folders, a table,
queues, a bucket): moto's CloudFormation has no SAM transform, so with ``--endpoint-url``
lambdakit expands SAM itself. moto gaps, tested at the planner/executor level with the fakes
instead (tests/deploy/test_executor.py): it never reaches ROLLBACK_COMPLETE (a failed create
stays REVIEW_IN_PROGRESS), sets no outputs through change sets, and writes only stack-level
events.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from click.testing import CliRunner, Result

from lambdakit.aws.moto_server import MotoServer
from lambdakit.cli.main import cli

FIXTURE = Path(__file__).parents[1] / "fixtures" / "sam" / "shipping"
BUCKET = "lambdakit-assets-123456789012-us-east-1"

BROKEN = """\
Resources:
  Orders:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handle
      Role: arn:aws:iam::123456789012:role/orders
      Code:
        S3Bucket: no-such-bucket-anywhere
        S3Key: orders.zip
"""


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture
def app(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURE, tmp_path / "shipping"))


@pytest.fixture
def endpoint(moto: MotoServer) -> Iterator[str]:
    yield moto.url
    cloudformation = _client(moto.url, "cloudformation")
    for stack in cloudformation.list_stacks()["StackSummaries"]:
        if stack["StackStatus"] != "DELETE_COMPLETE":
            cloudformation.delete_stack(StackName=stack["StackName"])


def _client(url: str, service: str) -> Any:
    return boto3.client(service, endpoint_url=url, region_name="us-east-1")


def lambdakit(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _deploy(app: Path, endpoint: str, *extra: str) -> dict[str, Any]:
    result = lambdakit("deploy", "-t", str(app), "--endpoint-url", endpoint, "--json", *extra)
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def _touch(path: Path) -> None:
    path.write_text(path.read_text() + "\n# changed\n")


def test_create_then_no_op_then_one_changed_function(app: Path, endpoint: str) -> None:
    first = lambdakit("deploy", "-t", str(app), "--endpoint-url", endpoint, "--yes")
    assert first.exit_code == 0, first.output
    assert "Stack shipping (create): 9 to add, 0 to modify, 0 to remove" in first.stderr
    assert "+ WorkerFunction (AWS::Lambda::Function)" in first.stderr
    assert "Stack shipping: CREATE_COMPLETE" in first.stderr
    keys = [o["Key"] for o in _client(endpoint, "s3").list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert len(keys) >= 2
    assert all(key.startswith("lambdakit/") and key.endswith(".zip") for key in keys)
    functions = {
        f["FunctionName"] for f in _client(endpoint, "lambda").list_functions()["Functions"]
    }
    assert any("WorkerFunction" in name for name in functions)

    again = _deploy(app, endpoint, "--yes")
    assert again["outcome"] == "no changes"
    assert again["assets"]["uploaded"] == 0
    assert again["assets"]["uploaded_bytes"] == 0

    _touch(app / "src" / "worker" / "worker.py")
    changed = _deploy(app, endpoint, "--yes")
    assert changed["outcome"] == "deployed"
    assert changed["status"] == "UPDATE_COMPLETE"
    assert changed["assets"]["uploaded"] == 1
    assert changed["assets"]["skipped"] == 1
    assert [c["logical_id"] for c in changed["changes"]["modified"]] == ["WorkerFunction"]
    assert changed["changes"]["added"] == changed["changes"]["removed"] == []


def test_diff_shows_the_change_set_and_executes_nothing(app: Path, endpoint: str) -> None:
    _deploy(app, endpoint, "--yes")
    _touch(app / "src" / "orders" / "orders.py")

    result = lambdakit("diff", "-t", str(app), "--endpoint-url", endpoint)

    assert result.exit_code == 0, result.output
    assert "~ OrdersFunction (AWS::Lambda::Function)" in result.stderr
    cloudformation = _client(endpoint, "cloudformation")
    summaries = cloudformation.list_change_sets(StackName="shipping")["Summaries"]
    # moto keeps executed change sets listed (CloudFormation removes them): none is waiting
    assert [s for s in summaries if s["ExecutionStatus"] == "AVAILABLE"] == []
    stack = cloudformation.describe_stacks(StackName="shipping")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"


def test_a_failing_create_names_its_cause_then_a_fixed_template_deploys(
    tmp_path: Path, endpoint: str
) -> None:
    template = tmp_path / "broken" / "template.yaml"
    template.parent.mkdir()
    template.write_text(BROKEN)

    failed = lambdakit("deploy", "-t", str(template), "--endpoint-url", endpoint, "--yes")

    assert failed.exit_code == 1
    assert "error:" in failed.stderr
    assert "NoSuchBucket" in failed.stderr or "does not exist" in failed.stderr
    assert "Traceback" not in failed.output

    # On AWS the stack is now ROLLBACK_COMPLETE and the next deploy deletes and recreates it
    # (tests/deploy/test_executor.py); moto leaves it REVIEW_IN_PROGRESS, so destroy it first.
    destroyed = lambdakit("destroy", "-t", str(template), "--endpoint-url", endpoint, "--yes")
    assert destroyed.exit_code == 0, destroyed.output
    template.write_text("Resources:\n  Orders:\n    Type: AWS::SQS::Queue\n    Properties: {}\n")
    fixed = lambdakit("deploy", "-t", str(template), "--endpoint-url", endpoint, "--yes")
    assert fixed.exit_code == 0, fixed.output


def test_destroy_deletes_the_stack(app: Path, endpoint: str) -> None:
    _deploy(app, endpoint, "--yes")

    result = lambdakit("destroy", "-t", str(app), "--endpoint-url", endpoint, "--yes", "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["deleted"] is True
    again = lambdakit("destroy", "-t", str(app), "--endpoint-url", endpoint, "--yes")
    assert "does not exist" in again.stderr


def test_without_a_terminal_a_question_needs_yes(app: Path, endpoint: str) -> None:
    result = lambdakit("deploy", "-t", str(app), "--endpoint-url", endpoint)

    assert result.exit_code == 2
    assert "pass --yes" in result.stderr
    assert "Traceback" not in result.output


def test_no_credentials_is_one_line(
    app: Path, endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))

    result = lambdakit("deploy", "-t", str(app), "--endpoint-url", endpoint, "--yes")

    assert result.exit_code == 1
    assert result.stderr.startswith("error: no AWS credentials found")
    assert "Traceback" not in result.output
