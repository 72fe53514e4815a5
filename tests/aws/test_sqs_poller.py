"""SQS event source mappings against a real moto server: batches, partial failures, redrive."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from lambdakit.aws.moto_server import MotoServer
from lambdakit.aws.provision import provision
from lambdakit.aws.sqs_poller import SqsPoller, queue_lock, start_sqs_pollers
from lambdakit.local.invocation import InvokeResult
from lambdakit.local.physical_names import PhysicalResource, physical_resources
from lambdakit.model import (
    App,
    Origin,
    Queue,
    RedrivePolicy,
    ResourceKind,
    SourceKind,
    SqsEvent,
    Stack,
)

REGION = "us-east-1"
ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def endpoint(moto: MotoServer) -> str:
    return moto.url


@pytest.fixture
def sqs(endpoint: str) -> Any:
    return boto3.client(
        "sqs",
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def pollers() -> Iterator[list[SqsPoller]]:
    started: list[SqsPoller] = []
    yield started
    for poller in started:
        poller.stop()


class FakeFunction:
    """A function that fails the records `fails` picks, reporting them as batch item failures."""

    def __init__(self, fails: Callable[[dict[str, Any]], bool]) -> None:
        self.fails = fails
        self.batches: list[list[dict[str, Any]]] = []
        self.lock = threading.Lock()

    def __call__(self, function: str, payload: bytes) -> InvokeResult:
        records = json.loads(payload)["Records"]
        with self.lock:
            self.batches.append(records)
        failed = [{"itemIdentifier": r["messageId"]} for r in records if self.fails(r)]
        body = json.dumps({"batchItemFailures": failed}).encode()
        return InvokeResult(request_id=str(uuid.uuid4()), payload=body)

    def bodies(self) -> list[str]:
        with self.lock:
            return [r["body"] for batch in self.batches for r in batch]


def make_queue(sqs: Any, *, max_receive_count: int = 2) -> tuple[PhysicalResource, str]:
    """A queue with visibility timeout 1 s redriving to a fresh DLQ; the queue and DLQ URL."""
    name = f"q-{uuid.uuid4().hex[:12]}"
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}-dlq"
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receive_count)}
    url = sqs.create_queue(
        QueueName=name,
        Attributes={"VisibilityTimeout": "1", "RedrivePolicy": json.dumps(redrive)},
    )["QueueUrl"]
    queue = PhysicalResource(
        logical_id="Queue",
        kind=ResourceKind.QUEUE,
        name=name,
        arn=f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}",
        ref=url,
        url=url,
    )
    return queue, dlq_url


def mapping(source: str = "Queue", **settings: Any) -> SqsEvent:
    return SqsEvent(
        function="Worker",
        source=source,
        origin=Origin(file=Path("template.yaml"), name="Worker"),
        report_batch_item_failures=True,
        **settings,
    )


def send(sqs: Any, url: str, bodies: list[str]) -> None:
    """Send in batches of 10, under the poller's lock (moto loses a send racing a delete)."""
    for start in range(0, len(bodies), 10):
        entries = [
            {"Id": str(i), "MessageBody": b} for i, b in enumerate(bodies[start : start + 10])
        ]
        with queue_lock(url):
            assert not sqs.send_message_batch(QueueUrl=url, Entries=entries).get("Failed")


def counts(sqs: Any, url: str) -> int:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return sum(int(attributes[n]) for n in names)


def drain(sqs: Any, url: str) -> list[str]:
    bodies: list[str] = []
    while True:
        found = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60)
        if not found.get("Messages"):
            return bodies
        bodies.extend(m["Body"] for m in found["Messages"])


