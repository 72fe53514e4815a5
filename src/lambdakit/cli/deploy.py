"""`lambdakit deploy`, `diff`, `outputs` and `destroy`: the app's stack in CloudFormation.

Each parses its options, calls `lambdakit.deploy_app` with a `TerminalReporter` (live lines on
stderr), and prints the result: the outputs (the API URL first) or, with ``--json``, one
document on stdout. Questions (execute this change set? delete this stack?) are asked on the
terminal; ``--yes`` answers them; without a terminal and without ``--yes`` a question is an
error that says to pass ``--yes``.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from lambdakit.cli.app_options import AppSource, app_options, parse_overrides
from lambdakit.errors import UsageError

if TYPE_CHECKING:
    from lambdakit.deploy_app import Target
    from lambdakit.model import App

_TRANSFORMS = ("auto", "service", "local")


def _target_options(command: Any) -> Any:
    for decorate in reversed(
        [
            click.option("--profile", help="AWS profile (default: AWS_PROFILE, the default one)."),
            click.option(
                "--endpoint-url",
                help="An AWS-compatible endpoint instead of AWS (moto, LocalStack...).",
            ),
            click.option("--json", "as_json", is_flag=True, help="Print the result as JSON."),
        ]
    ):
        command = decorate(command)
    return command


def confirmer(yes: bool) -> Callable[[str], bool]:
    """Answers the executor's questions: yes with ``--yes``, else the user on a terminal."""

    def confirm(question: str) -> bool:
        if yes:
            return True
        if not sys.stdin.isatty():
            raise UsageError(f"{question} No terminal to ask on", hint="pass --yes to go ahead")
        return click.confirm(question, default=False, err=True)

    return confirm


def _target(source: AppSource, profile: str | None, endpoint_url: str | None) -> Target:
    from lambdakit.deploy_app import Target  # noqa: PLC0415 - keep `lambdakit --help` fast

    return Target(
        stack_name=source.stack_name,
        region=source.region,
        profile=profile,
        endpoint_url=endpoint_url,
    )


def _loader(source: AppSource) -> Callable[[str], App]:
    def load(region: str) -> App:
        return dataclasses.replace(source, region=source.region or region).load()

    return load


@click.command("deploy")
@app_options
@_target_options
@click.option("--yes", is_flag=True, help="Do not ask: execute the change set (and recreate).")
@click.option("--no-execute", is_flag=True, help="Make the change set and show it; keep it.")
@click.option(
    "--sam-transform",
    type=click.Choice(_TRANSFORMS),
    default="auto",
    show_default=True,
    help="Who expands SAM: CloudFormation (service) or lambdakit (local); auto: local with "
    "--endpoint-url, else service.",
)
def deploy_command(
    *,
    source: AppSource,
    profile: str | None,
    endpoint_url: str | None,
    as_json: bool,
    yes: bool,
    no_execute: bool,
    sam_transform: str,
) -> None:
    """Build, upload what changed, and deploy the stack through a change set."""
    _run_deploy(
        source,
        profile=profile,
        endpoint_url=endpoint_url,
        as_json=as_json,
        execute=not no_execute,
        keep=True,
        yes=yes,
        sam_transform=sam_transform,
    )


@click.command("diff")
@app_options
@_target_options
@click.option(
    "--sam-transform",
    type=click.Choice(_TRANSFORMS),
    default="auto",
    show_default=True,
    help="Who expands SAM (see deploy).",
)
def diff_command(
    *,
    source: AppSource,
    profile: str | None,
    endpoint_url: str | None,
    as_json: bool,
    sam_transform: str,
) -> None:
    """Show what a deploy would change (a change set, made and deleted; assets uploaded)."""
    _run_deploy(
        source,
        profile=profile,
        endpoint_url=endpoint_url,
        as_json=as_json,
        execute=False,
        keep=False,
        yes=False,
        sam_transform=sam_transform,
    )


def _run_deploy(
    source: AppSource,
    *,
    profile: str | None,
    endpoint_url: str | None,
    as_json: bool,
    execute: bool,
    keep: bool,
    yes: bool,
    sam_transform: str,
) -> None:
    from lambdakit.cli.progress import PlainProgress  # noqa: PLC0415
    from lambdakit.cli.render_deploy import (  # noqa: PLC0415
        TerminalReporter,
        deploy_json,
        print_outputs,
    )
    from lambdakit.deploy.instructions import TransformMode  # noqa: PLC0415
    from lambdakit.deploy_app import DeployOptions, deploy_app  # noqa: PLC0415

    # one line per built unit: the deploy's own lines follow on the same stream
    progress = None if as_json else PlainProgress()
    options = DeployOptions(
        parameters=parse_overrides(source.parameter_overrides),
        transform=None if sam_transform == "auto" else TransformMode(sam_transform),
        execute=execute,
        keep_unexecuted_change_set=keep,
        confirm=confirmer(yes),
        progress=progress,
    )
    reporter = TerminalReporter(quiet=as_json)
    result = deploy_app(_loader(source), _target(source, profile, endpoint_url), options, reporter)
    if as_json:
        click.echo(json.dumps(deploy_json(result)))
        return
    if result.outcome == "deployed":
        click.echo(f"Stack {result.stack_name}: {result.status}", err=True)
    elif result.outcome == "not executed" and keep and result.change_set:
        click.echo(f"Change set kept: {result.change_set.change_set_id}", err=True)
    elif result.outcome == "cancelled":
        click.echo("Nothing deployed.", err=True)
    print_outputs(result.outputs)


def _stack_name(source: AppSource) -> str:
    if source.stack_name:
        return source.stack_name
    return source.load().stacks[0].name


@click.command("outputs")
@app_options
@_target_options
def outputs_command(
    *, source: AppSource, profile: str | None, endpoint_url: str | None, as_json: bool
) -> None:
    """The deployed stack's outputs (the API URL first)."""
    from lambdakit.cli.render_deploy import outputs_json, print_outputs  # noqa: PLC0415
    from lambdakit.deploy_app import stack_outputs  # noqa: PLC0415

    found = stack_outputs(_stack_name(source), _target(source, profile, endpoint_url))
    if as_json:
        click.echo(json.dumps(outputs_json(found)))
    else:
        print_outputs(found)


@click.command("destroy")
@app_options
@_target_options
@click.option("--yes", is_flag=True, help="Do not ask before deleting the stack.")
def destroy_command(
    *,
    source: AppSource,
    profile: str | None,
    endpoint_url: str | None,
    as_json: bool,
    yes: bool,
) -> None:
    """Delete the stack (after a confirmation that names the resources it keeps)."""
    from lambdakit.cli.render_deploy import TerminalReporter, destroy_json  # noqa: PLC0415
    from lambdakit.deploy_app import destroy_stack  # noqa: PLC0415

    result = destroy_stack(
        _stack_name(source),
        _target(source, profile, endpoint_url),
        TerminalReporter(quiet=as_json),
        confirm=confirmer(yes),
    )
    if as_json:
        click.echo(json.dumps(destroy_json(result)))
        return
    if not result.existed:
        click.echo(f"Stack {result.stack_name} does not exist: nothing to delete.", err=True)
    elif result.deleted:
        click.echo(f"Stack {result.stack_name} deleted.", err=True)
        for resource in result.retained:
            click.echo(
                f"kept: {resource.logical_id} ({resource.resource_type})"
                f" {resource.physical_id or ''} - DeletionPolicy {resource.deletion_policy}",
                err=True,
            )
    else:
        click.echo("Nothing deleted.", err=True)
