"""The content-addressed cache of built dependency trees, shared by all projects on the machine.

An entry is a folder named by its key (lock + target + prune/compile settings + tool versions)
holding ``deps.zip`` (the pruned, compiled dependencies, already compressed) and ``meta.json``
(what is in it, and the zip's sha256). Entries are written to a temporary folder and renamed
into place, so an interrupted build never leaves half an entry; an entry whose zip does not
match its recorded hash is treated as missing and rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lambdakit.cache_location import cache_root, uv_cache_dir
from lambdakit.packaging.layers import PackageSize

__all__ = [
    "DepsCache",
    "DepsEntry",
    "DepsMeta",
    "cache_root",
    "file_sha256",
    "uv_cache_dir",
]


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class DepsMeta:
    """What a dependency entry holds."""

    zip_sha256: str
    zip_size: int
    uncompressed_size: int
    packages: tuple[PackageSize, ...]
    pruned: dict[str, int] = field(default_factory=dict)
    removed_distributions: tuple[str, ...] = ()
    compiled_files: int = 0
    compile_skipped: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DepsMeta:
        return cls(
            zip_sha256=data["zip_sha256"],
            zip_size=data["zip_size"],
            uncompressed_size=data["uncompressed_size"],
            packages=tuple(PackageSize(**p) for p in data["packages"]),
            pruned=dict(data.get("pruned", {})),
            removed_distributions=tuple(data.get("removed_distributions", ())),
            compiled_files=data.get("compiled_files", 0),
            compile_skipped=tuple(data.get("compile_skipped", ())),
            warnings=tuple(data.get("warnings", ())),
        )


@dataclass(frozen=True)
class DepsEntry:
    key: str
    zip_path: Path
    meta: DepsMeta


class DepsCache:
    """Dependency entries under ``<root>/deps/<key>/``."""

    def __init__(self, root: Path) -> None:
        self.root = root / "deps"
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, key: str, *, verify: bool) -> DepsEntry | None:
        """The entry for `key`, or None when missing or corrupt (a corrupt entry is removed)."""
        folder = self.root / key
        try:
            meta = DepsMeta.from_json(json.loads((folder / "meta.json").read_text()))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        zip_path = folder / "deps.zip"
        try:
            intact = zip_path.stat().st_size == meta.zip_size and (
                not verify or file_sha256(zip_path) == meta.zip_sha256
            )
        except OSError:
            intact = False
        if not intact:
            shutil.rmtree(folder, ignore_errors=True)
            return None
        return DepsEntry(key, zip_path, meta)

    def get_or_build(
        self,
        key: str,
        build: Callable[[Path], DepsMeta],
        *,
        rebuild: bool = False,
        verify: bool = True,
    ) -> DepsEntry:
        """The entry for `key`; if needed, `build(folder)` writes ``deps.zip`` into a new folder.

        `verify=False` checks the zip's size only (cheap, for deciding nothing changed); hash the
        zip (`verify=True`) before copying from it into a new artifact.
        """
        with self._lock_for(key):
            if not rebuild:
                found = self.get(key, verify=verify)
                if found is not None:
                    return found
            self.root.mkdir(parents=True, exist_ok=True)
            temp = self.root / f".{key}.{os.getpid()}.{threading.get_ident()}.tmp"
            shutil.rmtree(temp, ignore_errors=True)
            temp.mkdir()
            try:
                meta = build(temp)
                (temp / "meta.json").write_text(json.dumps(meta.to_json(), sort_keys=True))
                final = self.root / key
                shutil.rmtree(final, ignore_errors=True)
                temp.replace(final)
            finally:
                shutil.rmtree(temp, ignore_errors=True)
            return DepsEntry(key, final / "deps.zip", meta)

    def _lock_for(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())
