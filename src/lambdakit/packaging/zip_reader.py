"""Read existing zips: their central directory (ZIP64 understood) and an entry's stored bytes."""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from lambdakit.errors import BuildError
from lambdakit.packaging.zip_entries import Entry, ZipEntryRef, unreadable
from lambdakit.packaging.zip_format import (
    CENTRAL,
    CENTRAL_SIG,
    CHUNK_SIZE,
    DEFLATED,
    END,
    END64,
    END64_SIG,
    END_SIG,
    EXTRA_HEADER,
    FLAG_ENCRYPTED,
    FLAG_UTF8,
    LOCAL,
    LOCAL_SIG,
    LOCATOR64,
    LOCATOR64_SIG,
    STORED,
    U16,
    U32,
    ZIP64_EXTRA_ID,
)


@dataclass(frozen=True)
class SourceEntry:
    """One entry of an existing zip, from its central directory."""

    name: str
    flags: int
    method: int
    crc: int
    compressed_size: int
    size: int
    header_offset: int
    external_attributes: int


class SourceZips:
    """The zips that `ZipEntryRef`s copy from: parsed once each, opened when first copied from."""

    def __init__(self) -> None:
        self._entries: dict[Path, dict[str, SourceEntry]] = {}
        self._files: dict[Path, BinaryIO] = {}

    def entry(self, path: Path, name: str) -> SourceEntry:
        if path not in self._entries:
            self._entries[path] = {e.name: e for e in read_central_directory(path)}
        found = self._entries[path].get(name)
        if found is None:
            raise BuildError(f"{path} has no entry {name!r}")
        if found.flags & FLAG_ENCRYPTED or found.method not in (STORED, DEFLATED):
            raise BuildError(
                f"{name!r} in {path} is encrypted or compressed with method {found.method}",
                hint="only stored and deflated entries can be copied into a Lambda zip",
            )
        return found

    def raw_data(self, entry: Entry, source: SourceEntry) -> Iterator[bytes]:
        """The stored bytes of `source` (compressed as they are), in `CHUNK_SIZE` blocks."""
        assert isinstance(entry, ZipEntryRef)
        path = entry.source_zip
        try:
            file = self._files.get(path) or self._files.setdefault(path, path.open("rb"))
            file.seek(source.header_offset)
            header = file.read(LOCAL.size)
        except OSError as exc:
            raise unreadable(path, exc) from exc
        if len(header) != LOCAL.size or LOCAL.unpack(header)[0] != LOCAL_SIG:
            raise BuildError(f"{path} is damaged: no local header for {source.name!r}")
        name_length, extra_length = LOCAL.unpack(header)[-2:]
        file.seek(name_length + extra_length, os.SEEK_CUR)
        return _read_exactly(file, source.compressed_size, path)

    def close(self) -> None:
        for file in self._files.values():
            file.close()
        self._files.clear()


def _read_exactly(file: BinaryIO, length: int, path: Path) -> Iterator[bytes]:
    while length > 0:
        try:
            block = file.read(min(CHUNK_SIZE, length))
        except OSError as exc:
            raise unreadable(path, exc) from exc
        if not block:
            raise BuildError(f"{path} is truncated")
        length -= len(block)
        yield block


def read_central_directory(path: Path) -> list[SourceEntry]:
    """The entries of the zip at `path`, from its central directory (ZIP64 understood)."""
    try:
        with path.open("rb") as file:
            count, offset, size = _find_central_directory(file, path)
            file.seek(offset)
            directory = file.read(size)
    except OSError as exc:
        raise unreadable(path, exc) from exc
    if len(directory) != size:
        raise BuildError(f"{path} is truncated")
    entries = list(_central_entries(directory, path))
    if len(entries) != count:
        raise BuildError(f"{path} is damaged: {count} entries announced, {len(entries)} found")
    return entries


def _find_central_directory(file: BinaryIO, path: Path) -> tuple[int, int, int]:
    """(entry count, offset, size) of the central directory, from the end records."""
    file.seek(0, os.SEEK_END)
    length = file.tell()
    tail_length = min(length, LOCATOR64.size + END.size + U16)
    file.seek(length - tail_length)
    tail = file.read(tail_length)
    at = tail.rfind(END_SIG.to_bytes(4, "little"))
    while at >= 0 and at + END.size + END.unpack_from(tail, at)[-1] != len(tail):
        at = tail.rfind(END_SIG.to_bytes(4, "little"), 0, at)
    if at < 0:
        raise BuildError(f"{path} is not a zip archive")
    *_, count, size, offset, _comment = END.unpack_from(tail, at)
    locator_at = at - LOCATOR64.size
    if locator_at >= 0 and LOCATOR64.unpack_from(tail, locator_at)[0] == LOCATOR64_SIG:
        end64_offset = LOCATOR64.unpack_from(tail, locator_at)[2]
        file.seek(end64_offset)
        record = file.read(END64.size)
        if len(record) != END64.size or END64.unpack(record)[0] != END64_SIG:
            raise BuildError(f"{path} is damaged: bad ZIP64 end record")
        *_, count, size, offset = END64.unpack(record)
    return count, offset, size


def _central_entries(directory: bytes, path: Path) -> Iterator[SourceEntry]:
    at = 0
    while at < len(directory):
        if len(directory) - at < CENTRAL.size:
            raise BuildError(f"{path} is damaged: its central directory is cut short")
        fields = CENTRAL.unpack_from(directory, at)
        if fields[0] != CENTRAL_SIG:
            raise BuildError(f"{path} is damaged: bad central directory record")
        flags, method, crc, compressed_size, size = fields[3], fields[4], *fields[7:10]
        name_length, extra_length, comment_length = fields[10:13]
        start = at + CENTRAL.size
        raw_name = directory[start : start + name_length]
        extra = directory[start + name_length : start + name_length + extra_length]
        size, compressed_size, offset = _apply_zip64(extra, size, compressed_size, fields[16])
        name = raw_name.decode("utf-8" if flags & FLAG_UTF8 else "cp437")
        yield SourceEntry(name, flags, method, crc, compressed_size, size, offset, fields[15])
        at = start + name_length + extra_length + comment_length


def _apply_zip64(extra: bytes, *values: int) -> tuple[int, int, int]:
    """Replace (size, compressed size, offset) fields saturated at 4 GiB by their ZIP64 values."""
    result = list(values)
    at = 0
    while at + EXTRA_HEADER.size <= len(extra):
        kind, length = EXTRA_HEADER.unpack_from(extra, at)
        body = extra[at + 4 : at + 4 + length]
        if kind == ZIP64_EXTRA_ID:
            large = iter(struct.unpack(f"<{len(body) // 8}Q", body[: len(body) // 8 * 8]))
            result = [next(large, v) if v == U32 else v for v in result]
        at += 4 + length
    return result[0], result[1], result[2]
