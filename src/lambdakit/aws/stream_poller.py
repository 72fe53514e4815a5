"""DynamoDB Streams and Kinesis event source mappings on the local endpoint: read shards, invoke.

Stages per shard, on one thread of its own (so each shard keeps its order and has one batch in
flight, FIDELITY 4.7.3): read (``GetRecords`` from moto: ``dynamodbstreams`` for a table,
``kinesis`` for a stream, starting at the shard's start for TRIM_HORIZON or at the records put
after `StreamPoller.start` for LATEST, 4.7.5) → records (`dynamodb_event` 4.7.2,
`kinesis_event` 4.7.1) → `stream_batches.ingest` (filter criteria) → `next_batch` → one
synchronous invoke → `settle` decides the checkpoint, a bisection, a retry after
`retry_seconds`, or a discard → a discarded batch's metadata record goes to the mapping's
on-failure destination through the `DestinationSink` (4.7.11), or a one-line notice says it was
dropped. An idle shard is read every `poll_seconds`: 4 times a second for DynamoDB, once for
Kinesis (4.7.4). The checkpoint lives in memory: a poller starts from its starting position.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from lambdakit.aws.poller_threads import PollerThreads
from lambdakit.aws.provision import FAKE_CREDENTIALS
from lambdakit.aws.sqs_poller import Invoke, Report
from lambdakit.local.destinations import (
    EVENTBRIDGE_SOURCE,
    FAILURE_DETAIL_TYPE,
    DeliveryError,
    DestinationMessage,
    DestinationSink,
)
from lambdakit.local.events.payloads_streams import (
    DynamoRecord,
    KinesisRecord,
    StreamViewType,
    dynamodb_event,
    kinesis_event,
)
from lambdakit.local.events.stream_batches import (
    ShardRecord,
    ShardState,
    failure_record,
    ingest,
    next_batch,
    settle,
)
from lambdakit.local.invocation import InvokeResult
from lambdakit.local.physical_names import PhysicalResource
from lambdakit.model import App, StreamEvent

RunAsync = Callable[[Coroutine[Any, Any, None]], object]
"""Run a coroutine to its end from a poller thread (``asyncio.run``, or ``LocalLambda.call``)."""

POLL_SECONDS = {"dynamodb": 0.25, "kinesis": 1.0}
"""How often an idle shard is read (FIDELITY 4.7.4)."""
_READ_LIMIT = {"dynamodb": 1000, "kinesis": 10000}
_JOIN_SECONDS = 2.0


class StreamPoller:
    """One stream event source mapping: a thread per shard that reads it and invokes."""

    def __init__(
        self,
        mapping: StreamEvent,
        source: PhysicalResource,
        *,
        endpoint_url: str,
        invoke: Invoke,
        report: Report = lambda line: None,
        sink: DestinationSink | None = None,
        run_async: RunAsync = asyncio.run,
        function_arn: str | None = None,
        poll_seconds: float | None = None,
        retry_seconds: float = 1.0,
    ) -> None:
        self.mapping = mapping
        self.kind = mapping.stream_kind
        self.source = source
        self.region = source.arn.split(":")[3] or "us-east-1"
        account = source.arn.split(":")[4] or "123456789012"
        self.function_arn = function_arn or (
            f"arn:aws:lambda:{self.region}:{account}:function:{mapping.function}"
        )
        self.stream_arn = source.arn if self.kind == "kinesis" else ""
        self._invoke = invoke
        self._report = report
        self._sink = sink
        self._run_async = run_async
        self._poll_seconds = POLL_SECONDS[self.kind] if poll_seconds is None else poll_seconds
        self._retry_seconds = retry_seconds
        self._view: StreamViewType = "NEW_AND_OLD_IMAGES"
        self._threads = PollerThreads()
        self._stop = self._threads.stopping
        session = boto3.session.Session(**FAKE_CREDENTIALS)
        service = "dynamodbstreams" if self.kind == "dynamodb" else "kinesis"
        self._client: Any = session.client(
            service,
            region_name=self.region,
            endpoint_url=endpoint_url,
            config=Config(retries={"max_attempts": 2, "mode": "standard"}),
        )
        self._tables: Any = (
            session.client("dynamodb", region_name=self.region, endpoint_url=endpoint_url)
            if self.kind == "dynamodb"
            else None
        )

    @property
    def label(self) -> str:
        return f"{'DynamoDB' if self.kind == 'dynamodb' else 'Kinesis'} {self.source.name}"

    def start(self) -> None:
        """Find the shards and their starting iterators, then read each on a thread (once).

        The iterators are taken before this returns, so LATEST sees every record put after it.
        """
        if self._threads.running:
            return
        for shard_id, iterator in self._starting_iterators():
            name = f"stream-{self.mapping.function}-{shard_id}"
            self._threads.start(self._run, name, shard_id, iterator)

    def stop(self, timeout: float = _JOIN_SECONDS) -> None:
        """Stop reading; waits up to `timeout` seconds for each thread (an invoke may run on)."""
        self._threads.stop(timeout)

    def _starting_iterators(self) -> list[tuple[str, str]]:
        position = self.mapping.starting_position.upper()
        kind = "TRIM_HORIZON" if position == "TRIM_HORIZON" else "LATEST"
        if self.kind == "kinesis":
            shards = self._client.list_shards(StreamARN=self.stream_arn)["Shards"]
            extra = {"StreamARN": self.stream_arn}
            if position == "AT_TIMESTAMP":  # the mapping's timestamp is not in the model yet
                kind = "TRIM_HORIZON"
        else:
            self.stream_arn = self._table_stream_arn()
            stream = self._client.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]
            self._view = stream.get("StreamViewType", "NEW_AND_OLD_IMAGES")
            shards = stream["Shards"]
            extra = {"StreamArn": self.stream_arn}
        return [
            (
                shard["ShardId"],
                self._client.get_shard_iterator(
                    ShardId=shard["ShardId"], ShardIteratorType=kind, **extra
                )["ShardIterator"],
            )
            for shard in shards
        ]

    def _table_stream_arn(self) -> str:
        arn = self.source.attributes.get("StreamArn")
        if arn:
            return arn
        table = self._tables.describe_table(TableName=self.source.name)["Table"]
        latest: str = table["LatestStreamArn"]
        return latest

    def _run(self, shard_id: str, iterator: str) -> None:
        state = ShardState(shard_id)
        while not self._stop.is_set():
            try:
                iterator, state, invoked = self._step(state, iterator)
            except (BotoCoreError, ClientError) as error:
                if not self._stop.is_set():
                    self._report(f"{self.label} {shard_id}: {error}")
                self._stop.wait(1.0)
                continue
            if not invoked:  # idle: read again after the poll interval (FIDELITY 4.7.4)
                self._stop.wait(self._poll_seconds)

    def _step(self, state: ShardState, iterator: str) -> tuple[str, ShardState, bool]:
        """Read if there is room, then invoke one batch if one is ready; True when it invoked."""
        size = self.mapping.batch_size
        if len(state.pending) < size:
            limit = min(_READ_LIMIT[self.kind], max(size, 100))
            # moto's Kinesis finds the stream by its ARN, not from the iterator
            named = {"StreamARN": self.stream_arn} if self.kind == "kinesis" else {}
            response = self._client.get_records(ShardIterator=iterator, Limit=limit, **named)
            iterator = response.get("NextShardIterator") or iterator
            records = [self._shard_record(state.shard_id, r) for r in response["Records"]]
            state, _ = ingest(state, records, self.mapping.filters)
        if not state.pending or self._stop.is_set() or self._collecting(state):
            return iterator, state, False
        return iterator, self._process(state), True

    def _collecting(self, state: ShardState) -> bool:
        """True while a batching window waits for a fuller batch (FIDELITY 4.7.5)."""
        window = self.mapping.batching_window_seconds
        if window <= 0 or len(state.pending) >= self.mapping.batch_size or state.splits:
            return False
        age = (datetime.now(UTC) - state.pending[0].arrival).total_seconds()
        return age < window

    def _process(self, state: ShardState) -> ShardState:
        """Invoke the next batch and apply the outcome; a failed batch waits `retry_seconds`."""
        batch = next_batch(state, self.mapping.batch_size)
        payload = json.dumps({"Records": [r.record for r in batch]}).encode()
        result = self._invoke_safely(payload)
        settled = settle(state, batch, result, self.mapping, datetime.now(UTC))
        if settled.discarded and settled.condition is not None:
            record = failure_record(
                settled.discarded,
                condition=settled.condition,
                invoke_count=settled.invoke_count,
                result=result,
                function_arn=self.function_arn,
                stream_kind=self.kind,
                stream_arn=self.stream_arn,
                shard_id=state.shard_id,
                now=datetime.now(UTC),
            )
            self._deliver_failure(record, len(settled.discarded), settled.condition)
        if settled.retry:
            if settled.state.attempts <= 1 and settled.problem:  # once per failing head
                self._report(
                    f"{self.label} -> {self.mapping.function}: a batch of {len(batch)} records"
                    f" failed, retrying: {settled.problem}"
                )
            self._stop.wait(self._retry_seconds)
        return settled.state

    def _invoke_safely(self, payload: bytes) -> InvokeResult | None:
        try:
            return self._invoke(self.mapping.function, payload)
        except Exception as error:  # any failure to invoke retries the batch (FIDELITY 4.7.7)
            self._report(f"{self.label} -> {self.mapping.function}: invoke failed: {error}")
            return None

    def _deliver_failure(self, record: Mapping[str, Any], count: int, condition: str) -> None:
        destination = self.mapping.on_failure
        reason = "retries exhausted" if condition == "RetryAttemptsExhausted" else "too old"
        where = f"{self.label} -> {self.mapping.function}: {count} records dropped: {reason}"
        if destination is None:
            self._report(f"{where} and no on-failure destination")
            return
        if self._sink is None:
            self._report(f"{where}; the on-failure destination is not connected")
            return
        request_id = str(record["requestContext"]["requestId"]) or "stream"
        message = DestinationMessage(
            kind="on-failure",
            request_id=request_id,
            body=json.dumps(record),
            detail_type=FAILURE_DETAIL_TYPE,
            source=EVENTBRIDGE_SOURCE,
        )
        try:
            self._run_async(self._sink.deliver(destination, message))
        except DeliveryError as error:
            self._report(f"{where}; the on-failure destination did not take the record: {error}")

    def _shard_record(self, shard_id: str, raw: Mapping[str, Any]) -> ShardRecord:
        if self.kind == "kinesis":
            arrival = _utc(raw.get("ApproximateArrivalTimestamp"))
            kinesis = KinesisRecord(
                data=raw["Data"],
                partition_key=raw["PartitionKey"],
                sequence_number=raw["SequenceNumber"],
                arrival=arrival,
            )
            event = kinesis_event(
                [kinesis], stream_arn=self.stream_arn, region=self.region, shard_id=shard_id
            )
            return ShardRecord(kinesis.sequence_number, arrival, event["Records"][0])
        change = raw["dynamodb"]
        created = _utc(change.get("ApproximateCreationDateTime"))
        dynamo = DynamoRecord(
            event_name=raw["eventName"],
            keys=_plain_item(change.get("Keys", {})),
            new_image=_plain_item(change["NewImage"]) if "NewImage" in change else None,
            old_image=_plain_item(change["OldImage"]) if "OldImage" in change else None,
            sequence_number=change["SequenceNumber"],
            event_id=raw.get("eventID", change["SequenceNumber"]),
            created=created,
        )
        view: StreamViewType = change.get("StreamViewType", self._view)
        event = dynamodb_event(
            [dynamo], stream_arn=self.stream_arn, region=self.region, stream_view_type=view
        )
        return ShardRecord(dynamo.sequence_number, created, event["Records"][0])


def _utc(moment: object) -> datetime:
    if isinstance(moment, datetime):
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if isinstance(moment, int | float):
        return datetime.fromtimestamp(moment, UTC)
    return datetime.now(UTC)


def _plain_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _plain(value) for name, value in item.items()}


def _plain(typed: Mapping[str, Any]) -> Any:  # noqa: PLR0911 - one case per type
    """A typed attribute value from boto3 as the plain value `to_dynamodb` types again."""
    ((kind, value),) = typed.items()
    match kind:
        case "N":
            return Decimal(value)
        case "NS":
            return {Decimal(v) for v in value}
        case "SS" | "BS":
            return set(value)
        case "L":
            return [_plain(v) for v in value]
        case "M":
            return _plain_item(value)
        case "NULL":
            return None
    return value  # S, B (bytes), BOOL


def start_stream_pollers(
    app: App,
    physical: Mapping[str, PhysicalResource],
    moto_url: str,
    invoke: Invoke,
    report: Report,
    *,
    sink: DestinationSink | None = None,
    run_async: RunAsync = asyncio.run,
    poll_seconds: float | None = None,
    retry_seconds: float = 1.0,
) -> list[StreamPoller]:
    """Start a poller for each enabled stream mapping whose table or stream is the app's own."""
    pollers: list[StreamPoller] = []
    for mapping in app.event_sources:
        if not isinstance(mapping, StreamEvent) or not mapping.enabled:
            continue
        source = physical.get(mapping.source or "")
        if source is None:
            report(
                f"{mapping.stream_kind} -> {mapping.function}: the stream is not in the local"
                " cloud; not polled"
            )
            continue
        function = physical.get(mapping.function) or physical.get(mapping.function.split("/")[-1])
        poller = StreamPoller(
            mapping,
            source,
            endpoint_url=moto_url,
            invoke=invoke,
            report=report,
            sink=sink,
            run_async=run_async,
            function_arn=function.arn if function is not None else None,
            poll_seconds=poll_seconds,
            retry_seconds=retry_seconds,
        )
        try:
            poller.start()
        except (BotoCoreError, ClientError) as error:
            report(f"{poller.label} -> {mapping.function}: not polled: {error}")
            continue
        pollers.append(poller)
    return pollers
