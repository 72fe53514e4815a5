"""The worker: announcements from SQS, tallied in the table, with partial batch failures.

The queue subscribes to the topic with raw delivery, so each body is the counter's JSON. A body
with `"fail": true` fails on purpose: SQS delivers it again, and after 3 receives it moves to the
dead-letter queue. Only failed messages are reported in `batchItemFailures`, so the others of the
batch are not retried.
"""

import json
import os
from functools import cache

import boto3


@cache
def _dynamodb():
    return boto3.client("dynamodb")


def handle_batch(event, context, dynamodb=None):
    dynamodb = dynamodb or _dynamodb()
    failures = []
    for record in event.get("Records", []):
        problem = _problem(record["body"])
        if problem:
            print(json.dumps({"failed": record["messageId"], "reason": problem}))
            failures.append({"itemIdentifier": record["messageId"]})
            continue
        dynamodb.update_item(
            TableName=os.environ["TABLE_NAME"],
            Key={"pk": {"S": "announcements"}},
            UpdateExpression="ADD #processed :one",  # "processed" is a DynamoDB reserved word
            ExpressionAttributeNames={"#processed": "processed"},
            ExpressionAttributeValues={":one": {"N": "1"}},
        )
    return {"batchItemFailures": failures}


def _problem(body):
    """Why this message cannot be processed, or None."""
    try:
        announcement = json.loads(body)
    except json.JSONDecodeError:
        return "not JSON"
    if not isinstance(announcement, dict):
        return "not a JSON object"
    if announcement.get("fail") is True:
        return 'the message asks to fail ("fail": true)'
    return None
