"""Reproducible Lambda zips, written fast: the same entries give the same bytes, on any machine.

Stages: plan (check names, reject duplicates and file/folder clashes, sort, look up sizes and
the entries of source zips) -> compress (worker threads: zlib-ng releases the GIL) -> write (one
sequential pass in the calling thread: local header, data, ..., central directory, end record)
-> replace (the archive appears at `dest` whole, or not at all).

Format choices, each taken so that the bytes are a function of the entries alone (their names,
contents and executable bits) and of `DEFLATE_ID`, never of the clock, the file system, the
user, the order of the input or the number of workers:

- Entries are sorted by name (plain string order of the posix name); a name used twice is an
  error, so the order is total. No directory entries: Lambda and unzip create folders from the
  names, and folder entries would only add mtimes and modes to normalize.
- Every entry has the zip epoch as its time, 1980-01-01 00:00:00 (DOS date 0x0021, time 0).
- External attributes are ``0o100644`` or ``0o100755`` in the UNIX half ("made by" UNIX): a
  regular file, executable or not. Owners, other permission bits and times never enter.
- No extra fields (but the ZIP64 ones the format requires), no comments, no data descriptors;
  general purpose flags carry only the UTF-8 bit, set exactly when a name is not ASCII.
- Every entry is deflated (method 8), empty ones too, by zlib-ng at one level. A deflater's output
  is a function of its input, its version and its settings (zlib-ng 2.2 and later no longer
  choose their hash by CPU feature; ``test_the_bytes_are_pinned_for_this_deflate`` pins a
  digest, so a machine that deflates differently fails a test instead of a cache).
  Files larger than `CHUNK_SIZE` are deflated in `CHUNK_SIZE` pieces, each primed with the
  previous 32 KiB as a dictionary and ended with a sync flush (as pigz does): this lets two
  cores share one big ``.so`` and bounds memory, and because the pieces are cut by content
  offsets alone, the bytes do not change with the worker count.
  `DEFLATE_ID` names the library version and the chunking; it belongs in any cache key.
  Data that looks incompressible (a level-1 probe of four samples of each piece of 64 KiB or
  more saves under 5%) is deflated at level 0, in stored blocks: already compressed payloads
  (``.tgz``, ``.whl``, images) cost a copy, not a search. The probe too reads only the content.
- ZIP64 records appear only when the format needs them (65535 entries or more, a size or an
  offset of 4 GiB or more), a decision made from sizes, never from the machine.
- A `ZipEntryRef` copies an entry of an existing zip as it is stored there (raw deflate bytes,
  CRC and sizes), so an unchanged dependency tree is not compressed again.

Why zlib-ng at level 4 (``DEFAULT_LEVEL``): on numpy+pandas+pyarrow+scipy (372 MB unzipped),
zipfile's default (zlib level 6) gives 114.1 MB; zlib-ng 4 gives 118.9 MB (+4%) at 3.3 times
zlib's single-core speed, and ISA-L's fastest good level (3) gives 126.8 MB (+11%). Levels 0-9
are accepted. See ``bench/packaging/bench_archive.py``.
"""

from __future__ import annotations

import hashlib
import os
import stat
import struct
import tempfile
from collections import deque
from collections.abc import Generator, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TypeAlias

from zlib_ng import zlib_ng

from lambdakit.errors import BuildError

DEFAULT_LEVEL = 4
"""zlib-ng level: within 5% of zlib 6's size on real dependency trees, about 3x faster."""

CHUNK_SIZE = 1 << 20
"""Files larger than this are deflated in pieces of this size (part of the output format)."""

DEFLATE_ID = f"zlib-ng {zlib_ng.ZLIBNG_VERSION}, raw deflate in {CHUNK_SIZE}-byte pieces"
"""What, besides the entries and the level, the bytes of an archive depend on."""


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


# --- the zip format (APPNOTE.TXT), as far as we write and read it -----------------------------

_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
_END64 = struct.Struct("<IQHHIIQQQQ")
_LOCATOR64 = struct.Struct("<IIQI")
_EXTRA_HEADER = struct.Struct("<HH")
_LOCAL_SIG = 0x04034B50
_CENTRAL_SIG = 0x02014B50
_END_SIG = 0x06054B50
_END64_SIG = 0x06064B50
_LOCATOR64_SIG = 0x07064B50
_ZIP64_EXTRA_ID = 0x0001

