"""Run the bundled uv binary: the one place lambdakit starts a uv process.

Every call gets the same hardened environment, so a user's shell cannot change what a build
means: no colours, progress bars or wrapping to the terminal's width (the output is parsed and
shown in lambdakit's messages), no Python downloads (lambdakit finds interpreters itself, see
`interpreters`), and none of the ``UV_*`` variables that would change the resolution or the
installed files behind lambdakit's back (bytecode compilation, link mode, build switches,
extra constraints). Index, TLS and proxy
settings (``UV_INDEX_URL``, ``SSL_CERT_FILE``, ``HTTPS_PROXY``…) are kept: they say where
packages come from, not what they are.

`NO_NATIVE_BUILD` is the environment for the rare source builds lambdakit allows (pure-Python
sdists): C, C++ and Fortran compilers are replaced by ``false``, so a package that needs
native code fails fast instead of compiling for the host.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

import uv as uv_package

from lambdakit.errors import BuildError

_IGNORED_ENVIRONMENT = frozenset(
    {
        "UV_BUILD_CONSTRAINT",
        "UV_CACHE_DIR",
        "UV_COMPILE_BYTECODE",
        "UV_CONFIG_FILE",
        "UV_CONSTRAINT",
        "UV_EXCLUDE",
        "UV_LINK_MODE",
        "UV_NO_BINARY",
        "UV_NO_BINARY_PACKAGE",
        "UV_NO_BUILD",
        "UV_NO_BUILD_ISOLATION",
        "UV_NO_BUILD_PACKAGE",
        "UV_NO_CACHE",
        "UV_OVERRIDE",
        "UV_PRERELEASE",
        "UV_PYTHON",
        "UV_REQUIRE_HASHES",
        "UV_RESOLUTION",
        "UV_SYSTEM_PYTHON",
        "UV_TORCH_BACKEND",
    }
)

_FIXED_ENVIRONMENT = {
    "COLUMNS": "1000",  # uv wraps its messages to this width: keep them one line per sentence
    "NO_COLOR": "1",
    "UV_NO_PROGRESS": "1",
    "UV_PYTHON_DOWNLOADS": "never",
}

_FALSE = shutil.which("false") or "false"
NO_NATIVE_BUILD: Mapping[str, str] = {"CC": _FALSE, "CXX": _FALSE, "FC": _FALSE, "F77": _FALSE}
"""Environment for source builds: any compiler call fails, so only pure Python gets built."""

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


_FIND_LOCK = threading.Lock()


@functools.cache
def _find_uv_bin() -> str:
    # find_uv_bin reads sysconfig, whose first initialization is not thread-safe on Python 3.11
    # (another thread can see a half-filled config and fail): look it up once, under a lock.
    with _FIND_LOCK:
        return str(uv_package.find_uv_bin())


def uv_binary() -> str:
    """Path of the uv binary shipped with the ``uv`` package lambdakit depends on."""
    try:
        return _find_uv_bin()
    except FileNotFoundError as exc:
        raise BuildError(
            "the uv binary that lambdakit builds with is missing",
            hint="reinstall lambdakit (it depends on the `uv` package, which ships the binary)",
        ) from exc


def run_uv(
    args: Sequence[str],
    *,
    cwd: Path | None = None,
    cache_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``uv <args>`` and capture its text output; the caller checks `returncode`."""
    command = [uv_binary(), *args]
    if cache_dir is not None:
        command += ["--cache-dir", str(cache_dir)]
    environment = {k: v for k, v in os.environ.items() if k not in _IGNORED_ENVIRONMENT}
    environment.update(_FIXED_ENVIRONMENT)
    if env:
        environment.update(env)
    try:
        return subprocess.run(  # noqa: PLW1510 - callers read returncode and stderr themselves
            command, cwd=cwd, env=environment, capture_output=True, text=True
        )
    except OSError as exc:
        raise BuildError(
            f"cannot run uv ({command[0]}): {exc.strerror or exc}",
            hint="reinstall lambdakit so that its bundled uv binary is executable",
        ) from exc


@functools.cache
def uv_version() -> str:
    """The uv version, e.g. ``0.13.9``: part of every cache key that depends on uv's output."""
    result = run_uv(["--version"])
    words = result.stdout.split()
    if result.returncode != 0 or len(words) < 2:
        raise BuildError(f"`uv --version` failed: {clean_output(result.stderr)}")
    return words[1]


def clean_output(text: str) -> str:
    """uv's output as plain text: ANSI codes removed, trailing blanks and empty edges trimmed."""
    lines = [line.rstrip() for line in _ANSI.sub("", text).splitlines()]
    return "\n".join(lines).strip("\n")
