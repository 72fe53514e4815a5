"""Stream shard decisions: batches, checkpoints, bisection, retries and discards (FIDELITY 4.7)."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from lambdakit.local.events.stream_batches import (
    Settled,
    ShardRecord,
    ShardState,
    failure_record,
    ingest,
    next_batch,
    settle,
    stream_filter_view,
)
from lambdakit.local.invocation import InvokeResult
from lambdakit.model import Origin, StreamEvent

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
SHARD = "shardId-000000000000"


def mapping(**settings: Any) -> StreamEvent:
    return StreamEvent(
        function="Worker",
        source="Stream",
        origin=Origin(file=Path("template.yaml"), name="Worker"),
        stream_kind="kinesis",
        **settings,
    )


def record(number: int, *, age_seconds: float = 1.0, data: object = None) -> ShardRecord:
    payload = json.dumps(data if data is not None else {"n": number}).encode()
    return ShardRecord(
        sequence_number=str(1000 + number),
        arrival=NOW - timedelta(seconds=age_seconds),
        record={"kinesis": {"data": base64.b64encode(payload).decode()}, "n": number},
    )


def shard(count: int, **kwargs: Any) -> ShardState:
    state, _ = ingest(ShardState(SHARD), [record(n, **kwargs) for n in range(count)])
    return state


def ok(payload: object = None) -> InvokeResult:
    body = b"" if payload is None else json.dumps(payload).encode()
    return InvokeResult(request_id="req-ok", payload=body)


def failed() -> InvokeResult:
    return InvokeResult(
        request_id="req-bad", payload=b"{}", function_error="Unhandled", error_type="ValueError"
    )


def items(*numbers: int) -> InvokeResult:
    return ok({"batchItemFailures": [{"itemIdentifier": str(1000 + n)} for n in numbers]})


def numbers(records: Sequence[ShardRecord]) -> list[int]:
    return [int(r.sequence_number) - 1000 for r in records]


def run(state: ShardState, result: InvokeResult | None, settings: StreamEvent) -> Settled:
    return settle(state, next_batch(state, settings.batch_size), result, settings, NOW)


# --- batches (4.7.3, 4.7.5) -------------------------------------------------------------------


def test_a_batch_is_at_most_batch_size_records_from_the_head_in_order() -> None:
    """FIDELITY 4.7.3, 4.7.5: one shard, in order, ≤ BatchSize."""
    state = shard(7)
    assert numbers(next_batch(state, 3)) == [0, 1, 2]
    assert numbers(next_batch(state, 100)) == list(range(7))


def test_success_checkpoints_past_the_whole_batch() -> None:
    """FIDELITY 4.7.9: a whole success checkpoints at the batch's highest sequence number."""
    settings = mapping(batch_size=3)
    settled = run(shard(5), ok(), settings)
    assert numbers(settled.done) == [0, 1, 2]
    assert numbers(settled.state.pending) == [3, 4]
    assert not settled.retry
    assert not settled.discarded


def test_records_no_filter_matches_are_checkpointed_without_an_invoke() -> None:
    """Filter criteria see a Kinesis record's data decoded; non-matching records are skipped."""
    patterns = ({"kinesis": {"data": {"kind": ["keep"]}}},)
    records = [record(0, data={"kind": "keep"}), record(1, data={"kind": "drop"})]
    records.append(record(2, data={"kind": "keep"}))
    state, skipped = ingest(ShardState(SHARD), records, patterns)
    assert skipped == 1
    assert numbers(state.pending) == [0, 2]


def test_filter_view_keeps_non_json_data_as_is() -> None:
    raw = {"kinesis": {"data": base64.b64encode(b"plain text").decode()}}
    assert stream_filter_view(raw) == raw


# --- function errors, retries and discards (4.7.6, 4.7.7, 4.7.11) -----------------------------


def test_a_function_error_retries_the_same_batch_and_blocks_the_shard() -> None:
    """FIDELITY 4.7.3, 4.7.6: the shard stops on an erroring batch and retries it."""
    settings = mapping(batch_size=2, maximum_retry_attempts=2)
    settled = run(shard(3), failed(), settings)
    assert settled.retry
    assert not settled.done
    assert settled.state.attempts == 1
    assert numbers(next_batch(settled.state, 2)) == [0, 1]