_U16 = 0xFFFF
_U32 = 0xFFFFFFFF
_ZIP64_ENTRY = 0xF000_0000
"""Entries this big get ZIP64 local headers: deflate cannot grow a smaller one past 4 GiB."""

_DOS_TIME = 0
_DOS_DATE = (1 << 5) | 1
_UNIX = 3
_NEEDS = 20
_NEEDS_ZIP64 = 45
_FILE_MODE = 0o100644
_EXEC_MODE = 0o100755
_FLAG_ENCRYPTED = 0x1
_FLAG_UTF8 = 0x800
_STORED = 0
_DEFLATED = 8

# --- how we schedule the work -----------------------------------------------------------------

_DICT_SIZE = 32 * 1024
_BATCH_BYTES = 256 * 1024
_BATCH_COUNT = 256
_PROBE_MIN = 64 * 1024
_PROBE_SAMPLES = 4
_PROBE_SAMPLE = 4096
_INCOMPRESSIBLE = 0.95
_ENTRY_COST = 4096
"""Bytes charged to the in-flight window per entry, so that tiny entries are bounded too."""
_WRITE_SIZE = 256 * 1024


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
    sources = _SourceZips()
    try:
        plan = _plan(entries, sources)
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "w+b") as out:
                writer = _ZipWriter(out, sources)
                _write_entries(writer, plan, level, workers)
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
    return [(e.name, e.crc, e.compressed_size, e.size) for e in _read_central_directory(path)]


# --- plan -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _SourceEntry:
    """One entry of an existing zip, from its central directory."""

    name: str
    flags: int
    method: int
    crc: int
    compressed_size: int
    size: int
    header_offset: int
    external_attributes: int


@dataclass(frozen=True)
class _Planned:
    """An entry with everything the writer must know before reading it."""

    entry: Entry
    name: bytes
    size: int
    executable: bool
    source: _SourceEntry | None = None

    @property
    def flags(self) -> int:
        return 0 if self.name.isascii() else _FLAG_UTF8


def _plan(entries: Iterable[Entry], sources: _SourceZips) -> list[_Planned]:
    """Check the names, reject duplicates and file/folder clashes, sort, and look up sizes."""
    by_name: dict[str, Entry] = {}
    for entry in entries:
        first = by_name.get(entry.name)
        if first is not None:
            raise BuildError(
                f"two files would be stored as {entry.name!r}: "
                f"{_describe(first)} and {_describe(entry)}",
                hint="each path may appear once in a package; check for overlapping sources",
            )
        by_name[entry.name] = entry
    for name in by_name:
        _check_name(name, by_name)
    return [_planned(by_name[name], sources) for name in sorted(by_name)]


def _check_name(name: str, names: dict[str, Entry]) -> None:
    """A relative posix file name, encodable, and not also the folder of another entry."""
    parts = name.split("/")
    if name.startswith("/") or "\\" in name or "\0" in name or {"", ".", ".."} & set(parts):
        raise BuildError(
            f"{name!r} ({_describe(names[name])}) cannot be stored in a zip",
            hint="names are relative posix paths without '.', '..', empty parts or backslashes",
        )
    try:
        encoded = name.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BuildError(f"{name!r} ({_describe(names[name])}) is not valid UTF-8") from exc
    if len(encoded) > _U16:
        raise BuildError(f"the name {name[:80]!r}... is longer than a zip allows")
    for end in range(1, len(parts)):
        folder = "/".join(parts[:end])
        if folder in names:
            raise BuildError(
                f"{folder!r} would be both a file ({_describe(names[folder])}) and the folder "
                f"of {name!r} ({_describe(names[name])})",
                hint="a path cannot be a file and a folder in the same package",
            )


def _planned(entry: Entry, sources: _SourceZips) -> _Planned:
    name = entry.name.encode("utf-8")
    if isinstance(entry, BytesEntry):
        return _Planned(entry, name, len(entry.data), entry.executable)
    if isinstance(entry, FileEntry):
        try:
            info = entry.path.stat()
        except OSError as exc:
            raise _unreadable(entry.path, exc) from exc
        if not stat.S_ISREG(info.st_mode):
            raise BuildError(f"{entry.path} (for {entry.name!r}) is not a regular file")
        return _Planned(entry, name, info.st_size, entry.executable)
    source = sources.entry(entry.source_zip, entry.source_name)
    executable = bool((source.external_attributes >> 16) & 0o111)
    return _Planned(entry, name, source.size, executable, source)


