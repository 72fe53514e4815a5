"""Traffic shifting, offline: parsing, canary/linear schedules (FIDELITY 5.7), the rollout state
machine and `rollback`, through an in-memory `FunctionVersions` and a virtual clock."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pytest

from lambdakit.deploy.traffic import (
    DESCRIPTION_LIMIT,
    ShiftOptions,
    Step,
    TrafficEvent,
    canary_schedule,
    linear_schedule,
    parse_duration,
    parse_percent,
    previous_version,
    rollback,
    schedule_seconds,
    shift_traffic,
    with_previous,
)
from lambdakit.deploy.traffic_ports import AliasState
from lambdakit.errors import DeployError, UsageError


class FakeVersions:
    """One function in memory: `$LATEST` code, published versions, aliases, alarms."""

    def __init__(self, code: str = "v1-code") -> None:
        self.code = code
        self.published: list[str] = []  # code of each version, version = index + 1
        self.aliases: dict[str, AliasState] = {}
        self.alarms: dict[str, str] = {}
        self.updates: list[tuple[str, dict[str, float]]] = []

    def publish_version(self, function: str) -> str:
        if not self.published or self.published[-1] != self.code:  # FIDELITY 5.2
            self.published.append(self.code)
        return str(len(self.published))

    def get_alias(self, function: str, alias: str) -> AliasState | None:
        return self.aliases.get(alias)

    def create_alias(
        self,
        function: str,
        alias: str,
        version: str,
        weights: Mapping[str, float],
        description: str,
    ) -> None:
        assert alias not in self.aliases
        self.aliases[alias] = AliasState(version, dict(weights), description)

    def update_alias(
        self,
        function: str,
        alias: str,
        version: str,
        weights: Mapping[str, float],
        description: str,
    ) -> None:
        assert len(weights) <= 1 and version not in weights  # at most two versions, FIDELITY 5.3
        assert all(0.0 <= w <= 1.0 for w in weights.values())  # FIDELITY 5.4
        self.aliases[alias] = AliasState(version, dict(weights), description)
        self.updates.append((version, dict(weights)))

    def alarm_states(self, names: Sequence[str]) -> dict[str, str]:
        return {name: self.alarms[name] for name in names if name in self.alarms}


class VirtualClock:
    """Time that moves only when slept; `at` runs a callback once time reaches a point."""

    def __init__(self) -> None:
        self.time = 0.0
        self.sleeps = 0
        self.callbacks: list[tuple[float, Callable[[], None]]] = []

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.time += seconds
        self.sleeps += 1
        due = [cb for at, cb in self.callbacks if at <= self.time]
        self.callbacks = [(at, cb) for at, cb in self.callbacks if at > self.time]
        for callback in due:
            callback()


def deployed(description: str = "") -> FakeVersions:
    """v1 published, alias live → v1, then new code in `$LATEST`."""
    fake = FakeVersions()
    fake.publish_version("fn")
    fake.aliases["live"] = AliasState("1", {}, description)
    fake.code = "v2-code"
    return fake


def options(schedule: tuple[Step, ...], alarms: tuple[str, ...] = ()) -> ShiftOptions:
    return ShiftOptions(function="fn", alias="live", schedule=schedule, alarms=alarms)


# -- parsing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "share"), [("10%", 0.1), ("10", 0.1), (" 2.5 % ", 0.025), ("100%", 1.0)]
)
def test_percentages_parse_to_a_share(text: str, share: float) -> None:
    assert parse_percent(text) == share


@pytest.mark.parametrize("text", ["0%", "101%", "-5%", "ten", "%", ""])
def test_bad_percentages_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError) as raised:
        parse_percent(text)
    assert raised.value.exit_code == 2


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30.0), ("5m", 300.0), ("1h", 3600.0), ("1h30m", 5400.0), ("0.5s", 0.5), ("0s", 0.0)],
)
def test_durations_parse_to_seconds(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["5", "5x", "-5m", "m", "", "5m junk"])
def test_bad_durations_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError):
        parse_duration(text)


# -- schedules (FIDELITY 5.7) ----------------------------------------------------------------


def test_canary_holds_the_share_for_the_wait_then_goes_to_100_percent_5_7() -> None:
    schedule = canary_schedule(0.1, 300.0)  # Canary10Percent5Minutes
    assert schedule == (Step(0.1, 300.0), Step(1.0, 0.0))
    assert schedule_seconds(schedule) == 300.0


def test_linear_adds_the_share_every_interval_until_100_percent_5_7() -> None:
    schedule = linear_schedule(0.1, 600.0)  # Linear10PercentEvery10Minutes
    assert [step.weight for step in schedule] == [
        0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0
    ]  # fmt: skip
    assert all(step.wait_seconds == 600.0 for step in schedule[:-1])
    assert schedule[-1] == Step(1.0, 0.0)
    # The first increment is immediate, so 100 % comes after 9 intervals (90 min); FIDELITY 5.7
    # counts 10 increments x 10 min = 100 min.
    assert schedule_seconds(schedule) == 5400.0


def test_linear_steps_that_do_not_divide_100_end_at_100_percent_5_7() -> None:
    assert [step.weight for step in linear_schedule(0.3, 60.0)] == [0.3, 0.6, 0.9, 1.0]
    assert [step.weight for step in linear_schedule(0.25, 60.0)] == [0.25, 0.5, 0.75, 1.0]


def test_a_100_percent_schedule_is_all_at_once_5_7() -> None:
    assert canary_schedule(1.0, 300.0) == (Step(1.0, 0.0),)
    assert linear_schedule(1.0, 60.0) == (Step(1.0, 0.0),)


# -- the description marker ----------------------------------------------------------------


def test_the_previous_version_marker_keeps_the_users_description() -> None:
    marked = with_previous("prod traffic", "7")
    assert marked == "prod traffic | lambdakit: previous=7"
    assert previous_version(marked) == "7"
    assert with_previous(marked, "8") == "prod traffic | lambdakit: previous=8"
    assert with_previous(marked, None) == "prod traffic"
    assert previous_version("prod traffic") is None
    assert len(with_previous("x" * 300, "12345")) <= DESCRIPTION_LIMIT


# -- the rollout ---------------------------------------------------------------------------


def test_a_canary_shift_moves_the_weights_then_ends_on_the_new_version_5_4_5_7() -> None:
    fake = deployed("prod")
    clock = VirtualClock()
    seen: list[TrafficEvent] = []
    result = shift_traffic(
        fake, options(canary_schedule(0.1, 300.0)), clock=clock, on_event=seen.append
    )
    assert fake.updates == [("1", {"2": 0.1}), ("2", {})]
    assert fake.aliases["live"] == AliasState("2", {}, "prod | lambdakit: previous=1")
    assert (result.outcome, result.version, result.previous) == ("completed", "2", "1")
    assert [e.kind for e in result.events] == ["published", "shifted", "shifted", "completed"]
    assert list(result.events) == seen
    assert clock.time == 300.0


def test_a_linear_shift_goes_through_every_step_5_7() -> None:
    fake = deployed()
    result = shift_traffic(fake, options(linear_schedule(0.25, 60.0)), clock=VirtualClock())
    assert fake.updates == [
        ("1", {"2": 0.25}),
        ("1", {"2": 0.5}),
        ("1", {"2": 0.75}),
        ("2", {}),
    ]
    assert [e.weight for e in result.events if e.kind == "shifted"] == [0.25, 0.5, 0.75, 1.0]


def test_an_alarm_in_alarm_while_waiting_rolls_the_alias_back_5_8() -> None:
    fake = deployed("prod")
    fake.alarms = {"errors": "OK", "latency": "INSUFFICIENT_DATA"}
    clock = VirtualClock()
    clock.callbacks.append((120.0, lambda: fake.alarms.update(errors="ALARM")))
    result = shift_traffic(
        fake, options(canary_schedule(0.1, 300.0), alarms=("latency", "errors")), clock=clock
    )
    assert fake.updates == [("1", {"2": 0.1}), ("1", {})]
    assert fake.aliases["live"] == AliasState("1", {}, "prod")  # the description as it was
    assert (result.outcome, result.version, result.alarm) == ("rolled_back", "1", "errors")
    assert [e.kind for e in result.events][-2:] == ["alarm", "rolled_back"]
    assert clock.time < 300.0  # stopped at the first poll after the alarm, not at the end


def test_an_alarm_already_in_alarm_stops_the_shift_before_its_first_step_5_8() -> None:
    fake = deployed()
    fake.alarms = {"errors": "ALARM"}
    result = shift_traffic(
        fake, options(canary_schedule(0.1, 300.0), alarms=("errors",)), clock=VirtualClock()
    )
    assert fake.updates == [("1", {})]
    assert result.outcome == "rolled_back"


def test_an_interrupted_shift_puts_the_alias_back_before_it_stops_5_8() -> None:
    fake = deployed()
    clock = VirtualClock()

    def interrupt() -> None:
        raise KeyboardInterrupt

    clock.callbacks.append((30.0, interrupt))
    seen: list[TrafficEvent] = []
    with pytest.raises(KeyboardInterrupt):
        shift_traffic(fake, options(canary_schedule(0.1, 60.0)), clock=clock, on_event=seen.append)
    assert fake.updates == [("1", {"2": 0.1}), ("1", {})]
    assert seen[-1].kind == "rolled_back"


def test_a_fractional_share_is_shown_as_given() -> None:
    result = shift_traffic(deployed(), options(canary_schedule(0.025, 60.0)), clock=VirtualClock())
    assert result.events[1].message == "step 1/2: 2.5% on version 2, holding 60s"


def test_alarms_are_checked_at_every_poll_while_waiting() -> None:
    fake = deployed()
    fake.alarms = {"errors": "OK"}
    clock = VirtualClock()
    shift = ShiftOptions("fn", "live", canary_schedule(0.1, 60.0), ("errors",), poll_seconds=10.0)
    shift_traffic(fake, shift, clock=clock)
    assert clock.sleeps == 6


def test_the_time_scale_shrinks_every_wait() -> None:
    clock = VirtualClock()
    shift = ShiftOptions("fn", "live", linear_schedule(0.5, 600.0), time_scale=0.001)
    shift_traffic(deployed(), shift, clock=clock)
    assert clock.time == pytest.approx(0.6)


def test_an_unknown_alarm_stops_before_anything_is_published() -> None:
    fake = deployed()
    with pytest.raises(DeployError, match="no such CloudWatch alarm: nope"):
        shift_traffic(fake, options(canary_schedule(0.1, 60.0), alarms=("nope",)))
    assert len(fake.published) == 1


def test_a_missing_alias_is_created_on_the_new_version_at_100_percent() -> None:
    fake = FakeVersions()
    result = shift_traffic(fake, options(canary_schedule(0.1, 60.0)), clock=VirtualClock())
    assert fake.aliases["live"] == AliasState("1", {}, "")
    assert (result.outcome, result.version, result.previous) == ("created", "1", None)


def test_unchanged_code_has_nothing_to_shift_5_2() -> None:
    fake = deployed()
    fake.code = "v1-code"  # PublishVersion returns version 1 again
    result = shift_traffic(fake, options(canary_schedule(0.1, 60.0)), clock=VirtualClock())
    assert result.outcome == "unchanged"
    assert "nothing to shift" in result.events[-1].message
    assert fake.updates == []


def test_an_alias_on_latest_cannot_be_weighted_5_3() -> None:
    fake = deployed()
    fake.aliases["live"] = AliasState("$LATEST")
    with pytest.raises(DeployError, match=r"\$LATEST"):
        shift_traffic(fake, options(canary_schedule(0.1, 60.0)), clock=VirtualClock())


def test_a_weight_left_by_an_interrupted_shift_is_replaced_5_3() -> None:
    fake = deployed()
    fake.aliases["live"] = AliasState("1", {"9": 0.3})
    result = shift_traffic(fake, options(canary_schedule(0.1, 60.0)), clock=VirtualClock())
    assert result.events[1].kind == "replaced"
    assert fake.updates[0] == ("1", {"2": 0.1})


# -- rollback ------------------------------------------------------------------------------


def test_rollback_after_a_completed_shift_goes_to_the_recorded_version_and_back() -> None:
    fake = deployed("prod")
    shift_traffic(fake, options(canary_schedule(0.1, 60.0)), clock=VirtualClock())
    result = rollback(fake, "fn", "live")
    assert fake.aliases["live"] == AliasState("1", {}, "prod | lambdakit: previous=2")
    assert (result.outcome, result.version, result.previous) == ("reverted", "1", "2")
    rollback(fake, "fn", "live")
    assert fake.aliases["live"].version == "2"


def test_rollback_during_a_shift_goes_to_the_primary_version() -> None:
    fake = deployed()
    fake.aliases["live"] = AliasState("1", {"2": 0.4}, "lambdakit: previous=1")
    result = rollback(fake, "fn", "live")
    assert fake.aliases["live"] == AliasState("1", {}, "")
    assert (result.version, result.previous) == ("1", "2")


def test_rollback_needs_a_recorded_version_or_an_alias() -> None:
    fake = deployed("hand made")
    with pytest.raises(DeployError, match="records no previous version"):
        rollback(fake, "fn", "live")
    with pytest.raises(DeployError, match="no alias beta"):
        rollback(fake, "fn", "beta")
