"""What Lambda's Python runtime offers besides the stdlib (awslambdaric, boto3), per interpreter.

Lambda's Python runtime runs a function with the runtime interface client (``awslambdaric``) and
offers boto3 (with botocore, s3transfer, jmespath, python-dateutil, urllib3 and six) without the
function packaging it (FIDELITY 2.2.4). The local runtime puts the folder `runtime_support`
returns at the end of the worker's ``sys.path``, as Lambda does.

Stages: ask the interpreter once for its exact version and platform -> the folder for that key
(``<cache root>/runtime-support/<key>``; the key also holds the requirement spec, so a changed
spec gets a new folder) -> when it exists, that is all (no uv run) -> else, holding a file lock
beside it (a second process waits, then finds the folder), ``uv pip install --target`` for exactly
that interpreter into a staging folder, compiled to bytecode by that interpreter, then renamed
into place. A folder exists only once complete: an interrupted install leaves staging debris,
never a half folder.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from lambdakit.cache_location import cache_root, uv_cache_dir
from lambdakit.errors import BuildError
from lambdakit.packaging.resolve_uv import uv_reason
from lambdakit.packaging.uv import run_uv

if sys.platform != "win32":
    import fcntl

RUNTIME_SUPPORT_REQUIREMENTS = ("awslambdaric>=3.0,<5", "boto3")
"""What the folder holds: the runtime interface client, and the AWS SDK the runtime ships."""

FOLDER = "runtime-support"
SCRIPTS = "bin"
UV_LOCK_FILE = ".lock"

_PROBE = (
    "import platform, sys; print(sys.implementation.cache_tag + sys.abiflags); "
    "print('.'.join(map(str, sys.version_info[:3]))); print(sys.platform); "
    "print(platform.machine())"
)
_PROBE_TIMEOUT_SECONDS = 30
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_HINT = "check network access to PyPI (or to your UV_INDEX_URL), or run once online"


def runtime_support(interpreter: Path) -> Path:
    """The folder holding awslambdaric and boto3 installed for `interpreter` (installs once)."""
    folder = cache_root() / FOLDER / _key(interpreter)
    if folder.is_dir():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive(folder.parent / f".{folder.name}.lock"):
        if not folder.is_dir():
            _install(interpreter, folder)
    return folder


def _key(interpreter: Path) -> str:
    """``cpython-312-3.12.7-linux-x86_64-<spec hash>``: what the installed files depend on."""
    tag, version, platform, machine = _describe(interpreter)
    spec = " ".join(RUNTIME_SUPPORT_REQUIREMENTS)
    digest = hashlib.sha256(spec.encode()).hexdigest()[:16]
    return _UNSAFE.sub("_", f"{tag}-{version}-{platform}-{machine}-{digest}")


@functools.cache
def _describe(interpreter: Path) -> tuple[str, str, str, str]:
    """Cache tag and ABI flags, ``major.minor.micro``, `sys.platform`, machine of `interpreter`."""
    try:
        result = subprocess.run(
            [str(interpreter), "-I", "-S", "-c", _PROBE],
            capture_output=True,
            text=True,
            timeout=_PROBE_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BuildError(
            f"cannot run the Python interpreter {interpreter}: {exc}",
            hint="install that Python version, or fix the interpreter lambdakit found",
        ) from exc
    lines = result.stdout.splitlines()
    if result.returncode != 0 or len(lines) != 4:
        raise BuildError(
            f"the Python interpreter {interpreter} does not describe itself "
            f"(exit code {result.returncode}): {result.stderr.strip()[-200:]}",
            hint="check that it is a working CPython",
        )
    return lines[0], lines[1], lines[2], lines[3]


@contextlib.contextmanager
def _exclusive(lock_file: Path) -> Iterator[None]:
    """Hold an exclusive lock on `lock_file` across processes (released when the file closes)."""
    if sys.platform == "win32":  # no flock: the rename in `_install` still keeps folders whole
        yield
        return
    with lock_file.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _install(interpreter: Path, folder: Path) -> None:
    with tempfile.TemporaryDirectory(prefix=f".{folder.name}.", dir=folder.parent) as scratch:
        work = Path(scratch)
        staged = work / "site"
        args = ["pip", "install", "--target", str(staged), "--python", str(interpreter)]
        args += ["--compile-bytecode", *RUNTIME_SUPPORT_REQUIREMENTS]
        # cwd: the scratch folder, so no project's uv settings change what is installed
        result = run_uv(args, cwd=work, cache_dir=uv_cache_dir())
        if result.returncode != 0:
            reason = _one_line(uv_reason(result.stderr))
            raise BuildError(
                f"cannot install the Lambda runtime's packages (awslambdaric, boto3) for "
                f"{interpreter}: {reason}",
                hint=_HINT,
            )
        shutil.rmtree(staged / SCRIPTS, ignore_errors=True)
        (staged / UV_LOCK_FILE).unlink(missing_ok=True)
        try:
            staged.rename(folder)
        except OSError:
            if not folder.is_dir():  # a folder already there came from a complete install
                raise


def _one_line(reason: str) -> str:
    """uv's multi-line explanation as one line: its causes joined by "; "."""
    parts = (
        line.strip().removeprefix("error:").removeprefix("cause:") for line in reason.splitlines()
    )
    return "; ".join(part.strip() for part in parts if part.strip())
