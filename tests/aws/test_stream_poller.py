"""Stream event source mappings against a real moto server: DynamoDB Streams and Kinesis."""

from __future__ import annotations

import base64
import dataclasses
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from lambdakit.aws.destinations_sink import AwsDestinationSink
from lambdakit.aws.moto_server import MotoServer
from lambdakit.aws.provision import provision
from lambdakit.aws.stream_poller import StreamPoller, start_stream_pollers
from lambdakit.local.invocation import InvokeResult
from lambdakit.local.physical_names import PhysicalResource, physical_resources
from lambdakit.model import (
    App,
    Destination,
    KeyAttribute,
    Origin,
    Queue,
    Resource,
    ResourceKind,
    SourceKind,
    Stack,
    Stream,
    StreamEvent,
    Table,
)

REGION = "us-east-1"
ORIGIN = Origin(file=Path("template.yaml"), name="X")
FAST = {"poll_seconds": 0.02, "retry_seconds": 0.02}


@pytest.fixture(scope="module")
def endpoint(moto: MotoServer) -> str:
    return moto.url


def client(service: str, endpoint: str) -> Any:
    session = boto3.Session("testing", "testing", region_name=REGION)
    return session.client(service, endpoint_url=endpoint)


@pytest.fixture
def pollers() -> Iterator[list[StreamPoller]]:
    started: list[StreamPoller] = []
    yield started
    for poller in started:
        poller.stop()


class FakeFunction:
    """Records every batch; `outcome(records)` gives the result (default: success)."""

    def __init__(self, outcome: Callable[[list[dict[str, Any]]], InvokeResult] | None = None):
        self.outcome = outcome or (lambda records: InvokeResult(request_id="r", payload=b""))
        self.batches: list[tuple[str, list[dict[str, Any]]]] = []
        self.lock = threading.Lock()

    def __call__(self, function: str, payload: bytes) -> InvokeResult:
        records = json.loads(payload)["Records"]
        with self.lock:
            self.batches.append((function, records))
        return self.outcome(records)

    def datas(self, function: str | None = None) -> list[str]:
        """Every Kinesis record's data delivered (to `function`), in delivery order."""
        with self.lock:
            return [data(r) for f, batch in self.batches for r in batch if function in (None, f)]


def data(record: dict[str, Any]) -> str:
    return base64.b64decode(record["kinesis"]["data"]).decode()


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def mapping(source: str, kind: Any = "kinesis", **settings: Any) -> StreamEvent:
    settings.setdefault("starting_position", "TRIM_HORIZON")
    return StreamEvent(
        function=settings.pop("function", "Worker"),
        source=source,
        origin=ORIGIN,
        stream_kind=kind,
        **settings,
    )


def app_with(resources: list[Resource], *mappings: StreamEvent) -> App:
    stack = f"app{uuid.uuid4().hex[:8]}"
    return App(
        name=stack,
        root=Path(),
        source=SourceKind.SAM,
        stacks=(
            Stack(name=stack, template_file=Path("t.yaml"), source=SourceKind.SAM, template={}),
        ),
        resources=tuple(dataclasses.replace(r, stack=stack) for r in resources),
        event_sources=mappings,
    )


def stream(shards: int = 1) -> Stream:
    kind = "AWS::Kinesis::Stream"
    return Stream(logical_id="Events", stack="", type=kind, origin=ORIGIN, shard_count=shards)


def start(
    endpoint: str,
    pollers: list[StreamPoller],
    resources: list[Resource],
    *mappings: StreamEvent,
    function: FakeFunction,
    notices: list[str] | None = None,
    put: Callable[[dict[str, PhysicalResource]], None] | None = None,
) -> dict[str, PhysicalResource]:
    """Provision the resources, `put` records, then start the app's pollers."""
    app = app_with(resources, *mappings)
    physical = physical_resources(app, endpoint)
    provision(app, endpoint, physical)
    if put is not None:
        put(physical)
    sink = AwsDestinationSink(endpoint, physical=physical)
    report = notices.append if notices is not None else (lambda line: None)
    pollers.extend(
        start_stream_pollers(app, physical, endpoint, function, report, sink=sink, **FAST)
    )
    return physical


def put_kinesis(endpoint: str, name: str, datas: list[str], keys: int = 1) -> None:
    entries = [{"Data": d.encode(), "PartitionKey": f"key-{n % keys}"} for n, d in enumerate(datas)]
    assert (
        not client("kinesis", endpoint)
        .put_records(StreamName=name, Records=entries)
        .get("FailedRecordCount")
    )


