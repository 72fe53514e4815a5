"""The `lambdakit` command group: wires subcommands and turns user errors into one-line messages.

A `LambdakitError` prints ``error: ...`` (and ``hint: ...``) on stderr and exits with its code;
any other exception is a bug: its traceback is shown with a request to report it. Subcommands
import the library lazily so ``lambdakit --help`` starts fast.
"""

from __future__ import annotations

import sys
import traceback
from typing import Any

import click

from lambdakit.cli.build import build_command, size_command, why_command
from lambdakit.cli.deploy import deploy_command, destroy_command, diff_command, outputs_command
from lambdakit.cli.deps import deps_command
from lambdakit.cli.event import event_command
from lambdakit.cli.init import init_command
from lambdakit.cli.inspect import inspect_command
from lambdakit.cli.invoke import invoke_command
from lambdakit.cli.local import local_command
from lambdakit.cli.logs import logs_command
from lambdakit.cli.synth import synth_command
from lambdakit.cli.traffic import traffic_command
from lambdakit.cli.trigger import trigger_command
from lambdakit.errors import LambdakitError


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LambdakitError as err:
            click.echo(f"error: {err.message}", err=True)
            if err.hint:
                click.echo(f"hint: {err.hint}", err=True)
            ctx.exit(err.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="lambdakit", prog_name="lambdakit")
def cli() -> None:
    """Take a Python AWS Lambda app from a laptop to the cloud, with no Docker."""


cli.add_command(init_command)
cli.add_command(inspect_command)
cli.add_command(build_command)
cli.add_command(size_command)
cli.add_command(why_command)
cli.add_command(synth_command)
cli.add_command(event_command)
cli.add_command(invoke_command)
cli.add_command(local_command)
cli.add_command(logs_command)
cli.add_command(trigger_command)
cli.add_command(traffic_command)
cli.add_command(deploy_command)
cli.add_command(diff_command)
cli.add_command(outputs_command)
cli.add_command(destroy_command)
cli.add_command(deps_command)


def main() -> None:
    """Console-script entry point."""
    try:
        cli(prog_name="lambdakit")
    except Exception:
        traceback.print_exc()
        click.echo(
            "\nThis is a bug in lambdakit, not in your app: please report it with the "
            "traceback above.",
            err=True,
        )
        sys.exit(3)
