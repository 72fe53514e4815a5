"""Lambda entry point of the worker service: announcements from SQS, with partial batch failures.

Each message is one announcement of the counter service (raw SNS delivery: the body is the JSON
the counter published). A message whose body says `"fail": true` fails on purpose, so a demo can
watch it come back 3 times and land in the dead-letter queue. Only failed messages are returned
in `batchItemFailures` (the event source mapping has ReportBatchItemFailures), so the rest of the
batch is not retried.
"""

import json
import os
from functools import cache

from adapters.dynamodb import DynamoDbAnnouncementLog
from adapters.ports.announcements import AnnouncementLog


class AnnouncementRejectedError(Exception):
    """This message cannot be processed (now)."""


@cache
def _log() -> AnnouncementLog:
    return DynamoDbAnnouncementLog(os.environ["TABLE_NAME"])


def handle_batch(event, context, log=None):
    """Process each SQS message; report the ones that failed."""
    log = log or _log()
    failures = []
    for record in event.get("Records", []):
        try:
            process(record["body"], log)
        except AnnouncementRejectedError as error:
            print(json.dumps({"failed": record["messageId"], "reason": str(error)}))
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


def process(body: str, log: AnnouncementLog) -> None:
    """Record one announcement, or reject it."""
    try:
        announcement = json.loads(body)
    except json.JSONDecodeError as error:
        raise AnnouncementRejectedError(f"not JSON: {error}") from None
    if not isinstance(announcement, dict):
        raise AnnouncementRejectedError("not a JSON object")
    if announcement.get("fail") is True:
        raise AnnouncementRejectedError('the message asks to fail ("fail": true)')
    log.record(announcement)
