import json

import pytest
import worker
from fakes import FakeDynamoDB


@pytest.fixture(autouse=True)
def environment(monkeypatch):
    monkeypatch.setenv("TABLE_NAME", "counts")


def sqs_event(*bodies):
    return {"Records": [{"messageId": f"m{i}", "body": body} for i, body in enumerate(bodies, 1)]}


def test_only_failed_messages_are_reported_and_the_rest_tallied():
    dynamodb = FakeDynamoDB()
    event = sqs_event(
        json.dumps({"change": "created", "key": "a.txt"}),
        json.dumps({"fail": True}),
        "not json",
        json.dumps({"change": "removed", "key": "a.txt"}),
    )

    result = worker.handle_batch(event, None, dynamodb=dynamodb)

    assert result == {"batchItemFailures": [{"itemIdentifier": "m2"}, {"itemIdentifier": "m3"}]}
    assert dynamodb.items["announcements"]["processed"] == {"N": "2"}
