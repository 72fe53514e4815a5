"""The counter: S3 notifications in, counts in DynamoDB, one SNS announcement per change.

`on_object_event` handles the watched bucket's notifications; `get_count` answers GET /count.
The table has a string partition key `pk`: item `objects` holds `count` and `bytes`, item
`announcements` holds `processed` (the worker's tally).
"""

import json
import os
from functools import cache
from urllib.parse import unquote_plus

import boto3


@cache
def _dynamodb():
    return boto3.client("dynamodb")


@cache
def _sns():
    return boto3.client("sns")


def on_object_event(event, context, dynamodb=None, sns=None):
    """Count each created or removed object and announce it on the topic."""
    dynamodb = dynamodb or _dynamodb()
    sns = sns or _sns()
    records = event.get("Records", [])
    for record in records:
        s3 = record["s3"]
        created = record["eventName"].startswith("ObjectCreated")
        size = s3["object"].get("size", 0) if created else 0
        updated = dynamodb.update_item(
            TableName=os.environ["TABLE_NAME"],
            Key={"pk": {"S": "objects"}},
            UpdateExpression="ADD #count :count, #bytes :size",
            ExpressionAttributeNames={"#count": "count", "#bytes": "bytes"},
            ExpressionAttributeValues={
                ":count": {"N": "1" if created else "-1"},
                ":size": {"N": str(size)},
            },
            ReturnValues="ALL_NEW",
        )
        announcement = {
            "change": "created" if created else "removed",
            "bucket": s3["bucket"]["name"],
            "key": unquote_plus(s3["object"]["key"]),  # keys arrive URL-encoded
            "size": size,
            "objects": _number(updated["Attributes"], "count"),
        }
        sns.publish(TopicArn=os.environ["TOPIC_ARN"], Message=json.dumps(announcement))
    return {"counted": len(records)}


def get_count(event, context, dynamodb=None):
    """API Gateway (REST, proxy integration): the counts as JSON."""
    dynamodb = dynamodb or _dynamodb()
    objects = _item(dynamodb, "objects")
    announcements = _item(dynamodb, "announcements")
    body = {
        "objects": _number(objects, "count"),
        "bytes_added": _number(objects, "bytes"),
        "announcements_processed": _number(announcements, "processed"),
    }
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(body),
    }


def _item(dynamodb, pk):
    key = {"pk": {"S": pk}}
    return dynamodb.get_item(TableName=os.environ["TABLE_NAME"], Key=key).get("Item", {})


def _number(item, name):
    return int(item.get(name, {}).get("N", "0"))