def test_dynamodb_changes_arrive_as_insert_modify_remove_with_typed_images(
    endpoint: str, pollers: list[StreamPoller]
) -> None:
    """FIDELITY 4.7.2: INSERT/MODIFY/REMOVE in order, typed images, the table's stream ARN."""
    table = Table(
        logical_id="Counts",
        stack="",
        type="AWS::DynamoDB::Table",
        origin=ORIGIN,
        keys=(KeyAttribute("id", "S", "HASH"),),
        stream_view_type="NEW_AND_OLD_IMAGES",
    )
    function = FakeFunction()
    physical = start(
        endpoint,
        pollers,
        [table],
        mapping("Counts", "dynamodb", starting_position="LATEST"),
        function=function,
    )
    dynamodb = client("dynamodb", endpoint)
    name = physical["Counts"].name
    dynamodb.put_item(TableName=name, Item={"id": {"S": "a"}, "count": {"N": "1"}})
    dynamodb.put_item(TableName=name, Item={"id": {"S": "a"}, "count": {"N": "101"}})
    dynamodb.delete_item(TableName=name, Key={"id": {"S": "a"}})
    wait_for(lambda: sum(len(b) for _, b in function.batches) == 3)
    records = [r for _, batch in function.batches for r in batch]
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    insert, modify, remove = (r["dynamodb"] for r in records)
    assert insert["Keys"] == {"id": {"S": "a"}}
    assert insert["NewImage"] == {"id": {"S": "a"}, "count": {"N": "1"}}
    assert "OldImage" not in insert
    assert modify["OldImage"]["count"] == {"N": "1"}
    assert modify["NewImage"]["count"] == {"N": "101"}
    assert remove["OldImage"] == {"id": {"S": "a"}, "count": {"N": "101"}}
    assert "NewImage" not in remove
    sequence = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert sequence == sorted(sequence)
    assert {r["eventSourceARN"] for r in records} == {physical["Counts"].attributes["StreamArn"]}
    assert {(r["eventSource"], r["eventVersion"], r["awsRegion"]) for r in records} == {
        ("aws:dynamodb", "1.0", REGION)
    }


def test_kinesis_batches_come_from_one_shard_each_in_shard_order(
    endpoint: str, pollers: list[StreamPoller]
) -> None:
    """FIDELITY 4.7.1, 4.7.3, 4.7.5: ≤ BatchSize records of one shard, per-shard order kept."""
    function = FakeFunction()
    datas = [f"r{n:02d}" for n in range(30)]
    start(
        endpoint,
        pollers,
        [stream(shards=2)],
        mapping("Events", batch_size=4),
        function=function,
        put=lambda physical: put_kinesis(endpoint, physical["Events"].name, datas, keys=8),
    )
    wait_for(lambda: len(function.datas()) == 30)
    assert sorted(function.datas()) == datas
    per_shard: dict[str, list[int]] = {}
    for _, batch in function.batches:
        assert 1 <= len(batch) <= 4
        shards = {r["eventID"].split(":")[0] for r in batch}
        assert len(shards) == 1
        per_shard.setdefault(shards.pop(), []).extend(
            int(r["kinesis"]["sequenceNumber"]) for r in batch
        )
    assert len(per_shard) == 2
    for sequence in per_shard.values():
        assert sequence == sorted(sequence)
    first = function.batches[0][1][0]
    assert first["eventSource"] == "aws:kinesis"
    assert first["kinesis"]["kinesisSchemaVersion"] == "1.0"


def test_trim_horizon_reads_old_records_and_latest_only_new_ones(
    endpoint: str, pollers: list[StreamPoller]
) -> None:
    """FIDELITY 4.7.5: TRIM_HORIZON starts at the shard's start, LATEST after the poller starts."""
    function = FakeFunction()
    physical = start(
        endpoint,
        pollers,
        [stream()],
        mapping("Events", function="Old"),
        mapping("Events", function="New", starting_position="LATEST"),
        function=function,
        put=lambda physical: put_kinesis(endpoint, physical["Events"].name, ["before"]),
    )
    put_kinesis(endpoint, physical["Events"].name, ["after"])
    wait_for(lambda: "after" in function.datas("Old") and "after" in function.datas("New"))
    assert function.datas("Old") == ["before", "after"]
    assert function.datas("New") == ["after"]


def test_batch_item_failure_checkpoints_at_the_failed_record(
    endpoint: str, pollers: list[StreamPoller]
) -> None:
    """FIDELITY 4.7.9: records before the reported one are not delivered again."""
    failures = {"r3": 1}

    def outcome(records: list[dict[str, Any]]) -> InvokeResult:
        bad = [r for r in records if failures.get(data(r), 0) > 0]
        for r in bad:
            failures[data(r)] -= 1
        body = {
            "batchItemFailures": [{"itemIdentifier": r["kinesis"]["sequenceNumber"]} for r in bad]
        }
        return InvokeResult(request_id="r", payload=json.dumps(body).encode())

    function = FakeFunction(outcome)
    datas = [f"r{n}" for n in range(6)]
    start(
        endpoint,
        pollers,
        [stream()],
        mapping("Events", batch_size=10, report_batch_item_failures=True),
        function=function,
        put=lambda physical: put_kinesis(endpoint, physical["Events"].name, datas),
    )
    wait_for(lambda: function.datas().count("r5") == 2)
    assert function.datas() == [*datas, "r3", "r4", "r5"]


