"""An in-memory `ItemStore` for unit tests: same behaviour as DynamoDB's, no AWS."""

from adapters.ports.items import Item


class FakeItems:
    def __init__(self, *items: Item) -> None:
        self.items = {item.id: item for item in items}

    def put(self, item: Item) -> None:
        self.items[item.id] = item

    def get(self, item_id: str) -> Item | None:
        return self.items.get(item_id)

    def all(self) -> list[Item]:
        return list(self.items.values())

    def delete(self, item_id: str) -> bool:
        return self.items.pop(item_id, None) is not None
