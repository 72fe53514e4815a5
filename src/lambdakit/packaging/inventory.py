"""What is installed in a staging folder: one `Distribution` per ``*.dist-info``, with its files.

Stages: find the ``*.dist-info`` folders directly under the root (what ``uv pip install --target``
writes) -> read ``METADATA`` (name, version, ``Requires-Dist``), ``RECORD`` (owned files) and
``top_level.txt`` -> stat each owned file for its size on disk. Everything downstream (pruning,
layers, size reports) works on this inventory and never walks the folder again.

Rules worth knowing:
- ``RECORD`` paths are normalized to posix paths relative to the root; entries that point outside
  it (``../../bin/x`` in a normal site-packages install) and entries missing on disk are dropped.
- ``Requires-Dist`` entries guarded by an ``extra`` marker are ignored (extras the user did not ask
  for); other markers are kept unevaluated, because the target is not this machine: a dependency
  listed only for another platform errs on the side of being counted, never of being missed.
- Importable top-level names come from ``top_level.txt``, else from ``RECORD`` paths: packages
  (``pkg/...py``), namespace packages and single-file modules (``six.py``, ``_x.cpython-312-….so``).
"""

from __future__ import annotations

import csv
import io
import os
import posixpath
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

MODULE_SUFFIXES = (".py", ".pyc", ".pyi", ".so", ".pyd")
"""File endings that make a top-level entry importable (``.pyi`` only for stub packages' sake)."""

_EXTRA_MARKER = re.compile(r"\bextra\b")


@dataclass(frozen=True)
class InstalledFile:
    """One file in the staging folder."""

    path: str
    """Posix path relative to the staging root."""
    size: int
    """Bytes on disk."""


@dataclass(frozen=True)
class Distribution:
    """One installed distribution, as its ``*.dist-info`` describes it."""

    name: str
    """Canonical name (``packaging.utils.canonicalize_name``)."""
    version: str
    dist_info: str
    """Folder name, e.g. ``requests-2.32.3.dist-info``."""
    top_level: tuple[str, ...]
    """Importable top-level names."""
    files: tuple[InstalledFile, ...]
    """Files from ``RECORD`` that exist under the root, sorted by path."""
    requires: tuple[str, ...]
    """Canonical names from ``Requires-Dist`` (extras ignored), sorted, unique."""

    @property
    def size(self) -> int:
        """Bytes on disk of all its files."""
        return sum(file.size for file in self.files)


def read_inventory(root: Path) -> tuple[Distribution, ...]:
    """Every distribution installed directly under `root`, sorted by name."""
    if not root.is_dir():
        return ()
    dist_infos = sorted(
        entry for entry in root.iterdir() if entry.is_dir() and entry.name.endswith(".dist-info")
    )
    distributions = [_read_distribution(root, dist_info) for dist_info in dist_infos]
    return tuple(sorted(distributions, key=lambda d: (d.name, d.version, d.dist_info)))


def unowned_files(root: Path, inventory: Sequence[Distribution]) -> tuple[InstalledFile, ...]:
    """Files under `root` that no distribution's ``RECORD`` lists, sorted by path."""
    owned = {file.path for distribution in inventory for file in distribution.files}
    return tuple(file for file in walk_files(root) if file.path not in owned)


def walk_files(root: Path) -> tuple[InstalledFile, ...]:
    """Every file under `root` (symlinks not followed), sorted by path."""
    found: list[InstalledFile] = []
    for folder, dirnames, filenames in os.walk(root):
        dirnames.sort()
        relative_folder = Path(folder).relative_to(root).as_posix()
        for filename in filenames:
            path = filename if relative_folder == "." else f"{relative_folder}/{filename}"
            size = Path(folder, filename).lstat().st_size
            found.append(InstalledFile(path, size))
    return tuple(sorted(found, key=lambda file: file.path))


def normalize_record_path(raw: str) -> str | None:
    """`raw` as a posix path relative to the root, or None when it points outside of it."""
    path = raw.replace("\\", "/")
    if not path or path.startswith("/") or re.match(r"^[A-Za-z]:", path):
        return None
    normalized = posixpath.normpath(path)
    if normalized in (".", "..") or normalized.startswith("../"):
        return None
    return normalized


def _read_distribution(root: Path, dist_info: Path) -> Distribution:
    headers = HeaderParser().parsestr(_read_text(dist_info / "METADATA"))
    name = headers.get("Name") or dist_info.name.removesuffix(".dist-info").rsplit("-", 1)[0]
    version = headers.get("Version") or ""
    record_paths = _record_paths(dist_info)
    if record_paths is None:
        record_paths = [
            path.relative_to(root).as_posix()
            for path in sorted(dist_info.rglob("*"))
            if path.is_file() or path.is_symlink()
        ]
    files = _existing_files(root, record_paths)
    return Distribution(
        name=canonicalize_name(name),
        version=version,
        dist_info=dist_info.name,
        top_level=_top_level(dist_info, [file.path for file in files]),
        files=files,
        requires=_requires(headers.get_all("Requires-Dist") or []),
    )


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ""


def _record_paths(dist_info: Path) -> list[str] | None:
    record = dist_info / "RECORD"
    if not record.is_file():
        return None
    rows = csv.reader(io.StringIO(_read_text(record)))
    return [row[0] for row in rows if row and row[0]]


def _existing_files(root: Path, raw_paths: Iterable[str]) -> tuple[InstalledFile, ...]:
    files: dict[str, InstalledFile] = {}
    for raw in raw_paths:
        path = normalize_record_path(raw)
        if path is None or path in files:
            continue
        try:
            stat = (root / path).lstat()
        except (FileNotFoundError, NotADirectoryError):
            continue
        if not (root / path).is_dir():
            files[path] = InstalledFile(path, stat.st_size)
    return tuple(files[path] for path in sorted(files))


def _requires(entries: Iterable[str]) -> tuple[str, ...]:
    names: set[str] = set()
    for entry in entries:
        try:
            requirement = Requirement(entry)
        except InvalidRequirement:
            continue
        if requirement.marker is not None and _EXTRA_MARKER.search(str(requirement.marker)):
            continue
        names.add(canonicalize_name(requirement.name))
    return tuple(sorted(names))


def _top_level(dist_info: Path, paths: Iterable[str]) -> tuple[str, ...]:
    listed = _read_text(dist_info / "top_level.txt")
    names = {line.strip().replace("\\", "/").split("/")[0] for line in listed.splitlines()}
    names.discard("")
    if not names:
        names = {name for path in paths if (name := _top_level_of(path)) is not None}
    return tuple(sorted(names))


def _top_level_of(path: str) -> str | None:
    first, _, rest = path.partition("/")
    if first.endswith((".dist-info", ".data")):
        return None
    if rest:
        is_module_file = path.endswith(MODULE_SUFFIXES)
        is_package = first.isidentifier() and first != "__pycache__"
        return first if is_module_file and is_package else None
    if not first.endswith(MODULE_SUFFIXES):
        return None
    module = first.split(".", 1)[0]
    return module if module.isidentifier() else None
