"""Nothing is lost: every event ends handled, in its DLQ/on-failure queue, or in a logged drop.

The issue's acceptance test, run for real: the ``nothing-lost`` SAM app under `LocalApp` (what
``lambdakit local`` runs), events sent with boto3 through the services endpoint, 10% of them
marked to fail always.
- SQS (FIDELITY 4.5.6, 4.5.7): a worker with ``ReportBatchItemFailures`` reports the marked
  messages; they come back after the 4 s visibility timeout and moto's redrive moves them to the
  dead-letter queue after ``maxReceiveCount`` 3 receives. The others are processed (at least
  once: the table's key makes a repeat harmless).
- Async invokes (FIDELITY 3.4, 3.8, 3.9): ``MaximumRetryAttempts`` 0, so each failing event's
  invocation record goes to the on-failure queue with the event as ``requestPayload``.
Then: processed | dead letters == all sent, dead letters == exactly the failing ones, and the
two are disjoint; no report of a dropped event.
"""

from __future__ import annotations

import io
import json
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from lambdakit import load_app
from lambdakit.local.logs import LogPrinter
from lambdakit.local_app import LocalApp, LocalAppOptions

# Whole apps with many worker processes: these run one after another on one xdist worker
# (`--dist loadgroup` in the Makefile), so two of them never compete for the same two cores.
pytestmark = pytest.mark.xdist_group("whole-app")

FIXTURE = Path(__file__).parent / "fixtures" / "sam" / "nothing-lost"
FAILING_EVERY = 10
"""Every tenth event is marked to fail: 10%."""


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalApp]:
    root = Path(shutil.copytree(FIXTURE, tmp_path_factory.mktemp("app") / "nothing-lost"))
    options = LocalAppOptions(reload=False, time_scale=0.001, concurrency=20)
    printer = LogPrinter(io.StringIO(), color=False)
    with LocalApp(lambda: load_app(root / "template.yaml"), options, printer=printer) as app:
        yield app


def client(app: LocalApp, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=app.services_url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def failing(ids: range) -> set[int]:
    return {n for n in ids if n % FAILING_EVERY == 0}


def processed(app: LocalApp, prefix: str, ids: range) -> set[int]:
    """The `ids` the functions recorded as done, from the table (`prefix`-<id> keys)."""
    dynamodb = client(app, "dynamodb")
    table = app.physical["ProcessedTable"].name
    found: set[int] = set()
    for page in dynamodb.get_paginator("scan").paginate(TableName=table):
        for item in page["Items"]:
            kind, number = item["pk"]["S"].split("-")
            if kind == prefix and int(number) in ids:
                found.add(int(number))
    return found


def drain_queue(app: LocalApp, queue: str, into: list[dict[str, Any]]) -> None:
    """Receive (and delete) everything now visible on `queue`, appending the bodies to `into`."""
    sqs = client(app, "sqs")
    url = app.physical[queue].url
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return
        into.extend(json.loads(m["Body"]) for m in messages)
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)
            ],
        )


def settle(
    expected: int, done: Callable[[], set[int]], failed: Callable[[], list[int]], seconds: float
) -> tuple[set[int], list[int]]:
    """Poll until processed + failed reach `expected` (or the deadline passes); both sets."""
    deadline = time.monotonic() + seconds
    while True:
        ok, bad = done(), failed()
        if len(ok) + len(bad) >= expected or time.monotonic() > deadline:
            return ok, bad
        time.sleep(0.5)


def sqs_run(app: LocalApp, ids: range) -> None:
    count = len(ids)
    sqs = client(app, "sqs")
    url = app.physical["WorkQueue"].url
    for start in range(0, count, 10):
        entries = [
            {"Id": str(n), "MessageBody": json.dumps({"id": n, "fail": n in failing(ids)})}
            for n in ids[start : start + 10]
        ]
        assert not sqs.send_message_batch(QueueUrl=url, Entries=entries).get("Failed")

    dead: list[dict[str, Any]] = []

    def dead_ids() -> list[int]:
        drain_queue(app, "WorkDeadLetters", dead)
        return [body["id"] for body in dead if body["id"] in ids]

    ok, bad = settle(count, lambda: processed(app, "sqs", ids), dead_ids, seconds=120)
    assert sorted(bad) == sorted(set(bad)), "a message reached the DLQ twice"
    assert set(bad) == failing(ids)
    assert ok | set(bad) == set(ids)
    assert not ok & set(bad)


def async_run(app: LocalApp, ids: range) -> None:
    count = len(ids)
    lambda_client = client(app, "lambda")
    for n in ids:
        payload = json.dumps({"id": n, "fail": n in failing(ids)}).encode()
        answer = lambda_client.invoke(
            FunctionName="AsyncJob", InvocationType="Event", Payload=payload
        )
        assert answer["StatusCode"] == 202

    records: list[dict[str, Any]] = []

    def failed_ids() -> list[int]:
        drain_queue(app, "AsyncFailures", records)
        return [r["requestPayload"]["id"] for r in records if r["requestPayload"]["id"] in ids]

    ok, bad = settle(count, lambda: processed(app, "async", ids), failed_ids, seconds=60)
    assert sorted(bad) == sorted(set(bad)), "an event reached the on-failure queue twice"
    assert set(bad) == failing(ids)
    assert ok | set(bad) == set(ids)
    assert not ok & set(bad)
    for record in records:
        assert record["requestContext"]["condition"] == "RetriesExhausted"
        assert record["responseContext"]["functionError"] == "Unhandled"


def test_1000_sqs_messages_end_processed_or_in_the_dlq(cloud: LocalApp) -> None:
    sqs_run(cloud, range(10_000, 11_000))


def test_1000_async_events_end_processed_or_in_the_on_failure_queue(cloud: LocalApp) -> None:
    async_run(cloud, range(10_000, 11_000))
