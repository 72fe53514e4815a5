"""Traffic shifting for functions without CodeDeploy: schedules (pure) and the rollout.

Stages of `shift_traffic`, a small state machine driven through the `FunctionVersions` port:
check the alarms exist → publish a version → decide: no alias (create it on the new version at
100 %), the alias already on that version (nothing to shift: PublishVersion returned the
existing version, FIDELITY 5.2), else shift → for each step of the schedule: check the alarms,
set ``AdditionalVersionWeights = {new: weight}`` on the old primary version (at most two
versions, FIDELITY 5.3/5.4), wait while polling the alarms → the last step points the alias at
the new version with no weights. Any alarm in ``ALARM`` (before a step or while waiting) points
the alias back at the old version with no weights (FIDELITY 5.8). Every step is recorded.

Schedules follow FIDELITY 5.7: canary = X % for the wait, then 100 %; linear = +X % every
interval until 100 % (the first increment at once, so 10 %/10 min reaches 100 % after 9
intervals).

Where `rollback` finds the previous version: a shift in progress (the alias has weights) goes
back to its primary version; otherwise the alias description carries a marker
``lambdakit: previous=N`` written by every shift (any other description text is kept), and
rolling back writes the version it leaves, so a second rollback goes forward again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from lambdakit.deploy.traffic_ports import AliasState, Clock, FunctionVersions, SystemClock
from lambdakit.errors import DeployError, UsageError

DESCRIPTION_LIMIT = 256
"""Lambda's limit on an alias description."""
DEFAULT_POLL_SECONDS = 10.0
"""How often alarms are polled while waiting (schedule time: scaled like the waits)."""

_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)([smh])")
_MARKER = re.compile(r"(?:\s*\|\s*)?lambdakit: previous=(\d+)")


def parse_percent(text: str) -> float:
    """``10%`` (or ``10``) → 0.1; more than 0 and at most 100 %."""
    raw = text.strip().removesuffix("%").strip()
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(f"not a percentage: {text!r}", hint="write it like 10%") from None
    if not 0 < value <= 100:
        raise UsageError(f"a percentage must be more than 0% and at most 100%, not {text!r}")
    return round(value / 100, 6)


def parse_duration(text: str) -> float:
    """``30s``, ``5m``, ``1h``, ``1h30m`` → seconds."""
    compact = text.strip().replace(" ", "").lower()
    parts = _DURATION.findall(compact)
    if not compact or "".join(number + unit for number, unit in parts) != compact:
        raise UsageError(f"not a duration: {text!r}", hint="write it like 30s, 5m or 1h")
    return sum(float(number) * _UNITS[unit] for number, unit in parts)


@dataclass(frozen=True)
class Step:
    """One step of a schedule: the new version's share of traffic, then how long to hold it
    (schedule seconds) before the next step. The last step is 1.0 and holds 0."""

    weight: float
    wait_seconds: float


def canary_schedule(percent: float, after_seconds: float) -> tuple[Step, ...]:
    """X % for `after_seconds`, then 100 % (FIDELITY 5.7); 100 % is all at once."""
    if percent >= 1.0:
        return (Step(1.0, 0.0),)
    return (Step(percent, after_seconds), Step(1.0, 0.0))


def linear_schedule(percent: float, every_seconds: float) -> tuple[Step, ...]:
    """+X % every `every_seconds` until 100 % (FIDELITY 5.7): X, 2X, ... held each for the
    interval, then 100 %."""
    steps: list[Step] = []
    increment = 1
    while (weight := round(percent * increment, 6)) < 1.0:
        steps.append(Step(weight, every_seconds))
        increment += 1
    steps.append(Step(1.0, 0.0))
    return tuple(steps)


def previous_version(description: str) -> str | None:
    """The version recorded by ``lambdakit: previous=N`` in an alias description."""
    found = _MARKER.search(description)
    return found.group(1) if found else None


def with_previous(description: str, version: str | None) -> str:
    """`description` with its marker set to `version` (removed when None), other text kept."""
    text = _MARKER.sub("", description).strip()
    if version is None:
        return text
    marker = f"lambdakit: previous={version}"
    room = DESCRIPTION_LIMIT - len(marker) - 3
    return f"{text[:room].rstrip()} | {marker}" if text else marker


