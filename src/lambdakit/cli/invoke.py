"""`lambdakit invoke FUNCTION`: run one function once, locally, as Lambda would run it.

The response goes to stdout and the logs (START/END/REPORT and the function's output) to
stderr, so ``lambdakit invoke Fn -e event.json | jq`` works. Exit 1 on a function error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from lambdakit.cli.app_options import AppSource, app_options
from lambdakit.errors import AppError, UsageError


def _event(source: str | None) -> bytes:
    if source is None:
        return b"{}"
    if source == "-":
        data, where = sys.stdin.buffer.read(), "stdin"
    else:
        try:
            data, where = Path(source).read_bytes(), source
        except OSError as error:
            raise UsageError(
                f"{source}: cannot read the event file: {error.strerror}",
                hint="pass a JSON file, or - for stdin; `lambdakit event` prints samples",
            ) from None
    try:
        json.loads(data or b"{}")
    except ValueError as error:
        raise UsageError(
            f"{where}: the event is not valid JSON: {error}",
            hint="`lambdakit event KIND` prints a sample event",
        ) from None
    return data or b"{}"


@click.command("invoke")
@click.argument("function")
@click.option(
    "-e", "--event", "event_file", metavar="FILE|-", help="Event JSON file, or - for stdin."
)
@click.option(
    "--env-vars",
    type=click.Path(path_type=Path),
    help='SAM env.json: {"LogicalId": {"VAR": "v"}, "Parameters": {"VAR": "v"}}.',
)
@click.option("--qualifier", help="$LATEST or the function's alias.")
@click.option("--log-file", type=click.Path(path_type=Path), help="Also append the logs here.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@app_options
def invoke_command(
    *,
    source: AppSource,
    function: str,
    event_file: str | None,
    env_vars: Path | None,
    qualifier: str | None,
    log_file: Path | None,
    as_json: bool,
) -> None:
    """Invoke FUNCTION once with an event; the response on stdout, logs on stderr."""
    import lambdakit  # noqa: PLC0415 - keep `lambdakit --help` fast
    from lambdakit.local.invocation import InvokeRejectedError  # noqa: PLC0415
    from lambdakit.local.logs import LogPrinter  # noqa: PLC0415

    payload = _event(event_file)
    app = source.load()
    fn = app.function(function)
    if not fn.runnable:
        raise AppError(
            f"{fn.origin}: function {fn.id} cannot run locally: {fn.not_runnable_reason}"
        )
    printer = LogPrinter(sys.stderr, log_file=log_file)
    local = lambdakit.local_lambda(
        app,
        env_file=env_vars,
        printer=printer,
        warn=lambda line: printer.platform("lambdakit", line),
    )
    with local:
        try:
            result = local.invoke(fn.id, payload, qualifier=qualifier)
        except InvokeRejectedError as error:
            raise AppError(
                f"the local Lambda service refused the invoke of {fn.id}: {error.error_type}:"
                f" {error.message}"
            ) from None
    if result is None:  # pragma: no cover - RequestResponse always has a result
        return
    if as_json:
        document: dict[str, Any] = {
            "function": fn.id,
            "requestId": result.request_id,
            "functionError": result.function_error,
            "payload": _decoded(result.payload),
            "durationMs": round(result.duration_ms, 2),
            "initDurationMs": None
            if result.init_duration_ms is None
            else round(result.init_duration_ms, 2),
            "maxMemoryUsedMB": result.max_memory_used_mb,
        }
        click.echo(json.dumps(document))
    else:
        sys.stdout.buffer.write(result.payload + b"\n")
        sys.stdout.flush()
    if result.function_error:
        sys.exit(1)


def _decoded(payload: bytes) -> Any:
    try:
        return json.loads(payload) if payload else None
    except ValueError:
        return payload.decode(errors="replace")
