"""Atomic counters in DynamoDB behind GET/POST /counters/{name}."""

from __future__ import annotations

import json
import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ.get("TABLE_NAME", "counts"))


def _reply(status: int, body: dict) -> dict:
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(body),
    }


def handler(event: dict, context: object) -> dict:
    name = (event.get("pathParameters") or {}).get("name", "")
    if not name:
        return _reply(400, {"message": "missing counter name"})
    if event["requestContext"]["http"]["method"] == "POST":
        item = table.update_item(
            Key={"pk": name},
            UpdateExpression="ADD hits :one",
            ExpressionAttributeValues={":one": 1},
            ReturnValues="UPDATED_NEW",
        )["Attributes"]
    else:
        item = table.get_item(Key={"pk": name}).get("Item", {})
    return _reply(200, {"name": name, "hits": int(item.get("hits", 0))})
