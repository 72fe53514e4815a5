"""The worker's infrastructure: a queue subscribed to the announcements, its DLQ, a function."""

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

RUNTIME = "services/worker/runtime"  # relative to the app folder, where synth runs
EXCLUDE = ["__pycache__", "*.pyc"]


class Worker(Construct):
    """Processes announcements from a queue; messages that fail 3 times go to the DLQ."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        announcements: sns.ITopic,
        table: dynamodb.ITable,
        retry_delay: cdk.Duration | None = None,
    ) -> None:
        """`retry_delay`: the queue's visibility timeout (default 60 s), how long a failed item
        waits before it is tried again; keep it at least 6 times the worker's timeout in AWS."""
        super().__init__(scope, construct_id)

        self.dead_letter_queue = sqs.Queue(
            self, "DeadLetterQueue", retention_period=cdk.Duration.days(14)
        )
        self.queue = sqs.Queue(
            self,
            "Queue",
            visibility_timeout=retry_delay or cdk.Duration.seconds(60),
            dead_letter_queue=sqs.DeadLetterQueue(
                max_receive_count=3, queue=self.dead_letter_queue
            ),
        )
        announcements.add_subscription(
            subscriptions.SqsSubscription(self.queue, raw_message_delivery=True)
        )

        self.handler = lambda_.Function(
            self,
            "Handler",
            description="Tallies announcements; reports failed items of each batch",
            runtime=lambda_.Runtime.PYTHON_3_12,
            code=lambda_.Code.from_asset(RUNTIME, exclude=EXCLUDE),
            handler="handler.handle_batch",
            timeout=cdk.Duration.seconds(10),
            environment={"TABLE_NAME": table.table_name},
        )
        table.grant_read_write_data(self.handler)
        self.handler.add_event_source(
            event_sources.SqsEventSource(self.queue, batch_size=10, report_batch_item_failures=True)
        )
