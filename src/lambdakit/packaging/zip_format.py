"""The zip format (APPNOTE.TXT) as we write and read it, and why our archives are reproducible.

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
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from zlib_ng import zlib_ng

CHUNK_SIZE = 1 << 20
"""Files larger than this are deflated in pieces of this size (part of the output format)."""

DEFLATE_ID = f"zlib-ng {zlib_ng.ZLIBNG_VERSION}, raw deflate in {CHUNK_SIZE}-byte pieces"
"""What, besides the entries and the level, the bytes of an archive depend on."""

LOCAL = struct.Struct("<IHHHHHIIIHH")
CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
END = struct.Struct("<IHHHHIIH")
END64 = struct.Struct("<IQHHIIQQQQ")
LOCATOR64 = struct.Struct("<IIQI")
EXTRA_HEADER = struct.Struct("<HH")
LOCAL_SIG = 0x04034B50
CENTRAL_SIG = 0x02014B50
END_SIG = 0x06054B50
END64_SIG = 0x06064B50
LOCATOR64_SIG = 0x07064B50
ZIP64_EXTRA_ID = 0x0001

U16 = 0xFFFF
U32 = 0xFFFFFFFF
ZIP64_ENTRY = 0xF000_0000
"""Entries this big get ZIP64 local headers: deflate cannot grow a smaller one past 4 GiB."""

_DOS_TIME = 0
_DOS_DATE = (1 << 5) | 1
_UNIX = 3
NEEDS = 20
NEEDS_ZIP64 = 45
_FILE_MODE = 0o100644
_EXEC_MODE = 0o100755
FLAG_ENCRYPTED = 0x1
FLAG_UTF8 = 0x800
STORED = 0
DEFLATED = 8


@dataclass(frozen=True)
class Written:
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


def local_header(entry: Written, *, zip64: bool) -> bytes:
    """The local file header; a ZIP64 one carries both sizes in its extra field."""
    sizes = (entry.compressed_size, entry.size)
    extra = b""
    if zip64:
        extra = EXTRA_HEADER.pack(ZIP64_EXTRA_ID, 16) + struct.pack("<QQ", entry.size, sizes[0])
        sizes = (U32, U32)
    fixed = LOCAL.pack(
        LOCAL_SIG,
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


def central_header(entry: Written) -> bytes:
    """The central directory record; fields of 4 GiB or more move to a ZIP64 extra field."""
    values = [entry.size, entry.compressed_size, entry.offset]
    large = [value for value in values if value >= U32]
    extra = b""
    if large:
        extra = EXTRA_HEADER.pack(ZIP64_EXTRA_ID, 8 * len(large))
        extra += struct.pack(f"<{len(large)}Q", *large)
    size, compressed_size, offset = (min(value, U32) for value in values)
    mode = _EXEC_MODE if entry.executable else _FILE_MODE
    fixed = CENTRAL.pack(
        CENTRAL_SIG,
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


def end_records(count: int, directory_offset: int, directory_size: int, offset: int) -> bytes:
    """The end of central directory record, after a ZIP64 one and its locator when needed."""
    records = b""
    if count >= U16 or directory_offset >= U32 or directory_size >= U32:
        records += END64.pack(
            END64_SIG,
            END64.size - 12,
            (_UNIX << 8) | NEEDS_ZIP64,
            NEEDS_ZIP64,
            0,
            0,
            count,
            count,
            directory_size,
            directory_offset,
        )
        records += LOCATOR64.pack(LOCATOR64_SIG, 0, offset, 1)
    records += END.pack(
        END_SIG,
        0,
        0,
        min(count, U16),
        min(count, U16),
        min(directory_size, U32),
        min(directory_offset, U32),
        0,
    )
    return records
