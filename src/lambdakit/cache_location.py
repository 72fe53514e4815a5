"""Where lambdakit and uv keep their machine-wide caches."""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    """``$LAMBDAKIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/lambdakit``, else ``~/.cache/lambdakit``."""
    explicit = os.environ.get("LAMBDAKIT_CACHE_DIR")
    return Path(explicit) if explicit else _xdg_cache() / "lambdakit"


def uv_cache_dir() -> Path:
    """uv's own cache (shared with the user's other uv work): ``$UV_CACHE_DIR`` or uv's default."""
    explicit = os.environ.get("UV_CACHE_DIR")
    return Path(explicit) if explicit else _xdg_cache() / "uv"


def _xdg_cache() -> Path:
    xdg = os.environ.get("XDG_CACHE_HOME")
    return Path(xdg) if xdg else Path.home() / ".cache"
