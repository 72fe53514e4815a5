"""The stack: a watched bucket, the counter service and the worker service, wired together."""

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from constructs import Construct
from services.counter.infrastructure import Counter
from services.worker.infrastructure import Worker


class CounterStack(cdk.Stack):
    """Counts the objects in a watched bucket and announces every change."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)

        prefix = cdk.CfnParameter(
            self,
            "BucketPrefix",
            type="String",
            default="object-counter",
            allowed_pattern="[a-z0-9][a-z0-9-]*",
            description="First part of the watched bucket's name (then -watched-ACCOUNT-REGION)",
        )
        retry_delay = cdk.CfnParameter(
            self,
            "RetryDelaySeconds",
            type="Number",
            default=60,
            min_value=1,
            description="The work queue's visibility timeout: how long a failed work item waits"
            " before it is tried again (the local demo uses 2)",
        )
        bucket = s3.Bucket(
            self,
            "WatchedBucket",
            bucket_name=f"{prefix.value_as_string}-watched-{cdk.Aws.ACCOUNT_ID}-{cdk.Aws.REGION}",
            enforce_ssl=True,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )

        counter = Counter(self, "Counter")
        for event in (s3.EventType.OBJECT_CREATED, s3.EventType.OBJECT_REMOVED):
            bucket.add_event_notification(event, s3n.LambdaDestination(counter.handler))

        worker = Worker(
            self,
            "Worker",
            announcements=counter.topic,
            table=counter.table,
            retry_delay=cdk.Duration.seconds(retry_delay.value_as_number),
        )

        cdk.CfnOutput(self, "ApiUrl", value=counter.api.url_for_path("/count"))
        cdk.CfnOutput(self, "BucketName", value=bucket.bucket_name)
        cdk.CfnOutput(self, "TopicArn", value=counter.topic.topic_arn)
        cdk.CfnOutput(self, "QueueUrl", value=worker.queue.queue_url)
        cdk.CfnOutput(self, "DeadLetterQueueUrl", value=worker.dead_letter_queue.queue_url)
