"""Find a CPython interpreter of a given minor version on this machine, without installing one.

Candidates, first that works wins: ``python3.X`` on ``PATH``, then ``python3`` on ``PATH``,
then the newest ``3.X.*`` under ``$(pyenv root)/versions``, then a uv-managed Python
(``uv python find --managed-python --no-python-downloads 3.X``). Each candidate is run once to
confirm it is CPython 3.X (a pyenv shim for a version that is not selected exits with an
error and is skipped); the answer is the interpreter's own ``sys.executable``. Results are
cached for the life of the process.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

from lambdakit.atomic_write import write_text_atomic
from lambdakit.cache_location import cache_root
from lambdakit.packaging.uv import run_uv

_PROBE = (
    "import sys; print(sys.implementation.name); print(*sys.version_info[:2]); "
    "print(sys.executable)"
)
_PROBE_TIMEOUT_SECONDS = 15


@functools.cache
def find_interpreter(version: tuple[int, int]) -> Path | None:
    """A CPython ``version`` (e.g. ``(3, 12)``) interpreter of this machine, or None."""
    remembered = _remembered(version)
    if remembered is not None:
        return remembered
    for candidate in _candidates(version):
        found = _probe(candidate, version)
        if found is not None:
            _remember(version, found)
            return found
    return None


def _memory_file() -> Path:
    return cache_root() / "interpreters.json"


def _remembered(version: tuple[int, int]) -> Path | None:
    """An interpreter found earlier, if it is still the same file (probing costs a process)."""
    try:
        entry = json.loads(_memory_file().read_text())[f"{version[0]}.{version[1]}"]
        path = Path(entry["path"])
        return path if path.stat().st_mtime_ns == entry["mtime_ns"] else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _remember(version: tuple[int, int], path: Path) -> None:
    memory = _memory_file()
    try:
        data = json.loads(memory.read_text()) if memory.is_file() else {}
        data[f"{version[0]}.{version[1]}"] = {
            "path": str(path),
            "mtime_ns": path.stat().st_mtime_ns,
        }
        write_text_atomic(memory, json.dumps(data, sort_keys=True))
    except (OSError, ValueError):
        pass  # remembering only saves time


def _candidates(version: tuple[int, int]) -> Iterator[Path]:
    """Where to look, lazily, so later (slower) sources run only when needed. pyenv's shims are
    slow shell scripts that may not even select this version, so real binaries come first."""
    major, minor = version
    on_path = [shutil.which(name) for name in (f"python{major}.{minor}", f"python{major}")]
    real = [Path(p) for p in on_path if p and "/shims/" not in p]
    yield from real
    yield from _pyenv_interpreters(version)
    yield from (Path(p) for p in on_path if p and "/shims/" in p)
    managed = run_uv(
        ["python", "find", "--managed-python", "--no-python-downloads", f"{major}.{minor}"]
    )
    if managed.returncode == 0 and managed.stdout.strip():
        yield Path(managed.stdout.strip())


def _pyenv_interpreters(version: tuple[int, int]) -> Iterator[Path]:
    """``<pyenv root>/versions/3.X.N/bin/python3.X``, newest patch release first."""
    root = _pyenv_root()
    if root is None:
        return
    major, minor = version
    release = re.compile(rf"^{major}\.{minor}\.(\d+)$")
    patches: list[tuple[int, Path]] = []
    try:
        entries = list((root / "versions").iterdir())
    except OSError:
        return
    for entry in entries:
        match = release.match(entry.name)
        if match:
            patches.append((int(match[1]), entry / "bin" / f"python{major}.{minor}"))
    for _patch, path in sorted(patches, reverse=True):
        yield path


def _pyenv_root() -> Path | None:
    """``$PYENV_ROOT``, else ``~/.pyenv`` when it exists, else what `pyenv root` says."""
    configured = os.environ.get("PYENV_ROOT")
    if configured:
        return Path(configured)
    default = Path.home() / ".pyenv"
    if (default / "versions").is_dir():
        return default
    pyenv = shutil.which("pyenv")
    if pyenv:
        try:
            result = subprocess.run(
                [pyenv, "root"],
                capture_output=True,
                text=True,
                timeout=_PROBE_TIMEOUT_SECONDS,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        if result.returncode == 0 and result.stdout.strip():
            return Path(result.stdout.strip())
    return None


def _probe(candidate: Path, version: tuple[int, int]) -> Path | None:
    """The interpreter's `sys.executable` if `candidate` runs and is CPython `version`."""
    try:
        result = subprocess.run(
            [str(candidate), "-c", _PROBE],
            capture_output=True,
            text=True,
            timeout=_PROBE_TIMEOUT_SECONDS,
            check=False,
            env={**os.environ, "PYTHONNOUSERSITE": "1"},
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = result.stdout.splitlines()
    if result.returncode != 0 or len(lines) < 3:
        return None
    implementation, found_version, executable = lines[0], lines[1], lines[2]
    if implementation != "cpython" or found_version != f"{version[0]} {version[1]}":
        return None
    return Path(executable) if executable else candidate
