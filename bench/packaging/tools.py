"""The bench's own tools: python3.12, a venv with aws-sam-cli, a naive-pip venv, a runtime site.

Everything lives under ``bench/.tools/`` (ignored by git) and is created once, then reused:

- ``sam-venv/``      python3.12 venv with ``aws-sam-cli`` from PyPI (``uv pip install``)
- ``pip-venv/``      python3.12 venv with pip only (the naive ``pip install -t`` baseline)
- ``runtime-site/``  boto3 with its bytecode, standing in for the python3.12 runtime's own
                     ``/var/lang/lib/python3.12/site-packages`` in the import timing
- ``sam-home/``      HOME for sam, so its metadata (telemetry off, version check done) stays here
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from shell import BenchError, run

BENCH = Path(__file__).resolve().parent.parent
REPO = BENCH.parent
TOOLS = BENCH / ".tools"
WORK = TOOLS / "work"
APP = Path(__file__).resolve().parent / "app"
INSTALL_TIMEOUT = 600


@dataclass(frozen=True)
class Tools:
    """Paths to every tool the scenarios run."""

    python312: Path
    uv: Path
    sam: Path
    pip_python: Path
    runtime_site: Path
    sam_home: Path
    lambdakit: Path

    def path_with_python312(self) -> str:
        """PATH with python3.12's folder first, as `sam build` needs it (and everyone gets it)."""
        return f"{self.python312.parent}{os.pathsep}{os.environ.get('PATH', '')}"


def _is_python312(candidate: str) -> Path | None:
    """The real executable behind `candidate` if it runs and is CPython 3.12, else None."""
    code = "import sys; print(sys.version_info[:2] == (3, 12)); print(sys.executable)"
    try:
        done = subprocess.run(
            [candidate, "-c", code], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = done.stdout.split()
    if done.returncode != 0 or len(lines) != 2 or lines[0] != "True":
        return None
    return Path(lines[1])


def _pyenv_candidates() -> list[str]:
    """python3.12 executables of pyenv's installed versions, newest first."""
    pyenv = shutil.which("pyenv")
    if pyenv is None:
        return []
    done = subprocess.run([pyenv, "root"], capture_output=True, text=True, timeout=30, check=False)
    root = done.stdout.strip()
    if done.returncode != 0 or not root:
        return []
    return sorted((str(p) for p in Path(root).glob("versions/3.12*/bin/python3.12")), reverse=True)


def find_python312(uv: Path) -> Path:
    """A working python3.12: on PATH, else pyenv's, else one uv knows about."""
    candidates = [shutil.which("python3.12") or "", *_pyenv_candidates()]
    for candidate in filter(None, candidates):
        found = _is_python312(candidate)
        if found is not None:
            return found
    done = subprocess.run(
        [str(uv), "python", "find", "3.12"], capture_output=True, text=True, timeout=60, check=False
    )
    found = _is_python312(done.stdout.strip()) if done.returncode == 0 else None
    if found is None:
        raise BenchError("no python3.12 found (PATH, pyenv, uv python find); install one")
    return found


def find_uv() -> Path:
    """The uv of the project venv (it is a project dependency), else one on PATH."""
    local = REPO / ".venv" / "bin" / "uv"
    if local.exists():
        return local
    found = shutil.which("uv")
    if found is None:
        raise BenchError("uv not found: run `make env` first")
    return Path(found)


def _ensure_venv(uv: Path, python312: Path, venv: Path, packages: list[str], seed: bool) -> None:
    """Create `venv` with `packages` unless a finished one (marker file) is already there."""
    marker = venv / ".bench-ready"
    if marker.exists():
        return
    shutil.rmtree(venv, ignore_errors=True)
    create = [str(uv), "venv", "-q", "--python", str(python312), str(venv)]
    run([*create, *(["--seed"] if seed else [])], timeout=INSTALL_TIMEOUT)
    if packages:
        install = [str(uv), "pip", "install", "-q", "--python", str(venv / "bin" / "python")]
        run([*install, *packages], timeout=INSTALL_TIMEOUT)
    marker.write_text("ok\n")


def _ensure_runtime_site(uv: Path, python312: Path, site: Path) -> None:
    """boto3 (compiled, like the runtime's copy) in a plain folder, once."""
    marker = site / ".bench-ready"
    if marker.exists():
        return
    shutil.rmtree(site, ignore_errors=True)
    install = [str(uv), "pip", "install", "-q", "--python", str(python312), "--target", str(site)]
    run([*install, "--compile-bytecode", "boto3"], timeout=INSTALL_TIMEOUT)
    marker.write_text("ok\n")


def _ensure_sam_home(home: Path) -> None:
    """A HOME whose ~/.aws-sam/metadata.json has telemetry off and the version check done."""
    metadata = home / ".aws-sam" / "metadata.json"
    metadata.parent.mkdir(parents=True, exist_ok=True)
    settings = {"telemetryEnabled": False, "lastVersionCheck": time.time()}
    metadata.write_text(json.dumps(settings))


def ensure_tools(*, need_sam: bool, need_pip: bool, lambdakit: Path | None = None) -> Tools:
    """Find or create every tool; only the venvs of the parts that run are created."""
    uv = find_uv()
    python312 = find_python312(uv)
    if need_sam:
        _ensure_venv(uv, python312, TOOLS / "sam-venv", ["aws-sam-cli"], seed=False)
    if need_pip:
        _ensure_venv(uv, python312, TOOLS / "pip-venv", [], seed=True)
    _ensure_runtime_site(uv, python312, TOOLS / "runtime-site")
    _ensure_sam_home(TOOLS / "sam-home")
    return Tools(
        python312=python312,
        uv=uv,
        sam=TOOLS / "sam-venv" / "bin" / "sam",
        pip_python=TOOLS / "pip-venv" / "bin" / "python",
        runtime_site=TOOLS / "runtime-site",
        sam_home=TOOLS / "sam-home",
        lambdakit=lambdakit or REPO / ".venv" / "bin" / "lambdakit",
    )


def tool_version(command: list[str]) -> str:
    """First line a tool prints for its version, or why it could not say."""
    try:
        return run(command, timeout=120).stdout.strip().splitlines()[0]
    except (BenchError, IndexError) as error:
        return f"unknown ({error})"
