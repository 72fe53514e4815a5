"""`lambdakit inspect`: what is in this app, as a readable picture or as JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from lambdakit.cli.app_options import app_options, load_options

if TYPE_CHECKING:
    from lambdakit.sources.discover import LoadOptions


@dataclass(frozen=True)
class InspectOptions:
    template: Path | None
    load: LoadOptions
    as_json: bool


@click.command("inspect")
@app_options
@click.option("--json", "as_json", is_flag=True, help="Print the app model as JSON.")
def inspect_command(
    *,
    template: Path | None,
    parameter_overrides: tuple[str, ...],
    region: str | None,
    stack_name: str | None,
    synth: bool,
    as_json: bool,
) -> None:
    """Functions, routes, event sources, resources and outputs of the app."""
    options = InspectOptions(
        template=template,
        load=load_options(
            parameter_overrides=parameter_overrides,
            region=region,
            stack_name=stack_name,
            synth=synth,
        ),
        as_json=as_json,
    )
    run_inspect(options)


def run_inspect(options: InspectOptions) -> None:
    import lambdakit  # noqa: PLC0415 - keep `lambdakit --help` fast

    app = lambdakit.load_app(options.template, options.load)
    if options.as_json:
        click.echo(json.dumps(lambdakit.describe_app(app), indent=2))
        return
    from lambdakit.cli.render_inspect import render_app  # noqa: PLC0415

    render_app(app)
