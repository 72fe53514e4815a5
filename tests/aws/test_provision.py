"""Provisioning an app's resources in a real moto server, checked through boto3."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import boto3

from lambdakit import load_app
from lambdakit.aws.moto_server import MotoServer
from lambdakit.aws.provision import FAKE_CREDENTIALS, provision
from lambdakit.local.physical_names import PhysicalResource, physical_resources
from lambdakit.model import App

ROOT = Path(__file__).parents[2]


def client(server: MotoServer, service: str, region: str = "us-east-1"):
    session = boto3.session.Session(region_name=region, **FAKE_CREDENTIALS)
    return session.client(service, endpoint_url=server.url)


def provisioned(
    app_folder: Path, tmp_path: Path, server: MotoServer
) -> tuple[App, dict[str, PhysicalResource]]:
    copy = tmp_path / app_folder.name
    shutil.copytree(app_folder, copy, ignore=shutil.ignore_patterns(".lambdakit"))
    app = load_app(copy)
    physical = physical_resources(app, server.url)
    provision(app, server.url, physical)
    provision(app, server.url, physical)  # idempotent: a kept state dir provisions again
    return app, physical


def test_the_object_counter_example(moto: MotoServer, tmp_path: Path) -> None:
    _, physical = provisioned(ROOT / "examples" / "object-counter", tmp_path, moto)
    s3, dynamodb, sqs, sns = (client(moto, s) for s in ("s3", "dynamodb", "sqs", "sns"))

    bucket = physical["WatchedBucket"].name
    assert bucket == "object-counter-watched-123456789012-us-east-1"
    s3.head_bucket(Bucket=bucket)

    table = dynamodb.describe_table(TableName=physical["CountsTable"].name)["Table"]
    assert table["TableArn"] == physical["CountsTable"].arn
    assert table["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"

    queue, dlq = physical["ChangesQueue"], physical["ChangesDeadLetterQueue"]
    assert sqs.get_queue_url(QueueName=queue.name)["QueueUrl"] == queue.url
    attributes = sqs.get_queue_attributes(QueueUrl=queue.url, AttributeNames=["All"])["Attributes"]
    assert attributes["QueueArn"] == queue.arn
    assert attributes["VisibilityTimeout"] == "60"
    assert json.loads(attributes["RedrivePolicy"]) == {
        "deadLetterTargetArn": dlq.arn,
        "maxReceiveCount": 3,
    }
    dlq_attributes = sqs.get_queue_attributes(
        QueueUrl=dlq.url, AttributeNames=["MessageRetentionPeriod"]
    )["Attributes"]
    assert dlq_attributes["MessageRetentionPeriod"] == "1209600"

    topic = physical["ChangesTopic"].arn
    subscriptions = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert [(s["Protocol"], s["Endpoint"]) for s in subscriptions] == [("sqs", queue.arn)]
    raw = sns.get_subscription_attributes(SubscriptionArn=subscriptions[0]["SubscriptionArn"])
    assert raw["Attributes"]["RawMessageDelivery"] == "true"


def test_the_kitchen_sink(moto: MotoServer, tmp_path: Path) -> None:
    _, physical = provisioned(ROOT / "tests" / "fixtures" / "cfn" / "kitchen-sink", tmp_path, moto)
    s3, dynamodb, sqs = (client(moto, s) for s in ("s3", "dynamodb", "sqs"))

    versioning = s3.get_bucket_versioning(Bucket=physical["UploadsBucket"].name)
    assert versioning["Status"] == "Enabled"

    orders = physical["OrdersTable"]
    table = dynamodb.describe_table(TableName=orders.name)["Table"]
    assert [k["AttributeName"] for k in table["KeySchema"]] == ["pk", "sk"]
    [index] = table["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "by-status"
    assert index["KeySchema"] == [{"AttributeName": "status", "KeyType": "HASH"}]
    assert table["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    ttl = dynamodb.describe_time_to_live(TableName=orders.name)["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expiresAt"}
    streams = client(moto, "dynamodbstreams")
    described = streams.describe_stream(StreamArn=orders.attributes["StreamArn"])
    assert described["StreamDescription"]["TableName"] == orders.name

    fifo = physical["OrderedQueue"]
    assert fifo.name == "kitchen-sink-ordered.fifo"
    attributes = sqs.get_queue_attributes(QueueUrl=fifo.url, AttributeNames=["All"])["Attributes"]
    assert attributes["FifoQueue"] == "true"
    assert attributes["ContentBasedDeduplication"] == "true"

    events_topic = physical["EventsTopic"].arn
    subscriptions = client(moto, "sns").list_subscriptions_by_topic(TopicArn=events_topic)
    assert [s["Endpoint"] for s in subscriptions["Subscriptions"]] == [physical["WorkQueue"].arn]

    stream = client(moto, "kinesis").describe_stream_summary(
        StreamName=physical["ClickStream"].name
    )["StreamDescriptionSummary"]
    assert stream["StreamARN"] == physical["ClickStream"].arn
    assert stream["OpenShardCount"] == 2

    bus = client(moto, "events").describe_event_bus(Name="kitchen-sink-orders")
    assert bus["Arn"] == physical["OrdersBus"].arn

    parameter = client(moto, "ssm").get_parameter(Name="/kitchen-sink/config")["Parameter"]
    assert parameter["Value"] == '{"feature": true}'
    assert parameter["ARN"] == physical["ConfigParameter"].arn

    secret = client(moto, "secretsmanager").get_secret_value(SecretId=physical["ApiSecret"].ref)
    assert len(secret["SecretString"]) >= 32

    assert "OrderWorkflow" not in physical  # a state machine is not emulated