def _describe(entry: Entry) -> str:
    if isinstance(entry, FileEntry):
        return str(entry.path)
    if isinstance(entry, BytesEntry):
        return f"{len(entry.data)} bytes built in memory"
    return f"{entry.source_name!r} in {entry.source_zip}"


def _unreadable(path: Path, exc: OSError) -> BuildError:
    return BuildError(f"cannot read {path}: {exc.strerror or exc}")


def _changed(item: _Planned) -> BuildError:
    return BuildError(
        f"{_describe(item.entry)} changed while it was being archived",
        hint="something else is writing into the folder being packaged; build again",
    )


# --- compress (runs in worker threads; pure functions of bytes) -------------------------------


@dataclass(frozen=True)
class _Deflated:
    crc: int
    size: int
    data: bytes


def _deflate(data: bytes | memoryview, level: int, zdict: bytes | None, *, final: bool) -> bytes:
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


def _deflate_whole(item: _Planned, level: int) -> _Deflated:
    """Read (once) and deflate an entry of at most `CHUNK_SIZE` bytes."""
    if isinstance(item.entry, BytesEntry):
        data = item.entry.data
    else:
        assert isinstance(item.entry, FileEntry)
        try:
            with item.entry.path.open("rb") as file:
                data = file.read(CHUNK_SIZE + 1)
        except OSError as exc:
            raise _unreadable(item.entry.path, exc) from exc
    if len(data) != item.size:
        raise _changed(item)
    crc: int = zlib_ng.crc32(data)
    return _Deflated(crc, len(data), _deflate(data, level, None, final=True))


def _deflate_batch(items: Sequence[_Planned], level: int) -> list[_Deflated]:
    return [_deflate_whole(item, level) for item in items]


# --- schedule: what to write, in order, with the work already under way -----------------------


@dataclass(frozen=True)
class _Whole:
    """A small entry, deflated in one piece as part of a batch."""

    item: _Planned
    batch: Future[list[_Deflated]]
    index: int

    @property
    def cost(self) -> int:
        return self.item.size + _ENTRY_COST


@dataclass(frozen=True)
class _Begin:
    """The start of a big entry: a local header whose CRC and sizes come at `_End`."""

    item: _Planned
    cost: int = _ENTRY_COST


@dataclass(frozen=True)
class _Piece:
    """One `CHUNK_SIZE` piece of a big entry, being deflated."""

    deflated: Future[bytes]
    cost: int


@dataclass(frozen=True)
class _End:
    """The end of a big entry, read whole by now: its CRC and size are known."""

    item: _Planned
    crc: int
    size: int
    cost: int = 0


@dataclass(frozen=True)
class _Copy:
    """An entry copied from a source zip as it is stored there."""

    item: _Planned
    cost: int = _ENTRY_COST


_Op: TypeAlias = _Whole | _Begin | _Piece | _End | _Copy


def _write_entries(writer: _ZipWriter, plan: list[_Planned], level: int, workers: int) -> None:
    """Run the schedule through the writer, keeping a bounded window of work in flight."""
    window = (4 * workers + 4) * CHUNK_SIZE
    pending: deque[_Op] = deque()
    in_flight = 0
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lambdakit-zip")
    ops = _schedule(plan, pool, level)
    try:
        for op in ops:
            pending.append(op)
            in_flight += op.cost
            while in_flight > window:
                done = pending.popleft()
                in_flight -= done.cost
                writer.apply(done)
        while pending:
            writer.apply(pending.popleft())
    finally:
        ops.close()
        pool.shutdown(wait=True, cancel_futures=True)


def _schedule(plan: list[_Planned], pool: ThreadPoolExecutor, level: int) -> Generator[_Op]:
    """The ops of `plan` in order; small entries go to workers in batches, big ones in pieces."""
    batch: list[_Planned] = []
    batch_bytes = 0
    for item in plan:
        small = item.source is None and item.size <= CHUNK_SIZE
        if small:
            batch.append(item)
            batch_bytes += item.size
        if batch and (not small or batch_bytes >= _BATCH_BYTES or len(batch) >= _BATCH_COUNT):
            yield from _submit_batch(batch, pool, level)
            batch, batch_bytes = [], 0
        if item.source is not None:
            yield _Copy(item)
        elif not small:
            yield from _submit_pieces(item, pool, level)
    if batch:
        yield from _submit_batch(batch, pool, level)


