"""Event factories for tests: the payloads of `lambdakit event KIND`, as Python calls.

Each is a thin wrapper over `sample_event`: what is left out takes the sample's fixed value, so
the same call always gives the same event. A dict or list body, message or detail is sent as JSON
text, as the services carry it. ``lambdakit.testing.events.sqs(["a", "b"])`` is one event with
two records.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from lambdakit.local.events.samples import SampleOptions, sample_event

Text = str | Mapping[str, Any] | list[Any]
"""A body: text as it is, a dict or list as JSON."""


def _text(value: Text | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value)


def s3_put(
    bucket: str,
    key: str,
    *,
    size: int | None = None,
    region: str | None = None,
    account: str | None = None,
) -> dict[str, Any]:
    """An S3 ``ObjectCreated:Put`` notification (FIDELITY 4.3.1); the key arrives URL-encoded."""
    options = SampleOptions(bucket=bucket, key=key, size=size, region=region, account=account)
    return sample_event("s3-put", options)


def s3_delete(
    bucket: str, key: str, *, region: str | None = None, account: str | None = None
) -> dict[str, Any]:
    """An S3 ``ObjectRemoved:Delete`` notification (FIDELITY 4.3.2)."""
    options = SampleOptions(bucket=bucket, key=key, region=region, account=account)
    return sample_event("s3-delete", options)


def sqs(
    body: str | Mapping[str, Any] | Sequence[Text],
    *,
    queue: str | None = None,
    count: int | None = None,
    region: str | None = None,
    account: str | None = None,
) -> dict[str, Any]:
    """An SQS batch (FIDELITY 4.5.1): one record per body of a list (or tuple), else `count`
    records (default 1) with `body`. A queue named ``*.fifo`` adds the FIFO attributes."""
    if isinstance(body, str | Mapping):
        bodies = [_text(body) or ""] * (1 if count is None else count)
    else:
        bodies = [_text(item) or "" for item in body]
        if not bodies:
            raise ValueError("an SQS event has at least one record")
        if count is not None and count != len(bodies):
            raise ValueError(f"count={count} but {len(bodies)} bodies")
    options = SampleOptions(
        body=bodies[0], queue=queue, count=len(bodies), region=region, account=account
    )
    event = sample_event("sqs", options)
    for record, text in zip(event["Records"], bodies, strict=True):
        record["body"] = text
        record["md5OfBody"] = hashlib.md5(text.encode()).hexdigest()
    return event


def sns(
    message: Text,
    *,
    topic: str | None = None,
    subject: str | None = None,
    region: str | None = None,
    account: str | None = None,
) -> dict[str, Any]:
    """An SNS notification as Lambda gets it (FIDELITY 4.4.1)."""
    options = SampleOptions(
        body=_text(message), topic=topic, subject=subject, region=region, account=account
    )
    return sample_event("sns", options)


def api(
    method: str = "GET",
    path: str = "/hello",
    body: Text | None = None,
    *,
    region: str | None = None,
    account: str | None = None,
) -> dict[str, Any]:
    """An API Gateway REST API proxy request, payload 1.0 (FIDELITY 4.1.1)."""
    return _request("api-v1", method, path, body, region=region, account=account)


def http_api(
    method: str = "GET",
    path: str = "/hello",
    body: Text | None = None,
    *,
    region: str | None = None,
    account: str | None = None,
) -> dict[str, Any]:
    """An API Gateway HTTP API request, payload 2.0 (FIDELITY 4.2.1)."""
    return _request("api-v2", method, path, body, region=region, account=account)


def _request(
    kind: str,
    method: str,
    path: str,
    body: Text | None,
    *,
    region: str | None,
    account: str | None,
) -> dict[str, Any]:
    options = SampleOptions(
        method=method, path=path, body=_text(body), region=region, account=account
    )
    return sample_event(kind, options)


def eventbridge(
    detail: Mapping[str, Any] | None = None,
    *,
    source: str | None = None,
    detail_type: str | None = None,
    region: str | None = None,
    account: str | None = None,
) -> dict[str, Any]:
    """An EventBridge event (FIDELITY 4.6.1)."""
    options = SampleOptions(
        detail=detail, source=source, detail_type=detail_type, region=region, account=account
    )
    return sample_event("eventbridge", options)


def schedule(
    rule: str | None = None, *, region: str | None = None, account: str | None = None
) -> dict[str, Any]:
    """A scheduled rule's event (FIDELITY 4.6.2)."""
    return sample_event("schedule", SampleOptions(rule=rule, region=region, account=account))


def dynamodb(
    table: str | None = None,
    *,
    count: int | None = None,
    region: str | None = None,
    account: str | None = None,
) -> dict[str, Any]:
    """A DynamoDB Streams batch (FIDELITY 4.7.2): records cycle INSERT, MODIFY, REMOVE."""
    options = SampleOptions(table=table, count=count, region=region, account=account)
    return sample_event("dynamodb", options)


def kinesis(
    data: Text | None = None,
    *,
    stream: str | None = None,
    count: int | None = None,
    region: str | None = None,
    account: str | None = None,
) -> dict[str, Any]:
    """A Kinesis batch (FIDELITY 4.7.1): `count` records of `data`, base64-encoded."""
    options = SampleOptions(
        body=_text(data), stream=stream, count=count, region=region, account=account
    )
    return sample_event("kinesis", options)
