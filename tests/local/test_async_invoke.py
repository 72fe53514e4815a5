"""Async invokes: retries (FIDELITY 3.4-3.6), records (3.9), DLQ (3.10), 3.11, 2.5.2 (T-ASYNC).

The function is an in-memory fake of the synchronous invoke path; time is a fake clock whose
``sleep`` records each wait and moves the clock, so no test waits for real minutes.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest

from lambdakit.local.async_invoke import AsyncInvoker
from lambdakit.local.destinations import LoggingSink
from lambdakit.local.function_spec import LocalFunction
from lambdakit.local.invocation import (
    ASYNC_PAYLOAD_LIMIT,
    Invocation,
    InvokeRejectedError,
    InvokeResult,
)
from lambdakit.model import Destination, EventInvokeConfig, GetAtt
from lambdakit.testing.destinations import RecordingSink

WHEN = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
ON_SUCCESS = Destination(arn="arn:aws:sns:us-east-1:123456789012:done", kind="sns")
ON_FAILURE = Destination(arn="arn:aws:sqs:us-east-1:123456789012:failures", kind="sqs")
DLQ = Destination(arn="arn:aws:sqs:us-east-1:123456789012:dlq", kind="sqs")
EVENT = b'{"order": 7}'


def worker(*, retries=2, max_age=21600, on_success=None, on_failure=ON_FAILURE, **changes):
    config = EventInvokeConfig(
        maximum_retry_attempts=retries,
        maximum_event_age_seconds=max_age,
        on_success=on_success,
        on_failure=on_failure,
    )
    values = {
        "id": "Worker",
        "name": "worker",
        "handler": "app.handler",
        "runtime": "python3.12",
        "event_invoke": config,
    }
    return LocalFunction(**(values | changes))


class FakeTime:
    """A clock that only `sleep` moves; every sleep is recorded."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def clock(self):
        return self.now

    async def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


class FakeFunction:
    """The sync invoke path: throttles `throttles` times, then fails `failures` times."""

    def __init__(self, *, failures=0, throttles=0, status=429, always_failing=()):
        self.failures = failures
        self.throttles = throttles
        self.status = status
        self.always_failing = set(always_failing)
        self.calls = []

    async def __call__(self, function, invocation):
        await asyncio.sleep(0)
        if self.throttles:
            self.throttles -= 1
            kind = "TooManyRequestsException" if self.status == 429 else "ServiceException"
            raise InvokeRejectedError(self.status, kind, "Rate Exceeded.")
        self.calls.append(invocation.request_id)
        if self.failures or invocation.request_id in self.always_failing:
            self.failures = max(0, self.failures - 1)
            error = {"errorMessage": "boom", "errorType": "RuntimeError", "stackTrace": []}
            return InvokeResult(
                invocation.request_id,
                json.dumps(error).encode(),
                function_error="Unhandled",
                error_type="RuntimeError",
            )
        return InvokeResult(invocation.request_id, b'{"status": "done"}')


class Run:
    """One AsyncInvoker with fakes around it; `go` submits events and drains."""

    def __init__(self, fake, *, sink=None, time_scale=1.0, real_time=False):
        self.fake = fake
        self.sink = sink or RecordingSink()
        self.reports = []
        self.time = FakeTime()
        timing = {} if real_time else {"clock": self.time.clock, "sleep": self.time.sleep}
        self.invoker = AsyncInvoker(
            fake,
            self.sink,
            self.reports.append,
            time_scale=time_scale,
            wall_clock=lambda: WHEN,
            **timing,
        )

    def go(self, function, *invocations):
        async def main():
            for invocation in invocations or (Invocation(EVENT, request_id="req-1"),):
                await self.invoker.submit(function, invocation)
            await self.invoker.drain(timeout=10)

        asyncio.run(main())
        return self

    def records(self, kind="on-failure"):
        return self.sink.records(kind)


# --- T-ASYNC: function errors are retried twice, 1 then 2 minutes apart (3.4) -----------------


def test_t_async_failing_function_is_invoked_three_times_3_4():
    run = Run(FakeFunction(failures=99)).go(worker(retries=2))
    assert run.fake.calls == ["req-1"] * 3
    assert run.time.sleeps == [60.0, 120.0]