def test_retries_exhausted_discard_the_batch_and_move_on() -> None:
    """FIDELITY 4.7.6: MaximumRetryAttempts 2 → 3 invokes, then the batch is discarded."""
    settings = mapping(batch_size=2, maximum_retry_attempts=2)
    state = shard(3)
    for _ in range(2):
        settled = run(state, failed(), settings)
        assert settled.retry and not settled.discarded
        state = settled.state
    settled = run(state, failed(), settings)
    assert numbers(settled.discarded) == [0, 1]
    assert settled.condition == "RetryAttemptsExhausted"
    assert settled.invoke_count == 3
    assert numbers(settled.state.pending) == [2]
    assert settled.state.attempts == 0


def test_infinite_retries_never_discard() -> None:
    """FIDELITY 4.7.6: -1 means retry until the records expire."""
    settings = mapping(batch_size=1)
    state = shard(1)
    for _ in range(50):
        settled = run(state, failed(), settings)
        assert settled.retry and not settled.discarded
        state = settled.state


def test_old_records_are_discarded_as_record_age_exceeded() -> None:
    """FIDELITY 4.7.6: MaximumRecordAgeInSeconds discards a failing batch of too old records."""
    settings = mapping(batch_size=2, maximum_record_age_seconds=60)
    settled = run(shard(2, age_seconds=61), failed(), settings)
    assert settled.condition == "RecordAgeExceeded"
    assert numbers(settled.discarded) == [0, 1]


def test_an_invoke_that_did_not_happen_retries_without_counting() -> None:
    """FIDELITY 4.7.7: throttles and invoke errors do not count against retry attempts."""
    settings = mapping(batch_size=1, maximum_retry_attempts=0)
    settled = run(shard(1), None, settings)
    assert settled.retry and not settled.discarded
    assert settled.state.attempts == 0


# --- ReportBatchItemFailures (4.7.9, 4.5.8) ---------------------------------------------------


def test_partial_failure_checkpoints_at_the_lowest_reported_sequence_number() -> None:
    """FIDELITY 4.7.9: records before the lowest failure are done; retry starts at it."""
    settings = mapping(batch_size=5, report_batch_item_failures=True, maximum_retry_attempts=3)
    settled = run(shard(6), items(4, 2), settings)
    assert numbers(settled.done) == [0, 1]
    assert settled.retry
    assert numbers(settled.state.pending) == [2, 3, 4, 5]
    assert numbers(next_batch(settled.state, 5)) == [2, 3, 4, 5]
    assert settled.state.attempts == 1


def test_empty_or_null_batch_item_failures_are_a_whole_success() -> None:
    settings = mapping(batch_size=3, report_batch_item_failures=True)
    for result in (ok(), ok({"batchItemFailures": []}), ok({"batchItemFailures": None})):
        assert numbers(run(shard(3), result, settings).done) == [0, 1, 2]


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"[1]",
        b'{"batchItemFailures": [{"itemIdentifier": "999999"}]}',
        b'{"batchItemFailures": [{"itemIdentifier": ""}]}',
        b'{"batchItemFailures": [{"id": "1000"}]}',
    ],
)
def test_a_malformed_response_fails_the_whole_batch(payload: bytes) -> None:
    """As for SQS (FIDELITY 4.5.8): invalid JSON or an identifier not in the batch."""
    settings = mapping(batch_size=3, report_batch_item_failures=True)
    settled = run(shard(3), InvokeResult(request_id="r", payload=payload), settings)
    assert not settled.done
    assert settled.retry
    assert numbers(settled.state.pending) == [0, 1, 2]


def test_a_record_failing_at_the_head_is_discarded_after_its_retries() -> None:
    """FIDELITY 4.7.9 with 4.7.6: the retry from the checkpoint counts as an attempt."""
    settings = mapping(batch_size=3, report_batch_item_failures=True, maximum_retry_attempts=1)
    settled = run(shard(3), items(1), settings)  # 0 done; head at 1, failed once
    assert numbers(settled.done) == [0]
    settled = run(settled.state, items(1), settings)  # its one retry
    assert numbers(settled.discarded) == [1, 2]
    assert settled.condition == "RetryAttemptsExhausted"
    assert settled.invoke_count == 2


# --- bisection (4.7.8, 4.7.10) ----------------------------------------------------------------


