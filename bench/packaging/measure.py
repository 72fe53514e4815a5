"""Turns one built zip into an `ArtifactRow`: its facts, and its import time if the host runs it."""

from __future__ import annotations

import platform
import statistics
import zipfile
from dataclasses import dataclass
from pathlib import Path

from artifact import MACHINES, import_samples, inspect_zip
from project import Function
from results import ArtifactRow
from shell import BenchError
from tools import WORK, Tools

HOST_ARCH = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}.get(
    platform.machine().lower(), platform.machine()
)


@dataclass(frozen=True)
class Measure:
    """How to measure: the tools, and how many import runs to take the median of."""

    tools: Tools
    import_runs: int


def _runs_on_host(path: Path) -> bool:
    """Whether every ELF file in the zip is for this host (so python3.12 here can load it)."""
    facts = inspect_zip(path, HOST_ARCH) if HOST_ARCH in MACHINES else None
    return facts is not None and facts.native_for_arch == facts.shared_objects


def measure(
    how: Measure, tool: str, function: Function, path: Path, *, label: str | None = None
) -> ArtifactRow:
    """Facts of `path` for `function`, plus the median cold import time if it runs here."""
    name = label or function.id
    try:
        facts = inspect_zip(path, function.architecture)
    except (OSError, zipfile.BadZipFile) as error:
        return ArtifactRow(tool, name, function.architecture, None, note=f"unreadable: {error}")
    row = ArtifactRow(tool, name, function.architecture, facts)
    if how.import_runs <= 0:
        return row
    if not _runs_on_host(path):
        row.note = f"not importable on this {HOST_ARCH} host"
        return row
    if function.architecture != HOST_ARCH:
        row.note = f"imported here: its native code is {HOST_ARCH}, not {function.architecture}"
    try:
        row.import_samples = import_samples(
            path,
            function.module,
            python312=how.tools.python312,
            runtime_site=how.tools.runtime_site,
            scratch=WORK / "import",
            runs=how.import_runs,
        )
    except BenchError as error:
        row.note = f"import failed: {str(error)[-300:]}"
        return row
    row.import_seconds = statistics.median(row.import_samples)
    return row