EventKind = Literal[
    "published", "created", "unchanged", "replaced", "shifted", "alarm", "rolled_back", "completed"
]
Outcome = Literal["created", "unchanged", "completed", "rolled_back", "reverted"]


@dataclass(frozen=True)
class TrafficEvent:
    """One thing that happened, as the rollout records and reports it."""

    kind: EventKind
    message: str
    version: str | None = None
    weight: float | None = None
    alarm: str | None = None


@dataclass(frozen=True)
class TrafficResult:
    """How a shift (or a rollback) ended, with every step it took."""

    function: str
    alias: str
    outcome: Outcome
    version: str
    """The version the alias points to at the end."""
    previous: str | None
    """The version it pointed to before (None when the alias was created)."""
    alarm: str | None = None
    """The alarm that was in ALARM (outcome ``rolled_back``)."""
    events: tuple[TrafficEvent, ...] = ()


@dataclass(frozen=True)
class ShiftOptions:
    """What `shift_traffic` does: the function (physical name or ARN), its alias, the
    schedule and the alarms to watch. `time_scale` multiplies every wait (tests use 0.001)."""

    function: str
    alias: str
    schedule: tuple[Step, ...]
    alarms: tuple[str, ...] = ()
    poll_seconds: float = DEFAULT_POLL_SECONDS
    time_scale: float = 1.0


class _InAlarmError(Exception):
    def __init__(self, alarm: str) -> None:
        super().__init__(alarm)
        self.alarm = alarm


class _Rollout:
    """The state of one shift: which versions, what happened so far."""

    def __init__(
        self,
        versions: FunctionVersions,
        options: ShiftOptions,
        clock: Clock,
        on_event: Callable[[TrafficEvent], None],
    ) -> None:
        self.versions = versions
        self.options = options
        self.clock = clock
        self.on_event = on_event
        self.events: list[TrafficEvent] = []

    def record(self, event: TrafficEvent) -> None:
        self.events.append(event)
        self.on_event(event)

    def result(
        self, outcome: Outcome, version: str, previous: str | None, alarm: str | None = None
    ) -> TrafficResult:
        o = self.options
        return TrafficResult(
            o.function, o.alias, outcome, version, previous, alarm, tuple(self.events)
        )

    def run(self) -> TrafficResult:
        o = self.options
        self.check_alarms_exist()
        new = self.versions.publish_version(o.function)
        self.record(TrafficEvent("published", f"{o.function}: version {new} published", new))
        alias = self.versions.get_alias(o.function, o.alias)
        if alias is None:
            self.versions.create_alias(o.function, o.alias, new, {}, "")
            self.record(
                TrafficEvent(
                    "created", f"alias {o.alias} created on version {new} at 100%", new, 1.0
                )
            )
            return self.result("created", new, None)
        if alias.version == new:
            message = (
                f"alias {o.alias} already points to version {new}: the code has not changed "
                "since that version was published, nothing to shift"
            )
            self.record(TrafficEvent("unchanged", message, new))
            return self.result("unchanged", new, new)
        if alias.version == "$LATEST":
            raise DeployError(
                f"alias {o.alias} of {o.function} points to $LATEST: weighted routing needs "
                "two published versions (FIDELITY 5.3)",
                hint=f"point {o.alias} at a published version first",
            )
        return self.shift(alias, new)

    def check_alarms_exist(self) -> None:
        if not self.options.alarms:
            return
        known = self.versions.alarm_states(self.options.alarms)
        missing = [name for name in self.options.alarms if name not in known]
        if missing:
            raise DeployError(
                f"no such CloudWatch alarm: {', '.join(missing)}",
                hint="create the alarm first, or check its name and the region",
            )

    def shift(self, alias: AliasState, new: str) -> TrafficResult:
        o = self.options
        old = alias.version
        for version in alias.weights:
            if version != new:
                self.record(
                    TrafficEvent(
                        "replaced",
                        f"dropping the weight of version {version} from an earlier shift",
                        version,
                    )
                )
        description = with_previous(alias.description, old)
        try:
            for number, step in enumerate(o.schedule, start=1):
                self.check_alarms()
                if step.weight >= 1.0:
                    self.versions.update_alias(o.function, o.alias, new, {}, description)
                else:
                    self.versions.update_alias(
                        o.function, o.alias, old, {new: step.weight}, description
                    )
                message = (
                    f"step {number}/{len(o.schedule)}: {_percent(step.weight)} on version {new}"
                )
                if step.wait_seconds > 0 and step.weight < 1.0:
                    message += f", holding {step.wait_seconds:g}s"
                self.record(TrafficEvent("shifted", message, new, step.weight))
                if step.weight < 1.0:
                    self.wait(step.wait_seconds)
        except _InAlarmError as raised:
            self.versions.update_alias(o.function, o.alias, old, {}, alias.description)
            self.record(
                TrafficEvent(
                    "rolled_back",
                    f"alias {o.alias} rolled back to version {old}",
                    old,
                    0.0,
                    raised.alarm,
                )
            )
            return self.result("rolled_back", old, old, raised.alarm)
        except KeyboardInterrupt:  # stopped on request: back to the old version (FIDELITY 5.8)
            self.versions.update_alias(o.function, o.alias, old, {}, alias.description)
            message = f"interrupted: alias {o.alias} rolled back to version {old}"
            self.record(TrafficEvent("rolled_back", message, old, 0.0))
            raise
        self.record(
            TrafficEvent("completed", f"alias {o.alias} on version {new} at 100%", new, 1.0)
        )
        return self.result("completed", new, old)

    def check_alarms(self) -> None:
        if not self.options.alarms:
            return
        states = self.versions.alarm_states(self.options.alarms)
        for name in self.options.alarms:
            if states.get(name) == "ALARM":
                self.record(TrafficEvent("alarm", f"alarm {name} is in ALARM", alarm=name))
                raise _InAlarmError(name)

    def wait(self, seconds: float) -> None:
        scale = self.options.time_scale
        deadline = self.clock.now() + seconds * scale
        poll = max(self.options.poll_seconds * scale, 0.0)
        while (left := deadline - self.clock.now()) > 0:
            self.clock.sleep(min(poll, left) if poll > 0 else left)
            self.check_alarms()


