"""`lambdakit event KIND`: print a sample event payload, shaped like the service sends it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from lambdakit.atomic_write import write_text_atomic
from lambdakit.errors import UsageError

EVENT_KINDS = (
    "api-v1",
    "api-v2",
    "s3-put",
    "s3-delete",
    "sqs",
    "sns",
    "schedule",
    "dynamodb",
    "kinesis",
    "eventbridge",
)
"""Kept here (equal to `lambdakit.local.events.KINDS`, a test checks) so `--help` stays light."""


def _detail(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        detail = json.loads(text)
    except json.JSONDecodeError as err:
        msg = f"--detail is not valid JSON: {err}"
        raise UsageError(msg, hint="pass an object, e.g. --detail '{\"id\": 1}'") from err
    if not isinstance(detail, dict):
        msg = "--detail must be a JSON object"
        raise UsageError(msg, hint="pass an object, e.g. --detail '{\"id\": 1}'")
    return detail


@click.command("event")
@click.argument("kind", type=click.Choice(EVENT_KINDS), metavar="KIND")
@click.option("--region", help="AWS region in ARNs and records.  [default: us-east-1]")
@click.option("--account", help="Account ID in ARNs.  [default: 123456789012]")
@click.option("--bucket", help="s3-*: bucket name.")
@click.option("--key", help="s3-*: object key, as uploaded (it arrives URL-encoded).")
@click.option("--size", type=click.IntRange(min=0), help="s3-put: object size in bytes.")
@click.option("--body", help="api-*, sqs, sns, kinesis: the request body, message or data.")
@click.option("--subject", help="sns: the message subject.")
@click.option("--queue", help="sqs: queue name.")
@click.option("--topic", help="sns: topic name.")
@click.option("--stream", help="kinesis: stream name.")
@click.option("--table", help="dynamodb: table name.")
@click.option("--rule", help="schedule: rule name.")
@click.option("--method", help="api-*: HTTP method.  [default: GET]")
@click.option("--path", help="api-*: request path.  [default: /hello]")
@click.option("--source", help="eventbridge: event source.")
@click.option("--detail-type", help="eventbridge: detail-type.")
@click.option("--detail", "detail_json", metavar="JSON", help="eventbridge: detail object.")
@click.option(
    "--count", type=click.IntRange(min=1), help="sqs, kinesis, dynamodb: number of records."
)
@click.option(
    "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write to FILE."
)
@click.option("--json", "as_json", is_flag=True, help="Output is always JSON; accepted.")
def event_command(
    *,
    kind: str,
    detail_json: str | None,
    output: Path | None,
    as_json: bool,
    **options: Any,
) -> None:
    """Print a sample event of KIND as JSON (one of: api-v1, api-v2, s3-put, s3-delete, sqs,
    sns, schedule, dynamodb, kinesis, eventbridge)."""
    del as_json  # the payload is JSON either way (CLI contract: every command takes --json)
    from lambdakit.local.events import SampleOptions, sample_event  # noqa: PLC0415 - fast --help

    payload = sample_event(kind, SampleOptions(detail=_detail(detail_json), **options))
    text = json.dumps(payload, indent=2) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        write_text_atomic(output, text)
