"""Lambda entry points of the counter service.

`on_object_event` receives the watched bucket's notifications, keeps the counts in the table and
announces each change on the topic; `get_count` answers `GET /count`. Both take their adapters
as arguments so unit tests pass fakes; Lambda calls them with the real ones (built once per
execution environment, from the TABLE_NAME and TOPIC_ARN environment variables).
"""

import json
import os
from functools import cache
from urllib.parse import unquote_plus

from adapters.dynamodb import DynamoDbCounts
from adapters.ports.counts import Announcer, Change, CountStore
from adapters.sns import SnsAnnouncer


@cache
def _counts() -> CountStore:
    return DynamoDbCounts(os.environ["TABLE_NAME"])


@cache
def _announcer() -> Announcer:
    return SnsAnnouncer(os.environ["TOPIC_ARN"])


def on_object_event(event, context, counts=None, announcer=None):
    """Count each created or removed object of an S3 notification and announce it."""
    counts = counts or _counts()
    announcer = announcer or _announcer()
    changes = [_change(record) for record in event.get("Records", [])]
    for change in changes:
        if change.kind == "created":
            totals = counts.object_created(change.size)
        else:
            totals = counts.object_removed()
        announcer.announce(change, totals)
    return {"counted": len(changes)}


def get_count(event, context, counts=None):
    """API Gateway (REST, proxy integration): the current counts as JSON."""
    totals = (counts or _counts()).totals()
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(totals.as_dict()),
    }


def _change(record) -> Change:
    s3 = record["s3"]
    kind = "created" if record["eventName"].startswith("ObjectCreated") else "removed"
    return Change(
        kind=kind,
        bucket=s3["bucket"]["name"],
        key=unquote_plus(s3["object"]["key"]),  # keys arrive URL-encoded
        size=s3["object"].get("size", 0),
    )
