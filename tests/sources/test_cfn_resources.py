"""Resources read from a resolved stack (`cfn_resources`, `cfn_tables`, `cfn_absorbed`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lambdakit.errors import TemplateError
from lambdakit.model import (
    Bucket,
    EventBus,
    GetAtt,
    Join,
    KeyAttribute,
    Queue,
    RedrivePolicy,
    Ref,
    ResourceKind,
    SecondaryIndex,
    Secret,
    SourceKind,
    SsmParameter,
    Stream,
    Subscription,
    Table,
    Topic,
    Unresolved,
)
from lambdakit.sources.cfn_json import json_document
from lambdakit.sources.cfn_resources import extract_resources
from lambdakit.sources.resolved import ResolvedResource, ResolvedStack, StackContext

TEMPLATE = Path("/project/template.yaml")


def res(logical_id, type_, *, condition=None, update_policy=None, **props):
    return ResolvedResource(
        logical_id=logical_id,
        type=type_,
        properties=props,
        condition=condition,
        update_policy=update_policy or {},
    )


def stack(*resources, **context):
    ctx = StackContext(
        stack="app", file=TEMPLATE, base_dir=TEMPLATE.parent, source=SourceKind.SAM, **context
    )
    return ResolvedStack(ctx, {r.logical_id: r for r in resources})


def resources(*items, **context):
    return {r.logical_id: r for r in extract_resources(stack(*items, **context))}


def one(*items):
    return extract_resources(stack(*items))[0]


FUNCTION = res("Fn", "AWS::Lambda::Function", Runtime="python3.12", Handler="app.handler")


# --------------------------------------------------------------------------- buckets


def test_bucket():
    bucket = one(
        res(
            "Uploads",
            "AWS::S3::Bucket",
            condition="IsProd",
            BucketName="uploads-prod",
            VersioningConfiguration={"Status": "Enabled"},
            NotificationConfiguration={"EventBridgeConfiguration": {"EventBridgeEnabled": "true"}},
        )
    )

    assert isinstance(bucket, Bucket)
    assert bucket.kind is ResourceKind.BUCKET and bucket.emulated
    assert (bucket.logical_id, bucket.stack, bucket.type) == ("Uploads", "app", "AWS::S3::Bucket")
    assert bucket.origin.file == TEMPLATE
    assert bucket.name == "uploads-prod"
    assert bucket.condition == "IsProd"
    assert bucket.versioned and bucket.eventbridge_enabled


def test_bucket_defaults():
    bucket = one(res("B", "AWS::S3::Bucket", VersioningConfiguration={"Status": "Suspended"}))

    assert bucket == Bucket(
        logical_id="B", stack="app", type="AWS::S3::Bucket", origin=bucket.origin
    )


def test_bucket_eventbridge_disabled_explicitly():
    bucket = one(
        res(
            "B",
            "AWS::S3::Bucket",
            NotificationConfiguration={"EventBridgeConfiguration": {"EventBridgeEnabled": False}},
        )
    )

    assert not bucket.eventbridge_enabled


def test_bucket_eventbridge_enabled_through_cdk_notifications():
    # GIVEN what CDK synthesizes for Bucket(event_bridge_enabled=True)
    found = resources(
        res("B08E7C7AF", "AWS::S3::Bucket"),
        res(
            "BNotificationsEB8DA980",
            "Custom::S3BucketNotifications",
            ServiceToken=GetAtt("BucketNotificationsHandler", "Arn"),
            BucketName=Ref("B08E7C7AF"),
            NotificationConfiguration={"EventBridgeConfiguration": {}},
        ),
    )

    assert found["B08E7C7AF"].eventbridge_enabled
    assert "BNotificationsEB8DA980" not in found  # absorbed: event wiring


# --------------------------------------------------------------------------- tables


def test_table_with_indexes_stream_and_ttl():
    table = one(
        res(
            "Orders",
            "AWS::DynamoDB::Table",
            TableName="orders",
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
                {"AttributeName": "total", "AttributeType": "N"},
            ],
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "byTotal",
                    "KeySchema": [{"AttributeName": "total", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                }
            ],
            LocalSecondaryIndexes=[
                {
                    "IndexName": "byPkTotal",
                    "KeySchema": [
                        {"AttributeName": "pk", "KeyType": "HASH"},
                        {"AttributeName": "total", "KeyType": "RANGE"},
                    ],
                    "Projection": {},
                }
            ],
            StreamSpecification={"StreamViewType": "NEW_AND_OLD_IMAGES"},
            BillingMode="PAY_PER_REQUEST",
            TimeToLiveSpecification={"AttributeName": "expires", "Enabled": True},
        )
    )

    assert isinstance(table, Table)
    assert table.name == "orders"
    assert table.keys == (KeyAttribute("pk", "S", "HASH"), KeyAttribute("sk", "S", "RANGE"))
    assert table.indexes == (
        SecondaryIndex("byTotal", (KeyAttribute("total", "N", "HASH"),), "KEYS_ONLY"),
        SecondaryIndex(
            "byPkTotal",
            (KeyAttribute("pk", "S", "HASH"), KeyAttribute("total", "N", "RANGE")),
            "ALL",
            local=True,
        ),
    )
    assert table.stream_view_type == "NEW_AND_OLD_IMAGES"
    assert table.billing_mode == "PAY_PER_REQUEST"
    assert table.ttl_attribute == "expires"


def test_table_defaults_follow_cloudformation():
    table = one(
        res(
            "T",
            "AWS::DynamoDB::Table",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "B"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            TimeToLiveSpecification={"AttributeName": "expires", "Enabled": False},
        )
    )

    assert table.billing_mode == "PROVISIONED"
    assert table.stream_view_type is None
    assert table.ttl_attribute is None
    assert table.indexes == ()


def test_sam_simple_table_after_the_transform():
    # what aws-sam-translator makes of `Type: AWS::Serverless::SimpleTable` with a PrimaryKey
    table = one(
        res(
            "Tbl",
            "AWS::DynamoDB::Table",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
    )

    assert table.keys == (KeyAttribute("id", "S", "HASH"),)
    assert table.billing_mode == "PAY_PER_REQUEST"


def test_global_table():
    table = one(
        res(
            "G",
            "AWS::DynamoDB::GlobalTable",
            TableName="global",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamViewType": "NEW_IMAGE"},
            Replicas=[{"Region": "us-east-1"}, {"Region": "eu-west-1"}],
        )
    )

    assert isinstance(table, Table)
    assert table.type == "AWS::DynamoDB::GlobalTable"
    assert table.stream_view_type == "NEW_IMAGE"


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({}, "a table needs a KeySchema"),
        (
            {"KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}]},
            "key attribute 'id' needs an AttributeDefinitions entry",
        ),
        (
            {
                "KeySchema": [{"AttributeName": "id", "KeyType": "PRIMARY"}],
                "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            },
            "KeyType of HASH or RANGE",
        ),
        (
            {
                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "STRING"}],
            },
            "AttributeType S, N or B",
        ),
        (
            {
                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                "GlobalSecondaryIndexes": [{"KeySchema": []}],
            },
            "an index needs an IndexName",
        ),
    ],
)
def test_table_errors_name_the_table(props, message):
    with pytest.raises(TemplateError) as err:
        one(res("Orders", "AWS::DynamoDB::Table", **props))

    assert message in str(err.value)
    assert "template.yaml: Orders" in str(err.value)


# --------------------------------------------------------------------------- topics


def test_topic_with_inline_and_resource_subscriptions():
    found = resources(
        FUNCTION,
        res("Q", "AWS::SQS::Queue"),
        res(
            "T",
            "AWS::SNS::Topic",
            TopicName="orders.fifo",
            FifoTopic=True,
            Subscription=[
                {"Protocol": "email", "Endpoint": "ops@example.com"},
                {"Protocol": "lambda", "Endpoint": GetAtt("Fn", "Arn")},  # an event source
            ],
        ),
        res(
            "QSub",
            "AWS::SNS::Subscription",
            TopicArn=Ref("T"),
            Protocol="sqs",
            Endpoint=GetAtt("Q", "Arn"),
            RawMessageDelivery="true",
            FilterPolicy='{"kind": ["order"]}',
        ),
        res(
            "FnSub",
            "AWS::SNS::Subscription",
            TopicArn=Ref("T"),
            Protocol="lambda",
            Endpoint=GetAtt("Fn", "Arn"),
        ),
    )

    topic = found["T"]
    assert isinstance(topic, Topic)
    assert topic.fifo
    assert topic.name == "orders.fifo"
    assert topic.subscriptions == (
        Subscription("email", "ops@example.com"),
        Subscription(
            "sqs",
            GetAtt("Q", "Arn"),
            raw_message_delivery=True,
            filter_policy={"kind": ["order"]},
            resource="Q",
        ),
    )
    assert "QSub" not in found and "FnSub" not in found


def test_subscription_to_a_function_outside_the_app_is_kept():
    arn = "arn:aws:lambda:us-east-1:123456789012:function:audit"
    topic = one(res("T", "AWS::SNS::Topic", Subscription=[{"Protocol": "lambda", "Endpoint": arn}]))

    assert topic.subscriptions == (Subscription("lambda", arn),)


def test_subscription_to_a_topic_of_another_stack_is_listed():
    found = resources(
        res("Q", "AWS::SQS::Queue"),
        res(
            "Sub",
            "AWS::SNS::Subscription",
            TopicArn="arn:aws:sns:us-east-1:123456789012:shared",
            Protocol="sqs",
            Endpoint=GetAtt("Q", "Arn"),
        ),
    )

    assert found["Sub"].kind is ResourceKind.OTHER


def test_filter_policy_that_is_not_json():
    with pytest.raises(TemplateError, match="FilterPolicy: not valid JSON"):
        resources(
            res("T", "AWS::SNS::Topic"),
            res("S", "AWS::SNS::Subscription", TopicArn=Ref("T"), Protocol="sqs", FilterPolicy="{"),
        )


# --------------------------------------------------------------------------- queues


def test_queue_defaults():
    queue = one(res("Q", "AWS::SQS::Queue"))

    assert isinstance(queue, Queue)
    assert not queue.fifo and not queue.content_based_deduplication
    assert (queue.visibility_timeout_seconds, queue.message_retention_seconds) == (30, 345600)
    assert queue.delay_seconds == 0
    assert queue.redrive is None


def test_queue_with_redrive_object():
    found = resources(
        res("Dlq", "AWS::SQS::Queue", QueueName="jobs-dlq.fifo", FifoQueue=True),
        res(
            "Q",
            "AWS::SQS::Queue",
            QueueName="jobs.fifo",
            FifoQueue="true",
            ContentBasedDeduplication=True,
            VisibilityTimeout="180",
            MessageRetentionPeriod=60,
            DelaySeconds=5,
            RedrivePolicy={"deadLetterTargetArn": GetAtt("Dlq", "Arn"), "maxReceiveCount": "3"},
        ),
    )

    queue = found["Q"]
    assert queue.name == "jobs.fifo"
    assert queue.fifo and queue.content_based_deduplication
    assert (queue.visibility_timeout_seconds, queue.message_retention_seconds) == (180, 60)
    assert queue.delay_seconds == 5
    assert queue.redrive == RedrivePolicy("Dlq", GetAtt("Dlq", "Arn"), 3)


def test_queue_with_redrive_json_built_with_sub():
    # RedrivePolicy: !Sub '{"deadLetterTargetArn": "${Dlq.Arn}", "maxReceiveCount": 5}'
    policy = Join(('{"deadLetterTargetArn": "', GetAtt("Dlq", "Arn"), '", "maxReceiveCount": 5}'))
    found = resources(
        res("Dlq", "AWS::SQS::Queue"), res("Q", "AWS::SQS::Queue", RedrivePolicy=policy)
    )

    assert found["Q"].redrive == RedrivePolicy("Dlq", GetAtt("Dlq", "Arn"), 5)


def test_queue_with_a_dead_letter_queue_elsewhere():
    arn = "arn:aws:sqs:us-east-1:123456789012:shared-dlq"
    queue = one(
        res(
            "Q",
            "AWS::SQS::Queue",
            RedrivePolicy=f'{{"deadLetterTargetArn": "{arn}", "maxReceiveCount": 4}}',
        )
    )

    assert queue.redrive == RedrivePolicy(None, arn, 4)


def test_redrive_known_only_at_deploy_is_not_emulated():
    queue = one(
        res("Q", "AWS::SQS::Queue", RedrivePolicy=Unresolved({"Fn::ImportValue": "p"}, "import"))
    )

    assert queue.redrive is None


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ({"maxReceiveCount": 3}, "needs deadLetterTargetArn and maxReceiveCount"),
        ("not json", "not valid JSON"),
        ("[1]", "expected an object"),
    ],
)
def test_redrive_errors(policy, message):
    with pytest.raises(TemplateError, match=message):
        one(res("Q", "AWS::SQS::Queue", RedrivePolicy=policy))


# --------------------------------------------------------------------------- the other typed kinds


def test_stream_bus_parameter_and_secrets():
    found = resources(
        res("S", "AWS::Kinesis::Stream", Name="clicks", ShardCount=4),
        res("OnDemand", "AWS::Kinesis::Stream", StreamModeDetails={"StreamMode": "ON_DEMAND"}),
        res("Bus", "AWS::Events::EventBus", Name="orders"),
        res("P", "AWS::SSM::Parameter", Name="/app/flag", Type="StringList", Value="a,b"),
        res("Plain", "AWS::SSM::Parameter", Value=Ref("Bus")),
        res("Gen", "AWS::SecretsManager::Secret", GenerateSecretString={"PasswordLength": 32}),
        res("Lit", "AWS::SecretsManager::Secret", Name="api-key", SecretString="s3cret"),
    )

    assert found["S"] == Stream(**_common(found["S"]), shard_count=4)
    assert isinstance(found["OnDemand"], Stream) and found["OnDemand"].shard_count == 1
    assert found["Bus"] == EventBus(**_common(found["Bus"]))
    assert found["P"] == SsmParameter(
        **_common(found["P"]), value="a,b", parameter_type="StringList"
    )
    assert found["Plain"] == SsmParameter(**_common(found["Plain"]), value=Ref("Bus"))
    assert found["Gen"] == Secret(**_common(found["Gen"]), generated=True)
    assert found["Lit"] == Secret(**_common(found["Lit"]), secret_string="s3cret")
    assert found["S"].name == "clicks" and found["Lit"].name == "api-key"


def _common(resource):
    return {
        "logical_id": resource.logical_id,
        "stack": resource.stack,
        "type": resource.type,
        "origin": resource.origin,
        "name": resource.name,
        "condition": resource.condition,
    }


# --------------------------------------------------------------------------- everything else


def test_other_resources_are_listed_as_not_emulated_with_their_name():
    found = resources(
        res("Logs", "AWS::Logs::LogGroup", LogGroupName="/aws/lambda/x"),
        res("Machine", "AWS::StepFunctions::StateMachine", StateMachineName="flow"),
        res("Pool", "AWS::Cognito::UserPool"),
        res("Custom", "Custom::Seed", ServiceToken=GetAtt("Fn", "Arn"), Name="seed"),
        res("Domain", "AWS::ApiGateway::DomainName", DomainName="api.example.com"),
    )

    assert {lid: (r.kind, r.emulated, r.name) for lid, r in found.items()} == {
        "Logs": (ResourceKind.OTHER, False, "/aws/lambda/x"),
        "Machine": (ResourceKind.OTHER, False, "flow"),
        "Pool": (ResourceKind.OTHER, False, None),
        "Custom": (ResourceKind.OTHER, False, "seed"),
        "Domain": (ResourceKind.OTHER, False, "api.example.com"),
    }


def test_template_order_is_kept():
    found = extract_resources(
        stack(
            res("Z", "AWS::SQS::Queue"),
            res("A", "AWS::SNS::Topic"),
            res("M", "AWS::Logs::LogGroup"),
        )
    )

    assert [r.logical_id for r in found] == ["Z", "A", "M"]


def test_functions_permissions_and_api_wiring_are_absorbed():
    found = resources(
        FUNCTION,
        res("FnRole", "AWS::IAM::Role"),
        res("FnPolicy", "AWS::IAM::Policy"),
        res("Perm", "AWS::Lambda::Permission", FunctionName=Ref("Fn")),
        res("Layer", "AWS::Lambda::LayerVersion"),
        res("Version", "AWS::Lambda::Version", FunctionName=Ref("Fn")),
        res("Alias", "AWS::Lambda::Alias", FunctionName=Ref("Fn"), Name="live"),
        res("Url", "AWS::Lambda::Url", TargetFunctionArn=Ref("Fn")),
        res("Cfg", "AWS::Lambda::EventInvokeConfig", FunctionName=Ref("Fn")),
        res("Esm", "AWS::Lambda::EventSourceMapping", FunctionName=Ref("Fn")),
        res("QPolicy", "AWS::SQS::QueuePolicy"),
        res("Api", "AWS::ApiGateway::RestApi"),
        res("ApiMethod", "AWS::ApiGateway::Method"),
        res("ApiStage", "AWS::ApiGateway::Stage"),
        res("Http", "AWS::ApiGatewayV2::Api", ProtocolType="HTTP"),
        res("HttpRoute", "AWS::ApiGatewayV2::Route"),
        res("CDKMetadata", "AWS::CDK::Metadata"),
    )

    assert found == {}


def test_websocket_api_is_listed():
    found = resources(res("Ws", "AWS::ApiGatewayV2::Api", ProtocolType="WEBSOCKET", Name="chat"))

    assert found["Ws"].kind is ResourceKind.OTHER
    assert found["Ws"].name == "chat"


def test_rules_and_schedules_are_absorbed_only_when_they_deliver_to_the_app():
    found = resources(
        FUNCTION,
        res("Q", "AWS::SQS::Queue"),
        res("ToFn", "AWS::Events::Rule", Targets=[{"Id": "t", "Arn": GetAtt("Fn", "Arn")}]),
        res(
            "ToQueue",
            "AWS::Events::Rule",
            ScheduleExpression="rate(1 hour)",
            Targets=[{"Id": "t", "Arn": GetAtt("Q", "Arn")}],
        ),
        res(
            "MatchedToQueue",
            "AWS::Events::Rule",
            EventPattern={"source": ["shop"]},
            Targets=[{"Id": "t", "Arn": GetAtt("Q", "Arn")}],
        ),
        res("Nightly", "AWS::Scheduler::Schedule", Target={"Arn": GetAtt("Fn", "Arn")}),
        res("External", "AWS::Scheduler::Schedule", Target={"Arn": "arn:aws:sqs:us-east-1:1:q"}),
    )

    # FIDELITY 4.6.2: a scheduled rule delivers to the app's queue locally, so it is absorbed;
    # a Scheduler schedule with a literal SQS ARN is not emulated and stays listed.
    assert set(found) == {"Q", "External"}
    assert found["External"].kind is ResourceKind.OTHER


def test_codedeploy_resources_are_absorbed_only_when_an_alias_uses_them():
    found = resources(
        FUNCTION,
        res(
            "FnAliaslive",
            "AWS::Lambda::Alias",
            FunctionName=Ref("Fn"),
            Name="live",
            update_policy={
                "CodeDeployLambdaAliasUpdate": {
                    "ApplicationName": Ref("App"),
                    "DeploymentGroupName": Ref("Group"),
                }
            },
        ),
        res("App", "AWS::CodeDeploy::Application", ComputePlatform="Lambda"),
        res("Group", "AWS::CodeDeploy::DeploymentGroup", DeploymentConfigName=Ref("Config")),
        res("Config", "AWS::CodeDeploy::DeploymentConfig"),
        res("Ec2App", "AWS::CodeDeploy::Application", ComputePlatform="Server"),
    )

    assert set(found) == {"Ec2App"}


# --------------------------------------------------------------------------- JSON documents


def test_json_document_keeps_references_symbolic():
    value = Join(('{"arn": "', Ref("Q"), '", "name": "pre-', Ref("T"), '-post", "n": 1}'))

    assert json_document(value, "here") == {
        "arn": Ref("Q"),
        "name": Join(("pre-", Ref("T"), "-post")),
        "n": 1,
    }


def test_json_document_leaves_structures_alone():
    assert json_document({"a": 1}, "here") == {"a": 1}
    assert json_document('"text"', "here") == "text"
