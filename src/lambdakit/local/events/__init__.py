"""Pure builders of the event payloads AWS services send to Lambda (FIDELITY §4)."""

from lambdakit.local.events.payloads import (
    SAMPLE_ACCOUNT,
    SAMPLE_REGION,
    SAMPLE_TIME,
    SqsMessage,
    eventbridge_event,
    s3_event,
    s3_records,
    schedule_event,
    sns_event,
    sqs_event,
)
from lambdakit.local.events.payloads_api import api_v1_event, api_v2_event
from lambdakit.local.events.payloads_streams import (
    DynamoRecord,
    KinesisRecord,
    dynamodb_event,
    kinesis_event,
    to_dynamodb,
)
from lambdakit.local.events.samples import KINDS, SampleOptions, sample_event

__all__ = [
    "KINDS",
    "SAMPLE_ACCOUNT",
    "SAMPLE_REGION",
    "SAMPLE_TIME",
    "DynamoRecord",
    "KinesisRecord",
    "SampleOptions",
    "SqsMessage",
    "api_v1_event",
    "api_v2_event",
    "dynamodb_event",
    "eventbridge_event",
    "kinesis_event",
    "s3_event",
    "s3_records",
    "sample_event",
    "schedule_event",
    "sns_event",
    "sqs_event",
    "to_dynamodb",
]
