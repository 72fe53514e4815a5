"""`lambdakit trigger RULE`: fire a scheduled rule now, through a running `lambdakit local`.

Stages: the app's scheduled rules (`schedule_targets`) → the targets of RULE → per target one
``InvocationType=Event`` POST of the scheduled event to the local Lambda endpoint (plain HTTP,
no boto3) → one line per target, or ``{rule, targets: [{function, status}]}`` with ``--json``.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime

import click

from lambdakit.cli.app_options import AppSource, app_options
from lambdakit.errors import LocalCloudError

_TIMEOUT_SECONDS = 10.0


@click.command("trigger")
@click.argument("rule")
@click.option(
    "--endpoint",
    default="http://127.0.0.1:4566",
    show_default=True,
    help="The Lambda endpoint of a running `lambdakit local`.",
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
    results = []
    for target in targets_of(schedule_targets(app), rule):
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
        click.echo(f"{rule} -> {result['function']}: {result['status']}")


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
