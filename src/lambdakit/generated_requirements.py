"""Recognize a ``requirements.txt`` that `lambdakit deps` exported from a dependency group.

Such a file is a copy for other tools, not a declaration: the group in ``pyproject.toml`` stays
the source of truth, so the sources look past it when they decide where a function's
dependencies are declared, and when they match a CDK asset to its project folder. The file's
first line starts with `GENERATED_PREFIX` and ends with `GENERATED_SUFFIX`.
"""

from __future__ import annotations

from pathlib import Path

GENERATED_PREFIX = "# generated from "
GENERATED_SUFFIX = " by `lambdakit deps`; do not edit"


def generated_header(source: str) -> str:
    """The first line of an exported file, naming what it was exported from."""
    return f"{GENERATED_PREFIX}{source}{GENERATED_SUFFIX}"


def is_generated(path: Path) -> bool:
    """The file at `path` exists and was written by `lambdakit deps`."""
    try:
        with path.open(encoding="utf-8", errors="replace") as file:
            first = file.readline().rstrip("\r\n")
    except OSError:
        return False
    return first.startswith(GENERATED_PREFIX) and first.endswith(GENERATED_SUFFIX)
