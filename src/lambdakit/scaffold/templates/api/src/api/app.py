"""The Lambda entry point: the REST API's routes (Powertools' REST resolver) on the catalog.

The table comes from the TABLE_NAME environment variable; `handler` builds its DynamoDB adapter
once per execution environment. Tests may give `app` another store with `use_store`.
"""

import os
from functools import cache

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import BadRequestError, NotFoundError

from adapters.ports.items import ItemStore
from catalog import Catalog, InvalidItemError

logger = Logger()
app = APIGatewayRestResolver()
_stores: list[ItemStore] = []


def use_store(store: ItemStore) -> None:
    """Serve the routes from `store` (tests pass the fake)."""
    _stores[:] = [store]


@cache
def _dynamodb_store() -> ItemStore:
    from adapters.dynamodb import DynamoDbItems

    return DynamoDbItems(os.environ["TABLE_NAME"])


def _catalog() -> Catalog:
    return Catalog(_stores[0] if _stores else _dynamodb_store())


@app.get("/items")
def list_items() -> dict:
    return {"items": [item.as_dict() for item in _catalog().list()]}


@app.post("/items")
def create_item() -> Response:
    try:
        item = _catalog().create(app.current_event.json_body or {})
    except InvalidItemError as err:
        raise BadRequestError(str(err)) from None
    return Response(
        status_code=201,
        content_type="application/json",
        body=item.as_dict(),
        headers={"location": f"/items/{item.id}"},
    )


@app.get("/items/<item_id>")
def get_item(item_id: str) -> dict:
    item = _catalog().get(item_id)
    if item is None:
        raise NotFoundError(f"no item {item_id}")
    return item.as_dict()


@app.delete("/items/<item_id>")
def delete_item(item_id: str) -> Response:
    if not _catalog().delete(item_id):
        raise NotFoundError(f"no item {item_id}")
    return Response(status_code=204, content_type="application/json", body="")


@logger.inject_lambda_context
def handler(event: dict, context) -> dict:
    return app.resolve(event, context)
