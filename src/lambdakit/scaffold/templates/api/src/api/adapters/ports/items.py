"""The items port: what an item is and where items are kept."""

from dataclasses import asdict, dataclass
from typing import Protocol


@dataclass(frozen=True)
class Item:
    id: str
    name: str
    quantity: int = 1

    def as_dict(self) -> dict:
        return asdict(self)


class ItemStore(Protocol):
    """Keeps items by id."""

    def put(self, item: Item) -> None: ...

    def get(self, item_id: str) -> Item | None: ...

    def all(self) -> list[Item]: ...

    def delete(self, item_id: str) -> bool:
        """Remove the item; False when there was none."""
        ...
