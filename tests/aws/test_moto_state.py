"""A moto server with a state file keeps its data across restarts (``local --state-dir``)."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import boto3

from lambdakit.aws.moto_server import MotoServer
from lambdakit.aws.provision import FAKE_CREDENTIALS


def _client(server: MotoServer, service: str) -> Any:
    return boto3.client(
        service, endpoint_url=server.url, region_name="us-east-1", **FAKE_CREDENTIALS
    )


def _fill(server: MotoServer) -> None:
    s3 = _client(server, "s3")
    s3.create_bucket(Bucket="kept-bucket")
    s3.put_object(Bucket="kept-bucket", Key="a b/c.txt", Body=b"hello", ContentType="text/plain")
    dynamodb = _client(server, "dynamodb")
    dynamodb.create_table(
        TableName="kept",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.put_item(TableName="kept", Item={"pk": {"S": "a"}, "n": {"N": "3"}})
    sqs = _client(server, "sqs")
    url = sqs.create_queue(QueueName="kept-queue")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="waiting")
    _client(server, "ssm").put_parameter(Name="/kept/p", Value="v1", Type="String")


def test_data_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state" / "moto.pickle"
    problems: list[str] = []
    with MotoServer(state_file=state, report=problems.append) as first:
        _fill(first)
    assert state.is_file()
    with MotoServer(state_file=state, report=problems.append) as second:
        s3 = _client(second, "s3")
        got = s3.get_object(Bucket="kept-bucket", Key="a b/c.txt")
        assert got["Body"].read() == b"hello"
        assert got["ContentType"] == "text/plain"
        item = _client(second, "dynamodb").get_item(TableName="kept", Key={"pk": {"S": "a"}})
        assert item["Item"]["n"] == {"N": "3"}
        sqs = _client(second, "sqs")
        url = sqs.get_queue_url(QueueName="kept-queue")["QueueUrl"]
        bodies = [m["Body"] for m in sqs.receive_message(QueueUrl=url).get("Messages", [])]
        assert bodies == ["waiting"]
        sqs.send_message(QueueUrl=url, MessageBody="new")  # restored locks work
        parameter = _client(second, "ssm").get_parameter(Name="/kept/p")
        assert parameter["Parameter"]["Value"] == "v1"
    assert problems == []


def test_without_a_state_file_every_start_is_fresh(tmp_path: Path) -> None:
    with MotoServer() as first:
        _client(first, "s3").create_bucket(Bucket="gone-bucket")
    with MotoServer() as second:
        assert _client(second, "s3").list_buckets()["Buckets"] == []


def test_a_damaged_state_file_is_reported_and_the_server_starts_empty(tmp_path: Path) -> None:
    state = tmp_path / "moto.pickle"
    state.write_bytes(b"not a pickle")
    problems: list[str] = []
    with MotoServer(state_file=state, report=problems.append) as server:
        assert _client(server, "s3").list_buckets()["Buckets"] == []
    assert len(problems) == 1
    assert str(state) in problems[0]
    assert "starting empty" in problems[0]


def test_a_state_file_of_another_moto_version_is_not_trusted(tmp_path: Path) -> None:
    state = tmp_path / "moto.pickle"
    state.write_bytes(pickle.dumps({"format": 2, "moto": "0.0.1", "backends": []}))
    problems: list[str] = []
    with MotoServer(state_file=state, report=problems.append):
        pass
    assert problems == [
        f"{state} was written by moto 0.0.1, this is {_moto_version()}; starting empty"
    ]


def _moto_version() -> str:
    import moto

    return str(moto.__version__)
