"""Judges the issue's targets against the measurements and prints the three tables.

Pure over `PartResult`s up to `render`: `targets` computes each target's measured value and
verdict; `render` prints build times (with the ratio to ``sam build``), artifacts (sizes,
native-library architecture, cold import time with the ratio to sam's) and the targets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from artifact import MB
from results import ArtifactRow, PartResult
from rich.console import Console
from rich.table import Table

# Measured on this machine for the issue (python3.12, same app); used when sam was not run.
SAM_CLEAN_BASELINE_S = 34.4
KB = 1000
VERDICTS = {True: "[green]met[/]", False: "[red]missed[/]", None: "[yellow]not measured[/]"}


@dataclass(frozen=True)
class Target:
    """One target of the issue: what it says, what was measured, whether it was met."""

    name: str
    limit: str
    measured: str
    met: bool | None  # None: could not be measured


def _step_s(parts: Mapping[str, PartResult], part: str, key: str) -> float | None:
    found = parts[part].step(key) if part in parts else None
    return found.seconds if found else None


def _artifact(parts: Mapping[str, PartResult], part: str, function: str) -> ArtifactRow | None:
    rows = parts[part].artifacts if part in parts else []
    return next((a for a in rows if a.function == function), None)


def sam_reference(parts: Mapping[str, PartResult]) -> tuple[float, str]:
    """sam build's clean time, and where it comes from."""
    measured = _step_s(parts, "sam", "sam-clean")
    if measured is not None:
        sam = parts["sam"]
        return measured, f"the sam run of {sam.when}" if sam.reused else "this run"
    return SAM_CLEAN_BASELINE_S, "the issue's baseline (sam not run)"


def _time_target(
    parts: Mapping[str, PartResult], key: str, name: str, limit_s: float, *, of_sam: bool
) -> Target:
    seconds = _step_s(parts, "lambdakit", key)
    ref, _ = sam_reference(parts)
    limit = f"≤ {limit_s}x sam build" if of_sam else f"≤ {limit_s} s"
    if seconds is None:
        return Target(name, limit, "not measured", None)
    value = seconds / ref if of_sam else seconds
    shown = f"{seconds:.2f} s ({seconds / ref:.3f}x)"
    return Target(name, limit, shown, value <= limit_s)


def _import_target(parts: Mapping[str, PartResult], function: str, limit: float) -> Target:
    ours, theirs = _artifact(parts, "lambdakit", function), _artifact(parts, "sam", function)
    name = f"cold import {function}, read-only copy"
    if not ours or not theirs or ours.import_seconds is None or theirs.import_seconds is None:
        return Target(name, f"≤ {limit}x sam's", "not measured", None)
    ratio = ours.import_seconds / theirs.import_seconds
    ms = (ours.import_seconds * 1000, theirs.import_seconds * 1000)
    shown = f"{ms[0]:.0f} ms vs {ms[1]:.0f} ms ({ratio:.2f}x)"
    return Target(name, f"≤ {limit}x sam's", shown, ratio <= limit)


def _archive_target(parts: Mapping[str, PartResult]) -> Target:
    archive = parts["lambdakit"].extra.get("archive") if "lambdakit" in parts else None
    name = "archiving the etl artifact"
    if not archive or not archive.get("lambdakit_s"):
        return Target(name, "≥ 3x faster than zipfile", "not measured", None)
    speedup = archive["zipfile_s"] / archive["lambdakit_s"]
    shown = f"{archive['lambdakit_s']:.2f} s vs {archive['zipfile_s']:.2f} s ({speedup:.2f}x)"
    return Target(name, "≥ 3x faster than zipfile", shown, speedup >= 3)


def _size_targets(parts: Mapping[str, PartResult]) -> list[Target]:
    counter = _artifact(parts, "lambdakit", "Counter")
    ours, theirs = _artifact(parts, "lambdakit", "Etl"), _artifact(parts, "sam", "Etl")
    targets = []
    if counter and counter.facts:
        size = counter.facts.zipped_bytes
        targets.append(
            Target("counter artifact (zip)", "< 100 KB", f"{size / KB:.1f} KB", size < 100 * KB)
        )
    else:
        targets.append(Target("counter artifact (zip)", "< 100 KB", "not measured", None))
    name, limit = "etl unzipped vs sam's", "≥ 10% smaller"
    if ours and ours.facts and theirs and theirs.facts:
        saved = 1 - ours.facts.unzipped_bytes / theirs.facts.unzipped_bytes
        mb = (ours.facts.unzipped_bytes / MB, theirs.facts.unzipped_bytes / MB)
        shown = f"{mb[0]:.1f} MB vs {mb[1]:.1f} MB ({saved:.0%} smaller)"
        targets.append(Target(name, limit, shown, saved >= 0.10))
    else:
        targets.append(Target(name, limit, "not measured", None))
    return targets


