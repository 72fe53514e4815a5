"""The scheduler fires each enabled rule's targets at the instants its expression allows.

FIDELITY 4.6.2 (the "Scheduled Event") and 4.6.3 (expressions); queue and topic targets get the
event (or the target's input) as the message body through a `MessageSink`.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from lambdakit.errors import NotFoundError, TemplateError
from lambdakit.local.destinations import DeliveryError
from lambdakit.local.events.schedule_expressions import parse
from lambdakit.local.events.schedule_targets import ScheduleTarget, schedule_targets
from lambdakit.local.invocation import Invocation, InvokeRejectedError, InvokeResult
from lambdakit.local.lambda_service import InvocationType
from lambdakit.local.scheduler import Scheduler
from lambdakit.model import (
    App,
    Destination,
    Function,
    GetAtt,
    LocalCode,
    Origin,
    Ref,
    RuleTarget,
    ScheduleEvent,
    SourceKind,
    Stack,
)

START = datetime(2026, 11, 23, 16, 47, 30, tzinfo=UTC)
RULE_ARN = "arn:aws:events:us-east-1:123456789012:rule/app-Nightly-0123456789AB"


@dataclass
class FakeTime:
    """A clock that jumps to each wake-up time: sleeping takes no wall time."""

    now: datetime = START
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> datetime:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now = max(self.now, self.now + timedelta(seconds=seconds))
        await asyncio.sleep(0)


@dataclass
class FakeLambda:
    """Records async invokes; stops the test's loop after `wanted` of them."""

    wanted: int = 1_000_000
    invokes: list[tuple[str, dict[str, object], InvocationType]] = field(default_factory=list)
    done: asyncio.Event = field(default_factory=asyncio.Event)
    """Set once `wanted` invokes arrived."""
    refuse: bool = False

    async def invoke(
        self, name: str, invocation: Invocation, invocation_type: InvocationType = "RequestResponse"
    ) -> InvokeResult | None:
        if self.refuse:
            raise InvokeRejectedError(429, "TooManyRequestsException", "Rate Exceeded.")
        self.invokes.append((name, json.loads(invocation.payload), invocation_type))
        if len(self.invokes) >= self.wanted:
            self.done.set()
        return None


def target(expression: str, *, rule: str = "Nightly", function: str = "Job", **more: object):
    values: dict[str, object] = {
        "rule": rule,
        "function": function,
        "expression": expression,
        "schedule": parse(expression),
        "rule_arn": RULE_ARN,
    }
    return ScheduleTarget(**(values | more))  # type: ignore[arg-type]


async def fires(targets: list[ScheduleTarget], wanted: int) -> tuple[FakeLambda, FakeTime]:
    service, time = FakeLambda(wanted=wanted), FakeTime()
    scheduler = Scheduler(service, targets, report=pytest.fail, clock=time.clock, sleep=time.sleep)
    await scheduler.start()
    await asyncio.wait_for(service.done.wait(), timeout=30)
    await scheduler.stop()
    return service, time


def fire_times(service: FakeLambda) -> list[str]:
    return [str(payload["time"]) for _, payload, _ in service.invokes]


def test_a_cron_rule_fires_at_each_allowed_minute_as_an_async_scheduled_event() -> None:
    async def main() -> None:
        service, time = await fires([target("cron(0/5 8-17 ? * MON-FRI *)")], wanted=3)
        assert fire_times(service)[:3] == [
            "2026-11-23T16:50:00Z",
            "2026-11-23T16:55:00Z",
            "2026-11-23T17:00:00Z",
        ]
        assert time.sleeps[:3] == [150.0, 300.0, 300.0]
        name, payload, invocation_type = service.invokes[0]
        assert (name, invocation_type) == ("Job", "Event")
        assert payload["detail-type"] == "Scheduled Event"
        assert payload["source"] == "aws.events"
        assert payload["resources"] == [RULE_ARN]
        assert payload["detail"] == {}

    asyncio.run(main())


def test_a_rate_rule_fires_every_period_from_the_start() -> None:
    async def main() -> None:
        service, _ = await fires([target("rate(1 hour)")], wanted=3)
        assert fire_times(service)[:3] == [
            "2026-11-23T17:47:30Z",
            "2026-11-23T18:47:30Z",
            "2026-11-23T19:47:30Z",
        ]

    asyncio.run(main())


