"""`lambdakit traffic FUNCTION`: a canary and a linear shift, the rollback when an alarm goes to
ALARM mid-shift (exit 1, the alarm named), `--rollback`, and usage errors (exit 2), against a
real moto server with scaled times (FIDELITY 5.4, 5.7, 5.8)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from lambdakit.aws.moto_server import MotoServer
from lambdakit.cli.main import cli
from tests.aws.test_lambda_traffic import REGION, adapter, client, deployed_function

SCALE = "0.0001"  # 5m → 30 ms


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def run(moto: MotoServer, *args: str) -> tuple[int, str]:
    where = ["--region", REGION, "--endpoint-url", moto.url, "--time-scale", SCALE]
    result = CliRunner().invoke(cli, ["traffic", *args, *where])
    return result.exit_code, result.output


def test_a_canary_prints_each_step_and_ends_at_100_percent_5_7(moto: MotoServer) -> None:
    function = deployed_function(moto)
    code, output = run(moto, function, "--alias", "live", "--canary", "10%", "--after", "5m")
    assert code == 0, output
    assert "version 2 published" in output
    assert "step 1/2: 10% on version 2, holding 300s" in output
    assert "step 2/2: 100% on version 2" in output
    alias = adapter(moto).get_alias(function, "live")
    assert alias is not None
    assert (alias.version, alias.weights) == ("2", {})


def test_a_linear_shift_reports_every_step_as_json_5_7(moto: MotoServer) -> None:
    function = deployed_function(moto)
    code, output = run(moto, function, "--linear", "25%", "--every", "1m", "--json")
    assert code == 0, output
    result = json.loads(output)
    assert (result["outcome"], result["version"], result["previous"]) == ("completed", "2", "1")
    shifted = [e["weight"] for e in result["events"] if e["kind"] == "shifted"]
    assert shifted == [0.25, 0.5, 0.75, 1.0]


def test_an_alarm_mid_shift_rolls_back_and_exits_1_naming_it_5_8(moto: MotoServer) -> None:
    function = deployed_function(moto)
    alarm = f"{function}-errors"
    cloudwatch = client(moto, "cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName=alarm,
        Namespace="AWS/Lambda",
        MetricName="Errors",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    versions = adapter(moto)

    def alarm_once_weighted() -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            alias = versions.get_alias(function, "live")
            if alias is not None and alias.weights:
                cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="t")
                return
            time.sleep(0.01)

    watcher = threading.Thread(target=alarm_once_weighted)
    watcher.start()
    # 1 h scaled by 0.005 = 18 s at most; the alarm ends it at the next 50 ms poll.
    result = CliRunner().invoke(
        cli,
        [
            *("traffic", function, "--canary", "10%", "--after", "1h", "--alarm", alarm),
            *("--region", REGION, "--endpoint-url", moto.url, "--time-scale", "0.005"),
        ],
    )
    watcher.join()
    assert result.exit_code == 1, result.output
    assert f"alarm {alarm} is in ALARM" in result.output
    assert "rolled back to version 1" in result.output
    alias = versions.get_alias(function, "live")
    assert alias is not None
    assert (alias.version, alias.weights) == ("1", {})


def test_rollback_points_the_alias_back_to_the_previous_version(moto: MotoServer) -> None:
    function = deployed_function(moto)
    assert run(moto, function, "--canary", "50%", "--after", "1s")[0] == 0
    code, output = run(moto, function, "--rollback")
    assert code == 0, output
    assert "alias live back on version 1 (was 2)" in output
    alias = adapter(moto).get_alias(function, "live")
    assert alias is not None
    assert (alias.version, alias.weights) == ("1", {})


def test_unchanged_code_says_there_is_nothing_to_shift_5_2(moto: MotoServer) -> None:
    function = deployed_function(moto)
    assert run(moto, function, "--canary", "10%", "--after", "1s")[0] == 0
    code, output = run(moto, function, "--canary", "10%", "--after", "1s")
    assert code == 0, output
    assert "nothing to shift" in output


def test_a_function_that_does_not_exist_is_an_error_with_the_cause(moto: MotoServer) -> None:
    code, output = run(moto, "no-such-function", "--canary", "10%", "--after", "1s")
    assert code == 1, output
    assert output.startswith("error: cannot publish a version of no-such-function: ")


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--canary", "10%"],
        ["--linear", "10%"],
        ["--canary", "10%", "--after", "5m", "--linear", "10%", "--every", "1m"],
        ["--canary", "10%", "--every", "1m"],
        ["--canary", "0%", "--after", "5m"],
        ["--linear", "10%", "--every", "soon"],
        ["--rollback", "--after", "5m"],
    ],
)
def test_wrong_flags_are_usage_errors(moto: MotoServer, args: list[str]) -> None:
    code, output = run(moto, "some-function", *args)
    assert code == 2, output
    assert output.startswith("error: ")
