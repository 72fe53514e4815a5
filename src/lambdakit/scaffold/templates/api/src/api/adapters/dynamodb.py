"""Items in a DynamoDB table with a string partition key `id`."""

import boto3

from adapters.ports.items import Item


class DynamoDbItems:
    """`ItemStore` on a DynamoDB table."""

    def __init__(self, table_name: str, client=None) -> None:
        self._table = table_name
        self._client = client or boto3.client("dynamodb")

    def put(self, item: Item) -> None:
        self._client.put_item(
            TableName=self._table,
            Item={
                "id": {"S": item.id},
                "name": {"S": item.name},
                "quantity": {"N": str(item.quantity)},
            },
        )

    def get(self, item_id: str) -> Item | None:
        found = self._client.get_item(TableName=self._table, Key={"id": {"S": item_id}})
        return _item(found["Item"]) if "Item" in found else None

    def all(self) -> list[Item]:
        items = []
        for page in self._client.get_paginator("scan").paginate(TableName=self._table):
            items.extend(_item(raw) for raw in page["Items"])
        return items

    def delete(self, item_id: str) -> bool:
        removed = self._client.delete_item(
            TableName=self._table, Key={"id": {"S": item_id}}, ReturnValues="ALL_OLD"
        )
        return "Attributes" in removed


def _item(raw: dict) -> Item:
    return Item(id=raw["id"]["S"], name=raw["name"]["S"], quantity=int(raw["quantity"]["N"]))
