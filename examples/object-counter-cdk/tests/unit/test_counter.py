"""Unit tests of the counter service's handlers, on the in-memory adapters."""

import json


def s3_record(event_name, key, size=0):
    return {
        "eventSource": "aws:s3",
        "eventName": event_name,
        "s3": {"bucket": {"name": "watched"}, "object": {"key": key, "size": size}},
    }


def test_created_objects_are_counted_and_announced(counter):
    handler = counter.module("handler")
    fake = counter.module("adapters.fake")
    counts, announcer = fake.FakeCounts(), fake.FakeAnnouncer()
    event = {
        "Records": [
            s3_record("ObjectCreated:Put", "a.txt", 10),
            s3_record("ObjectCreated:Copy", "b.txt", 5),
        ]
    }

    result = handler.on_object_event(event, None, counts=counts, announcer=announcer)

    assert result == {"counted": 2}
    assert counts.totals().objects == 2
    assert counts.totals().bytes_added == 15
    assert [change.key for change, _ in announcer.announced] == ["a.txt", "b.txt"]
    assert [totals.objects for _, totals in announcer.announced] == [1, 2]


def test_removed_objects_are_subtracted(counter):
    handler = counter.module("handler")
    fake = counter.module("adapters.fake")
    counts, announcer = fake.FakeCounts(objects=3), fake.FakeAnnouncer()

    handler.on_object_event(
        {"Records": [s3_record("ObjectRemoved:Delete", "a.txt")]},
        None,
        counts=counts,
        announcer=announcer,
    )

    assert counts.totals().objects == 2
    assert announcer.announced[0][0].kind == "removed"


def test_keys_are_url_decoded(counter):
    handler = counter.module("handler")
    fake = counter.module("adapters.fake")
    announcer = fake.FakeAnnouncer()

    handler.on_object_event(
        {"Records": [s3_record("ObjectCreated:Put", "my+report%281%29.pdf")]},
        None,
        counts=fake.FakeCounts(),
        announcer=announcer,
    )

    assert announcer.announced[0][0].key == "my report(1).pdf"


def test_get_count_returns_the_totals_as_json(counter):
    handler = counter.module("handler")
    fake = counter.module("adapters.fake")

    response = handler.get_count({}, None, counts=fake.FakeCounts(4, 40, 3))

    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {
        "objects": 4,
        "bytes_added": 40,
        "announcements_processed": 3,
    }


def test_announcement_is_what_the_worker_reads(counter):
    sns = counter.module("adapters.sns")
    ports = counter.module("adapters.ports.counts")
    change = ports.Change(kind="created", bucket="watched", key="a.txt", size=1)

    message = sns.message(change, ports.Totals(objects=7))

    assert message == {
        "change": "created",
        "bucket": "watched",
        "key": "a.txt",
        "size": 1,
        "objects": 7,
    }