def test_the_constant_input_replaces_the_event() -> None:
    async def main() -> None:
        service, _ = await fires([target("rate(1 minute)", input=b'{"job": "nightly"}')], wanted=1)
        assert service.invokes[0][1] == {"job": "nightly"}

    asyncio.run(main())


def test_disabled_rules_do_not_fire_on_their_own() -> None:
    async def main() -> None:
        rules = [target("rate(1 minute)", rule="Off", enabled=False), target("rate(5 minutes)")]
        service, _ = await fires(rules, wanted=2)
        assert {name for name, _, _ in service.invokes} == {"Job"}
        assert fire_times(service)[:2] == ["2026-11-23T16:52:30Z", "2026-11-23T16:57:30Z"]

    asyncio.run(main())


def test_a_one_time_schedule_in_the_past_never_fires() -> None:
    async def main() -> None:
        service, time = FakeLambda(), FakeTime()
        scheduler = Scheduler(
            service,
            [target("at(2020-01-01T00:00:00)")],
            report=pytest.fail,
            clock=time.clock,
            sleep=time.sleep,
        )
        await scheduler.start()
        await asyncio.sleep(0)
        await scheduler.stop()
        assert service.invokes == []

    asyncio.run(main())


def test_fire_invokes_every_target_of_the_rule_now() -> None:
    async def main() -> None:
        service, time = FakeLambda(), FakeTime()
        rules = [
            target("cron(0 3 * * ? *)", function="A"),
            target("cron(0 3 * * ? *)", function="B", enabled=False),
            target("rate(1 day)", rule="Other", function="C"),
        ]
        scheduler = Scheduler(
            service, rules, report=pytest.fail, clock=time.clock, sleep=time.sleep
        )
        request_ids = await scheduler.fire("Nightly")
        assert len(request_ids) == 2
        assert [name for name, _, _ in service.invokes] == ["A", "B"]
        assert fire_times(service) == ["2026-11-23T16:47:30Z"] * 2
        with pytest.raises(NotFoundError) as raised:
            await scheduler.fire("Nope")
        assert raised.value.hint == "scheduled rules in this app: Nightly, Other"

    asyncio.run(main())


def test_a_refused_invoke_is_reported_not_raised() -> None:
    async def main() -> None:
        service, time, lines = FakeLambda(refuse=True), FakeTime(), []
        scheduler = Scheduler(
            service,
            [target("rate(1 day)")],
            report=lines.append,
            clock=time.clock,
            sleep=time.sleep,
        )
        assert await scheduler.fire("Nightly") == []
        assert lines == [
            "schedule Nightly: invoking Job failed: TooManyRequestsException: Rate Exceeded."
        ]

    asyncio.run(main())


def app_with(*events: ScheduleEvent) -> App:
    here = Path("template.yaml")
    stack = Stack(
        name="shop",
        template_file=here,
        source=SourceKind.SAM,
        template={},
        region="eu-west-1",
        account="111122223333",
    )
    fn = Function(
        id="Job",
        logical_id="Job",
        stack="shop",
        origin=Origin(file=here, name="Job"),
        runtime=None,
        handler=None,
        code=LocalCode(path=Path("src")),
    )
    return App(
        name="shop",
        root=Path(),
        source=SourceKind.SAM,
        stacks=(stack,),
        functions=(fn,),
        event_sources=events,
    )


def schedule(expression: str, **more: object) -> ScheduleEvent:
    values: dict[str, object] = {
        "function": "Job",
        "source": "JobNightly",
        "origin": Origin(file=Path("template.yaml"), name="Job"),
        "rule": "JobNightly",
        "expression": expression,
    }
    return ScheduleEvent(**(values | more))  # type: ignore[arg-type]


def test_targets_carry_the_rule_arn_of_the_rules_generated_name() -> None:
    (found,) = schedule_targets(app_with(schedule("cron(0 3 * * ? *)", input={"job": 1})))
    assert found.rule_arn.startswith("arn:aws:events:eu-west-1:111122223333:rule/shop-JobNightly-")
    assert len(found.rule_arn.rsplit("/", 1)[1]) <= 64
    assert found.input == b'{"job": 1}'
    assert found.function == "Job"


def test_a_bad_expression_names_the_rule() -> None:
    with pytest.raises(
        TemplateError, match=r"template.yaml: Job \(rule JobNightly\): 'rate\(1 days\)'"
    ):
        schedule_targets(app_with(schedule("rate(1 days)")))


