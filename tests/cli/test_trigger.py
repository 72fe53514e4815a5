"""`lambdakit trigger RULE`: one async invoke per target, through a running local endpoint."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from lambdakit.cli.main import cli
from lambdakit.local.function_spec import LocalFunction
from lambdakit.local.lambda_service import LambdaOptions
from lambdakit.local.runner import LocalLambda
from lambdakit.testing import FolderCode

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Job:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: nightly-job
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      Events:
        Nightly:
          Type: Schedule
          Properties:
            Schedule: cron(0 3 * * ? *)
        Tagged:
          Type: Schedule
          Properties:
            Schedule: rate(1 hour)
            Input: '{"job": "tagged"}'
"""
HANDLER = """\
import json, os, pathlib

def handler(event, context):
    out = pathlib.Path(os.environ["OUT"])
    with out.open("a") as file:
        file.write(json.dumps(event) + "\\n")
    return {"ok": True}
"""


@pytest.fixture(scope="module")
def app_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("trigger")
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text(HANDLER)
    (root / "template.yaml").write_text(TEMPLATE)
    return root


@pytest.fixture(scope="module")
def local(app_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalLambda]:
    out = app_dir / "events.jsonl"
    function = LocalFunction(
        id="Job",
        name="nightly-job",
        handler="app.handler",
        runtime="python3.12",
        environment={"OUT": str(out)},
    )
    code = FolderCode(python=(3, 12)).add("Job", app_dir / "src")
    options = LambdaOptions(state_dir=tmp_path_factory.mktemp("state"))
    with LocalLambda([function], code, options=options) as running:
        yield running


@pytest.fixture(scope="module")
def endpoint(local: LocalLambda) -> str:
    return local.serve_invoke_api()


def received(app_dir: Path, local: LocalLambda) -> list[dict[str, object]]:
    local.drain(timeout=60)
    out = app_dir / "events.jsonl"
    lines = out.read_text().splitlines() if out.exists() else []
    out.unlink(missing_ok=True)
    return [json.loads(line) for line in lines]


def trigger(app_dir: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["trigger", "-t", str(app_dir / "template.yaml"), *args])
    return result.exit_code, result.output


def test_the_function_receives_the_scheduled_event(
    app_dir: Path, local: LocalLambda, endpoint: str
) -> None:
    code, output = trigger(app_dir, "JobNightly", "--endpoint", endpoint, "--json")
    assert code == 0, output
    assert json.loads(output) == {
        "rule": "JobNightly",
        "targets": [{"function": "Job", "status": 202}],
    }
    (event,) = received(app_dir, local)
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["detail"] == {}
    (arn,) = event["resources"]  # type: ignore[misc]
    assert str(arn).startswith("arn:aws:events:us-east-1:123456789012:rule/")
    assert "-JobNightly-" in str(arn)


def test_a_rule_with_a_constant_input_sends_the_input(
    app_dir: Path, local: LocalLambda, endpoint: str
) -> None:
    code, output = trigger(app_dir, "JobTagged", "--endpoint", endpoint)
    assert code == 0, output
    assert output == "JobTagged -> Job: 202\n"
    assert received(app_dir, local) == [{"job": "tagged"}]


def test_an_unknown_rule_is_a_one_line_error_listing_the_rules(app_dir: Path) -> None:
    code, output = trigger(app_dir, "Nope", "--endpoint", "http://127.0.0.1:9")
    assert code == 1
    assert output.splitlines() == [
        "error: the app has no scheduled rule 'Nope'",
        "hint: scheduled rules in this app: JobNightly, JobTagged",
    ]


def test_an_endpoint_that_is_not_running_says_to_start_lambdakit_local(app_dir: Path) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    code, output = trigger(app_dir, "JobNightly", "--endpoint", f"http://127.0.0.1:{port}")
    assert code == 1
    first, hint = output.splitlines()
    assert first.startswith(
        f"error: cannot reach the local Lambda endpoint http://127.0.0.1:{port}"
    )
    assert hint == "hint: start `lambdakit local` first, or pass --endpoint URL"
