"""The routes, in process, on the in-memory store (needs aws-lambda-powertools installed here:
`pip install -r src/api/requirements.txt`; skipped otherwise, the local-cloud tests cover them)."""

import json

import pytest

pytest.importorskip("aws_lambda_powertools")

from adapters.fake import FakeItems  # noqa: E402
from adapters.ports.items import Item  # noqa: E402
from lambdakit.testing import events  # noqa: E402


@pytest.fixture
def api(monkeypatch):
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "test")
    import app

    app.use_store(FakeItems(Item("1", "apples", 2)))
    return app


def call(api, method, path, body=None):
    response = api.app.resolve(events.api(method, path, body), None)
    return response["statusCode"], json.loads(response["body"]) if response["body"] else None


def test_get_an_item(api):
    assert call(api, "GET", "/items/1") == (200, {"id": "1", "name": "apples", "quantity": 2})


def test_missing_items_are_404(api):
    assert call(api, "GET", "/items/nope")[0] == 404


def test_post_then_list(api):
    status, created = call(api, "POST", "/items", json.dumps({"name": "pears"}))

    assert status == 201
    assert call(api, "GET", "/items")[1]["items"][-1] == created
