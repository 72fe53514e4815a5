"""What a stream shard does next: which batch to invoke, and what an invoke's outcome changes.

Pure. A shard's state is its pending records (everything after the checkpoint, in order), the
failed invokes of the record at its head, and the sub-batches a bisection left to run. Stages:

1. `ingest` appends records read from the shard; records that match none of the mapping's
   filter criteria are checkpointed at once, never invoked.
2. `next_batch`: up to ``BatchSize`` records from the head of this one shard, in order
   (FIDELITY 4.7.3, 4.7.5), or the next half of a bisected batch.
3. `settle`: the invoke's result → the new state. A whole success checkpoints past the batch
   (4.7.9); with ``ReportBatchItemFailures`` the checkpoint stops at the lowest reported
   sequence number and the shard retries from there (4.7.9), a malformed response or an
   identifier not in the batch failing the whole batch (as SQS does, 4.5.8). A function error
   with ``BisectBatchOnFunctionError`` splits the batch in two without counting a retry (4.7.8);
   with both settings a partial response bisects at the returned sequence number (4.7.10).
   Failures retry until ``MaximumRetryAttempts`` or ``MaximumRecordAgeInSeconds`` (4.7.6);
   an invoke that did not happen retries without counting (4.7.7). Then the batch is
   discarded and `failure_record` builds the on-failure destination's metadata record (4.7.11).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

from lambdakit.local.destinations import lambda_timestamp
from lambdakit.local.events.filter_patterns import matches_any
from lambdakit.local.events.sqs_batches import reported_failures
from lambdakit.local.invocation import InvokeResult
from lambdakit.model import StreamEvent

DiscardCondition = Literal["RetryAttemptsExhausted", "RecordAgeExceeded"]
StreamKind = Literal["dynamodb", "kinesis"]


@dataclass(frozen=True)
class ShardRecord:
    """One record of a shard, with the Lambda event record built for it."""

    sequence_number: str
    arrival: datetime
    """Kinesis' approximate arrival; DynamoDB's approximate creation time."""
    record: Mapping[str, Any]
    """The record as the function receives it (FIDELITY 4.7.1, 4.7.2)."""


@dataclass(frozen=True)
class ShardState:
    """Where one shard stands: the records after its checkpoint and the head's failures."""

    shard_id: str
    pending: tuple[ShardRecord, ...] = ()
    attempts: int = 0
    """Failed invokes counted against ``MaximumRetryAttempts`` since the head last moved."""
    invokes: int = 0
    """Invokes that included the head record since it last moved (``approximateInvokeCount``)."""
    splits: tuple[int, ...] = ()
    """Sizes of the sub-batches a bisection left to run, in order (4.7.8)."""


@dataclass(frozen=True)
class Settled:
    """What one invoke's outcome did to a shard."""

    state: ShardState
    done: tuple[ShardRecord, ...] = ()
    """Records checkpointed as processed."""
    discarded: tuple[ShardRecord, ...] = ()
    """Records given up on: the on-failure destination hears of them."""
    condition: DiscardCondition | None = None
    invoke_count: int = 0
    """How many invokes the discarded records went through."""
    retry: bool = False
    """The shard waits before the next batch (it failed and will retry)."""
    problem: str | None = None
    """Why the batch, or part of it, failed."""


def ingest(
    state: ShardState,
    records: Iterable[ShardRecord],
    filters: Sequence[Mapping[str, Any]] = (),
) -> tuple[ShardState, int]:
    """`state` with `records` appended, less those no filter matches; and how many those were."""
    kept: list[ShardRecord] = []
    skipped = 0
    for record in records:
        if matches_any(filters, stream_filter_view(record.record)):
            kept.append(record)
        else:
            skipped += 1
    if not kept:
        return state, skipped
    return replace(state, pending=state.pending + tuple(kept)), skipped


def stream_filter_view(record: Mapping[str, Any]) -> dict[str, Any]:
    """A stream record as filters see it: a Kinesis record's ``data`` decoded when it is JSON.

    DynamoDB records are matched as they are (``{"dynamodb": {"NewImage": ...}}``).
    """
    view = dict(record)
    kinesis = record.get("kinesis")
    if isinstance(kinesis, Mapping) and isinstance(kinesis.get("data"), str):
        with contextlib.suppress(ValueError, binascii.Error):  # not JSON: metadata filters only
            view["kinesis"] = {**kinesis, "data": json.loads(base64.b64decode(kinesis["data"]))}
    return view


def next_batch(state: ShardState, batch_size: int) -> tuple[ShardRecord, ...]:
    """The records of the next invoke: the head's bisected half, else up to `batch_size`."""
    size = state.splits[0] if state.splits else batch_size
    return state.pending[: max(1, size)]


def settle(
    state: ShardState,
    batch: Sequence[ShardRecord],
    result: InvokeResult | None,
    mapping: StreamEvent,
    now: datetime,
) -> Settled:
    """The shard after invoking `batch` (the head of `state.pending`) gave `result`.

    `result` None means the invoke did not happen (throttled, or the function is missing).
    """
    batch = tuple(batch)
    if state.pending[: len(batch)] != batch:
        raise ValueError("the batch is not the head of the shard's pending records")
    if result is None:
        return _failed(
            state, batch, mapping, now, counted=False, why="the function was not invoked"
        )
    invoked = replace(state, invokes=state.invokes + 1)
    if not result.ok:
        why = f"the function failed ({result.function_error}: {result.error_type or 'error'})"
        return _function_error(invoked, batch, mapping, now, why)
    if not mapping.report_batch_item_failures:
        return _succeeded(invoked, batch)
    failed, problem = reported_failures(result.payload, [r.sequence_number for r in batch])
    if failed is None:
        return _function_error(invoked, batch, mapping, now, problem)
    if not failed:
        return _succeeded(invoked, batch)
    lowest = min(failed, key=int)
    cut = next(n for n, r in enumerate(batch) if r.sequence_number == lowest)
    return _partial(
        invoked, batch, cut, mapping=mapping, now=now, why=f"reported failure at {lowest}"
    )


