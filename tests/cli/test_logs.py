"""`lambdakit logs` end to end against a real moto server: lines, --filter, --json, errors, --tail
(FIDELITY 2.7.1 platform lines, 2.7.6 default log group /aws/lambda/<name>)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from click.testing import CliRunner

from lambdakit.aws.moto_server import MotoServer
from lambdakit.cli.main import cli

GROUP = "/aws/lambda/fn"
STREAM = "2026/11/23/[$LATEST]0123456789abcdef0123456789abcdef"
LINES = [
    "START RequestId: r1 Version: $LATEST\n",
    "[INFO]\t2026-11-23T17:00:00.000Z\tr1\thello from fn\n",
    "END RequestId: r1\n",
    "REPORT RequestId: r1\tDuration: 2.00 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\t"
    "Max Memory Used: 40 MB\t\n",
]


@pytest.fixture(autouse=True)
def _credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """boto3's standard chain, kept away from the developer's own profiles and files."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)


@pytest.fixture(scope="module")
def logs(moto: MotoServer) -> Iterator[Any]:
    client = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    ).client("logs", endpoint_url=moto.url)
    client.create_log_group(logGroupName=GROUP)
    client.create_log_stream(logGroupName=GROUP, logStreamName=STREAM)
    now = int(time.time() * 1000)
    client.put_log_events(
        logGroupName=GROUP,
        logStreamName=STREAM,
        logEvents=[
            {"timestamp": now - 5000 + i, "message": message} for i, message in enumerate(LINES)
        ],
    )
    yield client


def _logs(moto: MotoServer, *args: str) -> Any:
    return CliRunner().invoke(
        cli,
        ["logs", *args, "--endpoint-url", moto.url, "--region", "us-east-1"],
        catch_exceptions=False,
    )


def _messages(output: str) -> list[str]:
    """The message part of each `time stream message` line."""
    return [line.split(" ", 2)[2] for line in output.splitlines()]


def test_logs_prints_the_events_in_order(moto, logs):
    result = _logs(moto, "fn", "--since", "1h")
    assert result.exit_code == 0, result.output
    assert _messages(result.stdout) == [line.rstrip("\n") for line in LINES]
    assert all(line.split(" ")[1] == "01234567" for line in result.stdout.splitlines())


def test_logs_filter_keeps_the_matching_events(moto, logs):
    result = _logs(moto, "fn", "--since", "1h", "--filter", "REPORT")
    assert result.exit_code == 0, result.output
    assert _messages(result.stdout) == [LINES[3].rstrip("\n")]


def test_logs_json_is_one_object_per_line(moto, logs):
    result = _logs(moto, "fn", "--since", "1h", "--json")
    assert result.exit_code == 0, result.output
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["message"] for o in objects] == [line.rstrip("\n") for line in LINES]
    assert {o["logStream"] for o in objects} == {STREAM}


def test_logs_without_events_says_so(moto, logs):
    result = _logs(moto, "fn", "--since", "2000-01-01T00:00:00Z", "--filter", "no-such-text")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "no log events in /aws/lambda/fn since 2000-01-01T00:00:00.000Z" in result.stderr


def test_logs_of_a_function_without_a_log_group_is_a_one_line_error(moto, logs):
    result = _logs(moto, "never-ran")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: log group /aws/lambda/never-ran not found: has the function run yet?\n"
    )


def test_logs_rejects_a_bad_since(moto):
    result = _logs(moto, "fn", "--since", "yesterday")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --since 'yesterday' is neither")


def test_logs_tail_picks_up_an_event_put_after_it_started(moto, logs):
    """--tail keeps polling (short interval, bounded polls) and shows the new event once."""

    def invoke_later() -> None:
        time.sleep(0.05)
        logs.put_log_events(
            logGroupName=GROUP,
            logStreamName=STREAM,
            logEvents=[{"timestamp": int(time.time() * 1000), "message": "START RequestId: r2\n"}],
        )

    putter = threading.Thread(target=invoke_later)
    putter.start()
    try:
        result = _logs(
            moto, "fn", "--since", "1h", "--tail", "--interval", "0.02", "--max-polls", "25"
        )
    finally:
        putter.join()
    assert result.exit_code == 0, result.output
    assert _messages(result.stdout) == [line.rstrip("\n") for line in LINES] + [
        "START RequestId: r2"
    ]
    assert "tailing /aws/lambda/fn (Ctrl-C to stop)" in result.stderr


def test_logs_without_credentials_says_so(monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)
    result = CliRunner().invoke(cli, ["logs", "fn", "--region", "us-east-1"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: no AWS credentials found\nhint: ")
