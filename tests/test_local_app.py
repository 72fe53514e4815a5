"""The whole app on this machine (`LocalApp`): a template edit re-wires it and keeps the data;
``state_dir`` keeps the data across runs; a broken edit leaves the running app alone."""

from __future__ import annotations

import io
import json
import shutil
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

import lambdakit
from lambdakit.aws.provision import FAKE_CREDENTIALS
from lambdakit.local.logs import LogPrinter
from lambdakit.local_app import LocalApp, LocalAppOptions

# Whole apps with many worker processes: these run one after another on one xdist worker
# (`--dist loadgroup` in the Makefile), so two of them never compete for the same two cores.
pytestmark = pytest.mark.xdist_group("whole-app")

HELLO_SRC = Path(__file__).parent / "fixtures" / "sam" / "hello-api" / "src"

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    CodeUri: src/
    Timeout: 5
Resources:
  NotesBucket:
    Type: AWS::S3::Bucket
  HelloFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.hello
      Environment:
        Variables:
          GREETING: hello
      Events:
        Hello:
          Type: Api
          Properties:
            Path: /hello/{name}
            Method: get
"""

MORE = """\
  NotesTable:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
  EchoFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.echo
      Events:
        Echo:
          Type: HttpApi
          Properties:
            Path: /echo
            Method: post
"""


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "notes"
    shutil.copytree(HELLO_SRC, root / "src")
    (root / "template.yaml").write_text(TEMPLATE)
    return root


def _local_app(root: Path, log: io.StringIO, **options: Any) -> LocalApp:
    def load() -> lambdakit.App:
        return lambdakit.load_app(root / "template.yaml")

    return LocalApp(load, LocalAppOptions(**options), printer=LogPrinter(log))


def _client(local_app: LocalApp, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=local_app.services_url,
        region_name="us-east-1",
        **FAKE_CREDENTIALS,
    )


def _request(url: str, data: bytes | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _eventually(probe: Callable[[], bool], seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while not probe():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_a_template_edit_rewires_the_app_and_keeps_the_data(tmp_path: Path) -> None:
    root = _project(tmp_path)
    log = io.StringIO()
    with _local_app(root, log) as local_app:
        api_url, services_url = local_app.api_url, local_app.services_url
        bucket = local_app.physical["NotesBucket"].name
        _client(local_app, "s3").put_object(Bucket=bucket, Key="kept.txt", Body=b"data")
        assert _request(f"{api_url}/echo", b"hi")[0] == 403  # no such route yet

        (root / "template.yaml").write_text(TEMPLATE + MORE)
        assert _eventually(lambda: local_app.reloads == 1), log.getvalue()

        assert (local_app.api_url, local_app.services_url) == (api_url, services_url)
        status, body = _request(f"{api_url}/echo", b"hi")
        assert status == 200, body
        assert json.loads(body)["routeKey"] == "POST /echo"
        kept = _client(local_app, "s3").get_object(Bucket=bucket, Key="kept.txt")
        assert kept["Body"].read() == b"data"
        table = local_app.physical["NotesTable"].name
        assert _client(local_app, "dynamodb").describe_table(TableName=table)["Table"]
        assert "new: EchoFunction, NotesTable" in log.getvalue()

        (root / "template.yaml").write_text(TEMPLATE + "  Broken: [\n")
        assert not local_app.reload_template()
        assert "cannot be used" in log.getvalue()
        status, body = _request(f"{api_url}/Prod/hello/you")
        assert status == 200, body
        assert local_app.reloads == 1


def test_a_state_dir_keeps_the_data_across_runs(tmp_path: Path) -> None:
    root = _project(tmp_path)
    state = tmp_path / "state"
    log = io.StringIO()
    with _local_app(root, log, reload=False, state_dir=state) as first:
        bucket = first.physical["NotesBucket"].name
        _client(first, "s3").put_object(Bucket=bucket, Key="kept.txt", Body=b"data")
    with _local_app(root, log, reload=False, state_dir=state) as second:
        kept = _client(second, "s3").get_object(Bucket=bucket, Key="kept.txt")
        assert kept["Body"].read() == b"data"
    with _local_app(root, log, reload=False) as fresh:
        listed = _client(fresh, "s3").list_objects_v2(Bucket=bucket)
        assert listed.get("KeyCount", 0) == 0


STREAM_TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Seen:
    Type: AWS::S3::Bucket
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
      StreamSpecification: {StreamViewType: NEW_AND_OLD_IMAGES}
  OnOrderChange:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      CodeUri: src/
      Handler: changes.handle
      Environment:
        Variables:
          SEEN: !Ref Seen
      Events:
        Changes:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt Orders.StreamArn
            StartingPosition: TRIM_HORIZON
            BatchSize: 10
"""

STREAM_HANDLER = """\
import os
import boto3


def handle(event, context):
    s3 = boto3.client("s3")
    for record in event["Records"]:
        key = f"{record['dynamodb']['SequenceNumber']}-{record['eventName']}"
        key += "-" + record["dynamodb"]["Keys"]["pk"]["S"]
        s3.put_object(Bucket=os.environ["SEEN"], Key=key, Body=b"")
"""


def test_a_table_stream_reaches_its_function_in_order_4_7_2(tmp_path: Path) -> None:
    root = tmp_path / "orders"
    (root / "src").mkdir(parents=True)
    (root / "src" / "changes.py").write_text(STREAM_HANDLER)
    (root / "template.yaml").write_text(STREAM_TEMPLATE)
    log = io.StringIO()
    with _local_app(root, log, reload=False) as local_app:
        dynamodb = _client(local_app, "dynamodb")
        table = local_app.physical["Orders"].name
        dynamodb.put_item(TableName=table, Item={"pk": {"S": "a"}, "n": {"N": "1"}})
        dynamodb.put_item(TableName=table, Item={"pk": {"S": "a"}, "n": {"N": "2"}})
        dynamodb.delete_item(TableName=table, Key={"pk": {"S": "a"}})
        s3, bucket = _client(local_app, "s3"), local_app.physical["Seen"].name

        def seen() -> list[str]:
            listed = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
            return [item["Key"].split("-", 1)[1] for item in sorted(listed, key=_sequence)]

        assert _eventually(lambda: len(seen()) == 3, seconds=30), log.getvalue()
        assert seen() == ["INSERT-a", "MODIFY-a", "REMOVE-a"]


def _sequence(item: dict[str, Any]) -> int:
    return int(item["Key"].split("-", 1)[0])
