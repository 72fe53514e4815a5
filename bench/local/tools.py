"""The bench's own copy of Chalice: ``bench/.tools/chalice-venv`` (uv venv + ``chalice``), once.

The venv is created with the Python that runs the bench, so both servers run the handler on the
same interpreter version. A marker file says the install finished; a half-made venv is redone.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from apps import REPO, TOOLS

CHALICE_VENV = TOOLS / "chalice-venv"
INSTALL_TIMEOUT = 600
TAIL = 2000


class BenchError(Exception):
    """A step of the benchmark could not run (missing tool, server that never answered...)."""


def find_uv() -> Path:
    """The uv of the project venv (a project dependency), else one on PATH."""
    local = REPO / ".venv" / "bin" / "uv"
    if local.exists():
        return local
    found = shutil.which("uv")
    if found is None:
        raise BenchError("uv not found: run `make env` first")
    return Path(found)


def run_install(command: list[str]) -> None:
    """Run an install step (uv venv, uv pip install); BenchError with its output's tail."""
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise BenchError(f"cannot run {' '.join(command)}: {error}") from error
    if done.returncode != 0:
        tail = (done.stderr or done.stdout)[-TAIL:]
        raise BenchError(f"exit {done.returncode}: {' '.join(command)}\n{tail}")


def ensure_chalice(venv: Path = CHALICE_VENV) -> Path:
    """The `chalice` executable of the bench's venv, installed from PyPI the first time."""
    marker = venv / ".bench-ready"
    chalice = venv / "bin" / "chalice"
    if marker.exists() and chalice.exists():
        return chalice
    uv = str(find_uv())
    shutil.rmtree(venv, ignore_errors=True)
    run_install([uv, "venv", "-q", "--python", sys.executable, str(venv)])
    run_install([uv, "pip", "install", "-q", "--python", str(venv / "bin" / "python"), "chalice"])
    marker.write_text("ok\n")
    return chalice


def chalice_version(chalice: Path) -> str:
    """What ``chalice --version`` says."""
    try:
        done = subprocess.run(
            [str(chalice), "--version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"unknown ({error})"
    return (done.stdout or done.stderr).strip().splitlines()[0] if done.stdout else "unknown"