def _succeeded(state: ShardState, batch: tuple[ShardRecord, ...]) -> Settled:
    moved = ShardState(state.shard_id, state.pending[len(batch) :], splits=state.splits[1:])
    return Settled(state=moved, done=batch)


def _function_error(
    state: ShardState,
    batch: tuple[ShardRecord, ...],
    mapping: StreamEvent,
    now: datetime,
    why: str,
) -> Settled:
    if mapping.bisect_on_error and len(batch) > 1:
        if _age_exceeded(batch, mapping, now):  # too old to retry, even split
            return _discard(state, batch, "RecordAgeExceeded", why)
        first = (len(batch) + 1) // 2
        split = replace(state, splits=(first, len(batch) - first, *state.splits[1:]))
        return Settled(state=split, retry=True, problem=f"{why}; the batch is split in two")
    return _failed(state, batch, mapping, now, counted=True, why=why)


def _partial(
    state: ShardState,
    batch: tuple[ShardRecord, ...],
    cut: int,
    *,
    mapping: StreamEvent,
    now: datetime,
    why: str,
) -> Settled:
    """Checkpoint before `batch[cut]` and retry from it (4.7.9), the rest only when bisecting."""
    done, rest = batch[:cut], batch[cut:]
    splits = (len(rest), *state.splits[1:]) if mapping.bisect_on_error else ()
    if done:  # the head moves to the failed record, which has failed once now
        state = ShardState(state.shard_id, state.pending[cut:], invokes=1, splits=splits)
    else:
        state = replace(state, splits=splits)
    settled = _failed(state, rest, mapping, now, counted=True, why=why, head_moved=bool(done))
    return replace(settled, done=done + settled.done)


def _failed(
    state: ShardState,
    batch: tuple[ShardRecord, ...],
    mapping: StreamEvent,
    now: datetime,
    *,
    counted: bool,
    why: str,
    head_moved: bool = False,
) -> Settled:
    """Retry `batch` (the head of `state`) later, or discard it when out of retries or age."""
    attempts = (1 if head_moved else state.attempts + 1) if counted else state.attempts
    state = replace(state, attempts=attempts)
    if _age_exceeded(batch, mapping, now):
        return _discard(state, batch, "RecordAgeExceeded", why)
    limit = mapping.maximum_retry_attempts
    if counted and limit >= 0 and attempts > limit:
        return _discard(state, batch, "RetryAttemptsExhausted", why)
    return Settled(state=state, retry=True, problem=why)


def _discard(
    state: ShardState, batch: tuple[ShardRecord, ...], condition: DiscardCondition, why: str
) -> Settled:
    moved = ShardState(state.shard_id, state.pending[len(batch) :], splits=state.splits[1:])
    return Settled(
        state=moved,
        discarded=batch,
        condition=condition,
        invoke_count=state.invokes,
        problem=why,
    )


def _age_exceeded(batch: Sequence[ShardRecord], mapping: StreamEvent, now: datetime) -> bool:
    limit = mapping.maximum_record_age_seconds
    if limit < 0 or not batch:
        return False
    oldest = min(r.arrival for r in batch)
    return (now - oldest).total_seconds() > limit


def failure_record(
    discarded: Sequence[ShardRecord],
    *,
    condition: DiscardCondition,
    invoke_count: int,
    result: InvokeResult | None,
    function_arn: str,
    stream_kind: StreamKind,
    stream_arn: str,
    shard_id: str,
    now: datetime,
) -> dict[str, Any]:
    """The on-failure destination's record of a discarded batch: metadata only (4.7.11).

    ``responseContext`` is the last invoke's; ``functionError`` is there when that invoke
    failed (a partial-failure response has none). When no invoke happened it carries status
    500 [INFERRED: AWS does not document that case].
    """
    response: dict[str, Any] = {
        "statusCode": 200 if result is not None else 500,
        "executedVersion": result.executed_version if result is not None else "$LATEST",
    }
    if result is not None and result.function_error is not None:
        response["functionError"] = result.function_error
    info_key = "KinesisBatchInfo" if stream_kind == "kinesis" else "DDBStreamBatchInfo"
    return {
        "requestContext": {
            "requestId": result.request_id if result is not None else "",
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": invoke_count,
        },
        "responseContext": response,
        "version": "1.0",
        "timestamp": lambda_timestamp(now),
        info_key: {
            "shardId": shard_id,
            "startSequenceNumber": discarded[0].sequence_number,
            "endSequenceNumber": discarded[-1].sequence_number,
            "approximateArrivalOfFirstRecord": lambda_timestamp(discarded[0].arrival),
            "approximateArrivalOfLastRecord": lambda_timestamp(discarded[-1].arrival),
            "batchSize": len(discarded),
            "streamArn": stream_arn,
        },
    }
