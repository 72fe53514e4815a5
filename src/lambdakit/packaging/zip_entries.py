"""The entries a zip is built from, what writing one reports, and how errors name an entry."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

from lambdakit.errors import BuildError


@dataclass(frozen=True)
class FileEntry:
    """A file on disk, stored under `name` (a posix path such as ``numpy/__init__.py``)."""

    name: str
    path: Path
    executable: bool = False


@dataclass(frozen=True)
class BytesEntry:
    """Bytes in memory, stored under `name`."""

    name: str
    data: bytes
    executable: bool = False


@dataclass(frozen=True)
class ZipEntryRef:
    """Entry `source_name` of the zip `source_zip`, copied without recompressing, as `name`."""

    name: str
    source_zip: Path
    source_name: str


Entry: TypeAlias = FileEntry | BytesEntry | ZipEntryRef


@dataclass(frozen=True)
class ArchiveInfo:
    """What was written: the zip file, its digest and sizes, and how many entries it holds."""

    path: Path
    sha256: str
    size: int
    uncompressed_size: int
    entries: int


def describe(entry: Entry) -> str:
    """Where an entry's bytes come from, for error messages."""
    if isinstance(entry, FileEntry):
        return str(entry.path)
    if isinstance(entry, BytesEntry):
        return f"{len(entry.data)} bytes built in memory"
    return f"{entry.source_name!r} in {entry.source_zip}"


def unreadable(path: Path, exc: OSError) -> BuildError:
    """The error for a file (an entry's or a source zip's) that cannot be read."""
    return BuildError(f"cannot read {path}: {exc.strerror or exc}")
