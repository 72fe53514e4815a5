"""Asynchronous (``InvocationType=Event``) invokes: queue, retries, event age, destinations, DLQ.

`AsyncInvoker.submit` checks the size (1 MB, FIDELITY 2.5.2), queues the event and returns at once
(the Invoke API answers 202, FIDELITY 3.2). Each event then runs as its own asyncio task through
these stages:

1. Reserved concurrency 0: the event fails at once, without an invoke (FIDELITY 3.11).
2. Attempts through the synchronous invoke path, which also limits concurrency. A function error
   (timeouts included) counts as an attempt and is retried ``MaximumRetryAttempts`` times (default
   2), 60 s then 120 s later (FIDELITY 3.4). A throttle (429) or service error (5xx) is not an
   attempt: the event is retried with a backoff from 1 s doubling to 5 min (FIDELITY 3.5). Before
   every attempt the event's age is checked against ``MaximumEventAgeInSeconds`` (default 6 h).
3. The outcome becomes an `InvocationRecord` (condition ``Success``, ``RetriesExhausted`` or
   ``EventAgeExceeded``) and goes to the on-success destination, or to the on-failure destination
   and the dead-letter queue (FIDELITY 3.8-3.10), through the `DestinationSink`.

Every event ends in exactly one way: it succeeded, it was delivered, or a ``report`` line says it
was dropped and why (nowhere to go, a refused delivery, the service stopping). ``time_scale``
multiplies every wait (retry delays, backoff, event age) so a test or a demo need not wait minutes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from lambdakit.local.destinations import (
    Condition,
    DeliveryError,
    DestinationMessage,
    DestinationSink,
    InvocationRecord,
    dead_letter_message,
    destination_address,
    failure_message,
    success_message,
)
from lambdakit.local.function_spec import LocalFunction
from lambdakit.local.invocation import (
    ASYNC_PAYLOAD_LIMIT,
    Invocation,
    InvokeRejectedError,
    InvokeResult,
    error_type_of,
)
from lambdakit.model import Destination, EventInvokeConfig

RETRY_DELAYS_SECONDS = (60.0, 120.0)
"""Waits before the 2nd and the 3rd attempt after a function error (FIDELITY 3.4)."""
BACKOFF_FIRST_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 300.0
"""Throttles and service errors: retried after 1 s, doubling up to 5 minutes (FIDELITY 3.5)."""

Invoke = Callable[[LocalFunction, Invocation], Awaitable[InvokeResult]]

_log = logging.getLogger(__name__)


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class _Event:
    function: LocalFunction
    invocation: Invocation
    enqueued_at: float

    @property
    def config(self) -> EventInvokeConfig:
        return self.function.event_invoke or EventInvokeConfig()


@dataclass(frozen=True)
class _Ending:
    record: InvocationRecord
    reason: str
    """Why the event failed, in words, for a report line (empty on success)."""


class AsyncInvoker:
    """Runs ``Event`` invokes: retries, event age, destinations and the dead-letter queue."""

    def __init__(
        self,
        invoke: Invoke,
        sink: DestinationSink,
        report: Callable[[str], None],
        *,
        time_scale: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        wall_clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        """`invoke` is the synchronous path; it may raise `InvokeRejectedError` (429, 5xx...).

        `clock` measures event age and `sleep` waits (both in scaled seconds); `wall_clock`
        stamps the records.
        """
        if time_scale <= 0:
            raise ValueError(f"time_scale must be positive, not {time_scale}")
        self._invoke = invoke
        self._sink = sink
        self._report = report
        self._time_scale = time_scale
        self._clock = clock
        self._sleep = sleep
        self._wall_clock = wall_clock
        self._pending: dict[asyncio.Task[None], _Event] = {}
        self._closed = False

    async def submit(self, function: LocalFunction, invocation: Invocation) -> None:
        """Queue one event and return at once (the Invoke API answers 202)."""
        size = len(invocation.payload)
        if size > ASYNC_PAYLOAD_LIMIT:
            # The wording and error code real Lambda answers for an Event invoke (observed with
            # boto3 in ASFHyP3/hyp3#2241 and the JS SDK in faultline/faultline#12); the API
            # reference names the modeled shape RequestTooLargeException (FIDELITY 2.5.3).
            raise InvokeRejectedError(
                413,
                "RequestTooLargeException",
                f"{size} byte payload is too large for the Event invocation type "
                f"(limit {ASYNC_PAYLOAD_LIMIT} bytes)",
            )
        if self._closed:
            raise InvokeRejectedError(
                500, "ServiceException", "The local Lambda service is stopped."
            )
        event = _Event(function, invocation, self._clock())
        task = asyncio.create_task(self._handle(event), name=f"async {invocation.request_id}")
        self._pending[task] = event
        task.add_done_callback(self._forget)

    async def drain(self, timeout: float | None = None) -> None:
        """Wait until every queued event reached its end; `TimeoutError` after `timeout` s."""
        async with asyncio.timeout(timeout):
            while running := [task for task in self._pending if not task.done()]:
                await asyncio.wait(running)

    async def close(self) -> None:
        """Stop: refuse new events, cancel pending ones and report each as dropped."""
        self._closed = True
        pending = dict(self._pending)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for task, event in pending.items():
            if task.cancelled():
                self._drop(event, "service stopped")

    # ------------------------------------------------------------------ one event

    def _forget(self, task: asyncio.Task[None]) -> None:
        self._pending.pop(task, None)

    async def _handle(self, event: _Event) -> None:
        try:
            ending = await self._run(event)
            await self._finish(event, ending)
        except Exception as error:  # a lambdakit bug: say so, and never lose the event silently
            _log.exception("async event %s failed", event.invocation.request_id)
            self._drop(event, f"internal error: {error!r}")

    async def _run(self, event: _Event) -> _Ending:
        if event.function.reserved_concurrency == 0:
            throttle = InvokeRejectedError(
                429,
                "TooManyRequestsException",
                "Rate Exceeded.",
                reason="ReservedFunctionConcurrentInvocationLimitExceeded",
            )
            reason = "the function's reserved concurrency is 0"
            return _Ending(self._record(event, "RetriesExhausted", 0, None, throttle), reason)
        attempts = 0
        result: InvokeResult | None = None
        rejection: InvokeRejectedError | None = None
        backoff = BACKOFF_FIRST_SECONDS
        while not self._too_old(event):
            try:
                result = await self._invoke(event.function, event.invocation)
            except InvokeRejectedError as rejected:
                if rejected.status != 429 and rejected.status < 500:
                    # Neither throttle nor service error: retrying cannot help [INFERRED].
                    record = self._record(event, "RetriesExhausted", attempts, result, rejected)
                    return _Ending(record, f"rejected: {_rejection_text(rejected)}")
                if rejection is None:
                    text = _rejection_text(rejected)
                    self._notice(event, f"not invoked ({text}); retrying with backoff")
                rejection = rejected
                await self._wait(event, backoff)
                backoff = min(backoff * 2, BACKOFF_MAX_SECONDS)
                continue
            attempts += 1
            if result.ok:
                return _Ending(self._record(event, "Success", attempts, result, None), "")
            allowed = event.config.maximum_retry_attempts + 1
            if attempts >= allowed:
                reason = f"{attempts} of {allowed} attempts failed ({_error_of(result)})"
                record = self._record(event, "RetriesExhausted", attempts, result, rejection)
                return _Ending(record, reason)
            delay = RETRY_DELAYS_SECONDS[min(attempts, len(RETRY_DELAYS_SECONDS)) - 1]
            self._notice(
                event,
                f"attempt {attempts} of {allowed} failed ({_error_of(result)}); "
                f"retrying in {self._seconds(delay)}",
            )
            await self._wait(event, delay)
        max_age = event.config.maximum_event_age_seconds
        reason = f"older than MaximumEventAgeInSeconds ({self._seconds(max_age)})"
        return _Ending(self._record(event, "EventAgeExceeded", attempts, result, rejection), reason)

    async def _finish(self, event: _Event, ending: _Ending) -> None:
        record = ending.record
        config = event.config
        if record.condition == "Success":
            if config.on_success is not None:
                await self._deliver(event, config.on_success, success_message(record))
            return
        # Lambda sends a failed event to the on-failure destination AND the dead-letter queue
        # when both are configured: "You can configure destinations in addition to or instead
        # of a dead-letter queue" (PutFunctionEventInvokeConfig API reference); "events are
        # discarded, or sent to a dead-letter queue and/or Lambda destinations" (AWS What's New,
        # 2019-11-25, Maximum Event Age and Maximum Retry Attempts).
        deliveries: list[tuple[Destination, DestinationMessage]] = []
        if config.on_failure is not None:
            deliveries.append((config.on_failure, failure_message(record)))
        if event.function.dead_letter is not None:
            deliveries.append((event.function.dead_letter, dead_letter_message(record)))
        if not deliveries:
            self._drop(
                event, f"{ending.reason}; no on-failure destination or dead-letter queue is set"
            )
        for destination, message in deliveries:
            await self._deliver(event, destination, message)

    async def _deliver(
        self, event: _Event, destination: Destination, message: DestinationMessage
    ) -> None:
        try:
            await self._sink.deliver(destination, message)
        except DeliveryError as error:
            where = destination_address(destination)
            self._notice(event, f"{message.kind} message dropped: {where} did not take it: {error}")

    # ------------------------------------------------------------------ parts

    def _record(
        self,
        event: _Event,
        condition: Condition,
        attempts: int,
        result: InvokeResult | None,
        rejection: InvokeRejectedError | None,
    ) -> InvocationRecord:
        """The record of an ending; the last function response wins over a later throttle."""
        invocation = event.invocation
        record = InvocationRecord(
            request_id=invocation.request_id,
            function_arn=event.function.qualified_arn(invocation.qualifier or "$LATEST"),
            condition=condition,
            approximate_invoke_count=attempts,
            request_payload=invocation.payload,
            timestamp=self._wall_clock(),
        )
        if result is not None:
            return replace(
                record,
                executed_version=result.executed_version,
                function_error=result.function_error,
                response_payload=result.payload,
            )
        if rejection is not None:
            error = {"errorType": rejection.error_type, "errorMessage": rejection.message}
            return replace(
                record, status_code=rejection.status, response_payload=json.dumps(error).encode()
            )
        return record

    def _too_old(self, event: _Event) -> bool:
        return self._remaining(event) <= 0

    def _remaining(self, event: _Event) -> float:
        """Scaled seconds left before the event exceeds its maximum age."""
        limit = event.config.maximum_event_age_seconds * self._time_scale
        return limit - (self._clock() - event.enqueued_at)

    async def _wait(self, event: _Event, seconds: float) -> None:
        """Wait `seconds` (scaled), but not past the event's maximum age."""
        wait = min(seconds * self._time_scale, self._remaining(event))
        if wait > 0:
            await self._sleep(wait)

    def _seconds(self, seconds: float) -> str:
        text = f"{seconds:g} s"
        if self._time_scale != 1:
            text += f" (scaled to {seconds * self._time_scale:.3g} s)"
        return text

    def _notice(self, event: _Event, text: str) -> None:
        self._report(f"{event.function.name} async {event.invocation.request_id}: {text}")

    def _drop(self, event: _Event, reason: str) -> None:
        self._notice(event, f"dropped: {reason}")


def _error_of(result: InvokeResult) -> str:
    return result.error_type or error_type_of(result.payload) or str(result.function_error)


def _rejection_text(rejected: InvokeRejectedError) -> str:
    return f"{rejected.status} {rejected.error_type}: {rejected.message}"
