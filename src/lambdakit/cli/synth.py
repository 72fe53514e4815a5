"""`lambdakit synth`: run a CDK app into its cloud assembly (the one place user code runs)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import click


def _with_progress(message: str, work: Callable[[], Path]) -> Path:
    """Run `work` under a spinner on a terminal; silently otherwise."""
    if not sys.stderr.isatty():
        return work()
    from rich.console import Console  # noqa: PLC0415 - keep `lambdakit --help` fast

    with Console(stderr=True).status(message):
        return work()


@click.command("synth")
@click.option(
    "-a",
    "--app",
    "app_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=".",
    show_default=True,
    help="The CDK app folder (with cdk.json).",
)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Cloud assembly folder.")
@click.option(
    "-c", "--context", "context", multiple=True, metavar="KEY=VALUE", help="CDK context values."
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def synth_command(
    *, app_dir: Path, output: Path | None, context: tuple[str, ...], as_json: bool
) -> None:
    """Run the CDK app's command from cdk.json and write its cloud assembly."""
    from lambdakit.errors import UsageError  # noqa: PLC0415 - keep `lambdakit --help` fast
    from lambdakit.sources import cdk  # noqa: PLC0415

    values: dict[str, str] = {}
    for item in context:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--context: {item!r} is not KEY=VALUE")
        values[key] = value
    out = _with_progress(
        f"running the CDK app in {app_dir}",
        lambda: cdk.synth(app_dir.resolve(), out_dir=output, context=values),
    )
    stacks = [s.name for s in cdk.read_assembly(out)]
    if as_json:
        click.echo(json.dumps({"assembly": str(out), "stacks": stacks}))
    else:
        click.echo(f"synthesized {len(stacks)} stack(s) into {out}: {', '.join(stacks)}")
