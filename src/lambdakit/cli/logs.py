"""`lambdakit logs FUNCTION`: a deployed function's CloudWatch Logs, once or followed (--tail).

Stages: parse the options → the function's physical name (itself, or its logical id in
``--stack-name``) and log group (`LogReader`) → ``--since`` as a start time (`parse_since`) →
the events (`FilterLogEvents`; with ``--tail`` polled every ``--interval`` seconds until Ctrl-C)
→ one line each (START/END/REPORT dimmed, errors red on a terminal) or one JSON object each.
"""

from __future__ import annotations

import time

import click

from lambdakit.errors import UsageError


def _styled(line: str, kind: str) -> str:
    """Colour by kind: START/END cyan, REPORT dim, errors bold red (click drops it off a tty)."""
    if kind in ("start", "end"):
        return click.style(line, fg="cyan")
    if kind == "report":
        return click.style(line, dim=True)
    if kind == "error":
        return click.style(line, fg="red", bold=True)
    return line


@click.command("logs")
@click.argument("function")
@click.option(
    "--stack-name",
    default=None,
    help="Read FUNCTION as a logical id of this deployed stack (else it is the physical name).",
)
@click.option(
    "--since",
    default="10m",
    show_default=True,
    help="From how long ago (30s, 10m, 2h, 1d) or from a timestamp (2026-01-31T12:00:00Z).",
)
@click.option("--filter", "filter_pattern", default=None, help="A CloudWatch Logs filter pattern.")
@click.option("--tail", is_flag=True, help="Keep printing new events until Ctrl-C.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.0),
    default=1.0,
    show_default=True,
    help="Seconds between polls with --tail.",
)
@click.option("--max-polls", type=click.IntRange(min=1), default=None, hidden=True)
@click.option("--region", default=None, help="AWS region (default: the profile's).")
@click.option("--profile", default=None, help="AWS profile (default: AWS_PROFILE or default).")
@click.option("--endpoint-url", default=None, help="Any AWS-compatible endpoint (e.g. moto).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per event.")
def logs_command(
    *,
    function: str,
    stack_name: str | None,
    since: str,
    filter_pattern: str | None,
    tail: bool,
    interval: float,
    max_polls: int | None,
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    as_json: bool,
) -> None:
    """Print the CloudWatch Logs of the deployed function FUNCTION."""
    from lambdakit.aws.log_reader import LogReader  # noqa: PLC0415 - keep --help fast
    from lambdakit.deploy import log_query  # noqa: PLC0415

    if max_polls is not None and not tail:
        raise UsageError("--max-polls goes with --tail")
    start_ms = log_query.parse_since(since, int(time.time() * 1000))
    reader = LogReader(profile=profile, region=region, endpoint_url=endpoint_url)
    group = reader.log_group(reader.physical_name(function, stack_name))

    def show(event: log_query.LogEvent) -> None:
        if as_json:
            click.echo(log_query.event_json(event))
            return
        click.echo(_styled(log_query.format_event(event), log_query.event_kind(event.message)))

    if not tail:
        events = reader.filter_log_events(group, start_ms, None, filter_pattern)
        for event in events:
            show(event)
        if not events:
            click.echo(
                f"no log events in {group} since {log_query.iso_timestamp(start_ms)}", err=True
            )
        return
    click.echo(f"tailing {group} (Ctrl-C to stop)", err=True)
    try:
        for event in log_query.tail(
            reader,
            group,
            start_ms=start_ms,
            filter_pattern=filter_pattern,
            interval_seconds=interval,
            sleep=time.sleep,
            max_polls=max_polls,
        ):
            show(event)
    except KeyboardInterrupt:
        return
