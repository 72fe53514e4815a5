"""SQS event source mappings on the local endpoint: poll a queue, invoke, delete what succeeded.

Stages per batch, on each of a mapping's threads: receive (up to 10 messages a call, repeated
until ``BatchSize`` or the batching window ends) → records (`sqs_event`, FIDELITY 4.5.1) →
filter criteria (records that match no pattern are deleted without an invoke) → one
synchronous invoke → `batch_outcome` decides what to delete (4.5.4, 4.5.7, 4.5.8) → delete
those; the rest become visible again after the queue's visibility timeout, and the queue's
redrive policy (moto applies it on receive) moves them to the dead-letter queue after
``maxReceiveCount`` receives (4.5.6).

moto's SQS backend is not thread-safe (a receive that moves messages to the dead-letter queue
racing a delete can duplicate a message), so every SQS call for one queue holds that queue's
lock, and receives are short polls (no long poll holds the lock); an idle thread waits
`idle_seconds` between polls. Invokes run outside the lock, side by side.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from lambdakit.aws.poller_threads import PollerThreads
from lambdakit.aws.provision import FAKE_CREDENTIALS
from lambdakit.local.events.filter_patterns import matches_any, sqs_filter_view
from lambdakit.local.events.payloads import SqsMessage, sqs_event
from lambdakit.local.events.sqs_batches import batch_outcome
from lambdakit.local.invocation import InvokeResult
from lambdakit.local.physical_names import PhysicalResource
from lambdakit.model import App, SqsEvent

Invoke = Callable[[str, bytes], InvokeResult | None]
"""Invoke a function (its id) synchronously with a payload: ``LocalLambda.invoke``."""
Report = Callable[[str], None]
"""Print a one-line notice."""

_RECEIVE_MAX = 10
_DELETE_MAX = 10
_DEFAULT_CONCURRENCY = 5
"""Concurrent batches per mapping when ``MaximumConcurrency`` is not set (FIDELITY 4.5.10)."""
_JOIN_SECONDS = 2.0
_queue_locks: dict[str, threading.Lock] = {}
_queue_locks_guard = threading.Lock()


def queue_lock(queue_url: str) -> threading.Lock:
    """One lock per queue URL, held around every poller call on that queue in this process.

    Hold it around other calls that change the queue from this process too: moto's delete
    rebuilds the queue's message list, so a send racing it can be lost.
    """
    with _queue_locks_guard:
        return _queue_locks.setdefault(queue_url, threading.Lock())


class SqsPoller:
    """One SQS event source mapping: threads that poll the queue and invoke the function."""

    def __init__(
        self,
        mapping: SqsEvent,
        queue: PhysicalResource,
        *,
        endpoint_url: str,
        invoke: Invoke,
        report: Report = lambda line: None,
        concurrency: int | None = None,
        idle_seconds: float = 0.1,
    ) -> None:
        if queue.url is None:
            raise ValueError(f"{queue.logical_id} has no queue URL")
        self.mapping = mapping
        self.queue_url: str = queue.url
        self.queue_arn = queue.arn
        self.region = queue.arn.split(":")[3] or "us-east-1"
        self.fifo = queue.name.endswith(".fifo")
        self._invoke = invoke
        self._report = report
        self._idle_seconds = idle_seconds
        wanted = concurrency or mapping.maximum_concurrency or _DEFAULT_CONCURRENCY
        self.concurrency = max(1, wanted)
        self._lock = queue_lock(queue.url)
        self._threads = PollerThreads()
        self._stop = self._threads.stopping
        self._visibility: float | None = None
        session = boto3.session.Session(**FAKE_CREDENTIALS)
        self._sqs: Any = session.client(
            "sqs",
            region_name=self.region,
            endpoint_url=endpoint_url,
            config=Config(
                retries={"max_attempts": 2, "mode": "standard"},
                max_pool_connections=self.concurrency + 1,
            ),
        )

    def start(self) -> None:
        """Start polling (once)."""
        if self._threads.running:
            return
        for number in range(self.concurrency):
            self._threads.start(self._run, f"sqs-{self.mapping.function}-{number}")

    def stop(self, timeout: float = _JOIN_SECONDS) -> None:
        """Stop polling; waits up to `timeout` seconds for the threads (an invoke may run on)."""
        self._threads.stop(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                messages = self._receive_batch()
                if messages:
                    self._handle(messages)
                else:
                    self._stop.wait(self._idle_seconds)
            except (BotoCoreError, ClientError) as error:
                if not self._stop.is_set():
                    self._report(f"SQS {self.queue_url}: {error}")
                self._stop.wait(1.0)

    def _receive_batch(self) -> list[dict[str, Any]]:
        """Up to ``BatchSize`` messages, waiting up to the batching window to fill the batch."""
        size = self.mapping.batch_size
        window = float(self.mapping.batching_window_seconds)
        messages = self._receive(min(size, _RECEIVE_MAX))
        if not messages or window <= 0:
            return messages
        # Collect no longer than half the visibility timeout, lest the first ones come back.
        deadline = time.monotonic() + min(window, self._visibility_timeout() / 2)
        while len(messages) < size and not self._stop.is_set():
            more = self._receive(min(size - len(messages), _RECEIVE_MAX))
            messages.extend(more)
            left = deadline - time.monotonic()
            if left <= 0:
                break
            if not more:
                self._stop.wait(min(self._idle_seconds, left))
        unique: dict[str, dict[str, Any]] = {}
        for message in messages:  # one copy of each, should one have come back meanwhile
            unique.setdefault(message["MessageId"], message)
        return list(unique.values())

    def _visibility_timeout(self) -> float:
        """The queue's visibility timeout in seconds, asked once."""
        if self._visibility is None:
            with self._lock:
                attributes = self._sqs.get_queue_attributes(
                    QueueUrl=self.queue_url, AttributeNames=["VisibilityTimeout"]
                )["Attributes"]
            self._visibility = float(attributes.get("VisibilityTimeout", "30"))
        return self._visibility

    def _receive(self, count: int) -> list[dict[str, Any]]:
        with self._lock:
            response = self._sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=count,
                WaitTimeSeconds=0,
                AttributeNames=["All"],
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
        found: list[dict[str, Any]] = response.get("Messages", [])
        return found

    def _handle(self, messages: list[dict[str, Any]]) -> None:
        """Filter, invoke and delete what succeeded or was filtered out."""
        records = sqs_event(
            [sqs_message(m) for m in messages], queue_arn=self.queue_arn, region=self.region
        )["Records"]
        filters = self.mapping.filters
        wanted = [r for r in records if matches_any(filters, sqs_filter_view(r))]
        filtered_out = [r["receiptHandle"] for r in records if r not in wanted]
        if filtered_out:
            self._delete(filtered_out)
        if not wanted:
            return
        result = self._invoke_safely(json.dumps({"Records": wanted}).encode())
        outcome = batch_outcome(
            [r["messageId"] for r in wanted],
            result,
            report_batch_item_failures=self.mapping.report_batch_item_failures,
            message_groups=[r["attributes"].get("MessageGroupId") for r in wanted]
            if self.fifo
            else None,
        )
        if outcome.problem:
            self._report(
                f"SQS -> {self.mapping.function}: {len(outcome.retry)} of {len(wanted)}"
                f" messages return to the queue: {outcome.problem}"
            )
        handles = {r["messageId"]: r["receiptHandle"] for r in wanted}
        if outcome.delete:
            self._delete([handles[i] for i in outcome.delete])

    def _invoke_safely(self, payload: bytes) -> InvokeResult | None:
        try:
            return self._invoke(self.mapping.function, payload)
        except Exception as error:  # any failure to invoke returns the batch to the queue
            self._report(f"SQS -> {self.mapping.function}: invoke failed: {error}")
            return None

    def _delete(self, receipt_handles: Sequence[str]) -> None:
        for start in range(0, len(receipt_handles), _DELETE_MAX):
            chunk = receipt_handles[start : start + _DELETE_MAX]
            entries = [{"Id": str(i), "ReceiptHandle": h} for i, h in enumerate(chunk)]
            with self._lock:
                response = self._sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=entries)
            for failure in response.get("Failed", []):
                self._report(f"SQS {self.queue_url}: delete failed: {failure.get('Message')}")


