"""`lambdakit event KIND`: sample payloads on stdout, options per kind, usage errors exit 2."""

from __future__ import annotations

import base64
import json

import pytest
from click.testing import CliRunner

from lambdakit.cli.event import EVENT_KINDS
from lambdakit.cli.main import cli
from lambdakit.local.events import KINDS, sample_event


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["event", *args])
    return result.exit_code, result.stdout, result.stderr


def test_cli_kinds_are_the_library_kinds():
    assert EVENT_KINDS == KINDS


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_prints_its_sample_as_json(kind):
    code, out, err = run(kind)
    assert code == 0, err
    assert json.loads(out) == sample_event(kind)


def test_json_flag_is_accepted_and_changes_nothing():
    assert run("sqs", "--json")[1] == run("sqs")[1]


def test_s3_options():
    code, out, _ = run("s3-put", "--bucket", "photos", "--key", "a b.jpg", "--size", "9")
    assert code == 0
    (record,) = json.loads(out)["Records"]
    assert record["s3"]["bucket"]["name"] == "photos"
    assert record["s3"]["object"]["key"] == "a+b.jpg"  # FIDELITY 4.3.3
    assert record["s3"]["object"]["size"] == 9
    code, out, _ = run("s3-delete", "--region", "eu-west-1")
    assert code == 0
    record = json.loads(out)["Records"][0]
    assert record["eventName"] == "ObjectRemoved:Delete"  # FIDELITY 4.3.2
    assert record["awsRegion"] == "eu-west-1"


def test_sqs_queue_region_account_count_and_body():
    code, out, _ = run(
        "sqs", "--queue", "jobs", "--region", "eu-west-1", "--account", "111111111111",
        "--count", "3", "--body", "hello",
    )  # fmt: skip
    assert code == 0
    records = json.loads(out)["Records"]
    assert len(records) == 3
    assert {r["eventSourceARN"] for r in records} == {"arn:aws:sqs:eu-west-1:111111111111:jobs"}
    assert {r["body"] for r in records} == {"hello"}
    assert len({r["messageId"] for r in records}) == 3


def test_sns_topic_body_subject():
    code, out, _ = run("sns", "--topic", "alerts", "--body", "m", "--subject", "s")
    assert code == 0
    sns = json.loads(out)["Records"][0]["Sns"]
    assert sns["TopicArn"] == "arn:aws:sns:us-east-1:123456789012:alerts"
    assert (sns["Message"], sns["Subject"]) == ("m", "s")


def test_schedule_rule():
    code, out, _ = run("schedule", "--rule", "nightly")
    assert code == 0
    assert json.loads(out)["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/nightly"]


def test_kinesis_stream_body_count():
    code, out, _ = run("kinesis", "--stream", "s", "--body", "data", "--count", "2")
    assert code == 0
    records = json.loads(out)["Records"]
    assert len(records) == 2
    assert base64.b64decode(records[0]["kinesis"]["data"]) == b"data"
    assert records[0]["eventSourceARN"] == "arn:aws:kinesis:us-east-1:123456789012:stream/s"


def test_dynamodb_table_count():
    code, out, _ = run("dynamodb", "--table", "users", "--count", "2")
    assert code == 0
    records = json.loads(out)["Records"]
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY"]
    assert records[0]["eventSourceARN"].startswith(
        "arn:aws:dynamodb:us-east-1:123456789012:table/users/stream/"
    )


def test_eventbridge_source_detail_type_detail():
    code, out, _ = run(
        "eventbridge", "--source", "my.app", "--detail-type", "Order Placed",
        "--detail", '{"id": 7}',
    )  # fmt: skip
    assert code == 0
    event = json.loads(out)
    assert (event["source"], event["detail-type"], event["detail"]) == (
        "my.app",
        "Order Placed",
        {"id": 7},
    )


@pytest.mark.parametrize("kind", ["api-v1", "api-v2"])
def test_api_method_path_body(kind):
    code, out, _ = run(kind, "--method", "post", "--path", "/orders", "--body", "{}")
    assert code == 0
    event = json.loads(out)
    assert event["body"] == "{}"
    if kind == "api-v1":
        assert (event["httpMethod"], event["path"]) == ("POST", "/orders")
    else:
        assert (event["requestContext"]["http"]["method"], event["rawPath"]) == ("POST", "/orders")
        assert event["routeKey"] == "POST /orders"


def test_output_file(tmp_path):
    target = tmp_path / "e.json"
    code, out, _ = run("sns", "-o", str(target))
    assert code == 0
    assert out == ""
    assert json.loads(target.read_text()) == sample_event("sns")


def test_unknown_kind_is_a_usage_error_listing_the_kinds():
    code, _, err = run("s3-get")
    assert code == 2
    for kind in KINDS:
        assert kind in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sqs", "--bucket", "b"], "--bucket does not apply to sqs"),
        (["eventbridge", "--detail", "{nope"], "--detail is not valid JSON"),
        (["eventbridge", "--detail", "[1]"], "--detail must be a JSON object"),
        (["sqs", "--count", "0"], "--count"),
    ],
)
def test_bad_options_exit_2(args, message):
    code, out, err = run(*args)
    assert code == 2
    assert message in err
    assert "Traceback" not in out + err
