"""Deflate entry data by zlib-ng, in worker threads: pure functions of the bytes and the level."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from zlib_ng import zlib_ng

from lambdakit.packaging.zip_entries import BytesEntry, FileEntry, unreadable
from lambdakit.packaging.zip_format import CHUNK_SIZE
from lambdakit.packaging.zip_plan import Planned, changed

DICT_SIZE = 32 * 1024
"""How much of the previous piece primes the deflate of the next one of a big entry."""

_PROBE_MIN = 64 * 1024
_PROBE_SAMPLES = 4
_PROBE_SAMPLE = 4096
_INCOMPRESSIBLE = 0.95


@dataclass(frozen=True)
class Deflated:
    """A small entry, deflated in one piece: its CRC, its size and its raw deflate bytes."""

    crc: int
    size: int
    data: bytes


def deflate(data: bytes | memoryview, level: int, zdict: bytes | None, *, final: bool) -> bytes:
    """Raw deflate of one piece; a non-final piece ends byte-aligned (sync flush)."""
    if _looks_incompressible(data):
        level = 0
    if zdict is None:
        compressor = zlib_ng.compressobj(level, zlib_ng.DEFLATED, -15)
    else:
        compressor = zlib_ng.compressobj(level, zlib_ng.DEFLATED, -15, zdict=zdict)
    head: bytes = compressor.compress(data)
    tail: bytes = compressor.flush(zlib_ng.Z_FINISH if final else zlib_ng.Z_SYNC_FLUSH)
    return head + tail


def _looks_incompressible(data: bytes | memoryview) -> bool:
    """Whether a quick level-1 deflate of samples spread over `data` saves under 5%."""
    if len(data) < _PROBE_MIN:
        return False
    step = len(data) // _PROBE_SAMPLES
    sample = b"".join(data[i * step : i * step + _PROBE_SAMPLE] for i in range(_PROBE_SAMPLES))
    probe = zlib_ng.compressobj(1, zlib_ng.DEFLATED, -15)
    deflated = len(probe.compress(sample)) + len(probe.flush())
    return bool(deflated > _INCOMPRESSIBLE * len(sample))


def _deflate_whole(item: Planned, level: int) -> Deflated:
    """Read (once) and deflate an entry of at most `CHUNK_SIZE` bytes."""
    if isinstance(item.entry, BytesEntry):
        data = item.entry.data
    else:
        assert isinstance(item.entry, FileEntry)
        try:
            with item.entry.path.open("rb") as file:
                data = file.read(CHUNK_SIZE + 1)
        except OSError as exc:
            raise unreadable(item.entry.path, exc) from exc
    if len(data) != item.size:
        raise changed(item)
    crc: int = zlib_ng.crc32(data)
    return Deflated(crc, len(data), deflate(data, level, None, final=True))


def deflate_batch(items: Sequence[Planned], level: int) -> list[Deflated]:
    """Read and deflate small entries (of at most `CHUNK_SIZE` bytes), each in one piece."""
    return [_deflate_whole(item, level) for item in items]


def pieces(item: Planned) -> Iterator[bytes | memoryview]:
    """The data of a big entry in `CHUNK_SIZE` pieces, cut by content offsets alone."""
    if isinstance(item.entry, BytesEntry):
        view = memoryview(item.entry.data)
        for start in range(0, len(view), CHUNK_SIZE):
            yield view[start : start + CHUNK_SIZE]
        return
    assert isinstance(item.entry, FileEntry)
    path = item.entry.path
    try:
        with path.open("rb") as file:
            while piece := file.read(CHUNK_SIZE):
                yield piece
    except OSError as exc:
        raise unreadable(path, exc) from exc
