"""Physical names, ARNs, queue URLs and Ref/GetAtt values of the emulated resources."""

from __future__ import annotations

from pathlib import Path

import pytest

from lambdakit.local.physical_names import (
    STREAM_LABEL,
    generated_name,
    physical_name,
    physical_resource,
)
from lambdakit.model import (
    Bucket,
    EventBus,
    GetAtt,
    KeyAttribute,
    Origin,
    Queue,
    Secret,
    SsmParameter,
    Stream,
    Table,
    Topic,
)

ENDPOINT = "http://127.0.0.1:4566"
ORIGIN = Origin(file=Path("template.yaml"), name="X")


def common(logical_id: str, name: object = None, stack: str = "shop") -> dict[str, object]:
    return {
        "logical_id": logical_id,
        "stack": stack,
        "type": "AWS::Any::Thing",
        "origin": ORIGIN,
        "name": name,
    }


def record(resource, region: str = "eu-west-1"):
    return physical_resource(
        resource, region=region, account="123456789012", endpoint_url=ENDPOINT + "/"
    )


def test_generated_names_are_deterministic_with_a_12_char_uppercase_hash() -> None:
    name = generated_name("shop", "OrdersTable", max_length=255)
    assert name == generated_name("shop", "OrdersTable", max_length=255)
    stack, logical_id, digest = name.split("-")
    assert (stack, logical_id) == ("shop", "OrdersTable")
    assert len(digest) == 12
    assert digest == digest.upper()
    assert digest != generated_name("shop", "OtherTable", max_length=255).split("-")[2]


def test_a_literal_name_from_the_template_is_kept() -> None:
    assert physical_name(Queue(**common("Q", "orders.fifo"), fifo=True)) == "orders.fifo"


def test_a_symbolic_name_falls_back_to_a_generated_one() -> None:
    name = physical_name(Table(**common("T", GetAtt("Other", "Name")), keys=()))
    assert name.startswith("shop-T-")


@pytest.mark.parametrize("stack", ["s", "a-very-long-stack-name-" * 4])
@pytest.mark.parametrize("logical_id", ["B", "AVeryLongLogicalIdForTheBucket" * 3])
def test_bucket_names_are_lowercase_and_at_most_63_chars(stack: str, logical_id: str) -> None:
    name = physical_name(Bucket(**common(logical_id, stack=stack)))
    assert len(name) <= 63
    assert name == name.lower()
    assert name.endswith(generated_name(stack, logical_id, max_length=63)[-12:].lower())


def test_fifo_queue_names_keep_the_suffix_within_80_chars() -> None:
    name = physical_name(Queue(**common("Q" * 100, stack="s" * 100), fifo=True))
    assert len(name) == 80
    assert name.endswith(".fifo")


def test_fifo_topic_names_end_in_fifo() -> None:
    assert physical_name(Topic(**common("Events"), fifo=True)).endswith(".fifo")


def test_bucket() -> None:
    got = record(Bucket(**common("Uploads", "my-uploads")))
    assert got.ref == got.name == "my-uploads"
    assert got.arn == got.attributes["Arn"] == "arn:aws:s3:::my-uploads"
    assert got.attributes["DomainName"] == "my-uploads.s3.amazonaws.com"
    assert got.attributes["RegionalDomainName"] == "my-uploads.s3.eu-west-1.amazonaws.com"


def test_table_with_and_without_a_stream() -> None:
    keys = (KeyAttribute("pk", "S", "HASH"),)
    plain = record(Table(**common("T", "orders"), keys=keys))
    assert plain.ref == "orders"
    assert plain.arn == "arn:aws:dynamodb:eu-west-1:123456789012:table/orders"
    assert "StreamArn" not in plain.attributes
    streamed = record(Table(**common("T", "orders"), keys=keys, stream_view_type="NEW_IMAGE"))
    assert streamed.attributes["StreamArn"] == f"{streamed.arn}/stream/{STREAM_LABEL}"


def test_topic_refs_to_its_arn() -> None:
    got = record(Topic(**common("Changes", "changes")))
    assert got.ref == got.arn == got.attributes["TopicArn"]
    assert got.arn == "arn:aws:sns:eu-west-1:123456789012:changes"
    assert got.attributes["TopicName"] == "changes"


def test_queue_refs_to_its_url_on_the_local_endpoint() -> None:
    got = record(Queue(**common("Work", "work")))
    assert got.ref == got.url == f"{ENDPOINT}/123456789012/work"
    assert got.attributes == {
        "Arn": "arn:aws:sqs:eu-west-1:123456789012:work",
        "QueueName": "work",
        "QueueUrl": got.url,
    }


def test_stream_bus_parameter_and_secret() -> None:
    stream = record(Stream(**common("Clicks", "clicks")))
    assert (stream.ref, stream.arn) == (
        "clicks",
        "arn:aws:kinesis:eu-west-1:123456789012:stream/clicks",
    )
    bus = record(EventBus(**common("Bus", "orders")))
    assert bus.ref == bus.attributes["Name"] == "orders"
    assert bus.attributes["Arn"] == "arn:aws:events:eu-west-1:123456789012:event-bus/orders"
    parameter = record(SsmParameter(**common("P", "/shop/config"), value="v"))
    assert parameter.ref == "/shop/config"
    assert parameter.arn == "arn:aws:ssm:eu-west-1:123456789012:parameter/shop/config"
    assert parameter.attributes == {"Type": "String", "Value": "v"}
    secret = record(Secret(**common("S", "api-key")))
    assert (
        secret.ref == secret.arn == "arn:aws:secretsmanager:eu-west-1:123456789012:secret:api-key"
    )


def test_partition_follows_the_region() -> None:
    assert record(Bucket(**common("B", "b")), region="cn-north-1").arn == "arn:aws-cn:s3:::b"
