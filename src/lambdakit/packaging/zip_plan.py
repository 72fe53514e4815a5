"""Plan a zip: check the names, reject duplicates and file/folder clashes, sort, look up sizes."""

from __future__ import annotations

import stat
from collections.abc import Iterable
from dataclasses import dataclass

from lambdakit.errors import BuildError
from lambdakit.packaging.zip_entries import BytesEntry, Entry, FileEntry, describe, unreadable
from lambdakit.packaging.zip_format import FLAG_UTF8, U16
from lambdakit.packaging.zip_reader import SourceEntry, SourceZips


@dataclass(frozen=True)
class Planned:
    """An entry with everything the writer must know before reading it."""

    entry: Entry
    name: bytes
    size: int
    executable: bool
    source: SourceEntry | None = None

    @property
    def flags(self) -> int:
        return 0 if self.name.isascii() else FLAG_UTF8


def plan_entries(entries: Iterable[Entry], sources: SourceZips) -> list[Planned]:
    """Check the names, reject duplicates and file/folder clashes, sort, and look up sizes."""
    by_name: dict[str, Entry] = {}
    for entry in entries:
        first = by_name.get(entry.name)
        if first is not None:
            raise BuildError(
                f"two files would be stored as {entry.name!r}: "
                f"{describe(first)} and {describe(entry)}",
                hint="each path may appear once in a package; check for overlapping sources",
            )
        by_name[entry.name] = entry
    for name in by_name:
        _check_name(name, by_name)
    return [_planned(by_name[name], sources) for name in sorted(by_name)]


def changed(item: Planned) -> BuildError:
    """The error for an entry whose size is no longer the one planned."""
    return BuildError(
        f"{describe(item.entry)} changed while it was being archived",
        hint="something else is writing into the folder being packaged; build again",
    )


def _check_name(name: str, names: dict[str, Entry]) -> None:
    """A relative posix file name, encodable, and not also the folder of another entry."""
    parts = name.split("/")
    if name.startswith("/") or "\\" in name or "\0" in name or {"", ".", ".."} & set(parts):
        raise BuildError(
            f"{name!r} ({describe(names[name])}) cannot be stored in a zip",
            hint="names are relative posix paths without '.', '..', empty parts or backslashes",
        )
    try:
        encoded = name.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BuildError(f"{name!r} ({describe(names[name])}) is not valid UTF-8") from exc
    if len(encoded) > U16:
        raise BuildError(f"the name {name[:80]!r}... is longer than a zip allows")
    for end in range(1, len(parts)):
        folder = "/".join(parts[:end])
        if folder in names:
            raise BuildError(
                f"{folder!r} would be both a file ({describe(names[folder])}) and the folder "
                f"of {name!r} ({describe(names[name])})",
                hint="a path cannot be a file and a folder in the same package",
            )


def _planned(entry: Entry, sources: SourceZips) -> Planned:
    name = entry.name.encode("utf-8")
    if isinstance(entry, BytesEntry):
        return Planned(entry, name, len(entry.data), entry.executable)
    if isinstance(entry, FileEntry):
        try:
            info = entry.path.stat()
        except OSError as exc:
            raise unreadable(entry.path, exc) from exc
        if not stat.S_ISREG(info.st_mode):
            raise BuildError(f"{entry.path} (for {entry.name!r}) is not a regular file")
        return Planned(entry, name, info.st_size, entry.executable)
    source = sources.entry(entry.source_zip, entry.source_name)
    executable = bool((source.external_attributes >> 16) & 0o111)
    return Planned(entry, name, source.size, executable, source)