def _submit_batch(batch: list[_Planned], pool: ThreadPoolExecutor, level: int) -> Iterator[_Op]:
    future = pool.submit(_deflate_batch, batch, level)
    for index, item in enumerate(batch):
        yield _Whole(item, future, index)


def _submit_pieces(item: _Planned, pool: ThreadPoolExecutor, level: int) -> Iterator[_Op]:
    """Read a big entry once, in order, computing its CRC and handing each piece to a worker."""
    yield _Begin(item)
    crc = 0
    done = 0
    zdict: bytes | None = None
    for piece in _pieces(item):
        done += len(piece)
        if done > item.size:
            raise _changed(item)
        crc = zlib_ng.crc32(piece, crc)
        final = done == item.size
        yield _Piece(pool.submit(_deflate, piece, level, zdict, final=final), len(piece))
        zdict = bytes(piece[-_DICT_SIZE:])
    if done != item.size:
        raise _changed(item)
    yield _End(item, crc, done)


def _pieces(item: _Planned) -> Iterator[bytes | memoryview]:
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
        raise _unreadable(path, exc) from exc


# --- write ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Written:
    """What the central directory says about one entry."""

    name: bytes
    flags: int
    method: int
    crc: int
    compressed_size: int
    size: int
    offset: int
    executable: bool
    needs: int


@dataclass
class _OpenEntry:
    item: _Planned
    offset: int
    header: bytes
    compressed_size: int = 0


class _ZipWriter:
    """Appends entries to a file in one pass, hashing as it goes; then the central directory."""

    def __init__(self, out: BinaryIO, sources: _SourceZips) -> None:
        self._out = out
        self._sources = sources
        self._hash = hashlib.sha256()
        self._hashing = True
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._open: _OpenEntry | None = None
        self._written: list[_Written] = []
        self.offset = 0
        self.uncompressed_size = 0

    def sha256(self) -> str:
        return self._hash.hexdigest()

    def apply(self, op: _Op) -> None:
        if isinstance(op, _Whole):
            deflated = op.batch.result()[op.index]
            self._entry(op.item, _DEFLATED, deflated.crc, len(deflated.data), [deflated.data])
        elif isinstance(op, _Copy):
            source = op.item.source
            assert source is not None
            data = self._sources.raw_data(op.item.entry, source)
            self._entry(op.item, source.method, source.crc, source.compressed_size, data)
        elif isinstance(op, _Begin):
            self._begin(op.item)
        elif isinstance(op, _Piece):
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
            self._write(b"".join(map(_central_header, self._written[at : at + 4096])))
        self._write(_end_records(len(self._written), start, self.offset - start, self.offset))
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
        self, item: _Planned, method: int, crc: int, compressed_size: int, data: Iterable[bytes]
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
        header = _local_header(written, zip64=_zip64_local(item))
        chunks = iter(data)
        self._write(header + next(chunks, b""))
        for chunk in chunks:
            self._write(chunk)
        if self.offset - written.offset - len(header) != compressed_size:
            raise BuildError(f"{_describe(item.entry)}: stored data has the wrong length")
        self._commit(written)

    def _begin(self, item: _Planned) -> None:
        """Start a big entry with a placeholder header; hash it once the header is final."""
        placeholder = _written(
            item, method=_DEFLATED, crc=0, compressed_size=0, size=0, offset=self.offset
        )
        header = _local_header(placeholder, zip64=_zip64_local(item))
        self._open = _OpenEntry(item, self.offset, header)
        self._flush()
        self._hashing = False
        self._write(header)

    def _end(self, op: _End) -> None:
        opened, self._open = self._open, None
        assert opened is not None
        assert opened.item is op.item
        written = _written(
            op.item,
            method=_DEFLATED,
            crc=op.crc,
            compressed_size=opened.compressed_size,
            size=op.size,
            offset=opened.offset,
        )
        header = _local_header(written, zip64=_zip64_local(op.item))
        assert len(header) == len(opened.header)
        self._flush()
        self._out.seek(opened.offset)
        self._out.write(header)
        self._out.seek(0, os.SEEK_END)
        self._out.flush()
        self._hash_file(opened.offset, self.offset)
        self._hashing = True
        self._commit(written)

    def _commit(self, written: _Written) -> None:
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


