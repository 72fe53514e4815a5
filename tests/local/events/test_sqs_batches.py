"""What one SQS batch's invoke deletes and returns (FIDELITY 4.5.4, 4.5.7-4.5.9), and filters."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lambdakit.local.events.filter_patterns import matches_any, sqs_filter_view
from lambdakit.local.events.sqs_batches import batch_outcome
from lambdakit.local.invocation import InvokeResult

IDS = ("m1", "m2", "m3", "m4", "m5")


def ok(payload: object = None, *, raw: bytes | None = None) -> InvokeResult:
    body = raw if raw is not None else json.dumps(payload).encode()
    return InvokeResult(request_id="r", payload=body)


def failures(*ids: str) -> InvokeResult:
    return ok({"batchItemFailures": [{"itemIdentifier": i} for i in ids]})


def test_without_item_failures_success_deletes_all_whatever_the_response() -> None:
    outcome = batch_outcome(IDS, failures("m2"), report_batch_item_failures=False)
    assert outcome.delete == IDS
    assert outcome.retry == ()


@pytest.mark.parametrize("report", [True, False])
def test_a_function_error_deletes_nothing(report: bool) -> None:
    error = InvokeResult(
        request_id="r", payload=b"{}", function_error="Unhandled", error_type="KeyError"
    )
    outcome = batch_outcome(IDS, error, report_batch_item_failures=report)
    assert outcome.delete == ()
    assert outcome.retry == IDS
    assert outcome.problem == "the function failed (Unhandled: KeyError)"


def test_no_invoke_at_all_returns_the_batch() -> None:
    outcome = batch_outcome(IDS, None, report_batch_item_failures=True)
    assert outcome.retry == IDS


def test_only_the_reported_ids_return() -> None:
    outcome = batch_outcome(IDS, failures("m2", "m4"), report_batch_item_failures=True)
    assert outcome.delete == ("m1", "m3", "m5")
    assert outcome.retry == ("m2", "m4")
    assert outcome.problem == "reported failures: m2, m4"


@pytest.mark.parametrize(
    "result",
    [
        ok(raw=b""),
        ok(raw=b"  "),
        ok(None),
        ok({}),
        ok({"batchItemFailures": []}),
        ok({"batchItemFailures": None}),
        ok({"statusCode": 200}),
    ],
)
def test_empty_or_null_responses_are_complete_success(result: InvokeResult) -> None:
    outcome = batch_outcome(IDS, result, report_batch_item_failures=True)
    assert outcome.delete == IDS
    assert outcome.retry == ()
    assert outcome.problem is None


@pytest.mark.parametrize(
    ("result", "why"),
    [
        (ok(raw=b"{not json"), "not valid JSON"),
        (ok(["m1"]), "not an object"),
        (ok({"batchItemFailures": "m1"}), "not a list"),
        (ok({"batchItemFailures": [{"itemId": "m1"}]}), "no itemIdentifier"),
        (ok({"batchItemFailures": ["m1"]}), "no itemIdentifier"),
        (ok({"batchItemFailures": [{"itemIdentifier": ""}]}), "empty"),
        (ok({"batchItemFailures": [{"itemIdentifier": None}]}), "empty"),
        (failures("m2", "unknown"), "not a message of the batch"),
    ],
)
def test_malformed_responses_fail_the_whole_batch(result: InvokeResult, why: str) -> None:
    outcome = batch_outcome(IDS, result, report_batch_item_failures=True)
    assert outcome.delete == ()
    assert outcome.retry == IDS
    assert outcome.problem is not None
    assert why in outcome.problem


def test_fifo_a_failure_returns_the_later_messages_of_its_group_only() -> None:
    groups = ["a", "b", "a", "b", "a"]
    outcome = batch_outcome(
        IDS, failures("m3"), report_batch_item_failures=True, message_groups=groups
    )
    assert outcome.retry == ("m3", "m5")
    assert outcome.delete == ("m1", "m2", "m4")


# --- filter criteria -------------------------------------------------------------------------


def record(body: str, **attributes: Any) -> dict[str, Any]:
    return sqs_filter_view(
        {"body": body, "attributes": {"ApproximateReceiveCount": "1", **attributes}}
    )


def test_no_patterns_match_everything() -> None:
    assert matches_any((), record("plain"))


@pytest.mark.parametrize(
    ("pattern", "body", "expected"),
    [
        ({"body": {"kind": ["order"]}}, '{"kind": "order"}', True),
        ({"body": {"kind": ["order"]}}, '{"kind": "refund"}', False),
        ({"body": {"kind": ["order"]}}, "not json", False),
        ({"body": ["plain text"]}, "plain text", True),
        ({"body": {"id": [{"prefix": "ab"}]}}, '{"id": "abc"}', True),
        ({"body": {"id": [{"suffix": "bc"}]}}, '{"id": "abc"}', True),
        ({"body": {"id": [{"equals-ignore-case": "ABC"}]}}, '{"id": "abc"}', True),
        ({"body": {"id": [{"exists": True}]}}, '{"id": 1}', True),
        ({"body": {"id": [{"exists": False}]}}, '{"id": 1}', False),
        ({"body": {"id": [{"exists": False}]}}, '{"other": 1}', True),
        ({"body": {"n": [{"numeric": [">", 5, "<=", 10]}]}}, '{"n": 10}', True),
        ({"body": {"n": [{"numeric": [">", 5, "<=", 10]}]}}, '{"n": 11}', False),
        ({"body": {"n": [{"numeric": ["=", 1]}]}}, '{"n": "1"}', False),
        ({"body": {"n": [1]}}, '{"n": true}', False),
        ({"body": {"n": [None]}}, '{"n": null}', True),
        ({"body": {"tags": ["red"]}}, '{"tags": ["blue", "red"]}', True),
        ({"body": {"kind": [{"anything-but": ["a", "b"]}]}}, '{"kind": "c"}', True),
        ({"body": {"kind": [{"anything-but": "a"}]}}, '{"kind": "a"}', False),
        ({"body": {"a": {"b": ["x"]}}}, '{"a": {"b": "x"}}', True),
        ({"body": {"a": {"b": ["x"]}}}, '{"a": "x"}', False),
    ],
)
def test_body_patterns(pattern: dict[str, Any], body: str, expected: bool) -> None:
    assert matches_any([pattern], record(body)) is expected


def test_attribute_patterns_and_or_between_filters() -> None:
    by_count = {"attributes": {"ApproximateReceiveCount": ["1"]}}
    by_kind = {"body": {"kind": ["order"]}}
    assert matches_any([by_count], record("x"))
    assert not matches_any([by_kind], record("x"))
    assert matches_any([by_kind, by_count], record("x"))
