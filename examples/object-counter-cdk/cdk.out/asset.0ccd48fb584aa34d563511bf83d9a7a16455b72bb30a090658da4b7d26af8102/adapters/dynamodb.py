"""Processed announcements tallied in the counter's table (item `announcements`)."""

import boto3


class DynamoDbAnnouncementLog:
    """`AnnouncementLog` that counts announcements and keeps the last key seen."""

    def __init__(self, table_name: str, client=None) -> None:
        self._table = table_name
        self._client = client or boto3.client("dynamodb")

    def record(self, announcement: dict) -> None:
        self._client.update_item(
            TableName=self._table,
            Key={"pk": {"S": "announcements"}},
            UpdateExpression="ADD #processed :one SET last_key = :key",
            ExpressionAttributeNames={"#processed": "processed"},  # a DynamoDB reserved word
            ExpressionAttributeValues={
                ":one": {"N": "1"},
                ":key": {"S": str(announcement.get("key", ""))},
            },
        )