def drive(
    state: ShardState, settings: StreamEvent, poison: int, *, limit: int = 50
) -> tuple[list[list[int]], list[int], list[int]]:
    """Invoke until the shard is empty; the batches, the done and the discarded records."""
    batches: list[list[int]] = []
    done: list[int] = []
    discarded: list[int] = []
    while state.pending and len(batches) < limit:
        batch = next_batch(state, settings.batch_size)
        batches.append(numbers(batch))
        bad = poison in numbers(batch)
        if settings.report_batch_item_failures and bad:
            result = items(poison)
        else:
            result = failed() if bad else ok()
        settled = settle(state, batch, result, settings, NOW)
        done += numbers(settled.done)
        discarded += numbers(settled.discarded)
        state = settled.state
    return batches, done, discarded


def test_bisect_isolates_a_poison_record_without_spending_retries() -> None:
    """FIDELITY 4.7.8: splitting does not count toward MaximumRetryAttempts (0 here)."""
    settings = mapping(batch_size=8, bisect_on_error=True, maximum_retry_attempts=0)
    batches, done, discarded = drive(shard(8), settings, poison=5)
    assert batches[:4] == [list(range(8)), [0, 1, 2, 3], [4, 5, 6, 7], [4, 5]]
    assert discarded == [5]
    assert done == [0, 1, 2, 3, 4, 6, 7]


def test_bisect_retries_the_single_poison_record_its_retry_quota() -> None:
    settings = mapping(batch_size=2, bisect_on_error=True, maximum_retry_attempts=2)
    batches, done, discarded = drive(shard(2), settings, poison=1)
    assert batches == [[0, 1], [0], [1], [1], [1]]
    assert done == [0]
    assert discarded == [1]


def test_bisect_with_batch_item_failures_splits_at_the_returned_sequence_number() -> None:
    """FIDELITY 4.7.10: a partial response bisects at it: only the rest of the batch retries."""
    settings = mapping(
        batch_size=4,
        bisect_on_error=True,
        report_batch_item_failures=True,
        maximum_retry_attempts=1,
    )
    settled = run(shard(6), items(2), settings)
    assert numbers(settled.done) == [0, 1]
    assert settled.retry
    assert numbers(next_batch(settled.state, 4)) == [2, 3]  # the rest only, not 4 and 5
    settled = run(settled.state, items(2), settings)  # its one retry fails again
    assert numbers(settled.discarded) == [2, 3]
    assert numbers(next_batch(settled.state, 4)) == [4, 5]


def test_a_discarded_sub_batch_leaves_the_other_half_to_run() -> None:
    settings = mapping(batch_size=4, bisect_on_error=True, maximum_retry_attempts=0)
    batches, done, discarded = drive(shard(4), settings, poison=0)
    assert batches == [[0, 1, 2, 3], [0, 1], [0], [1], [2, 3]]
    assert (done, discarded) == ([1, 2, 3], [0])


def test_the_batch_must_be_the_head_of_the_shard() -> None:
    state = shard(3)
    with pytest.raises(ValueError, match="head"):
        settle(state, state.pending[1:], ok(), mapping(), NOW)


# --- the on-failure record (4.7.11) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "key"), [("kinesis", "KinesisBatchInfo"), ("dynamodb", "DDBStreamBatchInfo")]
)
def test_failure_record_is_metadata_only(kind: Any, key: str) -> None:
    """FIDELITY 4.7.11: requestContext, responseContext, version, timestamp, batch info."""
    batch = [record(0, age_seconds=2.5), record(1, age_seconds=1.0)]
    document = failure_record(
        batch,
        condition="RetryAttemptsExhausted",
        invoke_count=3,
        result=failed(),
        function_arn="arn:aws:lambda:us-east-1:123456789012:function:worker",
        stream_kind=kind,
        stream_arn="arn:aws:kinesis:us-east-1:123456789012:stream/s",
        shard_id=SHARD,
        now=NOW,
    )
    assert document == {
        "requestContext": {
            "requestId": "req-bad",
            "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:worker",
            "condition": "RetryAttemptsExhausted",
            "approximateInvokeCount": 3,
        },
        "responseContext": {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": "Unhandled",
        },
        "version": "1.0",
        "timestamp": "2026-01-01T12:00:00.000Z",
        key: {
            "shardId": SHARD,
            "startSequenceNumber": "1000",
            "endSequenceNumber": "1001",
            "approximateArrivalOfFirstRecord": "2026-01-01T11:59:57.500Z",
            "approximateArrivalOfLastRecord": "2026-01-01T11:59:59.000Z",
            "batchSize": 2,
            "streamArn": "arn:aws:kinesis:us-east-1:123456789012:stream/s",
        },
    }
    assert "Records" not in json.dumps(document)
