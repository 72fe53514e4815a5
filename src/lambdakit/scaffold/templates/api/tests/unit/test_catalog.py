"""The catalog on the in-memory store: no AWS, no server."""

import pytest
from adapters.fake import FakeItems
from adapters.ports.items import Item
from catalog import Catalog, InvalidItemError


def test_created_items_get_an_id_and_are_kept():
    store = FakeItems()

    item = Catalog(store).create({"name": " apples ", "quantity": 3})

    assert item.name == "apples"
    assert item.quantity == 3
    assert store.get(item.id) == item


def test_items_are_listed_by_name():
    catalog = Catalog(FakeItems(Item("2", "pears"), Item("1", "apples")))

    assert [item.name for item in catalog.list()] == ["apples", "pears"]


def test_delete_says_whether_there_was_an_item():
    catalog = Catalog(FakeItems(Item("1", "apples")))

    assert catalog.delete("1") is True
    assert catalog.delete("1") is False
    assert catalog.get("1") is None


@pytest.mark.parametrize(
    "body", [[], {}, {"name": ""}, {"name": 3}, {"name": "x", "quantity": -1}]
)
def test_invalid_items_are_refused(body):
    with pytest.raises(InvalidItemError):
        Catalog(FakeItems()).create(body)