def test_t_async_on_failure_record_says_retries_exhausted_after_3_invokes_3_9():
    run = Run(FakeFunction(failures=99)).go(worker(retries=2))
    (record,) = run.records("on-failure")
    assert record["requestContext"] == {
        "requestId": "req-1",
        "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:worker:$LATEST",
        "condition": "RetriesExhausted",
        "approximateInvokeCount": 3,
    }
    assert record["timestamp"] == "2024-05-06T07:08:09.123Z"
    assert record["requestPayload"] == {"order": 7}
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorMessage"] == "boom"


def test_retry_delays_are_multiplied_by_the_time_scale_3_4():
    run = Run(FakeFunction(failures=99), time_scale=0.01).go(worker(retries=2))
    assert run.time.sleeps == pytest.approx([0.6, 1.2])
    assert any("retrying in 60 s (scaled to 0.6 s)" in line for line in run.reports)


def test_maximum_retry_attempts_0_means_one_attempt_3_6():
    run = Run(FakeFunction(failures=99)).go(worker(retries=0))
    assert len(run.fake.calls) == 1
    assert run.time.sleeps == []
    assert run.records()[0]["requestContext"]["approximateInvokeCount"] == 1


def test_a_retry_that_succeeds_ends_in_success_3_4():
    run = Run(FakeFunction(failures=1)).go(worker(on_success=ON_SUCCESS))
    assert run.records("on-failure") == []
    (record,) = run.records("on-success")
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert run.time.sleeps == [60.0]
    assert any("attempt 1 of 3 failed (RuntimeError)" in line for line in run.reports)


def test_qualified_invoke_records_the_qualified_arn_3_9():
    run = Run(FakeFunction(failures=99)).go(
        worker(retries=0), Invocation(EVENT, request_id="req-1", qualifier="live")
    )
    assert run.records()[0]["requestContext"]["functionArn"].endswith(":function:worker:live")


# --- success (3.8, 3.9) ---------------------------------------------------------------------


def test_success_goes_to_on_success_with_the_response_3_9():
    run = Run(FakeFunction()).go(worker(on_success=ON_SUCCESS))
    (message,) = run.sink.messages("on-success", to=ON_SUCCESS.arn)
    record = json.loads(message.body)
    assert record["requestContext"]["condition"] == "Success"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert record["responsePayload"] == {"status": "done"}
    assert message.detail_type == "Lambda Function Invocation Result - Success"
    assert run.reports == []


def test_success_without_on_success_delivers_nothing_and_reports_nothing():
    run = Run(FakeFunction()).go(worker())
    assert run.sink.deliveries == []
    assert run.reports == []


# --- dead-letter queue (3.10) ---------------------------------------------------------------


def test_dead_letter_queue_gets_the_original_event_with_attributes_3_10():
    run = Run(FakeFunction(failures=99)).go(worker(on_failure=None, dead_letter=DLQ))
    (message,) = run.sink.messages("dead-letter", to=DLQ.arn)
    assert message.body == EVENT.decode()
    assert message.attributes == {
        "RequestID": ("String", "req-1"),
        "ErrorCode": ("Number", "200"),
        "ErrorMessage": ("String", "boom"),
    }
    assert not [line for line in run.reports if "dropped" in line]


def test_both_on_failure_destination_and_dead_letter_queue_receive_a_failure_3_10():
    run = Run(FakeFunction(failures=99)).go(worker(dead_letter=DLQ))
    assert [message.kind for _, message in run.sink.deliveries] == ["on-failure", "dead-letter"]


# --- event age (3.6, 3.7) -------------------------------------------------------------------


def test_event_older_than_maximum_age_ends_with_event_age_exceeded_3_6():
    run = Run(FakeFunction(failures=99)).go(worker(max_age=60, dead_letter=DLQ))
    assert len(run.fake.calls) == 1  # the retry would come 60 s later: the event is too old
    assert run.time.sleeps == [60.0]
    (record,) = run.records()
    assert record["requestContext"]["condition"] == "EventAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["responsePayload"]["errorMessage"] == "boom"


def test_event_age_without_destinations_is_reported_as_dropped_with_the_request_id():
    run = Run(FakeFunction(failures=99)).go(worker(max_age=60, on_failure=None))
    (line,) = [line for line in run.reports if "dropped" in line]
    assert line == (
        "worker async req-1: dropped: older than MaximumEventAgeInSeconds (60 s); "
        "no on-failure destination or dead-letter queue is set"
    )