def wait_for(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_failure_injection_nothing_is_lost(
    sqs: Any, endpoint: str, pollers: list[SqsPoller]
) -> None:
    # GIVEN 1,000 messages of which every tenth always fails, maxReceiveCount 2, sent by a
    # producer that keeps at most 50 unprocessed (moto's receive is O(messages in the queue))
    queue, dlq_url = make_queue(sqs, max_receive_count=2)
    bodies = [f"{'fail' if n % 10 == 0 else 'ok'}-{n}" for n in range(1000)]
    function = FakeFunction(lambda r: r["body"].startswith("fail"))
    poller = SqsPoller(
        mapping(batch_size=10), queue, endpoint_url=endpoint, invoke=function, concurrency=5
    )
    pollers.append(poller)
    # WHEN the mapping polls while the producer sends, until the queue is empty
    poller.start()
    for start in range(0, len(bodies), 10):
        wait_for(lambda: start - len(set(function.bodies())) < 50, 30)  # noqa: B023
        send(sqs, queue.ref, bodies[start : start + 10])
    wait_for(lambda: counts(sqs, queue.ref) == 0 and counts(sqs, dlq_url) == 100, 30)
    poller.stop()
    # THEN exactly the failing 100 are in the DLQ, once each, and the 900 others were processed
    in_dlq = drain(sqs, dlq_url)
    assert sorted(in_dlq) == sorted(b for b in bodies if b.startswith("fail"))
    processed = function.bodies()
    assert set(processed) == set(bodies)
    assert all(processed.count(b) == 2 for b in in_dlq)


def test_only_reported_failures_return_with_their_receive_count_incremented(
    sqs: Any, endpoint: str, pollers: list[SqsPoller]
) -> None:
    # GIVEN a batch of 5 where the function reports messages 2 and 4 failed on first receive
    queue, dlq_url = make_queue(sqs, max_receive_count=3)
    send(sqs, queue.ref, [f"m{n}" for n in range(1, 6)])
    function = FakeFunction(
        lambda r: r["body"] in {"m2", "m4"} and r["attributes"]["ApproximateReceiveCount"] == "1"
    )
    poller = SqsPoller(
        mapping(batch_size=5, batching_window_seconds=1),
        queue,
        endpoint_url=endpoint,
        invoke=function,
        concurrency=1,
    )
    pollers.append(poller)
    # WHEN it polls
    poller.start()
    wait_for(lambda: len(function.batches) >= 2 and counts(sqs, queue.ref) == 0, 20)
    poller.stop()
    # THEN the first batch had all 5, the second only 2 and 4, received a second time
    first, second = function.batches[0], function.batches[1]
    assert sorted(r["body"] for r in first) == ["m1", "m2", "m3", "m4", "m5"]
    assert sorted(r["body"] for r in second) == ["m2", "m4"]
    assert {r["attributes"]["ApproximateReceiveCount"] for r in second} == {"2"}
    assert len(function.batches) == 2
    assert counts(sqs, dlq_url) == 0
    assert first[0]["eventSource"] == "aws:sqs"
    assert first[0]["eventSourceARN"] == queue.arn


def test_filtered_out_messages_are_deleted_without_an_invoke(
    sqs: Any, endpoint: str, pollers: list[SqsPoller]
) -> None:
    queue, _ = make_queue(sqs)
    send(sqs, queue.ref, ['{"kind": "order"}', '{"kind": "refund"}', "not json"])
    function = FakeFunction(lambda r: False)
    only_orders = mapping(batch_size=10, filters=({"body": {"kind": ["order"]}},))
    poller = SqsPoller(only_orders, queue, endpoint_url=endpoint, invoke=function, concurrency=1)
    pollers.append(poller)
    poller.start()
    wait_for(lambda: counts(sqs, queue.ref) == 0, 20)
    poller.stop()
    assert function.bodies() == ['{"kind": "order"}']


def test_a_function_error_returns_the_whole_batch_and_stop_is_prompt(
    sqs: Any, endpoint: str, pollers: list[SqsPoller]
) -> None:
    queue, dlq_url = make_queue(sqs, max_receive_count=2)
    send(sqs, queue.ref, ["a", "b"])
    calls: list[bytes] = []

    def failing(function: str, payload: bytes) -> InvokeResult:
        calls.append(payload)
        return InvokeResult(
            request_id="r", payload=b"{}", function_error="Unhandled", error_type="Boom"
        )

    notices: list[str] = []
    poller = SqsPoller(
        mapping(batch_size=10, batching_window_seconds=1),
        queue,
        endpoint_url=endpoint,
        invoke=failing,
        report=notices.append,
        concurrency=2,
    )
    pollers.append(poller)
    poller.start()
    wait_for(lambda: counts(sqs, dlq_url) == 2, 20)
    began = time.monotonic()
    poller.stop()
    assert time.monotonic() - began < 2
    assert sorted(drain(sqs, dlq_url)) == ["a", "b"]
    assert any("the function failed (Unhandled: Boom)" in n for n in notices)


def test_start_sqs_pollers_wires_the_apps_mappings_to_provisioned_queues(
    sqs: Any, endpoint: str, pollers: list[SqsPoller]
) -> None:
    # GIVEN an app whose queue redrives to its DLQ after 2 receives, provisioned in moto
    origin = Origin(file=Path("template.yaml"), name="X")
    stack = f"app{uuid.uuid4().hex[:8]}"

    def queue(logical_id: str, redrive: RedrivePolicy | None = None) -> Queue:
        kind = "AWS::SQS::Queue"
        return Queue(
            logical_id=logical_id,
            stack=stack,
            type=kind,
            origin=origin,
            visibility_timeout_seconds=1,
            redrive=redrive,
        )

    app = App(
        name=stack,
        root=Path(),
        source=SourceKind.SAM,
        stacks=(
            Stack(name=stack, template_file=Path("t.yaml"), source=SourceKind.SAM, template={}),
        ),
        resources=(
            queue("WorkDlq"),
            queue(
                "Work",
                RedrivePolicy(
                    dead_letter_queue="WorkDlq", dead_letter_arn=None, max_receive_count=2
                ),
            ),
        ),
        event_sources=(
            mapping("Work", batch_size=10),
            SqsEvent(
                function="Other", source=None, source_arn="arn:aws:sqs:us-east-1:1:x", origin=origin
            ),
        ),
    )
    physical = physical_resources(app, endpoint)
    provision(app, endpoint, physical)
    function = FakeFunction(lambda r: r["body"] == "fail")
    notices: list[str] = []
    # WHEN the app's pollers start
    pollers.extend(start_sqs_pollers(app, physical, endpoint, function, notices.append))
    send(sqs, physical["Work"].ref, ["ok", "fail"])
    # THEN the failing message lands in the DLQ; the external queue is reported, not polled
    dlq = physical["WorkDlq"].ref
    wait_for(lambda: counts(sqs, physical["Work"].ref) == 0 and counts(sqs, dlq) == 1, 20)
    assert len(pollers) == 1
    assert drain(sqs, dlq) == ["fail"]
    assert sorted(set(function.bodies())) == ["fail", "ok"]
    assert any("Other" in n and "not polled" in n for n in notices)