def _zip64_local(item: _Planned) -> bool:
    return item.size >= _ZIP64_ENTRY


def _written(
    item: _Planned, *, method: int, crc: int, compressed_size: int, size: int, offset: int
) -> _Written:
    """The facts of one entry, as both its headers state them."""
    zip64 = _zip64_local(item)
    if not zip64 and max(compressed_size, size) >= _U32:
        raise BuildError(f"{_describe(item.entry)} grew past 4 GiB while being archived")
    needs = _NEEDS_ZIP64 if zip64 or offset >= _U32 else _NEEDS
    return _Written(
        item.name, item.flags, method, crc, compressed_size, size, offset, item.executable, needs
    )


def _local_header(entry: _Written, *, zip64: bool) -> bytes:
    """The local file header; a ZIP64 one carries both sizes in its extra field."""
    sizes = (entry.compressed_size, entry.size)
    extra = b""
    if zip64:
        extra = _EXTRA_HEADER.pack(_ZIP64_EXTRA_ID, 16) + struct.pack("<QQ", entry.size, sizes[0])
        sizes = (_U32, _U32)
    fixed = _LOCAL.pack(
        _LOCAL_SIG,
        entry.needs,
        entry.flags,
        entry.method,
        _DOS_TIME,
        _DOS_DATE,
        entry.crc,
        *sizes,
        len(entry.name),
        len(extra),
    )
    return fixed + entry.name + extra


def _central_header(entry: _Written) -> bytes:
    """The central directory record; fields of 4 GiB or more move to a ZIP64 extra field."""
    values = [entry.size, entry.compressed_size, entry.offset]
    large = [value for value in values if value >= _U32]
    extra = b""
    if large:
        extra = _EXTRA_HEADER.pack(_ZIP64_EXTRA_ID, 8 * len(large))
        extra += struct.pack(f"<{len(large)}Q", *large)
    size, compressed_size, offset = (min(value, _U32) for value in values)
    mode = _EXEC_MODE if entry.executable else _FILE_MODE
    fixed = _CENTRAL.pack(
        _CENTRAL_SIG,
        (_UNIX << 8) | entry.needs,
        entry.needs,
        entry.flags,
        entry.method,
        _DOS_TIME,
        _DOS_DATE,
        entry.crc,
        compressed_size,
        size,
        len(entry.name),
        len(extra),
        0,
        0,
        0,
        mode << 16,
        offset,
    )
    return fixed + entry.name + extra


def _end_records(count: int, directory_offset: int, directory_size: int, offset: int) -> bytes:
    """The end of central directory record, after a ZIP64 one and its locator when needed."""
    records = b""
    if count >= _U16 or directory_offset >= _U32 or directory_size >= _U32:
        records += _END64.pack(
            _END64_SIG,
            _END64.size - 12,
            (_UNIX << 8) | _NEEDS_ZIP64,
            _NEEDS_ZIP64,
            0,
            0,
            count,
            count,
            directory_size,
            directory_offset,
        )
        records += _LOCATOR64.pack(_LOCATOR64_SIG, 0, offset, 1)
    records += _END.pack(
        _END_SIG,
        0,
        0,
        min(count, _U16),
        min(count, _U16),
        min(directory_size, _U32),
        min(directory_offset, _U32),
        0,
    )
    return records


# --- read (source zips for ZipEntryRef, and zip_listing) --------------------------------------


