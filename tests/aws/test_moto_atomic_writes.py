"""lambdakit's moto applies concurrent DynamoDB writes one at a time, as DynamoDB does: no
``UpdateItem ... ADD`` is lost when many arrive at once (two environments counting objects)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
from botocore.config import Config

from lambdakit.aws.moto_server import MotoServer
from lambdakit.aws.provision import FAKE_CREDENTIALS

WRITERS = 8
ADDS_EACH = 40


def _dynamodb(server: MotoServer) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=server.url,
        region_name="us-east-1",
        config=Config(max_pool_connections=WRITERS),
        **FAKE_CREDENTIALS,
    )


def test_concurrent_adds_are_all_counted(moto: MotoServer) -> None:
    dynamodb = _dynamodb(moto)
    dynamodb.create_table(
        TableName="counts",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )

    def add_many(_: int) -> None:
        for _ in range(ADDS_EACH):
            dynamodb.update_item(
                TableName="counts",
                Key={"pk": {"S": "objects"}},
                UpdateExpression="ADD #count :one",
                ExpressionAttributeNames={"#count": "count"},
                ExpressionAttributeValues={":one": {"N": "1"}},
            )

    with ThreadPoolExecutor(WRITERS) as pool:
        list(pool.map(add_many, range(WRITERS)))

    item = dynamodb.get_item(TableName="counts", Key={"pk": {"S": "objects"}})["Item"]
    assert item["count"] == {"N": str(WRITERS * ADDS_EACH)}
