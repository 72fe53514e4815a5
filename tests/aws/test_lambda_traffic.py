"""`LambdaTraffic` against a real moto server over HTTP: versions, alias weights step by step,
and the rollback when an alarm goes to ALARM mid-shift (FIDELITY 5.2, 5.3, 5.4, 5.7, 5.8)."""

from __future__ import annotations

import io
import itertools
import zipfile
from typing import Any

import boto3
import pytest

from lambdakit.aws.lambda_traffic import LambdaTraffic
from lambdakit.aws.moto_server import MotoServer
from lambdakit.aws.provision import FAKE_CREDENTIALS
from lambdakit.deploy.traffic import ShiftOptions, canary_schedule, linear_schedule, shift_traffic
from lambdakit.deploy.traffic_ports import AliasState
from lambdakit.errors import DeployError

REGION = "us-east-1"
_names = itertools.count()


def archive(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        zipped.writestr("app.py", source)
    return buffer.getvalue()


def client(moto: MotoServer, service: str) -> Any:
    return boto3.client(service, endpoint_url=moto.url, region_name=REGION, **FAKE_CREDENTIALS)


def deployed_function(moto: MotoServer) -> str:
    """A function with version 1 behind alias live, and new code in `$LATEST`."""
    name = f"traffic-{next(_names)}"
    iam, lam = client(moto, "iam"), client(moto, "lambda")
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": archive("def handler(e, c): return 1\n")},
    )
    version = lam.publish_version(FunctionName=name)["Version"]
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion=version)
    lam.update_function_code(FunctionName=name, ZipFile=archive("def handler(e, c): return 2\n"))
    return name


def adapter(moto: MotoServer) -> LambdaTraffic:
    session = boto3.session.Session(region_name=REGION, **FAKE_CREDENTIALS)
    return LambdaTraffic(endpoint_url=moto.url, session=session)


class AliasReadingClock:
    """Virtual time; at every sleep it reads the alias from moto (what callers see between
    steps) and runs `on_sleep` with the number of sleeps so far."""

    def __init__(self, versions: LambdaTraffic, function: str, on_sleep: Any = None) -> None:
        self.versions, self.function, self.on_sleep = versions, function, on_sleep
        self.time = 0.0
        self.seen: list[AliasState | None] = []

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.time += seconds
        self.seen.append(self.versions.get_alias(self.function, "live"))
        if self.on_sleep is not None:
            self.on_sleep(len(self.seen))


def test_a_canary_shift_steps_the_alias_weights_and_ends_on_the_new_version_5_4_5_7(
    moto: MotoServer,
) -> None:
    function = deployed_function(moto)
    versions = adapter(moto)
    clock = AliasReadingClock(versions, function)
    shift = ShiftOptions(function, "live", canary_schedule(0.1, 300.0), poll_seconds=100.0)
    result = shift_traffic(versions, shift, clock=clock)
    assert (result.outcome, result.version, result.previous) == ("completed", "2", "1")
    assert {state.version for state in clock.seen if state} == {"1"}
    assert all(state and state.weights == {"2": 0.1} for state in clock.seen)
    assert len(clock.seen) == 3  # 300 s held, alarms polled every 100 s
    assert versions.get_alias(function, "live") == AliasState(
        "2", {}, "lambdakit: previous=1"
    )  # 100 % on v2, no additional weights


def test_a_linear_shift_goes_through_its_steps_5_7(moto: MotoServer) -> None:
    function = deployed_function(moto)
    versions = adapter(moto)
    clock = AliasReadingClock(versions, function)
    shift = ShiftOptions(function, "live", linear_schedule(0.3, 60.0), poll_seconds=60.0)
    shift_traffic(versions, shift, clock=clock)
    assert [state.weights if state else None for state in clock.seen] == [
        {"2": 0.3},
        {"2": 0.6},
        {"2": 0.9},
    ]
    assert versions.get_alias(function, "live") == AliasState("2", {}, "lambdakit: previous=1")


def test_an_alarm_set_to_alarm_mid_shift_rolls_the_alias_back_5_8(moto: MotoServer) -> None:
    function = deployed_function(moto)
    cloudwatch = client(moto, "cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName=f"{function}-errors",
        Namespace="AWS/Lambda",
        MetricName="Errors",
        Dimensions=[{"Name": "FunctionName", "Value": function}],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )

    def alarm_on_second_poll(sleeps: int) -> None:
        if sleeps == 2:
            cloudwatch.set_alarm_state(
                AlarmName=f"{function}-errors", StateValue="ALARM", StateReason="test"
            )

    versions = adapter(moto)
    clock = AliasReadingClock(versions, function, alarm_on_second_poll)
    shift = ShiftOptions(
        function,
        "live",
        linear_schedule(0.1, 60.0),
        alarms=(f"{function}-errors",),
        poll_seconds=30.0,
    )
    result = shift_traffic(versions, shift, clock=clock)
    assert (result.outcome, result.alarm) == ("rolled_back", f"{function}-errors")
    assert [state.weights if state else None for state in clock.seen] == [{"2": 0.1}] * 2
    assert versions.get_alias(function, "live") == AliasState("1", {}, "")


def test_publishing_unchanged_code_returns_the_same_version_5_2(moto: MotoServer) -> None:
    function = deployed_function(moto)
    versions = adapter(moto)
    assert versions.publish_version(function) == "2"
    assert versions.publish_version(function) == "2"


def test_alarm_states_name_only_the_alarms_that_exist(moto: MotoServer) -> None:
    client(moto, "cloudwatch").put_metric_alarm(
        AlarmName="known",
        Namespace="AWS/Lambda",
        MetricName="Errors",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    states = adapter(moto).alarm_states(["known", "unknown"])
    # AWS starts an alarm in INSUFFICIENT_DATA; moto starts it in OK.
    assert set(states) == {"known"}
    assert states["known"] in {"OK", "INSUFFICIENT_DATA"}


def test_a_missing_alias_is_none_and_a_missing_function_is_a_deploy_error(
    moto: MotoServer,
) -> None:
    function = deployed_function(moto)
    versions = adapter(moto)
    assert versions.get_alias(function, "nope") is None
    versions.create_alias(function, "beta", "1", {}, "made here")
    assert versions.get_alias(function, "beta") == AliasState("1", {}, "made here")
    with pytest.raises(DeployError, match="cannot publish a version of no-such-function"):
        versions.publish_version("no-such-function")
