"""Runs one subprocess with a timeout and times it; a failure becomes a `BenchError`."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

STDERR_TAIL = 2000


class BenchError(Exception):
    """A step of the benchmark could not run (missing tool, failed build, timeout)."""


@dataclass(frozen=True)
class Finished:
    """What a finished command printed and how long it took, wall clock."""

    seconds: float
    stdout: str
    stderr: str


def run(
    command: Sequence[str | Path],
    *,
    timeout: float,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Finished:
    """Run `command`, wait at most `timeout` seconds, raise `BenchError` unless it exits 0."""
    argv = [str(part) for part in command]
    start = time.perf_counter()
    try:
        done = subprocess.run(
            argv,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise BenchError(f"timed out after {timeout:.0f} s: {' '.join(argv)}") from error
    except OSError as error:
        raise BenchError(f"cannot run {argv[0]}: {error}") from error
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        tail = (done.stderr or done.stdout)[-STDERR_TAIL:]
        raise BenchError(f"exit {done.returncode}: {' '.join(argv)}\n{tail}")
    return Finished(seconds=seconds, stdout=done.stdout, stderr=done.stderr)
