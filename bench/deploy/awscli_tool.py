"""The bench's own AWS CLI: ``bench/.tools/awscli-venv`` (uv venv + ``awscli`` from PyPI), once.

The venv is made with the project's uv (``bench/local/tools.find_uv``) and the Python that runs
the bench, with its bytecode compiled (the bench's environment may say PYTHONDONTWRITEBYTECODE,
and the AWS CLI should start as warm as on a user's machine). A marker file says the install
finished; a half-made venv is redone.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from apps import TOOLS
from tools import find_uv, run_install

AWSCLI_VENV = TOOLS / "awscli-venv"


def ensure_awscli(venv: Path = AWSCLI_VENV) -> Path:
    """The `aws` executable of the bench's venv, installed from PyPI the first time."""
    marker = venv / ".bench-ready-compiled"
    aws = venv / "bin" / "aws"
    if marker.exists() and aws.exists():
        return aws
    uv = str(find_uv())
    shutil.rmtree(venv, ignore_errors=True)
    run_install([uv, "venv", "-q", "--python", sys.executable, str(venv)])
    python = str(venv / "bin" / "python")
    run_install([uv, "pip", "install", "-q", "--compile-bytecode", "--python", python, "awscli"])
    marker.write_text("ok\n")
    return aws


def awscli_version(aws: Path) -> str:
    """What ``aws --version`` says (e.g. ``aws-cli/1.46.3 Python/3.11.7 ...``)."""
    try:
        done = subprocess.run(
            [str(aws), "--version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"unknown ({error})"
    text = (done.stdout or done.stderr).strip()
    return text.splitlines()[0] if text else "unknown"