def _native_target(parts: Mapping[str, PartResult]) -> Target:
    rows = [a for a in parts["lambdakit"].artifacts if a.facts] if "lambdakit" in parts else []
    rows = [a for a in rows if "@" not in a.function]
    if not rows:
        return Target(
            "native libraries for the declared architecture", "100%", "not measured", None
        )
    total = sum(a.facts.shared_objects for a in rows if a.facts)
    good = sum(a.facts.native_for_arch for a in rows if a.facts)
    share = good / total if total else 1.0
    return Target(
        "native libraries for the declared architecture", "100%", f"{good}/{total}", share == 1.0
    )


def _identical_target(parts: Mapping[str, PartResult]) -> Target:
    same = parts["lambdakit"].extra.get("identical") if "lambdakit" in parts else None
    name = "two clean builds byte-identical"
    if same is None:
        return Target(name, "same sha256", "not measured", None)
    return Target(name, "same sha256", "identical" if same else "different", bool(same))


def targets(parts: Mapping[str, PartResult]) -> list[Target]:
    """Every target of the issue, judged."""
    return [
        _time_target(parts, "lk-cold", "build, empty package cache", 0.4, of_sam=True),
        _time_target(parts, "lk-warm", "build, new project, warm cache", 0.2, of_sam=True),
        _time_target(parts, "lk-noop", "rebuild, nothing changed", 0.5, of_sam=False),
        _time_target(parts, "lk-edit", "rebuild after a one-line edit", 1.0, of_sam=False),
        _time_target(parts, "lk-add", "rebuild after adding a requirement", 3.0, of_sam=False),
        _archive_target(parts),
        *_size_targets(parts),
        _import_target(parts, "Api", 0.45),
        _import_target(parts, "Etl@x86_64", 0.3),
        _native_target(parts),
        _identical_target(parts),
    ]


def _times_table(parts: Mapping[str, PartResult]) -> Table:
    ref, source = sam_reference(parts)
    table = Table(title=f"Build times (ratio to sam build, clean: {ref:.1f} s from {source})")
    for column in ("part", "scenario", "seconds", "x sam build", "note"):
        table.add_column(
            column, justify="right" if column in {"seconds", "x sam build"} else "left"
        )
    for part in parts.values():
        for step in part.steps:
            if step.seconds is None:
                error = " ".join((step.error or "").split())
                table.add_row(part.part, step.label, "failed", "", error[-240:])
                continue
            note = step.note + (f" [{part.when}]" if part.reused else "")
            table.add_row(
                part.part, step.label, f"{step.seconds:.2f}", f"{step.seconds / ref:.3f}", note
            )
    return table


def _import_ratio(parts: Mapping[str, PartResult], row: ArtifactRow) -> str:
    sam = _artifact(parts, "sam", row.function)
    if row.import_seconds is None or sam is None or not sam.import_seconds:
        return ""
    return f"{row.import_seconds / sam.import_seconds:.2f}"


def _artifacts_table(parts: Mapping[str, PartResult], import_runs: int) -> Table:
    table = Table(title=f"Artifacts (MB = 10^6 bytes; import: median of {import_runs} fresh runs)")
    columns = (
        "function",
        "tool",
        "arch",
        "unzipped MB",
        "zipped MB",
        "files",
        ".pyc",
        "native libs for arch",
        "import ms",
        "x sam",
        "note",
    )
    for column in columns:
        table.add_column(
            column, justify="left" if column in {"function", "tool", "arch", "note"} else "right"
        )
    rows = sorted(
        (a for p in parts.values() for a in p.artifacts), key=lambda a: (a.function, a.tool)
    )
    for row in rows:
        facts = row.facts
        if facts is None:
            table.add_row(row.function, row.tool, row.architecture, *[""] * 7, row.note)
            continue
        native = f"{facts.native_for_arch}/{facts.shared_objects}"
        shown_import = f"{row.import_seconds * 1000:.0f}" if row.import_seconds is not None else ""
        table.add_row(
            row.function, row.tool, row.architecture,
            f"{facts.unzipped_bytes / MB:.2f}", f"{facts.zipped_bytes / MB:.3f}",
            str(facts.files), str(facts.pyc_files), native, shown_import,
            _import_ratio(parts, row), row.note,
        )  # fmt: skip
    return table


def _targets_table(judged: list[Target]) -> Table:
    table = Table(title="Targets (lambdakit)")
    for column in ("target", "limit", "measured", "verdict"):
        table.add_column(column)
    for target in judged:
        table.add_row(target.name, target.limit, target.measured, VERDICTS[target.met])
    return table


def render(parts: Mapping[str, PartResult], judged: list[Target], import_runs: int) -> None:
    """Print the three tables."""
    console = Console(width=200)
    console.print(_times_table(parts))
    console.print(_artifacts_table(parts, import_runs))
    console.print(_targets_table(judged))
