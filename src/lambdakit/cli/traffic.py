"""`lambdakit traffic FUNCTION`: shift an alias to a new version step by step, or roll it back.

Stages: the flags → a schedule (`canary_schedule`/`linear_schedule`) or a rollback → the boto3
adapter (`LambdaTraffic`, any endpoint) → `shift_traffic`/`rollback`, each step printed as it
happens → the end state (``--json``: one object with every step). A rollback caused by an alarm
exits 1 and names the alarm; wrong flags exit 2. FUNCTION is a physical name or an ARN.
"""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING

import click

from lambdakit.errors import DeployError, UsageError

if TYPE_CHECKING:
    from lambdakit.deploy.traffic import Step


@dataclasses.dataclass(frozen=True)
class TrafficOptions:
    """What the command line asked for."""

    function: str
    alias: str
    canary: str | None
    after: str | None
    linear: str | None
    every: str | None
    rollback: bool
    alarms: tuple[str, ...]
    region: str | None
    profile: str | None
    endpoint_url: str | None
    as_json: bool
    time_scale: float


@click.command("traffic")
@click.argument("function")
@click.option("--alias", default="live", show_default=True, help="The alias to move.")
@click.option("--canary", metavar="PERCENT", help="Canary: this share first (e.g. 10%)...")
@click.option("--after", metavar="DURATION", help="...for this long (e.g. 5m), then 100%.")
@click.option("--linear", metavar="PERCENT", help="Linear: add this share (e.g. 10%)...")
@click.option("--every", metavar="DURATION", help="...every interval (e.g. 1m) until 100%.")
@click.option("--rollback", is_flag=True, help="Point the alias back to the previous version.")
@click.option(
    "--alarm",
    "alarms",
    multiple=True,
    metavar="NAME",
    help="CloudWatch alarm to watch; ALARM rolls the alias back. Repeat for several.",
)
@click.option("--region", help="AWS region (default: the profile's or AWS_REGION).")
@click.option("--profile", help="AWS profile (default: AWS_PROFILE or the default chain).")
@click.option("--endpoint-url", help="Any AWS-compatible endpoint (e.g. a moto server).")
@click.option("--json", "as_json", is_flag=True, help="Print the end state as one JSON object.")
@click.option("--time-scale", type=float, default=1.0, hidden=True, help="Multiply every wait.")
def traffic_command(
    *,
    function: str,
    alias: str,
    canary: str | None,
    after: str | None,
    linear: str | None,
    every: str | None,
    rollback: bool,
    alarms: tuple[str, ...],
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    as_json: bool,
    time_scale: float,
) -> None:
    """Move alias traffic of FUNCTION to a new version (canary or linear), or roll it back."""
    _run(
        TrafficOptions(
            function,
            alias,
            canary,
            after,
            linear,
            every,
            rollback,
            alarms,
            region,
            profile,
            endpoint_url,
            as_json,
            time_scale,
        )
    )


def _schedule_of(options: TrafficOptions) -> tuple[Step, ...] | None:
    from lambdakit.deploy.traffic import (  # noqa: PLC0415 - keep `lambdakit --help` fast
        canary_schedule,
        linear_schedule,
        parse_duration,
        parse_percent,
    )

    chosen = [flag for flag, on in _modes(options).items() if on]
    if len(chosen) != 1:
        raise UsageError(
            "choose one of --canary P --after D, --linear P --every D, --rollback",
            hint="e.g. lambdakit traffic my-function --alias live --canary 10% --after 5m",
        )
    if options.canary is not None:
        _pair("--canary", "--after", options.after, options.every, "--every")
        return canary_schedule(parse_percent(options.canary), parse_duration(options.after or ""))
    if options.linear is not None:
        _pair("--linear", "--every", options.every, options.after, "--after")
        return linear_schedule(parse_percent(options.linear), parse_duration(options.every or ""))
    if options.after is not None or options.every is not None or options.alarms:
        raise UsageError("--rollback takes no --after, --every or --alarm")
    return None


def _modes(options: TrafficOptions) -> dict[str, bool]:
    return {
        "--canary": options.canary is not None,
        "--linear": options.linear is not None,
        "--rollback": options.rollback,
    }


def _pair(mode: str, needed: str, value: str | None, other: str | None, other_flag: str) -> None:
    if value is None:
        raise UsageError(f"{mode} needs {needed}")
    if other is not None:
        raise UsageError(f"{other_flag} does not go with {mode}")


def _run(options: TrafficOptions) -> None:
    from lambdakit.aws.lambda_traffic import LambdaTraffic  # noqa: PLC0415 - boto3 is slow
    from lambdakit.deploy.traffic import (  # noqa: PLC0415
        ShiftOptions,
        TrafficEvent,
        rollback,
        shift_traffic,
    )

    schedule = _schedule_of(options)

    def show(event: TrafficEvent) -> None:
        if not options.as_json:
            click.echo(event.message)

    versions = LambdaTraffic(
        profile=options.profile, region=options.region, endpoint_url=options.endpoint_url
    )
    if schedule is None:
        result = rollback(versions, options.function, options.alias, on_event=show)
    else:
        shift = ShiftOptions(
            function=options.function,
            alias=options.alias,
            schedule=schedule,
            alarms=options.alarms,
            time_scale=options.time_scale,
        )
        result = shift_traffic(versions, shift, on_event=show)
    if options.as_json:
        click.echo(json.dumps(dataclasses.asdict(result)))
    if result.outcome == "rolled_back":
        raise DeployError(
            f"alias {result.alias} of {result.function} rolled back to version "
            f"{result.version}: alarm {result.alarm} is in ALARM",
            hint="see the alarm in CloudWatch; fix the code and run the shift again",
        )