def _percent(weight: float) -> str:
    return f"{round(weight * 100, 4):g}%"


def shift_traffic(
    versions: FunctionVersions,
    options: ShiftOptions,
    *,
    clock: Clock | None = None,
    on_event: Callable[[TrafficEvent], None] = lambda event: None,
) -> TrafficResult:
    """Publish a version and move `options.alias` onto it step by step (see the module doc)."""
    return _Rollout(versions, options, clock or SystemClock(), on_event).run()


def rollback(
    versions: FunctionVersions,
    function: str,
    alias: str,
    *,
    on_event: Callable[[TrafficEvent], None] = lambda event: None,
) -> TrafficResult:
    """Point `alias` back: at its primary version if a shift is in progress, else at the
    version recorded by the last completed shift."""
    state = versions.get_alias(function, alias)
    if state is None:
        raise DeployError(f"{function} has no alias {alias} (or the function does not exist)")
    if state.weights:
        target = state.version
        was = ", ".join(sorted(state.weights))
        description = with_previous(state.description, None)
        message = (
            f"shift in progress: alias {alias} back on version {target} (weights of {was} cleared)"
        )
    else:
        recorded = previous_version(state.description)
        if recorded is None:
            raise DeployError(
                f"alias {alias} of {function} records no previous version",
                hint="only an alias moved by `lambdakit traffic` can be rolled back this way",
            )
        target = recorded
        description = with_previous(state.description, state.version)
        message = f"alias {alias} back on version {target} (was {state.version})"
        was = state.version
    versions.update_alias(function, alias, target, {}, description)
    event = TrafficEvent("rolled_back", message, target, 0.0)
    on_event(event)
    return TrafficResult(function, alias, "reverted", target, was, None, (event,))


def schedule_seconds(schedule: Sequence[Step]) -> float:
    """How long a schedule holds traffic in total (schedule seconds, unscaled)."""
    return sum(step.wait_seconds for step in schedule)
