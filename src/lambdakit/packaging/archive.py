"""Reproducible Lambda zips, written fast: the same entries give the same bytes, on any machine.

Stages: plan (check names, reject duplicates and file/folder clashes, sort, look up sizes and
the entries of source zips) -> compress (worker threads: zlib-ng releases the GIL) -> write (one
sequential pass in the calling thread: local header, data, ..., central directory, end record)
-> replace (the archive appears at `dest` whole, or not at all).

The format choices that make the bytes a function of the entries alone are explained in
`lambdakit.packaging.zip_format`. The work is split by stage: `zip_entries` (what goes in),
`zip_plan`, `zip_reader` (source zips), `zip_deflate` and `zip_schedule` (the parallel
compression), `zip_writer` (the sequential pass) and `zip_format` (the bytes of the records).

Why zlib-ng at level 4 (``DEFAULT_LEVEL``): on numpy+pandas+pyarrow+scipy (372 MB unzipped),
zipfile's default (zlib level 6) gives 114.1 MB; zlib-ng 4 gives 118.9 MB (+4%) at 3.3 times
zlib's single-core speed, and ISA-L's fastest good level (3) gives 126.8 MB (+11%). Levels 0-9
are accepted. See ``bench/packaging/bench_archive.py``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from lambdakit.packaging.zip_entries import ArchiveInfo, BytesEntry, Entry, FileEntry, ZipEntryRef
from lambdakit.packaging.zip_format import (
    CHUNK_SIZE,
    DEFLATE_ID,
)
from lambdakit.packaging.zip_plan import plan_entries
from lambdakit.packaging.zip_reader import SourceZips, read_central_directory
from lambdakit.packaging.zip_schedule import run_schedule
from lambdakit.packaging.zip_writer import ZipWriter

__all__ = [
    "CHUNK_SIZE",
    "DEFAULT_LEVEL",
    "DEFLATE_ID",
    "ArchiveInfo",
    "BytesEntry",
    "Entry",
    "FileEntry",
    "ZipEntryRef",
    "write_zip",
    "zip_listing",
]

DEFAULT_LEVEL = 4
"""zlib-ng level: within 5% of zlib 6's size on real dependency trees, about 3x faster."""


def write_zip(
    entries: Iterable[Entry],
    dest: Path,
    *,
    level: int | None = None,
    workers: int | None = None,
) -> ArchiveInfo:
    """Write `entries` as a reproducible zip at `dest`, atomically, and describe the result.

    `level` is the zlib-ng deflate level (0-9, default `DEFAULT_LEVEL`); `workers` the number
    of compressing threads (default: the CPU count). Neither the worker count nor the order of
    `entries` changes the bytes. On any error no file is left at `dest` (a previous file there
    stays as it was) and no temporary file remains.
    """
    level = DEFAULT_LEVEL if level is None else level
    if not 0 <= level <= 9:
        raise ValueError(f"deflate level must be 0-9, not {level}")
    workers = (os.cpu_count() or 1) if workers is None else workers
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    dest = Path(dest)
    sources = SourceZips()
    try:
        plan = plan_entries(entries, sources)
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "w+b") as out:
                writer = ZipWriter(out, sources)
                run_schedule(plan, writer.apply, level, workers)
                writer.finish()
            tmp.chmod(0o644)
            tmp.replace(dest)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    finally:
        sources.close()
    return ArchiveInfo(
        path=dest,
        sha256=writer.sha256(),
        size=writer.offset,
        uncompressed_size=writer.uncompressed_size,
        entries=len(plan),
    )


def zip_listing(path: Path) -> list[tuple[str, int, int, int]]:
    """Each entry of the zip at `path` as (name, crc32, compressed size, size), in stored order."""
    return [(e.name, e.crc, e.compressed_size, e.size) for e in read_central_directory(path)]
