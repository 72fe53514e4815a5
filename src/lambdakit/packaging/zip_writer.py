"""Write a zip in one sequential pass: each entry's header and data, then the central directory."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

from lambdakit.errors import BuildError
from lambdakit.packaging.zip_entries import describe
from lambdakit.packaging.zip_format import (
    CHUNK_SIZE,
    DEFLATED,
    NEEDS,
    NEEDS_ZIP64,
    U32,
    ZIP64_ENTRY,
    Written,
    central_header,
    end_records,
    local_header,
)
from lambdakit.packaging.zip_plan import Planned
from lambdakit.packaging.zip_reader import SourceZips
from lambdakit.packaging.zip_schedule import Begin, Copy, End, Op, Piece, Whole

_WRITE_SIZE = 256 * 1024


@dataclass
class _OpenEntry:
    item: Planned
    offset: int
    header: bytes
    compressed_size: int = 0


class ZipWriter:
    """Appends entries to a file in one pass, hashing as it goes; then the central directory."""

    def __init__(self, out: BinaryIO, sources: SourceZips) -> None:
        self._out = out
        self._sources = sources
        self._hash = hashlib.sha256()
        self._hashing = True
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._open: _OpenEntry | None = None
        self._written: list[Written] = []
        self.offset = 0
        self.uncompressed_size = 0

    def sha256(self) -> str:
        return self._hash.hexdigest()

    def apply(self, op: Op) -> None:
        if isinstance(op, Whole):
            deflated = op.batch.result()[op.index]
            self._entry(op.item, DEFLATED, deflated.crc, len(deflated.data), [deflated.data])
        elif isinstance(op, Copy):
            source = op.item.source
            assert source is not None
            data = self._sources.raw_data(op.item.entry, source)
            self._entry(op.item, source.method, source.crc, source.compressed_size, data)
        elif isinstance(op, Begin):
            self._begin(op.item)
        elif isinstance(op, Piece):
            assert self._open is not None
            piece = op.deflated.result()
            self._open.compressed_size += len(piece)
            self._write(piece)
        else:
            self._end(op)

    def finish(self) -> None:
        """Write the central directory and the end records."""
        start = self.offset
        for at in range(0, len(self._written), 4096):
            self._write(b"".join(map(central_header, self._written[at : at + 4096])))
        self._write(end_records(len(self._written), start, self.offset - start, self.offset))
        self._flush()
        self._out.flush()

    def _write(self, data: bytes) -> None:
        """Append `data`; small writes are gathered, so that files of tiny entries go fast."""
        self._pending.append(data)
        self._pending_size += len(data)
        self.offset += len(data)
        if self._pending_size >= _WRITE_SIZE:
            self._flush()

    def _flush(self) -> None:
        data = self._pending[0] if len(self._pending) == 1 else b"".join(self._pending)
        self._pending.clear()
        self._pending_size = 0
        self._out.write(data)
        if self._hashing:
            self._hash.update(data)

    def _entry(
        self, item: Planned, method: int, crc: int, compressed_size: int, data: Iterable[bytes]
    ) -> None:
        """Write an entry whose CRC and sizes are known: header, then its data."""
        written = _written(
            item,
            method=method,
            crc=crc,
            compressed_size=compressed_size,
            size=item.size,
            offset=self.offset,
        )
        header = local_header(written, zip64=_zip64_local(item))
        chunks = iter(data)
        self._write(header + next(chunks, b""))
        for chunk in chunks:
            self._write(chunk)
        if self.offset - written.offset - len(header) != compressed_size:
            raise BuildError(f"{describe(item.entry)}: stored data has the wrong length")
        self._commit(written)

    def _begin(self, item: Planned) -> None:
        """Start a big entry with a placeholder header; hash it once the header is final."""
        placeholder = _written(
            item, method=DEFLATED, crc=0, compressed_size=0, size=0, offset=self.offset
        )
        header = local_header(placeholder, zip64=_zip64_local(item))
        self._open = _OpenEntry(item, self.offset, header)
        self._flush()
        self._hashing = False
        self._write(header)

    def _end(self, op: End) -> None:
        opened, self._open = self._open, None
        assert opened is not None
        assert opened.item is op.item
        written = _written(
            op.item,
            method=DEFLATED,
            crc=op.crc,
            compressed_size=opened.compressed_size,
            size=op.size,
            offset=opened.offset,
        )
        header = local_header(written, zip64=_zip64_local(op.item))
        assert len(header) == len(opened.header)
        self._flush()
        self._out.seek(opened.offset)
        self._out.write(header)
        self._out.seek(0, os.SEEK_END)
        self._out.flush()
        self._hash_file(opened.offset, self.offset)
        self._hashing = True
        self._commit(written)

    def _commit(self, written: Written) -> None:
        self._written.append(written)
        self.uncompressed_size += written.size

    def _hash_file(self, start: int, end: int) -> None:
        """Hash bytes already in the file (an entry whose header was written last)."""
        fd = self._out.fileno()
        while start < end:
            block = os.pread(fd, min(CHUNK_SIZE, end - start), start)
            if not block:
                raise BuildError("the archive being written was truncated by someone else")
            self._hash.update(block)
            start += len(block)


def _zip64_local(item: Planned) -> bool:
    return item.size >= ZIP64_ENTRY


def _written(
    item: Planned, *, method: int, crc: int, compressed_size: int, size: int, offset: int
) -> Written:
    """The facts of one entry, as both its headers state them."""
    zip64 = _zip64_local(item)
    if not zip64 and max(compressed_size, size) >= U32:
        raise BuildError(f"{describe(item.entry)} grew past 4 GiB while being archived")
    needs = NEEDS_ZIP64 if zip64 or offset >= U32 else NEEDS
    return Written(
        item.name, item.flags, method, crc, compressed_size, size, offset, item.executable, needs
    )
