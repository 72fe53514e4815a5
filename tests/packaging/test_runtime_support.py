"""awslambdaric and boto3 installed once per interpreter, by the real uv (PyPI in slow tests).

lambdakit's cache is a fresh folder per test; uv's own cache stays the machine's, so a package
downloaded once serves every test.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lambdakit.errors import BuildError
from lambdakit.packaging.interpreters import find_interpreter
from lambdakit.packaging.runtime_support import runtime_support

HOST = Path(sys.executable)
UNREACHABLE_INDEX = "http://127.0.0.1:9/simple"


@pytest.fixture
def lambdakit_cache(tmp_path, monkeypatch):
    cache = tmp_path / "lambdakit-cache"
    monkeypatch.setenv("LAMBDAKIT_CACHE_DIR", str(cache))
    return cache


@pytest.fixture
def offline(tmp_path, monkeypatch):
    """uv with an empty cache and an index nobody answers: any install fails, and fast."""
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "empty-uv-cache"))
    monkeypatch.setenv("UV_INDEX_URL", UNREACHABLE_INDEX)
    monkeypatch.setenv("UV_HTTP_RETRIES", "0")


def interpreter_for(which: str) -> Path:
    """The host's Python, or a Python 3.12 of this machine (the test skips without one)."""
    if which == "host":
        return HOST
    found = find_interpreter((3, 12))
    if found is None:
        pytest.skip("no Python 3.12 on this machine")
    return found


def imports_from(interpreter: Path, folder: Path) -> subprocess.CompletedProcess[str]:
    """Run `interpreter` isolated (no site-packages) with only `folder` added to its path."""
    code = f"import sys; sys.path[:0] = [{str(folder)!r}]; import awslambdaric.bootstrap, boto3"
    return subprocess.run(
        [str(interpreter), "-I", "-S", "-c", code], capture_output=True, text=True, check=False
    )


# --------------------------------------------------------------------------- real installs


@pytest.mark.slow
@pytest.mark.parametrize("which", ["host", "python3.12"])
def test_the_folder_holds_the_runtime_packages_importable_by_that_interpreter(
    which, lambdakit_cache
):
    interpreter = interpreter_for(which)
    folder = runtime_support(interpreter)

    assert folder.parent == lambdakit_cache / "runtime-support"
    for package in ("awslambdaric", "boto3", "botocore", "s3transfer", "jmespath", "dateutil"):
        assert (folder / package).is_dir(), package
    assert (folder / "six.py").is_file()
    # no console scripts (their shebang is this host's) and no uv lock left behind
    assert not (folder / "bin").exists()
    assert not (folder / ".lock").exists()
    result = imports_from(interpreter, folder)
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_different_interpreters_never_share_a_folder(lambdakit_cache):
    if sys.version_info[:2] == (3, 12):
        pytest.skip("needs a Python 3.12 besides the host's Python")
    assert runtime_support(HOST) != runtime_support(interpreter_for("python3.12"))


@pytest.mark.slow
def test_a_second_call_finds_the_folder_without_running_uv(lambdakit_cache, monkeypatch, tmp_path):
    # GIVEN the folder installed once
    first = runtime_support(HOST)
    # WHEN uv could no longer install anything
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "empty-uv-cache"))
    monkeypatch.setenv("UV_INDEX_URL", UNREACHABLE_INDEX)
    monkeypatch.setenv("UV_HTTP_RETRIES", "0")
    # THEN the next call still answers: it only checked that the folder exists
    assert runtime_support(HOST) == first
    assert not (tmp_path / "empty-uv-cache").exists()


@pytest.mark.slow
def test_concurrent_processes_install_once_and_agree(lambdakit_cache, tmp_path):
    # GIVEN three processes asking for the same interpreter's folder at the same moment
    script = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from lambdakit.packaging.runtime_support import runtime_support
        print(runtime_support(Path(sys.executable)))
        """
    )
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", script],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [worker.communicate(timeout=300) for worker in workers]

    # THEN each gets the same complete folder, and no staging folder is left
    assert [w.returncode for w in workers] == [0, 0, 0], [err for _, err in outputs]
    (folder,) = {Path(out.strip()) for out, _ in outputs}
    assert imports_from(HOST, folder).returncode == 0
    leftovers = [p.name for p in folder.parent.iterdir() if p.is_dir() and p != folder]
    assert leftovers == []


# --------------------------------------------------------------------------- failures


def test_without_the_index_it_is_a_build_error_naming_the_interpreter(lambdakit_cache, offline):
    with pytest.raises(BuildError) as err:
        runtime_support(HOST)

    message = str(err.value)
    assert "\n" not in message
    assert str(HOST) in message
    assert "awslambdaric" in message
    assert "127.0.0.1:9" in message  # uv's reason, on the same line
    assert err.value.hint is not None
    assert "network" in err.value.hint
    # nothing half-installed is left to be mistaken for a folder later
    assert [p for p in (lambdakit_cache / "runtime-support").iterdir() if p.is_dir()] == []


def test_an_interpreter_that_does_not_run_is_a_build_error(lambdakit_cache, tmp_path):
    missing = tmp_path / "bin" / "python3.12"
    with pytest.raises(BuildError, match=r"cannot run the Python interpreter .*python3\.12"):
        runtime_support(missing)
