"""`lambdakit trigger RULE`: fire a scheduled rule now, through a running `lambdakit local`.

Stages: the app's scheduled rules (`schedule_targets`) → the targets of RULE → per function
target one ``InvocationType=Event`` POST of the scheduled event to the local Lambda endpoint
(plain HTTP, no boto3); per queue or topic target one SQS ``SendMessage``/SNS ``Publish`` of it
through the same (services) endpoint, to the resource's local name (`AwsDestinationSink`), so a
subscribed function or a queue's event source mapping sees it (FIDELITY 4.6.2) → one line per
target, or ``{rule, targets: [{function|destination, status}]}`` with ``--json``.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

from lambdakit.cli.app_options import AppSource, app_options
from lambdakit.errors import LocalCloudError

if TYPE_CHECKING:
    from lambdakit.local.events.schedule_targets import ScheduleTarget
    from lambdakit.model import App

_TIMEOUT_SECONDS = 10.0


@click.command("trigger")
@click.argument("rule")
@click.option(
    "--endpoint",
    default="http://127.0.0.1:4566",
    show_default=True,
    help="The local endpoint (Lambda and the services) of a running `lambdakit local`.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@app_options
def trigger_command(*, source: AppSource, rule: str, endpoint: str, as_json: bool) -> None:
    """Fire the scheduled rule RULE (its logical id) once now."""
    from lambdakit.local.events.schedule_targets import (  # noqa: PLC0415 - fast --help
        schedule_targets,
        targets_of,
    )
    from lambdakit.local_functions import physical_name  # noqa: PLC0415

    app = source.load()
    stacks = {stack.name: stack for stack in app.stacks}
    results: list[dict[str, object]] = []
    for target in targets_of(schedule_targets(app), rule):
        if target.function is None:
            results.append(_send(app, endpoint, target))
            continue
        fn = app.function(target.function)
        stack = stacks.get(fn.stack)
        name = (
            fn.name
            if isinstance(fn.name, str)
            else physical_name(stack.name if stack else app.name, fn.logical_id)
        )
        status = _post(endpoint, name, target.payload(time=datetime.now(UTC)))
        results.append({"function": fn.id, "status": status})
    if as_json:
        click.echo(json.dumps({"rule": rule, "targets": results}))
        return
    for result in results:
        shown = result.get("function", result.get("destination"))
        click.echo(f"{rule} -> {shown}: {result['status']}")


def _send(app: App, endpoint: str, target: ScheduleTarget) -> dict[str, object]:
    """Send the target's message to its queue or topic through `endpoint`; the result row."""
    from lambdakit.aws.destinations_sink import AwsDestinationSink  # noqa: PLC0415 - boto3
    from lambdakit.local.destinations import DeliveryError  # noqa: PLC0415
    from lambdakit.local.physical_names import physical_resources  # noqa: PLC0415

    destination = target.destination
    if destination is None:  # pragma: no cover - function targets are posted
        raise LocalCloudError(f"{target.target} is not a queue or topic")
    region = app.stacks[0].region if app.stacks else "us-east-1"
    sink = AwsDestinationSink(
        endpoint, region=region, physical=physical_resources(app, endpoint.rstrip("/"))
    )
    event_id = str(uuid.uuid4())
    body = target.payload(time=datetime.now(UTC), event_id=event_id)
    try:
        asyncio.run(
            sink.send_message(
                destination,
                body.decode("utf-8", errors="replace"),
                group_id=target.message_group_id,
                deduplication_id=event_id,
            )
        )
    except DeliveryError as error:
        raise LocalCloudError(
            f"cannot send the scheduled event to {target.target} through {endpoint}: {error}",
            hint="is `lambdakit local` running this app?",
        ) from None
    name = destination.resource or target.target
    return {"destination": name, "kind": destination.kind, "status": "sent"}


def _post(endpoint: str, function_name: str, payload: bytes) -> int:
    """POST one async invoke; the HTTP status (202 when queued)."""
    quoted = urllib.parse.quote(function_name, safe="")
    request = urllib.request.Request(
        f"{endpoint.rstrip('/')}/2015-03-31/functions/{quoted}/invocations",
        data=payload,
        method="POST",
        headers={"X-Amz-Invocation-Type": "Event", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=_TIMEOUT_SECONDS) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        detail = error.read().decode(errors="replace")
        raise LocalCloudError(
            f"{endpoint} refused the invoke of {function_name}: HTTP {error.code} {detail}",
            hint="is `lambdakit local` running this app?",
        ) from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise LocalCloudError(
            f"cannot reach the local Lambda endpoint {endpoint}: {reason}",
            hint="start `lambdakit local` first, or pass --endpoint URL",
        ) from None
