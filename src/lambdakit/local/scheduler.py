"""Scheduled rules while the local cloud runs: each enabled rule fires its targets on time.

Stages per rule, on the service's asyncio loop: the next instant its expression allows after the
last one (rates counted from when the scheduler started) → sleep until then → per target with
the scheduled event, or the target's input: one async invoke (``InvocationType=Event``, as
EventBridge invokes) of a function target, or one message to a queue or topic target through a
`MessageSink` (a FIFO queue's message with the target's ``MessageGroupId`` and the event id as
its deduplication id); without a sink, or when it cannot send, a reported drop. A fire missed by
more than a minute (the laptop slept) is skipped, as the next one is computed from the clock.
`Scheduler.fire` fires a rule's targets now.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol

from lambdakit.local.eventbridge_observer import MessageSink
from lambdakit.local.events.schedule_targets import ScheduleTarget, targets_of
from lambdakit.local.invocation import Invocation, InvokeRejectedError, InvokeResult
from lambdakit.local.lambda_service import InvocationType

_LATE = timedelta(minutes=1)
"""A fire this late still happens; older ones are skipped."""


class Invoker(Protocol):
    """What the scheduler needs of the Lambda service (`LambdaService` is one)."""

    async def invoke(
        self, name: str, invocation: Invocation, invocation_type: InvocationType = ...
    ) -> InvokeResult | None: ...


def _now() -> datetime:
    return datetime.now(UTC)


class Scheduler:
    """Fires the enabled scheduled rules of the app on time, and any rule on demand."""

    def __init__(
        self,
        service: Invoker,
        targets: Sequence[ScheduleTarget],
        *,
        report: Callable[[str], None],
        clock: Callable[[], datetime] = _now,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        sink: MessageSink | None = None,
    ) -> None:
        """`sink` sends to queue and topic targets; without one their fires are reported."""
        self._sink = sink
        self._service = service
        self._targets = tuple(targets)
        self._report = report
        self._clock = clock
        self._sleep = sleep
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Start one timer per enabled rule target on the running loop."""
        loop = asyncio.get_running_loop()
        anchor = self._clock()
        for target in self._targets:
            if target.enabled:
                self._tasks.append(loop.create_task(self._run(target, anchor)))

    async def stop(self) -> None:
        """Stop every timer (invokes already queued go on)."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def fire(self, rule: str, *, time: datetime | None = None) -> list[str]:
        """Fire `rule` (its logical id) now, enabled or not: the request id of each invoke and
        the event id of each message sent."""
        when = time or self._clock()
        return [
            request_id
            for target in targets_of(self._targets, rule)
            if (request_id := await self._deliver(target, when)) is not None
        ]

    async def _run(self, target: ScheduleTarget, anchor: datetime) -> None:
        last = anchor
        while True:
            after = max(last, self._clock() - _LATE)
            due = target.schedule.next_fire(after, anchor=anchor)
            if due is None:
                return
            delay = (due - self._clock()).total_seconds()
            if delay > 0:
                await self._sleep(delay)
            await self._deliver(target, due)
            last = due

    async def _deliver(self, target: ScheduleTarget, when: datetime) -> str | None:
        if target.destination is not None:
            return await self._send(target, when)
        return await self._invoke(target, when)

    async def _send(self, target: ScheduleTarget, when: datetime) -> str | None:
        event_id = str(uuid.uuid4())
        where = f"schedule {target.rule}: event {event_id} to {target.target}"
        if self._sink is None or target.destination is None:
            self._report(f"{where} was dropped: queue and topic targets are not connected")
            return None
        body = target.payload(time=when, event_id=event_id)
        try:
            await self._sink.send_message(
                target.destination,
                body.decode("utf-8", errors="replace"),
                group_id=target.message_group_id,
                deduplication_id=event_id,
            )
        except Exception as error:  # DeliveryError or a bug: reported, one bad send stops nothing
            self._report(f"{where} was dropped: {error}")
            return None
        return event_id

    async def _invoke(self, target: ScheduleTarget, when: datetime) -> str | None:
        invocation = Invocation(payload=target.payload(time=when))
        try:
            await self._service.invoke(target.target, invocation, "Event")
        except InvokeRejectedError as error:
            self._report(
                f"schedule {target.rule}: invoking {target.target} failed: "
                f"{error.error_type}: {error.message}"
            )
            return None
        return invocation.request_id