def sqs_message(message: Mapping[str, Any]) -> SqsMessage:
    """A received boto3 message as the payload builder takes it."""
    attributes: Mapping[str, str] = message.get("Attributes", {})
    sent = _from_millis(attributes.get("SentTimestamp")) or datetime.now(UTC)
    return SqsMessage(
        body=message.get("Body", ""),
        message_id=message["MessageId"],
        receipt_handle=message["ReceiptHandle"],
        receive_count=int(attributes.get("ApproximateReceiveCount", "1")),
        sent=sent,
        first_received=_from_millis(attributes.get("ApproximateFirstReceiveTimestamp")),
        sender_id=attributes.get("SenderId", "AIDAIENQZJOLO23YVJ4VO"),
        message_attributes={
            name: value.get("StringValue", value.get("BinaryValue", b""))
            for name, value in message.get("MessageAttributes", {}).items()
        },
        message_group_id=attributes.get("MessageGroupId"),
        deduplication_id=attributes.get("MessageDeduplicationId"),
        sequence_number=attributes.get("SequenceNumber"),
    )


def start_sqs_pollers(
    app: App,
    physical: Mapping[str, PhysicalResource],
    endpoint_url: str,
    invoke: Invoke,
    report: Report,
) -> list[SqsPoller]:
    """Start a poller for each enabled SQS mapping whose queue is one of the app's own."""
    pollers: list[SqsPoller] = []
    for mapping in app.event_sources:
        if not isinstance(mapping, SqsEvent) or not mapping.enabled:
            continue
        queue = physical.get(mapping.source or "")
        if queue is None or queue.url is None:
            report(f"SQS -> {mapping.function}: the queue is not in the local cloud; not polled")
            continue
        poller = SqsPoller(mapping, queue, endpoint_url=endpoint_url, invoke=invoke, report=report)
        poller.start()
        pollers.append(poller)
    return pollers


def _from_millis(value: str | None) -> datetime | None:
    if value is None:
        return None
    return datetime.fromtimestamp(int(value) / 1000, UTC)
