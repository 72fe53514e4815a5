"""What happens to each message of one SQS batch after its invoke: deleted, or left to return.

Pure: the batch's message ids (in order), the invoke's result and the mapping's
``ReportBatchItemFailures`` setting → the ids to delete and the ids to leave for redelivery
after the visibility timeout (FIDELITY 4.5.4, 4.5.7, 4.5.8), plus why the whole batch failed
when it did. On FIFO queues a returned message also returns every later message of its group
in the batch, so the group keeps its order (4.5.9).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from lambdakit.local.invocation import InvokeResult


@dataclass(frozen=True)
class BatchOutcome:
    """The messages to delete and the ones to leave on the queue, in batch order."""

    delete: tuple[str, ...]
    retry: tuple[str, ...]
    problem: str | None = None
    """Why messages return: a function error, a malformed response, or the reported ids."""


def batch_outcome(
    message_ids: Sequence[str],
    result: InvokeResult | None,
    *,
    report_batch_item_failures: bool,
    message_groups: Sequence[str | None] | None = None,
) -> BatchOutcome:
    """The fate of each message of a batch; `result` None means the invoke did not happen."""
    ids = tuple(message_ids)
    if result is None:
        return BatchOutcome(delete=(), retry=ids, problem="the function was not invoked")
    if not result.ok:
        return BatchOutcome(delete=(), retry=ids, problem=f"the function failed ({_error(result)})")
    if not report_batch_item_failures:
        return BatchOutcome(delete=ids, retry=())
    failed, problem = reported_failures(result.payload, ids)
    if failed is None:
        return BatchOutcome(delete=(), retry=ids, problem=problem)
    returned = _with_later_group_messages(ids, failed, message_groups)
    return BatchOutcome(
        delete=tuple(i for i in ids if i not in returned),
        retry=tuple(i for i in ids if i in returned),
        problem=problem or None,
    )


class _MalformedResponseError(ValueError):
    """A ``batchItemFailures`` response Lambda treats as a complete failure."""


def reported_failures(payload: bytes, message_ids: Sequence[str]) -> tuple[set[str] | None, str]:
    """The ids a ``batchItemFailures`` response names, or None (and why) when it is malformed.

    An empty or null response, or an empty or null ``batchItemFailures``, reports none
    (4.5.8). Invalid JSON, a response that is not an object, an entry without
    ``itemIdentifier``, an empty or null identifier, or one not in the batch is malformed.
    """
    known = set(message_ids)
    try:
        failed = {_identifier(entry, known) for entry in _failure_entries(payload)}
    except _MalformedResponseError as why:
        return None, str(why)
    return failed, f"reported failures: {', '.join(sorted(failed))}" if failed else ""


def _failure_entries(payload: bytes) -> list[object]:
    if not payload.strip():
        return []
    try:
        response = json.loads(payload)
    except ValueError:
        raise _MalformedResponseError("the response is not valid JSON") from None
    if response is None:
        return []
    if not isinstance(response, dict):
        kind = type(response).__name__
        raise _MalformedResponseError(f"the response is a JSON {kind}, not an object")
    entries = response.get("batchItemFailures")
    if entries is not None and not isinstance(entries, list):
        raise _MalformedResponseError("batchItemFailures is not a list")
    return entries or []


def _identifier(entry: object, known: set[str]) -> str:
    if not isinstance(entry, dict) or "itemIdentifier" not in entry:
        raise _MalformedResponseError(f"a batchItemFailures entry has no itemIdentifier: {entry!r}")
    identifier = entry["itemIdentifier"]
    if not isinstance(identifier, str) or not identifier:
        raise _MalformedResponseError(f"an itemIdentifier is empty or not a string: {identifier!r}")
    if identifier not in known:
        raise _MalformedResponseError(
            f"itemIdentifier {identifier!r} is not a message of the batch"
        )
    return identifier


def _with_later_group_messages(
    ids: tuple[str, ...], failed: set[str], groups: Sequence[str | None] | None
) -> set[str]:
    """`failed` plus, on FIFO queues, every message after a failed one in the same group."""
    if groups is None:
        return set(failed)
    returned: set[str] = set()
    stopped_groups: set[str] = set()
    for message_id, group in zip(ids, groups, strict=True):
        if message_id in failed or (group is not None and group in stopped_groups):
            returned.add(message_id)
            if group is not None:
                stopped_groups.add(group)
    return returned


def _error(result: InvokeResult) -> str:
    kind = result.function_error or "error"
    return f"{kind}: {result.error_type}" if result.error_type else kind
