"""Counts in a DynamoDB table: item `objects` (count, bytes), item `announcements` (processed)."""

import boto3

from adapters.ports.counts import Totals


class DynamoDbCounts:
    """`CountStore` on a table with a string partition key `pk`, updated atomically with ADD."""

    def __init__(self, table_name: str, client=None) -> None:
        self._table = table_name
        self._client = client or boto3.client("dynamodb")

    def object_created(self, size: int) -> Totals:
        return self._add(count=1, size=size)

    def object_removed(self) -> Totals:
        return self._add(count=-1, size=0)

    def totals(self) -> Totals:
        objects = self._item("objects")
        announcements = self._item("announcements")
        return Totals(
            objects=_number(objects, "count"),
            bytes_added=_number(objects, "bytes"),
            announcements_processed=_number(announcements, "processed"),
        )

    def _add(self, *, count: int, size: int) -> Totals:
        response = self._client.update_item(
            TableName=self._table,
            Key={"pk": {"S": "objects"}},
            UpdateExpression="ADD #count :count, #bytes :size",
            ExpressionAttributeNames={"#count": "count", "#bytes": "bytes"},
            ExpressionAttributeValues={":count": {"N": str(count)}, ":size": {"N": str(size)}},
            ReturnValues="ALL_NEW",
        )
        item = response["Attributes"]
        return Totals(objects=_number(item, "count"), bytes_added=_number(item, "bytes"))

    def _item(self, pk: str) -> dict:
        return self._client.get_item(TableName=self._table, Key={"pk": {"S": pk}}).get("Item", {})


def _number(item: dict, name: str) -> int:
    return int(item.get(name, {}).get("N", "0"))