def test_bisect_isolates_a_poison_record_and_reports_its_drop(
    endpoint: str, pollers: list[StreamPoller]
) -> None:
    """FIDELITY 4.7.8: bisection narrows a failing batch to the poison record (no retries)."""

    def outcome(records: list[dict[str, Any]]) -> InvokeResult:
        if any(data(r) == "poison" for r in records):
            return InvokeResult(request_id="r", payload=b"{}", function_error="Unhandled")
        return InvokeResult(request_id="r", payload=b"")

    function = FakeFunction(outcome)
    notices: list[str] = []
    datas = ["a", "b", "c", "poison", "d", "e"]
    start(
        endpoint,
        pollers,
        [stream()],
        mapping("Events", batch_size=6, bisect_on_error=True, maximum_retry_attempts=0),
        function=function,
        notices=notices,
        put=lambda physical: put_kinesis(endpoint, physical["Events"].name, datas),
    )
    wait_for(lambda: any("dropped" in n for n in notices) and "e" in _succeeded(function))
    assert _succeeded(function) == ["a", "b", "c", "d", "e"]
    assert [len(batch) for _, batch in function.batches][:3] == [6, 3, 3]
    assert any([data(r) for r in batch] == ["poison"] for _, batch in function.batches)
    assert any("retries exhausted and no on-failure destination" in n for n in notices)


def _succeeded(function: FakeFunction) -> list[str]:
    with function.lock:
        batches = [[data(r) for r in batch] for _, batch in function.batches]
    return [d for batch in batches if "poison" not in batch for d in batch]


def test_retries_exhausted_send_the_metadata_record_to_the_on_failure_queue(
    endpoint: str, pollers: list[StreamPoller]
) -> None:
    """FIDELITY 4.7.6, 4.7.11: after MaximumRetryAttempts the queue gets metadata, not records."""

    def outcome(records: list[dict[str, Any]]) -> InvokeResult:
        if any(data(r) == "bad" for r in records):
            return InvokeResult(request_id="req-1", payload=b"{}", function_error="Unhandled")
        return InvokeResult(request_id="r", payload=b"")

    function = FakeFunction(outcome)
    failures = Queue(logical_id="Failures", stack="", type="AWS::SQS::Queue", origin=ORIGIN)
    on_failure = Destination(arn=None, kind="sqs", resource="Failures")
    physical = start(
        endpoint,
        pollers,
        [stream(), failures],
        mapping("Events", batch_size=1, maximum_retry_attempts=2, on_failure=on_failure),
        function=function,
        put=lambda physical: put_kinesis(endpoint, physical["Events"].name, ["bad", "next"]),
    )
    wait_for(lambda: "next" in function.datas())
    assert function.datas() == ["bad", "bad", "bad", "next"]
    sqs = client("sqs", endpoint)
    url = physical["Failures"].ref
    messages: list[dict[str, Any]] = []

    def received() -> bool:
        messages.extend(sqs.receive_message(QueueUrl=url).get("Messages", []))
        return bool(messages)

    wait_for(received)
    assert len(messages) == 1
    body = json.loads(messages[0]["Body"])
    assert body["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert body["requestContext"]["approximateInvokeCount"] == 3
    assert body["requestContext"]["requestId"] == "req-1"
    assert body["responseContext"]["functionError"] == "Unhandled"
    info = body["KinesisBatchInfo"]
    assert info["batchSize"] == 1
    assert info["streamArn"] == physical["Events"].arn
    assert info["shardId"].startswith("shardId-")
    assert info["startSequenceNumber"] == info["endSequenceNumber"]
    assert "Records" not in body and "bad" not in messages[0]["Body"]


def test_filter_criteria_skip_records_and_a_table_stream_arn_is_found_by_describe_table(
    endpoint: str, pollers: list[StreamPoller]
) -> None:
    """Records no filter matches are checkpointed without an invoke; LatestStreamArn is asked."""
    dynamodb = client("dynamodb", endpoint)
    name = f"t-{uuid.uuid4().hex[:12]}"
    table = dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )["TableDescription"]
    source = PhysicalResource(
        logical_id="Table", kind=ResourceKind.TABLE, name=name, arn=table["TableArn"], ref=name
    )
    function = FakeFunction()
    poller = StreamPoller(
        mapping("Table", "dynamodb", filters=({"eventName": ["INSERT"]},)),
        source,
        endpoint_url=endpoint,
        invoke=function,
        **FAST,
    )
    poller.start()
    pollers.append(poller)
    dynamodb.put_item(TableName=name, Item={"id": {"S": "a"}})
    dynamodb.put_item(TableName=name, Item={"id": {"S": "a"}, "n": {"N": "2"}})
    dynamodb.delete_item(TableName=name, Key={"id": {"S": "a"}})
    dynamodb.put_item(TableName=name, Item={"id": {"S": "b"}})
    wait_for(lambda: sum(len(b) for _, b in function.batches) >= 2)
    records = [r for _, batch in function.batches for r in batch]
    assert [(r["eventName"], r["dynamodb"]["Keys"]["id"]["S"]) for r in records] == [
        ("INSERT", "a"),
        ("INSERT", "b"),
    ]
    assert records[0]["eventSourceARN"] == table["LatestStreamArn"]
    assert records[0]["dynamodb"]["StreamViewType"] == "NEW_IMAGE"
