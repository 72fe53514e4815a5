"""What the API does, apart from HTTP: items checked, given ids, kept in an `ItemStore`."""

import uuid

from adapters.ports.items import Item, ItemStore


class InvalidItemError(ValueError):
    """The request's item is not valid (the API answers 400)."""


class Catalog:
    def __init__(self, store: ItemStore) -> None:
        self._store = store

    def create(self, body: object) -> Item:
        if not isinstance(body, dict):
            raise InvalidItemError("the body must be a JSON object")
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise InvalidItemError("'name' must be a non-empty string")
        quantity = body.get("quantity", 1)
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
            raise InvalidItemError("'quantity' must be a whole number ≥ 0")
        item = Item(id=uuid.uuid4().hex, name=name.strip(), quantity=quantity)
        self._store.put(item)
        return item

    def get(self, item_id: str) -> Item | None:
        return self._store.get(item_id)

    def list(self) -> list[Item]:
        return sorted(self._store.all(), key=lambda item: (item.name, item.id))

    def delete(self, item_id: str) -> bool:
        return self._store.delete(item_id)
