"""`lambdakit deps`: export each function's dependency group as a requirements.txt (or check it).

Writes, into each function's code folder, the ``requirements.txt`` of the ``pyproject.toml``
group the function maps to (`lambdakit.packaging.requirements_export`), only where it changed.
With ``--check`` nothing is written: a missing or stale file is listed and the exit code is 1,
for CI.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from lambdakit.cli.app_options import AppSource, app_options

if TYPE_CHECKING:
    from lambdakit.model import Function


def _code_folder(fn: Function, project_root: Path | None) -> Path | None:
    """The project folder of `fn`'s code; a CDK asset is traced back to the folder it copies."""
    from lambdakit.model import AssetCode, LocalCode  # noqa: PLC0415 - keep --help fast
    from lambdakit.sources.dependencies import asset_source  # noqa: PLC0415

    code = fn.code
    if isinstance(code, LocalCode) and code.path.is_dir():
        return code.path
    if isinstance(code, AssetCode) and code.path.is_dir() and project_root is not None:
        return asset_source(code.path, project_root)
    return None


@click.command("deps")
@app_options
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if a file is missing or stale.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def deps_command(*, source: AppSource, check: bool, as_json: bool) -> None:
    """Write a requirements.txt from its dependency group into each function's code folder."""
    from lambdakit.packaging.requirements_export import (  # noqa: PLC0415
        ExportState,
        export_state,
        plan_exports,
        write_export,
    )
    from lambdakit.packaging.requirements_lines import display  # noqa: PLC0415

    app = source.load()
    exports = plan_exports(app.functions, lambda fn: _code_folder(fn, app.project_root))
    rows: list[dict[str, Any]] = []
    for export in exports:
        state = export_state(export)
        action = state.value
        if not check and state is not ExportState.CURRENT:
            write_export(export)
            action = "written"
        rows.append(
            {
                "path": display(export.path),
                "source": export.source,
                "functions": list(export.functions),
                "state": action,
            }
        )
    failing = [row for row in rows if row["state"] in ("missing", "stale")]
    if as_json:
        click.echo(json.dumps({"ok": not failing, "files": rows}, indent=2))
    else:
        _print_rows(rows, check=check)
    if failing:
        if not as_json:
            click.echo(f"error: {len(failing)} requirements.txt file(s) missing or stale", err=True)
            click.echo("hint: run `lambdakit deps` and commit the result", err=True)
        raise SystemExit(1)


def _print_rows(rows: list[dict[str, Any]], *, check: bool) -> None:
    if not rows:
        click.echo("no function takes its dependencies from a pyproject.toml group")
        return
    for row in rows:
        click.echo(f"{row['state']:8} {row['path']}  ({row['source']})")
    if check:
        return
    written = sum(row["state"] == "written" for row in rows)
    click.echo(f"{written} written, {len(rows) - written} already up to date")