# --- throttles and service errors (3.5) -----------------------------------------------------


def test_throttles_back_off_from_1_s_and_are_not_counted_as_attempts_3_5():
    run = Run(FakeFunction(throttles=3)).go(worker(retries=0, on_success=ON_SUCCESS))
    assert run.time.sleeps == [1.0, 2.0, 4.0]
    assert run.fake.calls == ["req-1"]
    (record,) = run.records("on-success")
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert len([line for line in run.reports if "429 TooManyRequestsException" in line]) == 1


def test_service_errors_are_retried_like_throttles_3_5():
    run = Run(FakeFunction(throttles=2, status=502)).go(worker(on_success=ON_SUCCESS))
    assert run.time.sleeps == [1.0, 2.0]
    assert len(run.records("on-success")) == 1


def test_backoff_doubles_up_to_5_minutes_3_5():
    run = Run(FakeFunction(throttles=12)).go(worker())
    assert run.time.sleeps == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]


def test_throttled_until_too_old_the_event_fails_without_an_invoke_3_5_3_10():
    run = Run(FakeFunction(throttles=10**6)).go(worker(max_age=60, dead_letter=DLQ))
    assert run.time.sleeps == [1, 2, 4, 8, 16, 29]  # never past the event's age
    assert run.fake.calls == []
    (record,) = run.records()
    assert record["requestContext"]["condition"] == "EventAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == 0
    assert record["responseContext"]["statusCode"] == 429
    (dead,) = run.sink.messages("dead-letter")
    assert dead.attributes["ErrorCode"] == ("Number", "429")


def test_a_rejection_that_is_no_throttle_is_not_retried():
    class Gone:
        async def __call__(self, function, invocation):
            raise InvokeRejectedError(404, "ResourceNotFoundException", "Function not found")

    run = Run(Gone()).go(worker(on_failure=None))
    assert run.time.sleeps == []
    assert "dropped: rejected: 404 ResourceNotFoundException" in run.reports[-1]


# --- reserved concurrency 0 (3.11) ----------------------------------------------------------


def test_reserved_concurrency_0_sends_events_to_failure_without_invoking_3_11():
    run = Run(FakeFunction()).go(worker(reserved_concurrency=0, dead_letter=DLQ))
    assert run.fake.calls == []
    assert run.time.sleeps == []
    (record,) = run.records()
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 0
    assert len(run.sink.messages("dead-letter")) == 1


# --- payload limit (2.5.2) ------------------------------------------------------------------


def test_payload_of_1_mb_is_accepted_2_5_2():
    payload = b'"' + b"x" * (ASYNC_PAYLOAD_LIMIT - 2) + b'"'
    run = Run(FakeFunction()).go(worker(), Invocation(payload))
    assert len(run.fake.calls) == 1


def test_payload_over_1_mb_is_rejected_with_413_2_5_2_2_5_3():
    run = Run(FakeFunction())
    too_big = Invocation(b"x" * (ASYNC_PAYLOAD_LIMIT + 1))
    with pytest.raises(InvokeRejectedError) as rejected:
        asyncio.run(run.invoker.submit(worker(), too_big))
    assert rejected.value.status == 413
    assert rejected.value.error_type == "RequestTooLargeException"
    assert rejected.value.message == (
        "1048577 byte payload is too large for the Event invocation type (limit 1048576 bytes)"
    )
    assert run.fake.calls == []


# --- ends: never lost silently --------------------------------------------------------------


def test_retries_exhausted_with_nowhere_to_go_is_reported_as_dropped():
    run = Run(FakeFunction(failures=99)).go(worker(on_failure=None))
    assert run.reports[-1] == (
        "worker async req-1: dropped: 3 of 3 attempts failed (RuntimeError); "
        "no on-failure destination or dead-letter queue is set"
    )


def test_a_refused_delivery_is_reported_as_a_drop_with_its_reason():
    run = Run(FakeFunction(failures=99), sink=RecordingSink(failing=[ON_FAILURE.arn]))
    run.go(worker(retries=0))
    assert run.reports == [
        f"worker async req-1: on-failure message dropped: {ON_FAILURE.arn} did not take it: "
        f"{ON_FAILURE.arn} is unreachable"
    ]


