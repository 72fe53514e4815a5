"""Reads a TOML file (``pyproject.toml``, ``lambdakit.toml``) and the tables inside it."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from lambdakit.errors import LambdakitError


def read_toml(
    path: Path, error: type[LambdakitError], *, shown: str | None = None
) -> dict[str, Any]:
    """The document at `path`; unreadable or invalid TOML raises `error` naming the file."""
    name = shown or str(path)
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{name}: not valid TOML: {exc}", hint="fix the TOML syntax") from exc
    except OSError as exc:
        raise error(f"{name}: cannot be read: {exc.strerror or exc}") from exc


def table(document: dict[str, Any], *path: str) -> dict[str, Any]:
    """The table at `path`, or an empty one when any part is missing or not a table."""
    node: Any = document
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}
