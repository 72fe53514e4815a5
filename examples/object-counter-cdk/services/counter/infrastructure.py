"""The counter service's infrastructure: its table, topic, functions and HTTP API."""

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from constructs import Construct

RUNTIME = "services/counter/runtime"  # relative to the app folder, where synth runs
EXCLUDE = ["__pycache__", "*.pyc"]


class Counter(Construct):
    """Counts objects in a DynamoDB table, announces each change on SNS, serves GET /count."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)

        self.table = dynamodb.Table(
            self,
            "Table",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        self.topic = sns.Topic(self, "Changes")

        code = lambda_.Code.from_asset(RUNTIME, exclude=EXCLUDE)
        self.handler = lambda_.Function(
            self,
            "Handler",
            description="Counts objects created in and removed from the watched bucket",
            runtime=lambda_.Runtime.PYTHON_3_12,
            architecture=lambda_.Architecture.ARM_64,
            code=code,
            handler="handler.on_object_event",
            timeout=cdk.Duration.seconds(10),
            memory_size=256,
            environment={
                "TABLE_NAME": self.table.table_name,
                "TOPIC_ARN": self.topic.topic_arn,
            },
        )
        self.table.grant_read_write_data(self.handler)
        self.topic.grant_publish(self.handler)

        self.api_handler = lambda_.Function(
            self,
            "ApiHandler",
            description="GET /count: the counts",
            runtime=lambda_.Runtime.PYTHON_3_12,
            code=code,
            handler="handler.get_count",
            timeout=cdk.Duration.seconds(10),
            environment={"TABLE_NAME": self.table.table_name},
        )
        self.table.grant_read_data(self.api_handler)

        self.api = apigateway.RestApi(
            self,
            "Api",
            description="Object counter",
            cloud_watch_role=False,
            deploy_options=apigateway.StageOptions(stage_name="prod"),
        )
        count = self.api.root.add_resource("count")
        count.add_method("GET", apigateway.LambdaIntegration(self.api_handler))
