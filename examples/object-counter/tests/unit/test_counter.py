import json

import counter
import pytest
from fakes import FakeDynamoDB, FakeSNS


@pytest.fixture(autouse=True)
def environment(monkeypatch):
    monkeypatch.setenv("TABLE_NAME", "counts")
    monkeypatch.setenv("TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:changes")


def s3_event(*records):
    return {
        "Records": [
            {
                "eventName": name,
                "s3": {"bucket": {"name": "watched"}, "object": {"key": key, "size": size}},
            }
            for name, key, size in records
        ]
    }


def test_objects_are_counted_and_each_change_announced():
    dynamodb, sns = FakeDynamoDB(), FakeSNS()
    event = s3_event(
        ("ObjectCreated:Put", "a.txt", 10),
        ("ObjectCreated:Put", "my+file.txt", 5),
        ("ObjectRemoved:Delete", "a.txt", 0),
    )

    result = counter.on_object_event(event, None, dynamodb=dynamodb, sns=sns)

    assert result == {"counted": 3}
    announcements = [json.loads(message) for _, message in sns.published]
    assert [(a["change"], a["key"], a["objects"]) for a in announcements] == [
        ("created", "a.txt", 1),
        ("created", "my file.txt", 2),
        ("removed", "a.txt", 1),
    ]


def test_get_count_reports_objects_bytes_and_announcements():
    dynamodb = FakeDynamoDB()
    counter.on_object_event(
        s3_event(("ObjectCreated:Put", "a.txt", 7)), None, dynamodb=dynamodb, sns=FakeSNS()
    )

    response = counter.get_count({"httpMethod": "GET", "path": "/count"}, None, dynamodb=dynamodb)

    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {
        "objects": 1,
        "bytes_added": 7,
        "announcements_processed": 0,
    }
