"""`lambdakit init`: start a project from a template (`lambdakit init --list` names them)."""

from __future__ import annotations

from pathlib import Path

import click

RUNTIME_CHOICES = ("python3.12", "python3.13")
ARCH_CHOICES = ("x86_64", "arm64")


@click.command("init")
@click.argument("template", required=False)
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.option("--name", help="The project's name (default: the folder's name).")
@click.option(
    "--runtime", type=click.Choice(RUNTIME_CHOICES), default="python3.12", show_default=True
)
@click.option(
    "--arch", "architecture", type=click.Choice(ARCH_CHOICES), default="x86_64", show_default=True
)
@click.option("--force", is_flag=True, help="Write into a folder that is not empty.")
@click.option("--list", "list_templates", is_flag=True, help="List the templates and exit.")
def init_command(
    *,
    template: str | None,
    directory: Path | None,
    name: str | None,
    runtime: str,
    architecture: str,
    force: bool,
    list_templates: bool,
) -> None:
    """Write a new project from TEMPLATE into DIRECTORY."""
    from lambdakit import scaffold  # noqa: PLC0415 - keep `lambdakit --help` fast
    from lambdakit.errors import UsageError  # noqa: PLC0415

    if list_templates:
        for info in scaffold.templates():
            click.echo(f"{info.name:<16} {info.description}")
        return
    if template is None or directory is None:
        raise UsageError(
            "lambdakit init needs a TEMPLATE and a DIRECTORY",
            hint="lambdakit init --list names the templates",
        )
    written = scaffold.generate(
        scaffold.InitOptions(
            template=template,
            directory=directory,
            name=name,
            runtime=runtime,
            architecture=architecture,
            force=force,
        )
    )
    click.echo(f"wrote {len(written)} files from {template!r} into {directory}")
    click.echo(f"next: cd {directory} && pytest && lambdakit build")
