"""Unit tests of the worker's batch handler, on the in-memory adapter."""

import json


def sqs_record(message_id, body):
    return {"messageId": message_id, "eventSource": "aws:sqs", "body": body}


def test_good_announcements_are_recorded(worker):
    handler = worker.module("handler")
    log = worker.module("adapters.fake").FakeAnnouncementLog()
    event = {"Records": [sqs_record("m1", json.dumps({"change": "created", "key": "a.txt"}))]}

    result = handler.handle_batch(event, None, log=log)

    assert result == {"batchItemFailures": []}
    assert log.recorded == [{"change": "created", "key": "a.txt"}]


def test_only_failed_items_are_reported(worker, capsys):
    # GIVEN a batch with a message asking to fail and one that is not JSON between good ones
    handler = worker.module("handler")
    log = worker.module("adapters.fake").FakeAnnouncementLog()
    event = {
        "Records": [
            sqs_record("m1", json.dumps({"key": "a.txt"})),
            sqs_record("m2", json.dumps({"key": "b.txt", "fail": True})),
            sqs_record("m3", "not json"),
            sqs_record("m4", json.dumps({"key": "c.txt"})),
        ]
    }

    # WHEN the batch is handled
    result = handler.handle_batch(event, None, log=log)

    # THEN only those two are retried; the others are recorded once
    assert result == {"batchItemFailures": [{"itemIdentifier": "m2"}, {"itemIdentifier": "m3"}]}
    assert [a["key"] for a in log.recorded] == ["a.txt", "c.txt"]
    assert '"failed": "m2"' in capsys.readouterr().out


def test_fail_must_be_true_not_truthy(worker):
    handler = worker.module("handler")
    log = worker.module("adapters.fake").FakeAnnouncementLog()

    result = handler.handle_batch(
        {"Records": [sqs_record("m1", json.dumps({"fail": "yes"}))]}, None, log=log
    )

    assert result == {"batchItemFailures": []}
