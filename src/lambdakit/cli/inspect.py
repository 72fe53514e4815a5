"""`lambdakit inspect`: what is in this app, as a readable picture or as JSON."""

from __future__ import annotations

import json

import click

from lambdakit.cli.app_options import AppSource, app_options


@click.command("inspect")
@app_options
@click.option("--json", "as_json", is_flag=True, help="Print the app model as JSON.")
def inspect_command(*, source: AppSource, as_json: bool) -> None:
    """Functions, routes, event sources, resources and outputs of the app."""
    app = source.load()
    if as_json:
        import lambdakit  # noqa: PLC0415 - keep `lambdakit --help` fast

        click.echo(json.dumps(lambdakit.describe_app(app), indent=2))
        return
    from lambdakit.cli.render_inspect import render_app  # noqa: PLC0415

    render_app(app)
