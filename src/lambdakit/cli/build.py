"""`lambdakit build`, `lambdakit size`, `lambdakit why`: build artifacts and explain them."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

from lambdakit.cli.app_options import AppSource, app_options
from lambdakit.errors import SizeLimitError

if TYPE_CHECKING:
    from lambdakit.packaging.build import BuildResult
    from lambdakit.packaging.report import SizeRow, WhyAnswer


@dataclass(frozen=True)
class BuildCommandOptions:
    source: AppSource
    functions: tuple[str, ...]
    no_cache: bool
    for_local: bool
    as_json: bool


@click.command("build")
@click.argument("functions", nargs=-1)
@app_options
@click.option("--no-cache", is_flag=True, help="Resolve and install again; rebuild every zip.")
@click.option(
    "--for-local",
    is_flag=True,
    help="Also make copies this machine can run (arm64 or other Pythons: same pinned versions).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def build_command(
    *,
    functions: tuple[str, ...],
    source: AppSource,
    no_cache: bool,
    for_local: bool,
    as_json: bool,
) -> None:
    """Build each function (or those named) into .lambdakit/build/<function>.zip."""
    run_build(
        BuildCommandOptions(
            source=source,
            functions=functions,
            no_cache=no_cache,
            for_local=for_local,
            as_json=as_json,
        )
    )


def run_build(options: BuildCommandOptions) -> None:
    import lambdakit  # noqa: PLC0415 - keep `lambdakit --help` fast
    from lambdakit.cli.progress import LiveProgress, progress_for  # noqa: PLC0415

    app = options.source.load()
    progress = progress_for(quiet=options.as_json)
    live = progress if isinstance(progress, LiveProgress) else contextlib.nullcontext()
    with live:
        result = lambdakit.build(
            app,
            lambdakit.BuildOptions(
                names=options.functions, no_cache=options.no_cache, progress=progress
            ),
        )
    copies = (
        [lambdakit.local_copy(app, a.id) for a in result.artifacts if a.kind == "function"]
        if options.for_local
        else []
    )
    if options.as_json:
        document = _build_json(result)
        document["localCopies"] = [
            {
                "function": c.function,
                "taskRoot": str(c.task_root),
                "opt": str(c.opt),
                "python": ".".join(map(str, c.python)),
                "exact": c.exact,
            }
            for c in copies
        ]
        click.echo(json.dumps(document))
        return
    for copy in copies:
        how = "the artifact" if copy.exact else "same pins, built for this machine"
        click.echo(f"local copy of {copy.function}: {copy.task_root} ({how})", err=True)
    for artifact in result.artifacts:
        for note in artifact.notes:
            click.echo(f"note: {artifact.id}: {note}", err=True)
    for skipped in result.skipped:
        click.echo(f"skipped {skipped.id}: {skipped.reason}", err=True)
    click.echo(f"built {len(result.artifacts)} artifact(s) into {result.build_dir}")


def _build_json(result: BuildResult) -> dict[str, Any]:
    return {
        "buildDir": str(result.build_dir),
        "manifest": str(result.manifest),
        "artifacts": [
            {
                "id": a.id,
                "kind": a.kind,
                "path": str(a.path),
                "sha256": a.sha256,
                "size": a.size,
                "uncompressedSize": a.uncompressed_size,
                "target": a.target,
                "reused": a.reused,
                "layers": list(a.layers),
                "notes": list(a.notes),
            }
            for a in result.artifacts
        ],
        "skipped": [{"id": s.id, "reason": s.reason} for s in result.skipped],
    }


@click.command("size")
@app_options
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def size_command(*, source: AppSource, as_json: bool) -> None:
    """Unzipped and zipped size of each built function and layer against Lambda's limits."""
    import lambdakit  # noqa: PLC0415 - keep `lambdakit --help` fast

    rows = lambdakit.size_report(source.load())
    if as_json:
        click.echo(json.dumps([_size_json(r) for r in rows]))
    else:
        from lambdakit.cli.render_build import render_sizes  # noqa: PLC0415

        render_sizes(rows)
    over = [r for r in rows if r.over_limit]
    if over:
        worst = over[0]
        names = ", ".join(p.name for p in worst.biggest[:3])
        raise SizeLimitError(
            f"{', '.join(r.id for r in over)} over Lambda's 250 MB unzipped limit "
            f"(biggest packages of {worst.id}: {names})",
            hint='move shared dependencies into layers ([tool.lambdakit] layers = "auto"), '
            "drop unused extras, or ship a container image",
        )


def _size_json(row: SizeRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "zipped": row.zipped,
        "unzipped": row.unzipped,
        "unzippedWithLayers": row.unzipped_with_layers,
        "unzippedShare": round(row.unzipped_share, 4),
        "zippedShare": round(row.zipped_share, 4),
        "overLimit": row.over_limit,
        "directUpload": row.direct_upload,
        "pruned": row.pruned,
        "biggest": [{"name": p.name, "version": p.version, "size": p.size} for p in row.biggest],
    }


@click.command("why")
@click.argument("package")
@click.option("-f", "--function", "functions", multiple=True, help="Only this function.")
@app_options
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
def why_command(
    *, package: str, functions: tuple[str, ...], source: AppSource, as_json: bool
) -> None:
    """Every path from a function's requirements to PACKAGE."""
    import lambdakit  # noqa: PLC0415 - keep `lambdakit --help` fast

    answers = lambdakit.why(source.load(), package, functions)
    if as_json:
        click.echo(json.dumps([_why_json(a) for a in answers]))
        return
    for answer in answers:
        state = "" if answer.shipped else " (pruned: the Lambda runtime provides it)"
        click.echo(f"{answer.function}: {answer.package} {answer.version}{state}")
        for path in answer.paths:
            click.echo("  " + " -> ".join(path))


def _why_json(answer: WhyAnswer) -> dict[str, Any]:
    return {
        "function": answer.function,
        "package": answer.package,
        "version": answer.version,
        "shipped": answer.shipped,
        "paths": [list(p) for p in answer.paths],
    }