def test_a_fifo_on_failure_destination_is_refused_and_reported_3_8():
    fifo = Destination(arn="arn:aws:sqs:us-east-1:123456789012:failures.fifo", kind="sqs")
    run = Run(FakeFunction(failures=99)).go(worker(retries=0, on_failure=fifo))
    assert "FIFO" in run.reports[-1]
    assert run.sink.deliveries == []


def test_time_scale_must_be_positive():
    with pytest.raises(ValueError, match="time_scale"):
        AsyncInvoker(FakeFunction(), RecordingSink(), print, time_scale=0)


def test_a_sink_bug_is_reported_as_a_drop_not_lost():
    class BrokenSink:
        async def deliver(self, destination, message):
            raise RuntimeError("sink bug")

    run = Run(FakeFunction(), sink=BrokenSink()).go(worker(on_success=ON_SUCCESS))
    assert run.reports == ["worker async req-1: dropped: internal error: RuntimeError('sink bug')"]


# --- drain and close ------------------------------------------------------------------------


class Hanging:
    """A function that never answers."""

    async def __call__(self, function, invocation):
        await asyncio.Event().wait()


def test_drain_times_out_then_close_reports_every_pending_event_as_stopped():
    run = Run(Hanging())

    async def main():
        for n in range(3):
            await run.invoker.submit(worker(), Invocation(EVENT, request_id=f"req-{n}"))
        with pytest.raises(TimeoutError):
            await run.invoker.drain(timeout=0.05)
        await run.invoker.close()
        with pytest.raises(InvokeRejectedError):
            await run.invoker.submit(worker(), Invocation(EVENT))
        await run.invoker.drain(timeout=1)

    asyncio.run(main())
    assert sorted(run.reports) == [
        f"worker async req-{n}: dropped: service stopped" for n in range(3)
    ]


def test_close_right_after_submit_reports_events_that_never_started():
    run = Run(FakeFunction())

    async def main():
        await run.invoker.submit(worker(), Invocation(EVENT, request_id="req-1"))
        await run.invoker.close()

    asyncio.run(main())
    assert run.fake.calls == []
    assert run.reports == ["worker async req-1: dropped: service stopped"]


def test_drain_waits_for_events_queued_by_a_lambda_destination():
    """An on-failure Lambda destination is invoked asynchronously with the record (3.8, 3.9)."""
    audit = worker(id="Audit", name="audit", event_invoke=None)
    invocations = FakeFunction(always_failing=["req-1"])
    reports: list[str] = []
    received = []

    async def main():
        async def invoke_async(target, payload):
            assert target == "Audit"
            received.append(payload)
            await invoker.submit(audit, Invocation(payload, request_id="req-2"))

        sink = LoggingSink(reports.append, invoke_async)
        invoker = AsyncInvoker(invocations, sink, reports.append, time_scale=0.0001)
        target = Destination(arn=GetAtt("Audit", "Arn"), kind="lambda", resource="Audit")
        await invoker.submit(worker(retries=0, on_failure=target), Invocation(EVENT, "req-1"))
        await invoker.drain(timeout=5)

    asyncio.run(main())
    assert invocations.calls == ["req-1", "req-2"]
    (payload,) = received
    assert json.loads(payload)["requestContext"]["condition"] == "RetriesExhausted"
    assert reports == []


# --- many events: every one ends exactly once -----------------------------------------------


def test_200_events_with_10_percent_always_failing_all_end_exactly_once_3_4_3_8():
    failing = {f"req-{n}" for n in range(0, 200, 10)}
    run = Run(FakeFunction(always_failing=failing), time_scale=0.0001, real_time=True)
    run.go(
        worker(on_success=ON_SUCCESS),
        *(Invocation(b'{"n": %d}' % n, request_id=f"req-{n}") for n in range(200)),
    )
    failed = {r["requestContext"]["requestId"] for r in run.records("on-failure")}
    succeeded = {r["requestContext"]["requestId"] for r in run.records("on-success")}
    assert failed == failing
    assert len(succeeded) == 180
    assert failed | succeeded == {f"req-{n}" for n in range(200)}
    assert len(run.sink.deliveries) == 200
    assert len(run.fake.calls) == 180 + 20 * 3
    assert not [line for line in run.reports if "dropped" in line]
