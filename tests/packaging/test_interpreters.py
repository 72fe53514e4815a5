"""Finding CPython interpreters on this machine: PATH, pyenv, uv-managed; never downloading."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from lambdakit.packaging.interpreters import find_interpreter


def version_of(path) -> str:
    return subprocess.run(
        [str(path), "-c", "import sys; print(*sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_finds_python_3_11():
    found = find_interpreter((3, 11))

    if found is None:
        pytest.skip("no python3.11 on this machine")
    assert found.is_file()
    assert version_of(found) == "3 11"


@pytest.mark.parametrize("version", [(3, 12), (3, 13)])
def test_finds_other_versions_through_pyenv(version):
    if shutil.which("pyenv") is None:
        pytest.skip("pyenv is not installed")
    root = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=True)
    installed = Path(root.stdout.strip()) / "versions"
    if not list(installed.glob(f"{version[0]}.{version[1]}.*")):
        pytest.skip(f"pyenv has no {version[0]}.{version[1]}")

    found = find_interpreter(version)

    assert found is not None
    assert version_of(found) == f"{version[0]} {version[1]}"


def test_unknown_version_is_none():
    assert find_interpreter((3, 99)) is None


def test_answers_are_cached_per_process():
    assert find_interpreter((3, 99)) is find_interpreter((3, 99))
    assert find_interpreter((3, 11)) is find_interpreter((3, 11))