# --- queue and topic targets (FIDELITY 4.6.2 as the message body) -----------------------------


@dataclass
class FakeSink:
    """Records the messages a `MessageSink` would send; refuses them when told to."""

    sent: list[tuple[Destination, dict[str, object], str | None, str | None]] = field(
        default_factory=list
    )
    refuse: bool = False

    async def send_message(
        self,
        destination: Destination,
        body: str,
        *,
        group_id: str | None = None,
        deduplication_id: str | None = None,
    ) -> None:
        if self.refuse:
            raise DeliveryError("AWS.SimpleQueueService.NonExistentQueue")
        self.sent.append((destination, json.loads(body), group_id, deduplication_id))


QUEUE = Destination(arn="arn:aws:sqs:us-east-1:123456789012:jobs.fifo", kind="sqs", resource="Q")


def test_a_queue_target_gets_the_scheduled_event_with_its_group_and_event_id() -> None:
    async def main() -> None:
        sink, time, lines = FakeSink(), FakeTime(), []
        rules = [target("rate(1 day)", function=None, destination=QUEUE, message_group_id="g")]
        scheduler = Scheduler(
            FakeLambda(), rules, report=lines.append, clock=time.clock, sleep=time.sleep, sink=sink
        )
        (event_id,) = await scheduler.fire("Nightly")
        [(destination, body, group, deduplication)] = sink.sent
        assert (destination, group, deduplication) == (QUEUE, "g", event_id)
        assert body["detail-type"] == "Scheduled Event"
        assert (body["id"], body["resources"], body["detail"]) == (event_id, [RULE_ARN], {})
        assert body["time"] == "2026-11-23T16:47:30Z"
        assert lines == []

    asyncio.run(main())


def test_input_path_and_transformer_shape_a_queue_targets_body() -> None:
    async def main() -> None:
        sink, time = FakeSink(), FakeTime()
        rules = [
            target("rate(1 day)", function=None, destination=QUEUE, input_path="$.resources"),
            target(
                "rate(1 day)",
                function=None,
                destination=QUEUE,
                input_paths={"at": "$.time"},
                input_template='{"at": <at>, "rule": "<aws.events.rule-name>"}',
            ),
        ]
        scheduler = Scheduler(
            FakeLambda(), rules, report=pytest.fail, clock=time.clock, sleep=time.sleep, sink=sink
        )
        await scheduler.fire("Nightly")
        assert [body for _, body, _, _ in sink.sent] == [
            [RULE_ARN],
            {"at": "2026-11-23T16:47:30Z", "rule": "app-Nightly-0123456789AB"},
        ]

    asyncio.run(main())


def test_a_queue_target_without_a_sink_or_that_the_sink_refuses_is_a_reported_drop() -> None:
    async def main() -> None:
        lines: list[str] = []
        rules = [target("rate(1 day)", function=None, destination=QUEUE)]
        for sink in (None, FakeSink(refuse=True)):
            scheduler = Scheduler(FakeLambda(), rules, report=lines.append, sink=sink)
            assert await scheduler.fire("Nightly") == []
        assert len(lines) == 2
        assert all(line.startswith("schedule Nightly: event ") for line in lines)
        assert lines[0].endswith("was dropped: queue and topic targets are not connected")
        assert lines[1].endswith("was dropped: AWS.SimpleQueueService.NonExistentQueue")

    asyncio.run(main())


def test_scheduled_rule_targets_of_the_model_become_destination_targets() -> None:
    rule_target = RuleTarget(
        rule="Hourly",
        destination=Destination(arn=GetAtt("Q", "Arn"), kind="sqs", resource="Q"),
        origin=Origin(file=Path("template.yaml"), name="Hourly"),
        expression="rate(1 hour)",
        input={"job": "hourly"},
        message_group_id=Ref("Group"),
        enabled=False,
    )
    pattern_target = replace(rule_target, rule="Matched", expression=None, pattern={"a": ["b"]})
    app = replace(app_with(), rule_targets=(rule_target, pattern_target))
    (found,) = schedule_targets(app, resolve=lambda value: "resolved")
    assert (found.rule, found.function, found.destination) == (
        "Hourly",
        None,
        rule_target.destination,
    )
    assert found.rule_arn.startswith("arn:aws:events:eu-west-1:111122223333:rule/shop-Hourly-")
    assert (found.input, found.message_group_id, found.enabled) == (
        b'{"job": "hourly"}',
        "resolved",
        False,
    )
