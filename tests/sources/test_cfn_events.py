"""extract_events: S3, SNS, SQS, DynamoDB/Kinesis streams, schedules and EventBridge rules.

The stacks below are what the intrinsics resolver makes of real templates: SAM translator output
(aws-sam-translator 1.115, events already turned into raw resources) and CDK synth output
(aws-cdk-lib 2.x: ``Custom::S3BucketNotifications``, ``SqsEventSource``, ``DynamoEventSource``...).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lambdakit.errors import TemplateError
from lambdakit.model import (
    Destination,
    EventBridgeEvent,
    EventKind,
    EventSource,
    GetAtt,
    Join,
    Ref,
    S3Event,
    ScheduleEvent,
    SnsEvent,
    SourceKind,
    SqsEvent,
    StreamEvent,
    Value,
)
from lambdakit.sources.cfn_events import extract_events
from lambdakit.sources.resolved import ResolvedResource, ResolvedStack, StackContext

FILE = Path("template.yaml")
LAMBDA: tuple[str, dict[str, Value]] = (
    "AWS::Lambda::Function",
    {"Runtime": "python3.12", "Handler": "app.handler"},
)
FN_ARN = GetAtt("Fn", "Arn")


def build(resources: dict[str, tuple[str, dict[str, Any]]], **context: Any) -> ResolvedStack:
    """A resolved stack of `resources` (logical id -> (type, resolved properties))."""
    context.setdefault("source", SourceKind.CLOUDFORMATION)
    ctx = StackContext(stack="app", file=FILE, base_dir=Path(), **context)
    return ResolvedStack(
        ctx,
        {lid: ResolvedResource(lid, kind, props) for lid, (kind, props) in resources.items()},
    )


def with_fn(**resources: tuple[str, dict[str, Any]]) -> ResolvedStack:
    return build({"Fn": LAMBDA, **resources})


def only(events: tuple[EventSource, ...]) -> EventSource:
    assert len(events) == 1, events
    return events[0]


def origin(logical_id: str) -> Any:
    return build({}).context.origin(logical_id)


def esm(source_arn: Value, **props: Value) -> tuple[str, dict[str, Value]]:
    return "AWS::Lambda::EventSourceMapping", {
        "EventSourceArn": source_arn,
        "FunctionName": Ref("Fn"),
        **props,
    }


QUEUE: tuple[str, dict[str, Value]] = ("AWS::SQS::Queue", {})
TOPIC: tuple[str, dict[str, Value]] = ("AWS::SNS::Topic", {})
TABLE: tuple[str, dict[str, Value]] = (
    "AWS::DynamoDB::Table",
    {
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "BillingMode": "PAY_PER_REQUEST",
        "StreamSpecification": {"StreamViewType": "NEW_IMAGE"},
    },
)
STREAM: tuple[str, dict[str, Value]] = ("AWS::Kinesis::Stream", {"ShardCount": 1})


# --------------------------------------------------------------------------- S3


def test_sam_s3_events_are_notifications_on_the_bucket() -> None:
    # GIVEN SAM's output for two S3 events of Fn on Bucket (one filtered)
    stack = with_fn(
        Bucket=(
            "AWS::S3::Bucket",
            {
                "NotificationConfiguration": {
                    "LambdaConfigurations": [
                        {"Function": FN_ARN, "Event": "s3:ObjectRemoved:*"},
                        {
                            "Function": FN_ARN,
                            "Filter": {
                                "S3Key": {
                                    "Rules": [
                                        {"Name": "prefix", "Value": "uploads/"},
                                        {"Name": "suffix", "Value": ".jpg"},
                                    ]
                                }
                            },
                            "Event": "s3:ObjectCreated:*",
                        },
                    ]
                }
            },
        )
    )
    # WHEN / THEN one S3 event per configuration, sourced from the bucket
    assert extract_events(stack) == (
        S3Event(
            function="Fn",
            source="Bucket",
            source_arn=GetAtt("Bucket", "Arn"),
            origin=origin("Bucket"),
            events=("s3:ObjectRemoved:*",),
        ),
        S3Event(
            function="Fn",
            source="Bucket",
            source_arn=GetAtt("Bucket", "Arn"),
            origin=origin("Bucket"),
            events=("s3:ObjectCreated:*",),
            prefix="uploads/",
            suffix=".jpg",
        ),
    )
    assert extract_events(stack)[0].kind is EventKind.S3


def cdk_notifications(
    bucket_name: Value, *configs: dict[str, Value]
) -> tuple[str, dict[str, Value]]:
    return "Custom::S3BucketNotifications", {
        "ServiceToken": GetAtt("BucketNotificationsHandler050a0587", "Arn"),
        "BucketName": bucket_name,
        "NotificationConfiguration": {"LambdaFunctionConfigurations": list(configs)},
        "Managed": True,
        "SkipDestinationValidation": False,
    }


def test_cdk_bucket_notifications_custom_resource() -> None:
    stack = build(
        {
            "Handler886CB40B": LAMBDA,
            "Uploads4F6EB0FD": ("AWS::S3::Bucket", {}),
            "BucketNotificationsHandler050a0587": LAMBDA,
            "UploadsNotifications8DBDDF22": cdk_notifications(
                Ref("Uploads4F6EB0FD"),
                {
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {
                        "Key": {
                            "FilterRules": [
                                {"Name": "suffix", "Value": ".csv"},
                                {"Name": "prefix", "Value": "in/"},
                            ]
                        }
                    },
                    "LambdaFunctionArn": GetAtt("Handler886CB40B", "Arn"),
                },
                {
                    "Events": ["s3:ObjectRemoved:Delete", "s3:ObjectRestore:Completed"],
                    "LambdaFunctionArn": GetAtt("Handler886CB40B", "Arn"),
                },
            ),
        },
        source=SourceKind.CDK,
        origins={"UploadsNotifications8DBDDF22": "Demo/Uploads/Notifications"},
    )
    events = [e for e in extract_events(stack) if isinstance(e, S3Event)]
    assert [(e.source, e.events, e.prefix, e.suffix) for e in events] == [
        ("Uploads4F6EB0FD", ("s3:ObjectCreated:*",), "in/", ".csv"),
        ("Uploads4F6EB0FD", ("s3:ObjectRemoved:Delete", "s3:ObjectRestore:Completed"), None, None),
    ]
    assert {e.source_arn for e in events} == {GetAtt("Uploads4F6EB0FD", "Arn")}
    assert {e.origin.name for e in events} == {"Demo/Uploads/Notifications"}


def test_cdk_notifications_on_an_imported_bucket_name_the_bucket_by_arn() -> None:
    stack = with_fn(
        Notifications=cdk_notifications(
            "existing-bucket",
            {"Events": ["s3:ObjectCreated:Put"], "LambdaFunctionArn": FN_ARN},
        )
    )
    event = only(extract_events(stack))
    assert (event.source, event.source_arn) == (None, "arn:aws:s3:::existing-bucket")


def test_cdk_notifications_with_filter_rule_names_in_any_case() -> None:
    stack = with_fn(
        Bucket=("AWS::S3::Bucket", {}),
        Notifications=cdk_notifications(
            Ref("Bucket"),
            {
                "Events": ["s3:ObjectCreated:*"],
                "LambdaFunctionArn": FN_ARN,
                "Filter": {"Key": {"FilterRules": [{"Name": "Prefix", "Value": "a/"}]}},
            },
        ),
    )
    event = only(extract_events(stack))
    assert isinstance(event, S3Event)
    assert (event.prefix, event.suffix) == ("a/", None)


def bucket(*configs: dict[str, Value], **other: Value) -> tuple[str, dict[str, Value]]:
    return "AWS::S3::Bucket", {
        "NotificationConfiguration": {"LambdaConfigurations": list(configs), **other}
    }


def test_bucket_notifications_to_other_targets_are_not_function_events() -> None:
    stack = with_fn(
        Queue=QUEUE,
        Bucket=bucket(
            {"Function": "arn:aws:lambda:us-east-1:111111111111:function:x", "Event": "s3:*"},
            QueueConfigurations=[{"Queue": GetAtt("Queue", "Arn"), "Event": "s3:ObjectCreated:*"}],
            EventBridgeConfiguration={"EventBridgeEnabled": True},
        ),
        Plain=("AWS::S3::Bucket", {"BucketName": "plain"}),
    )
    assert extract_events(stack) == ()


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"Event": "s3:ObjectCreated:*"}, r"LambdaConfigurations\[0\]: required property Function"),
        ({"Function": FN_ARN}, r"LambdaConfigurations\[0\]: required property Event"),
        (
            {"Function": FN_ARN, "Event": "ObjectCreated:*"},
            "'ObjectCreated:\\*' is not an S3 event",
        ),
        (
            {
                "Function": FN_ARN,
                "Event": "s3:ObjectCreated:*",
                "Filter": {"S3Key": {"Rules": [{"Name": "contains", "Value": "x"}]}},
            },
            r"Rules\[0\]\.Name: must be prefix or suffix",
        ),
        (
            {
                "Function": FN_ARN,
                "Event": "s3:ObjectCreated:*",
                "Filter": {
                    "S3Key": {
                        "Rules": [
                            {"Name": "prefix", "Value": "a"},
                            {"Name": "prefix", "Value": "b"},
                        ]
                    }
                },
            },
            "more than one prefix rule",
        ),
    ],
)
def test_malformed_bucket_notifications_are_rejected(
    config: dict[str, Value], message: str
) -> None:
    stack = with_fn(Bucket=bucket(config))
    with pytest.raises(TemplateError, match=message) as caught:
        extract_events(stack)
    assert str(caught.value).startswith("template.yaml: resource Bucket, NotificationConfiguration")


# --------------------------------------------------------------------------- SNS


def test_sam_sns_subscription_with_a_body_filter_policy() -> None:
    stack = with_fn(
        Topic=TOPIC,
        FnSns=(
            "AWS::SNS::Subscription",
            {
                "Endpoint": FN_ARN,
                "Protocol": "lambda",
                "TopicArn": Ref("Topic"),
                "FilterPolicy": {"store": ["example_corp"]},
                "FilterPolicyScope": "MessageBody",
            },
        ),
    )
    assert extract_events(stack) == (
        SnsEvent(
            function="Fn",
            source="Topic",
            source_arn=Ref("Topic"),
            origin=origin("FnSns"),
            filter_policy={"store": ["example_corp"]},
            filter_policy_scope="MessageBody",
        ),
    )


def test_sns_filter_policy_written_as_a_json_string_is_parsed() -> None:
    stack = with_fn(
        Sub=(
            "AWS::SNS::Subscription",
            {
                "Endpoint": FN_ARN,
                "Protocol": "lambda",
                "TopicArn": "arn:aws:sns:us-east-1:111111111111:shared",
                "FilterPolicy": '{"color": ["red"]}',
            },
        )
    )
    event = only(extract_events(stack))
    assert isinstance(event, SnsEvent)
    assert (event.source, event.source_arn, event.filter_policy, event.filter_policy_scope) == (
        None,
        "arn:aws:sns:us-east-1:111111111111:shared",
        {"color": ["red"]},
        "MessageAttributes",
    )


def test_sam_sqs_subscription_is_a_queue_event_not_an_sns_event() -> None:
    # SAM's SNS event with SqsSubscription: topic -> queue subscription, queue -> function mapping
    stack = with_fn(
        Topic=TOPIC,
        FnSnsSqsQueue=("AWS::SQS::Queue", {}),
        FnSnsSqs=(
            "AWS::SNS::Subscription",
            {
                "Endpoint": GetAtt("FnSnsSqsQueue", "Arn"),
                "Protocol": "sqs",
                "TopicArn": Ref("Topic"),
            },
        ),
        FnSnsSqsEventSourceMapping=esm(GetAtt("FnSnsSqsQueue", "Arn"), BatchSize=10, Enabled=True),
    )
    event = only(extract_events(stack))
    assert (event.kind, event.source) == (EventKind.SQS, "FnSnsSqsQueue")


def test_topic_inline_subscriptions() -> None:
    stack = with_fn(
        Queue=QUEUE,
        Topic=(
            "AWS::SNS::Topic",
            {
                "Subscription": [
                    {"Endpoint": FN_ARN, "Protocol": "lambda"},
                    {"Endpoint": GetAtt("Queue", "Arn"), "Protocol": "sqs"},
                    {"Endpoint": "ops@example.com", "Protocol": "email"},
                ]
            },
        ),
    )
    assert extract_events(stack) == (
        SnsEvent(function="Fn", source="Topic", source_arn=Ref("Topic"), origin=origin("Topic")),
    )


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"Endpoint": FN_ARN, "TopicArn": Ref("Topic")}, "Protocol: required property"),
        ({"Endpoint": FN_ARN, "Protocol": "lambda"}, "TopicArn: required property"),
        ({"Protocol": "lambda", "TopicArn": Ref("Topic")}, "Endpoint: a lambda subscription"),
        (
            {
                "Endpoint": FN_ARN,
                "Protocol": "lambda",
                "TopicArn": Ref("Topic"),
                "FilterPolicy": "{",
            },
            "FilterPolicy: not valid JSON",
        ),
        (
            {
                "Endpoint": FN_ARN,
                "Protocol": "lambda",
                "TopicArn": Ref("Topic"),
                "FilterPolicy": "[1]",
            },
            "FilterPolicy: expected a JSON object",
        ),
        (
            {
                "Endpoint": FN_ARN,
                "Protocol": "lambda",
                "TopicArn": Ref("Topic"),
                "FilterPolicyScope": "Body",
            },
            "FilterPolicyScope: must be MessageAttributes or MessageBody",
        ),
    ],
)
def test_malformed_subscriptions_are_rejected(props: dict[str, Value], message: str) -> None:
    stack = with_fn(Topic=TOPIC, Sub=("AWS::SNS::Subscription", props))
    with pytest.raises(TemplateError, match=f"template.yaml: resource Sub, {message}"):
        extract_events(stack)


# --------------------------------------------------------------------------- SQS


def test_cdk_sqs_event_source() -> None:
    stack = build(
        {
            "Handler886CB40B": LAMBDA,
            "JobsDF1CC2D4": QUEUE,
            "HandlerSqsEventSourceDemoJobsFA2241B2": (
                "AWS::Lambda::EventSourceMapping",
                {
                    "BatchSize": 50,
                    "EventSourceArn": GetAtt("JobsDF1CC2D4", "Arn"),
                    "FilterCriteria": {"Filters": [{"Pattern": '{"body":{"kind":["a"]}}'}]},
                    "FunctionName": Ref("Handler886CB40B"),
                    "FunctionResponseTypes": ["ReportBatchItemFailures"],
                    "MaximumBatchingWindowInSeconds": 5,
                    "ScalingConfig": {"MaximumConcurrency": 5},
                },
            ),
        },
        source=SourceKind.CDK,
    )
    assert extract_events(stack) == (
        SqsEvent(
            function="Handler886CB40B",
            source="JobsDF1CC2D4",
            source_arn=GetAtt("JobsDF1CC2D4", "Arn"),
            origin=origin("HandlerSqsEventSourceDemoJobsFA2241B2"),
            batch_size=50,
            batching_window_seconds=5,
            report_batch_item_failures=True,
            filters=({"body": {"kind": ["a"]}},),
            maximum_concurrency=5,
        ),
    )


def test_sqs_defaults() -> None:
    # FIDELITY 4.5.2: batch size 10, no batching window
    event = only(extract_events(with_fn(Queue=QUEUE, Map=esm(GetAtt("Queue", "Arn")))))
    assert event == SqsEvent(
        function="Fn",
        source="Queue",
        source_arn=GetAtt("Queue", "Arn"),
        origin=origin("Map"),
        batch_size=10,
        batching_window_seconds=0,
        report_batch_item_failures=False,
        filters=(),
        maximum_concurrency=None,
        enabled=True,
    )


def test_sqs_values_written_as_strings_are_read() -> None:
    # Parameters arrive as strings: BatchSize "20", Enabled "false"
    stack = with_fn(
        Queue=QUEUE,
        Map=esm(
            GetAtt("Queue", "Arn"),
            BatchSize="20",
            MaximumBatchingWindowInSeconds="1",
            Enabled="false",
        ),
    )
    event = only(extract_events(stack))
    assert isinstance(event, SqsEvent)
    assert (event.batch_size, event.batching_window_seconds, event.enabled) == (20, 1, False)


def test_sqs_source_by_literal_arn() -> None:
    arn = "arn:aws:sqs:us-east-1:111111111111:shared-jobs"
    event = only(extract_events(with_fn(Map=esm(arn))))
    assert (event.kind, event.source, event.source_arn) == (EventKind.SQS, None, arn)


def test_sqs_source_by_a_join_arn_with_a_literal_service() -> None:
    arn = Join(("arn:aws:sqs:us-east-1:123456789012:", Ref("QueueNameParam")))
    event = only(extract_events(with_fn(Map=esm(arn))))
    assert event.kind is EventKind.SQS


def test_sqs_batch_over_10_needs_a_batching_window() -> None:
    # GIVEN BatchSize 100 and no MaximumBatchingWindowInSeconds (Lambda rejects it)
    stack = with_fn(Queue=QUEUE, Map=esm(GetAtt("Queue", "Arn"), BatchSize=100))
    # THEN the error names the file, resource and property, and cites FIDELITY 4.5.2
    with pytest.raises(TemplateError) as caught:
        extract_events(stack)
    assert str(caught.value) == (
        "template.yaml: resource Map, BatchSize: a batch size of 100 needs a batching window"
    )
    assert "FIDELITY 4.5.2" in (caught.value.hint or "")


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"BatchSize": 0}, "BatchSize: 0 is outside the allowed 1 to 10000"),
        ({"BatchSize": 10001, "MaximumBatchingWindowInSeconds": 1}, "BatchSize: 10001 is outside"),
        ({"MaximumBatchingWindowInSeconds": 301}, "MaximumBatchingWindowInSeconds: 301 s"),
        ({"BatchSize": "ten"}, "BatchSize: expected a whole number"),
        ({"Enabled": "yes"}, "Enabled: expected true or false"),
        (
            {"ScalingConfig": {"MaximumConcurrency": 1}},
            r"ScalingConfig\.MaximumConcurrency: 1 is below",
        ),
        (
            {"FilterCriteria": {"Filters": [{"Pattern": "{'body': 1}"}]}},
            r"FilterCriteria\.Filters\[0\]\.Pattern: not valid JSON",
        ),
        (
            {"FilterCriteria": {"Filters": [{"Pattern": '["a"]'}]}},
            r"FilterCriteria\.Filters\[0\]\.Pattern: expected a JSON object",
        ),
        (
            {"FilterCriteria": {"Filters": {"Pattern": "{}"}}},
            r"FilterCriteria\.Filters: expected a list",
        ),
    ],
)
def test_sqs_settings_lambda_rejects(props: dict[str, Value], message: str) -> None:
    stack = with_fn(Queue=QUEUE, Map=esm(GetAtt("Queue", "Arn"), **props))
    with pytest.raises(TemplateError, match=f"resource Map, {message}"):
        extract_events(stack)


def test_fifo_queue_batches_are_at_most_10() -> None:
    stack = with_fn(
        Queue=("AWS::SQS::Queue", {"FifoQueue": True}),
        Map=esm(GetAtt("Queue", "Arn"), BatchSize=20, MaximumBatchingWindowInSeconds=5),
    )
    with pytest.raises(TemplateError, match="BatchSize: 20 is outside the allowed 1 to 10"):
        extract_events(stack)


def test_a_queue_url_is_not_an_event_source_arn() -> None:
    stack = with_fn(Queue=QUEUE, Map=esm(Ref("Queue")))
    with pytest.raises(TemplateError, match="is the queue's URL") as caught:
        extract_events(stack)
    assert caught.value.hint == "use !GetAtt Queue.Arn"


def test_filter_patterns_written_as_objects_are_accepted() -> None:
    stack = with_fn(
        Queue=QUEUE,
        Map=esm(
            GetAtt("Queue", "Arn"), FilterCriteria={"Filters": [{"Pattern": {"body": {"a": [1]}}}]}
        ),
    )
    event = only(extract_events(stack))
    assert isinstance(event, SqsEvent)
    assert event.filters == ({"body": {"a": [1]}},)


# --------------------------------------------------------------------------- streams


def test_cdk_dynamodb_event_source_with_an_sqs_on_failure_destination() -> None:
    stack = build(
        {
            "Handler886CB40B": LAMBDA,
            "DlqD1FAA4AD": QUEUE,
            "TableCD117FA1": TABLE,
            "HandlerDynamoDBEventSourceDemoTable4E4A55F1": (
                "AWS::Lambda::EventSourceMapping",
                {
                    "BatchSize": 5,
                    "BisectBatchOnFunctionError": True,
                    "DestinationConfig": {
                        "OnFailure": {"Destination": GetAtt("DlqD1FAA4AD", "Arn")}
                    },
                    "EventSourceArn": GetAtt("TableCD117FA1", "StreamArn"),
                    "FunctionName": Ref("Handler886CB40B"),
                    "MaximumRetryAttempts": 3,
                    "StartingPosition": "TRIM_HORIZON",
                },
            ),
        },
        source=SourceKind.CDK,
    )
    assert extract_events(stack) == (
        StreamEvent(
            function="Handler886CB40B",
            source="TableCD117FA1",
            source_arn=GetAtt("TableCD117FA1", "StreamArn"),
            origin=origin("HandlerDynamoDBEventSourceDemoTable4E4A55F1"),
            stream_kind="dynamodb",
            starting_position="TRIM_HORIZON",
            batch_size=5,
            bisect_on_error=True,
            maximum_retry_attempts=3,
            on_failure=Destination(
                arn=GetAtt("DlqD1FAA4AD", "Arn"), kind="sqs", resource="DlqD1FAA4AD"
            ),
        ),
    )
    assert extract_events(stack)[0].kind is EventKind.DYNAMODB


def test_cdk_kinesis_event_source_with_an_sns_on_failure_destination() -> None:
    stack = build(
        {
            "Handler886CB40B": LAMBDA,
            "TopicBFC7AF6E": TOPIC,
            "Stream790BDEE4": STREAM,
            "HandlerKinesisEventSourceDemoStream9FDE0216": (
                "AWS::Lambda::EventSourceMapping",
                {
                    "BatchSize": 100,
                    "DestinationConfig": {"OnFailure": {"Destination": Ref("TopicBFC7AF6E")}},
                    "EventSourceArn": GetAtt("Stream790BDEE4", "Arn"),
                    "FunctionName": Ref("Handler886CB40B"),
                    "MaximumRecordAgeInSeconds": 3600,
                    "ParallelizationFactor": 2,
                    "StartingPosition": "LATEST",
                    "FunctionResponseTypes": ["ReportBatchItemFailures"],
                    "MaximumBatchingWindowInSeconds": 2,
                },
            ),
        },
        source=SourceKind.CDK,
    )
    event = only(extract_events(stack))
    assert isinstance(event, StreamEvent)
    assert event.kind is EventKind.KINESIS
    assert (event.source, event.stream_kind, event.starting_position) == (
        "Stream790BDEE4",
        "kinesis",
        "LATEST",
    )
    assert (event.maximum_record_age_seconds, event.parallelization_factor) == (3600, 2)
    assert (event.report_batch_item_failures, event.batching_window_seconds) == (True, 2)
    assert event.on_failure == Destination(
        arn=Ref("TopicBFC7AF6E"), kind="sns", resource="TopicBFC7AF6E"
    )


def test_stream_defaults() -> None:
    # FIDELITY 4.7.5/4.7.6: batch 100, parallelization 1, retries and record age infinite
    stack = with_fn(Table=TABLE, Map=esm(GetAtt("Table", "StreamArn"), StartingPosition="LATEST"))
    assert only(extract_events(stack)) == StreamEvent(
        function="Fn",
        source="Table",
        source_arn=GetAtt("Table", "StreamArn"),
        origin=origin("Map"),
        stream_kind="dynamodb",
        starting_position="LATEST",
        batch_size=100,
        batching_window_seconds=0,
        bisect_on_error=False,
        maximum_retry_attempts=-1,
        maximum_record_age_seconds=-1,
        parallelization_factor=1,
        report_batch_item_failures=False,
        on_failure=None,
        filters=(),
    )


def test_sam_disabled_kinesis_event() -> None:
    stack = with_fn(
        Stream=STREAM,
        FnKin=esm(GetAtt("Stream", "Arn"), Enabled=False, StartingPosition="LATEST"),
    )
    event = only(extract_events(stack))
    assert (event.kind, event.enabled) == (EventKind.KINESIS, False)


def test_kinesis_stream_consumer_counts_as_its_stream() -> None:
    stack = with_fn(
        Stream=STREAM,
        Consumer=(
            "AWS::Kinesis::StreamConsumer",
            {"ConsumerName": "efo", "StreamARN": GetAtt("Stream", "Arn")},
        ),
        Map=esm(GetAtt("Consumer", "ConsumerARN"), StartingPosition="AT_TIMESTAMP"),
    )
    event = only(extract_events(stack))
    assert isinstance(event, StreamEvent)
    assert (event.stream_kind, event.source, event.source_arn, event.starting_position) == (
        "kinesis",
        "Stream",
        GetAtt("Consumer", "ConsumerARN"),
        "AT_TIMESTAMP",
    )


@pytest.mark.parametrize(
    ("arn", "kind"),
    [
        ("arn:aws:kinesis:us-east-1:111111111111:stream/clicks", EventKind.KINESIS),
        (
            "arn:aws:dynamodb:us-east-1:111111111111:table/t/stream/2024-01-01T00:00:00.000",
            EventKind.DYNAMODB,
        ),
    ],
)
def test_stream_sources_by_literal_arn(arn: str, kind: EventKind) -> None:
    event = only(extract_events(with_fn(Map=esm(arn, StartingPosition="TRIM_HORIZON"))))
    assert (event.kind, event.source, event.source_arn) == (kind, None, arn)


@pytest.mark.parametrize(
    ("arn", "kind", "resource"),
    [
        ("arn:aws:sqs:us-east-1:111111111111:dlq", "sqs", None),
        ("arn:aws:sns:us-east-1:111111111111:alerts", "sns", None),
        ("arn:aws:s3:::failures", "s3", None),
        ("arn:aws:kafka:us-east-1:111111111111:cluster/x", "unknown", None),
        (GetAtt("Bucket", "Arn"), "s3", "Bucket"),
        (GetAtt("Table", "Arn"), "unknown", "Table"),
    ],
)
def test_on_failure_destination_kinds(arn: Value, kind: Any, resource: str | None) -> None:
    stack = with_fn(
        Bucket=("AWS::S3::Bucket", {}),
        Table=TABLE,
        Stream=STREAM,
        Map=esm(
            GetAtt("Stream", "Arn"),
            StartingPosition="LATEST",
            DestinationConfig={"OnFailure": {"Destination": arn}},
        ),
    )
    event = only(extract_events(stack))
    assert isinstance(event, StreamEvent)
    assert event.on_failure == Destination(arn=arn, kind=kind, resource=resource)


@pytest.mark.parametrize(
    ("source", "props", "message"),
    [
        ("Stream", {}, "StartingPosition: a kinesis event source needs a starting position"),
        (
            "Table",
            {"StartingPosition": "AT_TIMESTAMP"},
            "StartingPosition: 'AT_TIMESTAMP' is not a starting position",
        ),
        (
            "Stream",
            {"StartingPosition": "EARLIEST"},
            "StartingPosition: 'EARLIEST' is not a starting position",
        ),
        (
            "Stream",
            {"StartingPosition": "LATEST", "ParallelizationFactor": 11},
            "ParallelizationFactor: 11",
        ),
        (
            "Stream",
            {"StartingPosition": "LATEST", "MaximumRetryAttempts": -2},
            "MaximumRetryAttempts: -2",
        ),
        (
            "Stream",
            {"StartingPosition": "LATEST", "MaximumRecordAgeInSeconds": 604801},
            "MaximumRecordAgeInSeconds: 604801 s",
        ),
        ("Stream", {"StartingPosition": "LATEST", "BatchSize": 10001}, "BatchSize: 10001"),
    ],
)
def test_stream_settings_lambda_rejects(source: str, props: dict[str, Value], message: str) -> None:
    attribute = "StreamArn" if source == "Table" else "Arn"
    stack = with_fn(Table=TABLE, Stream=STREAM, Map=esm(GetAtt(source, attribute), **props))
    with pytest.raises(TemplateError, match=f"resource Map, {message}") as caught:
        extract_events(stack)
    assert "FIDELITY 4.7" in (caught.value.hint or "")


def test_a_table_arn_is_not_a_stream_arn() -> None:
    stack = with_fn(Table=TABLE, Map=esm(GetAtt("Table", "Arn"), StartingPosition="LATEST"))
    with pytest.raises(TemplateError, match="the table's stream, not the table") as caught:
        extract_events(stack)
    assert caught.value.hint == "use !GetAtt Table.StreamArn"


def test_a_table_without_a_stream_cannot_be_an_event_source() -> None:
    kind, props = TABLE
    no_stream = {k: v for k, v in props.items() if k != "StreamSpecification"}
    stack = with_fn(Table=(kind, no_stream), Map=esm(GetAtt("Table", "StreamArn")))
    with pytest.raises(TemplateError, match="table Table has no stream"):
        extract_events(stack)


@pytest.mark.parametrize(
    "source_arn",
    [
        "arn:aws:kafka:us-east-1:111111111111:cluster/c/abc",
        "arn:aws:mq:us-east-1:111111111111:broker:b:id",
        GetAtt("Cluster", "Arn"),
        None,
    ],
)
def test_other_pollers_are_not_event_sources(source_arn: Value) -> None:
    stack = with_fn(Cluster=("AWS::MSK::Cluster", {}), Map=esm(source_arn, Topics=["orders"]))
    assert extract_events(stack) == ()


def test_mappings_to_functions_outside_the_app_are_skipped() -> None:
    stack = with_fn(
        Queue=QUEUE,
        Map=(
            "AWS::Lambda::EventSourceMapping",
            {"EventSourceArn": GetAtt("Queue", "Arn"), "FunctionName": "someone-elses-function"},
        ),
    )
    assert extract_events(stack) == ()


def test_mapping_to_a_function_by_alias_and_by_name() -> None:
    named = ("AWS::Lambda::Function", {**LAMBDA[1], "FunctionName": "worker"})
    stack = build(
        {
            "Fn": named,
            "Alias": ("AWS::Lambda::Alias", {"FunctionName": Ref("Fn"), "Name": "live"}),
            "Queue": QUEUE,
            "ByAlias": (
                "AWS::Lambda::EventSourceMapping",
                {"EventSourceArn": GetAtt("Queue", "Arn"), "FunctionName": Ref("Alias")},
            ),
            "ByName": (
                "AWS::Lambda::EventSourceMapping",
                {"EventSourceArn": GetAtt("Queue", "Arn"), "FunctionName": "worker"},
            ),
        },
        function_ids={"Fn": "Stack/Fn"},
    )
    assert [e.function for e in extract_events(stack)] == ["Stack/Fn", "Stack/Fn"]


def test_a_mapping_without_function_name_is_rejected() -> None:
    stack = with_fn(
        Queue=QUEUE,
        Map=("AWS::Lambda::EventSourceMapping", {"EventSourceArn": GetAtt("Queue", "Arn")}),
    )
    with pytest.raises(TemplateError, match="resource Map, FunctionName: required property"):
        extract_events(stack)


# --------------------------------------------------------------------------- schedules


def test_cdk_schedule_rule_with_json_input() -> None:
    stack = build(
        {
            "Handler886CB40B": LAMBDA,
            "Every5B98BD5E4": (
                "AWS::Events::Rule",
                {
                    "ScheduleExpression": "rate(5 minutes)",
                    "State": "ENABLED",
                    "Targets": [
                        {
                            "Arn": GetAtt("Handler886CB40B", "Arn"),
                            "Id": "Target0",
                            "Input": '{"a":1}',
                        }
                    ],
                },
            ),
        },
        source=SourceKind.CDK,
    )
    assert extract_events(stack) == (
        ScheduleEvent(
            function="Handler886CB40B",
            source="Every5B98BD5E4",
            source_arn=GetAtt("Every5B98BD5E4", "Arn"),
            origin=origin("Every5B98BD5E4"),
            rule="Every5B98BD5E4",
            expression="rate(5 minutes)",
            input={"a": 1},
        ),
    )


def test_sam_disabled_schedule() -> None:
    stack = with_fn(
        FnSched=(
            "AWS::Events::Rule",
            {
                "ScheduleExpression": "rate(1 minute)",
                "State": "DISABLED",
                "Targets": [{"Arn": FN_ARN, "Id": "FnSchedLambdaTarget", "Input": '{"x": 1}'}],
            },
        )
    )
    event = only(extract_events(stack))
    assert isinstance(event, ScheduleEvent)
    assert (event.enabled, event.expression, event.input) == (False, "rate(1 minute)", {"x": 1})


@pytest.mark.parametrize(
    "expression",
    [
        "rate(1 minute)",
        "rate(5 minutes)",
        "rate(2 hours)",
        "rate(1 day)",
        "cron(0 18 ? * MON-FRI *)",
    ],
)
def test_valid_schedule_expressions(expression: str) -> None:
    rule = ("AWS::Events::Rule", {"ScheduleExpression": expression, "Targets": [{"Arn": FN_ARN}]})
    event = only(extract_events(with_fn(Rule=rule)))
    assert isinstance(event, ScheduleEvent)
    assert event.expression == expression


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("rate(1 minutes)", "is not a valid rate"),
        ("rate(5 minute)", "is not a valid rate"),
        ("rate(0 minutes)", "is not a valid rate"),
        ("rate(5 weeks)", "is not a schedule expression"),
        ("cron(0 18 * * ?)", "is not a schedule expression"),
        ("every 5 minutes", "is not a schedule expression"),
        ("at(2030-01-01T00:00:00)", "is not a schedule expression"),
    ],
)
def test_invalid_schedule_expressions_are_rejected(expression: str, message: str) -> None:
    rule = ("AWS::Events::Rule", {"ScheduleExpression": expression, "Targets": [{"Arn": FN_ARN}]})
    with pytest.raises(TemplateError, match=f"resource Rule, ScheduleExpression: .*{message}") as e:
        extract_events(with_fn(Rule=rule))
    assert "FIDELITY 4.6.3" in (e.value.hint or "")


def test_sam_schedule_v2_is_an_eventbridge_scheduler_schedule() -> None:
    stack = with_fn(
        FnSched2Role=("AWS::IAM::Role", {}),
        FnSched2=(
            "AWS::Scheduler::Schedule",
            {
                "ScheduleExpression": "cron(0 12 * * ? *)",
                "FlexibleTimeWindow": {"Mode": "OFF"},
                "Name": "FnSched2",
                "Target": {
                    "Arn": FN_ARN,
                    "RoleArn": GetAtt("FnSched2Role", "Arn"),
                    "Input": '{"y": 2}',
                },
            },
        ),
    )
    assert extract_events(stack) == (
        ScheduleEvent(
            function="Fn",
            source="FnSched2",
            source_arn=GetAtt("FnSched2", "Arn"),
            origin=origin("FnSched2"),
            rule="FnSched2",
            expression="cron(0 12 * * ? *)",
            input={"y": 2},
        ),
    )


def test_scheduler_one_time_schedule_with_text_input_and_disabled_state() -> None:
    stack = with_fn(
        Once=(
            "AWS::Scheduler::Schedule",
            {
                "ScheduleExpression": "at(2030-01-01T09:00:00)",
                "State": "DISABLED",
                "FlexibleTimeWindow": {"Mode": "OFF"},
                "Target": {"Arn": FN_ARN, "RoleArn": "arn:aws:iam::1:role/r", "Input": "hello"},
            },
        )
    )
    event = only(extract_events(stack))
    assert isinstance(event, ScheduleEvent)
    assert (event.expression, event.input, event.enabled) == (
        "at(2030-01-01T09:00:00)",
        "hello",
        False,
    )


def test_scheduler_schedules_of_other_targets_are_skipped() -> None:
    stack = with_fn(
        Queue=QUEUE,
        Sched=(
            "AWS::Scheduler::Schedule",
            {
                "ScheduleExpression": "rate(1 hour)",
                "FlexibleTimeWindow": {"Mode": "OFF"},
                "Target": {"Arn": GetAtt("Queue", "Arn"), "RoleArn": "arn:aws:iam::1:role/r"},
            },
        ),
    )
    assert extract_events(stack) == ()


def test_scheduler_schedule_without_a_target_is_rejected() -> None:
    stack = with_fn(Sched=("AWS::Scheduler::Schedule", {"ScheduleExpression": "rate(1 hour)"}))
    with pytest.raises(TemplateError, match=r"resource Sched, Target\.Arn: required property"):
        extract_events(stack)


# --------------------------------------------------------------------------- EventBridge


def test_cdk_pattern_rule_with_several_targets_gives_one_event_per_function() -> None:
    # GIVEN a rule targeting two functions and a queue
    stack = build(
        {
            "Handler886CB40B": LAMBDA,
            "AuthFnE7829713": LAMBDA,
            "JobsDF1CC2D4": QUEUE,
            "OnPutB5E407B8": (
                "AWS::Events::Rule",
                {
                    "EventPattern": {"detail-type": ["Put"], "source": ["my.app"]},
                    "State": "ENABLED",
                    "Targets": [
                        {"Arn": GetAtt("Handler886CB40B", "Arn"), "Id": "Target0"},
                        {"Arn": GetAtt("AuthFnE7829713", "Arn"), "Id": "Target1"},
                        {"Arn": GetAtt("JobsDF1CC2D4", "Arn"), "Id": "Target2"},
                    ],
                },
            ),
        },
        source=SourceKind.CDK,
    )
    # THEN the queue target is not a function event; each function gets its own event source
    common: dict[str, Any] = {
        "source": "OnPutB5E407B8",
        "source_arn": GetAtt("OnPutB5E407B8", "Arn"),
        "origin": origin("OnPutB5E407B8"),
        "rule": "OnPutB5E407B8",
        "pattern": {"detail-type": ["Put"], "source": ["my.app"]},
    }
    assert extract_events(stack) == (
        EventBridgeEvent(function="Handler886CB40B", **common),
        EventBridgeEvent(function="AuthFnE7829713", **common),
    )
    assert extract_events(stack)[0].kind is EventKind.EVENTBRIDGE


def test_sam_eventbridge_rule_with_input_path() -> None:
    stack = with_fn(
        FnEb=(
            "AWS::Events::Rule",
            {
                "EventPattern": {"source": ["aws.ec2"]},
                "Targets": [{"Arn": FN_ARN, "Id": "FnEbLambdaTarget", "InputPath": "$.detail"}],
            },
        )
    )
    event = only(extract_events(stack))
    assert isinstance(event, EventBridgeEvent)
    assert (event.bus, event.input_path, event.input, event.input_transformer) == (
        "default",
        "$.detail",
        None,
        None,
    )


def test_sam_cloudwatch_event_on_a_custom_bus_with_an_input_transformer() -> None:
    transformer = {"InputPathsMap": {"a": "$.detail.a"}, "InputTemplate": '{"a": <a>}'}
    stack = with_fn(
        FnCwe=(
            "AWS::Events::Rule",
            {
                "EventBusName": "custom-bus",
                "EventPattern": {"detail-type": ["X"]},
                "Targets": [
                    {"Arn": FN_ARN, "Id": "FnCweLambdaTarget", "InputTransformer": transformer}
                ],
            },
        )
    )
    event = only(extract_events(stack))
    assert isinstance(event, EventBridgeEvent)
    assert (event.bus, event.input_transformer) == ("custom-bus", transformer)


def test_pattern_as_a_json_string_and_bus_as_a_reference() -> None:
    stack = with_fn(
        Bus=("AWS::Events::EventBus", {"Name": "orders"}),
        Rule=(
            "AWS::Events::Rule",
            {
                "EventBusName": Ref("Bus"),
                "EventPattern": '{"source": ["orders"]}',
                "Targets": [{"Arn": FN_ARN, "Input": '"constant"'}],
            },
        ),
    )
    event = only(extract_events(stack))
    assert isinstance(event, EventBridgeEvent)
    assert (event.pattern, event.bus, event.input) == (
        {"source": ["orders"]},
        Ref("Bus"),
        "constant",
    )


def test_patterns_and_inputs_that_name_resources_keep_them_symbolic() -> None:
    # GIVEN a pattern written as a YAML object with !Ref, and one built with !Sub as JSON text
    sub_pattern = Join(('{"detail": {"bucket": {"name": ["', Ref("Bucket"), '"]}}}'))
    sub_input = Join(('{"table": "', Ref("Table"), '"}'))
    stack = with_fn(
        Bucket=("AWS::S3::Bucket", {}),
        Table=TABLE,
        Yaml=(
            "AWS::Events::Rule",
            {
                "EventPattern": {"detail": {"bucket": {"name": [Ref("Bucket")]}}},
                "Targets": [{"Arn": FN_ARN}],
            },
        ),
        Sub=(
            "AWS::Events::Rule",
            {"EventPattern": sub_pattern, "Targets": [{"Arn": FN_ARN, "Input": sub_input}]},
        ),
    )
    # THEN both patterns are read, the references left for the local cloud to fill in
    events = [e for e in extract_events(stack) if isinstance(e, EventBridgeEvent)]
    assert [e.pattern for e in events] == [{"detail": {"bucket": {"name": [Ref("Bucket")]}}}] * 2
    assert events[1].input == {"table": Ref("Table")}


def test_a_rule_with_both_a_schedule_and_a_pattern_gives_both() -> None:
    stack = with_fn(
        Rule=(
            "AWS::Events::Rule",
            {
                "ScheduleExpression": "rate(1 hour)",
                "EventPattern": {"source": ["x"]},
                "Targets": [{"Arn": FN_ARN}],
            },
        )
    )
    assert [e.kind for e in extract_events(stack)] == [EventKind.SCHEDULE, EventKind.EVENTBRIDGE]


def test_rule_targets_through_an_alias_arn() -> None:
    stack = with_fn(
        Alias=("AWS::Lambda::Alias", {"FunctionName": Ref("Fn"), "Name": "live"}),
        Rule=(
            "AWS::Events::Rule",
            {"ScheduleExpression": "rate(1 day)", "Targets": [{"Arn": Ref("Alias")}]},
        ),
    )
    assert only(extract_events(stack)).function == "Fn"


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"Targets": [{"Arn": FN_ARN}]}, "Properties: a rule needs a ScheduleExpression or an"),
        ({"EventPattern": "{source", "Targets": [{"Arn": FN_ARN}]}, "EventPattern: not valid JSON"),
        ({"EventPattern": "[]", "Targets": []}, "EventPattern: expected a JSON object"),
        (
            {"EventPattern": {"source": ["x"]}, "Targets": [{"Arn": FN_ARN, "Input": "{oops"}]},
            r"Targets\[0\]\.Input: not valid JSON",
        ),
        (
            {"EventPattern": {"source": ["x"]}, "State": "PAUSED", "Targets": []},
            "State: must be ENABLED or DISABLED",
        ),
        (
            {"EventPattern": {"source": ["x"]}, "Targets": {"Arn": FN_ARN}},
            "Targets: expected a list",
        ),
    ],
)
def test_malformed_rules_are_rejected(props: dict[str, Value], message: str) -> None:
    with pytest.raises(TemplateError, match=f"template.yaml: resource Rule, {message}"):
        extract_events(with_fn(Rule=("AWS::Events::Rule", props)))


def test_rule_without_targets_has_no_events() -> None:
    stack = with_fn(Rule=("AWS::Events::Rule", {"ScheduleExpression": "rate(1 hour)"}))
    assert extract_events(stack) == ()


# --------------------------------------------------------------------------- the whole stack


def test_permissions_alone_are_not_event_sources() -> None:
    # GIVEN only the permissions SAM/CDK add next to each event (no source wiring)
    stack = with_fn(
        Bucket=("AWS::S3::Bucket", {}),
        Topic=TOPIC,
        FnUploadPermission=(
            "AWS::Lambda::Permission",
            {
                "Action": "lambda:InvokeFunction",
                "FunctionName": Ref("Fn"),
                "Principal": "s3.amazonaws.com",
                "SourceAccount": "123456789012",
            },
        ),
        FnSnsPermission=(
            "AWS::Lambda::Permission",
            {
                "Action": "lambda:InvokeFunction",
                "FunctionName": Ref("Fn"),
                "Principal": "sns.amazonaws.com",
                "SourceArn": Ref("Topic"),
            },
        ),
    )
    assert extract_events(stack) == ()


def test_events_of_every_kind_come_out_in_template_order() -> None:
    stack = with_fn(
        Bucket=bucket({"Function": FN_ARN, "Event": "s3:ObjectCreated:*"}),
        Topic=TOPIC,
        Sub=(
            "AWS::SNS::Subscription",
            {"Endpoint": FN_ARN, "Protocol": "lambda", "TopicArn": Ref("Topic")},
        ),
        Queue=QUEUE,
        QueueMap=esm(GetAtt("Queue", "Arn")),
        Table=TABLE,
        TableMap=esm(GetAtt("Table", "StreamArn"), StartingPosition="LATEST"),
        Stream=STREAM,
        StreamMap=esm(GetAtt("Stream", "Arn"), StartingPosition="LATEST"),
        Schedule=(
            "AWS::Events::Rule",
            {"ScheduleExpression": "rate(1 hour)", "Targets": [{"Arn": FN_ARN}]},
        ),
        Pattern=(
            "AWS::Events::Rule",
            {"EventPattern": {"source": ["x"]}, "Targets": [{"Arn": FN_ARN}]},
        ),
    )
    assert [e.kind for e in extract_events(stack)] == [
        EventKind.S3,
        EventKind.SNS,
        EventKind.SQS,
        EventKind.DYNAMODB,
        EventKind.KINESIS,
        EventKind.SCHEDULE,
        EventKind.EVENTBRIDGE,
    ]