class _SourceZips:
    """The zips that `ZipEntryRef`s copy from: parsed once each, opened when first copied from."""

    def __init__(self) -> None:
        self._entries: dict[Path, dict[str, _SourceEntry]] = {}
        self._files: dict[Path, BinaryIO] = {}

    def entry(self, path: Path, name: str) -> _SourceEntry:
        if path not in self._entries:
            self._entries[path] = {e.name: e for e in _read_central_directory(path)}
        found = self._entries[path].get(name)
        if found is None:
            raise BuildError(f"{path} has no entry {name!r}")
        if found.flags & _FLAG_ENCRYPTED or found.method not in (_STORED, _DEFLATED):
            raise BuildError(
                f"{name!r} in {path} is encrypted or compressed with method {found.method}",
                hint="only stored and deflated entries can be copied into a Lambda zip",
            )
        return found

    def raw_data(self, entry: Entry, source: _SourceEntry) -> Iterator[bytes]:
        """The stored bytes of `source` (compressed as they are), in `CHUNK_SIZE` blocks."""
        assert isinstance(entry, ZipEntryRef)
        path = entry.source_zip
        try:
            file = self._files.get(path) or self._files.setdefault(path, path.open("rb"))
            file.seek(source.header_offset)
            header = file.read(_LOCAL.size)
        except OSError as exc:
            raise _unreadable(path, exc) from exc
        if len(header) != _LOCAL.size or _LOCAL.unpack(header)[0] != _LOCAL_SIG:
            raise BuildError(f"{path} is damaged: no local header for {source.name!r}")
        name_length, extra_length = _LOCAL.unpack(header)[-2:]
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
            raise _unreadable(path, exc) from exc
        if not block:
            raise BuildError(f"{path} is truncated")
        length -= len(block)
        yield block


def _read_central_directory(path: Path) -> list[_SourceEntry]:
    """The entries of the zip at `path`, from its central directory (ZIP64 understood)."""
    try:
        with path.open("rb") as file:
            count, offset, size = _find_central_directory(file, path)
            file.seek(offset)
            directory = file.read(size)
    except OSError as exc:
        raise _unreadable(path, exc) from exc
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
    tail_length = min(length, _LOCATOR64.size + _END.size + _U16)
    file.seek(length - tail_length)
    tail = file.read(tail_length)
    at = tail.rfind(_END_SIG.to_bytes(4, "little"))
    while at >= 0 and at + _END.size + _END.unpack_from(tail, at)[-1] != len(tail):
        at = tail.rfind(_END_SIG.to_bytes(4, "little"), 0, at)
    if at < 0:
        raise BuildError(f"{path} is not a zip archive")
    *_, count, size, offset, _comment = _END.unpack_from(tail, at)
    locator_at = at - _LOCATOR64.size
    if locator_at >= 0 and _LOCATOR64.unpack_from(tail, locator_at)[0] == _LOCATOR64_SIG:
        end64_offset = _LOCATOR64.unpack_from(tail, locator_at)[2]
        file.seek(end64_offset)
        record = file.read(_END64.size)
        if len(record) != _END64.size or _END64.unpack(record)[0] != _END64_SIG:
            raise BuildError(f"{path} is damaged: bad ZIP64 end record")
        *_, count, size, offset = _END64.unpack(record)
    return count, offset, size


def _central_entries(directory: bytes, path: Path) -> Iterator[_SourceEntry]:
    at = 0
    while at < len(directory):
        if len(directory) - at < _CENTRAL.size:
            raise BuildError(f"{path} is damaged: its central directory is cut short")
        fields = _CENTRAL.unpack_from(directory, at)
        if fields[0] != _CENTRAL_SIG:
            raise BuildError(f"{path} is damaged: bad central directory record")
        flags, method, crc, compressed_size, size = fields[3], fields[4], *fields[7:10]
        name_length, extra_length, comment_length = fields[10:13]
        start = at + _CENTRAL.size
        raw_name = directory[start : start + name_length]
        extra = directory[start + name_length : start + name_length + extra_length]
        size, compressed_size, offset = _apply_zip64(extra, size, compressed_size, fields[16])
        name = raw_name.decode("utf-8" if flags & _FLAG_UTF8 else "cp437")
        yield _SourceEntry(name, flags, method, crc, compressed_size, size, offset, fields[15])
        at = start + name_length + extra_length + comment_length


def _apply_zip64(extra: bytes, *values: int) -> tuple[int, int, int]:
    """Replace (size, compressed size, offset) fields saturated at 4 GiB by their ZIP64 values."""
    result = list(values)
    at = 0
    while at + _EXTRA_HEADER.size <= len(extra):
        kind, length = _EXTRA_HEADER.unpack_from(extra, at)
        body = extra[at + 4 : at + 4 + length]
        if kind == _ZIP64_EXTRA_ID:
            large = iter(struct.unpack(f"<{len(body) // 8}Q", body[: len(body) // 8 * 8]))
            result = [next(large, v) if v == _U32 else v for v in result]
        at += 4 + length
    return result[0], result[1], result[2]
