"""Drop the ELF sections the dynamic loader never reads (symbols, debug info) from shared objects.

Stages: parse (pure: the ELF header, program headers and section headers of a whole file, every
assumption checked) -> plan and rewrite (pure, `strip_image`: which sections go, where the kept
ones land, the new bytes) -> write (the only I/O, `strip_unloaded_sections`: a temp file, then
``replace``).

No external tool: ``strip``/``llvm-strip``/``objcopy`` are not everywhere and differ between
versions, while the output here is a pure function of the input bytes on any machine. The rewriter
is deliberately conservative; when any of these assumptions fails, the file is left untouched:

- ELF64, little-endian, ``ET_DYN`` (a shared object), for x86_64 or aarch64.
- Only non-``SHF_ALLOC`` sections named ``.symtab``, ``.strtab``, ``.debug*`` or ``.zdebug*`` go.
  Each of them must come after every ``SHF_ALLOC`` section in the section header table, so every
  index that ``.dynsym`` entries (``st_shndx``) and relocation sections (``sh_info``) hold stays
  valid (checked for ``.dynsym``); no kept section may link to one (``sh_link``, or ``sh_info``
  where it is a section index), and ``.shstrtab`` stays (``e_shstrndx`` follows its new index).
- Every byte a program header covers (any segment, not only ``PT_LOAD``) stays at its offset, and
  the dropped sections lie wholly after all of them. The new file is: everything up to the last
  byte still needed in place; then the kept non-``SHF_ALLOC`` sections that came after the first
  dropped byte (``.comment``, ``.shstrtab``...), in their order, each at its own alignment; then
  the section header table, aligned to 8. In the ELF header only ``e_shoff``, ``e_shnum`` and
  ``e_shstrndx`` change (the loader reads none of them).

Hard links are never written through: uv installs files as hard links into its cache, so the new
bytes go to a temp file that replaces the path, leaving every other link to the old bytes intact.
Symbolic links are never followed.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import struct
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

_EHDR = struct.Struct("<16sHHIQQQIHHHHHH")
"""e_ident, e_type, e_machine, e_version, e_entry, e_phoff, e_shoff, e_flags, e_ehsize,
e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx."""
_PHDR = struct.Struct("<IIQQQQQQ")
"""p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align."""
_SHDR = struct.Struct("<IIQQQQIIQQ")
"""sh_name, sh_type, sh_flags, sh_addr, sh_offset, sh_size, sh_link, sh_info, sh_addralign,
sh_entsize."""
_SYMBOL_SECTION = struct.Struct("<6xH16x")
"""st_shndx of one Elf64_Sym."""

_IDENT = b"\x7fELF\x02\x01\x01"  # magic, ELFCLASS64, ELFDATA2LSB, EV_CURRENT
_ET_DYN = 3
_MACHINES = frozenset({0x3E, 0xB7})  # EM_X86_64, EM_AARCH64
_SHT_NULL, _SHT_RELA, _SHT_NOBITS, _SHT_REL, _SHT_DYNSYM = 0, 4, 8, 9, 11
_SHF_ALLOC, _SHF_INFO_LINK = 0x2, 0x40
_SHN_LORESERVE, _SHN_XINDEX = 0xFF00, 0xFFFF
_PN_XNUM = 0xFFFF
_MAX_ALIGN = 1 << 16
_TABLE_ALIGN = 8

_UNLOADED_NAMES = frozenset({b".symtab", b".strtab"})
_UNLOADED_PREFIXES = (b".debug", b".zdebug")
_SHARED_OBJECT = re.compile(r"\.so(?:\.\d+)*\Z")
"""``x.so``, ``libarrow.so.2600``, ``libgfortran.so.5.0.0``."""


class _UnsupportedError(Exception):
    """An assumption does not hold: leave the file as it is."""


@dataclass(frozen=True, slots=True)
class _Section:
    index: int
    name: bytes
    fields: tuple[int, ...]
    """The section header as unpacked by `_SHDR`."""

    @property
    def type(self) -> int:
        return self.fields[1]

    @property
    def allocated(self) -> bool:
        return bool(self.fields[2] & _SHF_ALLOC)

    @property
    def offset(self) -> int:
        return self.fields[4]

    @property
    def size(self) -> int:
        return self.fields[5]

    @property
    def link(self) -> int:
        return self.fields[6]

    @property
    def info_is_index(self) -> bool:
        """Whether ``sh_info`` names a section (relocations, ``SHF_INFO_LINK``)."""
        return self.type in (_SHT_REL, _SHT_RELA) or bool(self.fields[2] & _SHF_INFO_LINK)

    @property
    def info(self) -> int:
        return self.fields[7]

    @property
    def align(self) -> int:
        return max(self.fields[8], 1)

    @property
    def file_end(self) -> int:
        """The end of its bytes in the file (its offset if it has none)."""
        return self.offset + (0 if self.type == _SHT_NOBITS else self.size)

    @property
    def has_bytes(self) -> bool:
        return self.type != _SHT_NOBITS and self.size > 0


@dataclass(frozen=True, slots=True)
class _Elf:
    header: tuple[int | bytes, ...]
    """The ELF header as unpacked by `_EHDR`."""
    segments: tuple[tuple[int, int], ...]
    """(p_offset, p_filesz) of every program header."""
    sections: tuple[_Section, ...]
    shstrndx: int
    program_headers_end: int


def strip_tree(root: Path) -> int:
    """Strip every ELF shared object (``*.so``, ``*.so.N...``) under `root`; bytes saved in all."""
    saved = 0
    for current, folders, files in os.walk(root):  # never enters linked folders
        folders.sort()
        for name in sorted(files):
            if _SHARED_OBJECT.search(name):
                saved += strip_unloaded_sections(Path(current) / name)
    return saved


def strip_unloaded_sections(path: Path) -> int:
    """Drop `path`'s symbol and debug sections; bytes saved, 0 when the file is left untouched.

    The new bytes replace the path (temp file + ``replace``, same mode): a hard link elsewhere
    keeps the old bytes. Symbolic links, non-ELF files and anything `strip_image` declines stay.
    """
    try:
        before = path.lstat()
    except OSError:
        return 0
    if not stat.S_ISREG(before.st_mode):
        return 0
    data = path.read_bytes()
    image = strip_image(data)
    if image is None:
        return 0
    _replace(path, image, stat.S_IMODE(before.st_mode))
    return len(data) - len(image)


def strip_image(data: bytes) -> bytes | None:
    """`data` (a whole ELF file) without its unloaded sections; None to leave it as it is.

    None when there is nothing to drop, when the result would not be smaller, or when any rule of
    the module docstring does not hold.
    """
    try:
        elf = _parse(data)
        image = _rewrite(data, elf)
    except _UnsupportedError:
        return None
    return image if image is not None and len(image) < len(data) else None


# ---------------------------------------------------------------- parse


def _parse(data: bytes) -> _Elf:
    if len(data) < _EHDR.size or not data.startswith(_IDENT):
        raise _UnsupportedError
    header = _EHDR.unpack_from(data)
    _, e_type, machine, version, _, phoff, shoff, _, ehsize, phentsize, phnum = header[:11]
    shentsize, shnum, shstrndx = header[11:]
    if e_type != _ET_DYN or machine not in _MACHINES or version != 1 or ehsize != _EHDR.size:
        raise _UnsupportedError
    if phentsize != _PHDR.size or shentsize != _SHDR.size:
        raise _UnsupportedError
    if not 0 < phnum < _PN_XNUM or not 0 < shnum < _SHN_LORESERVE or not 0 < shstrndx < shnum:
        raise _UnsupportedError  # also rules out extended numbering (counts kept in section 0)
    program_headers_end = _within(data, phoff, phnum * _PHDR.size)
    segments = tuple(_segment(data, phoff + number * _PHDR.size) for number in range(phnum))
    _within(data, shoff, shnum * _SHDR.size)
    raw = [_SHDR.unpack_from(data, shoff + index * _SHDR.size) for index in range(shnum)]
    if raw[0][1] != _SHT_NULL:
        raise _UnsupportedError
    names = raw[shstrndx]
    if names[1] == _SHT_NOBITS:
        raise _UnsupportedError
    names_start = names[4]
    names_end = _within(data, names_start, names[5])
    sections = tuple(
        _Section(index, _name(data, names_start, names_end, fields[0]), fields)
        for index, fields in enumerate(raw)
    )
    for section in sections:
        if section.type != _SHT_NOBITS:
            _within(data, section.offset, section.size)
    return _Elf(header, segments, sections, shstrndx, program_headers_end)


def _segment(data: bytes, at: int) -> tuple[int, int]:
    _, _, offset, _, _, filesz, _, _ = _PHDR.unpack_from(data, at)
    _within(data, offset, filesz)
    return offset, filesz


def _name(data: bytes, start: int, end: int, at: int) -> bytes:
    if start + at >= end:
        raise _UnsupportedError
    stop = data.find(b"\0", start + at, end)
    if stop < 0:
        raise _UnsupportedError
    return data[start + at : stop]


def _within(data: bytes, offset: int, size: int) -> int:
    """The end of ``data[offset:offset + size]``, which must lie inside `data`."""
    end = offset + size
    if end > len(data):
        raise _UnsupportedError
    return end


# ---------------------------------------------------------------- plan and rewrite


def _is_unloaded(section: _Section) -> bool:
    return not section.allocated and (
        section.name in _UNLOADED_NAMES or section.name.startswith(_UNLOADED_PREFIXES)
    )


def _rewrite(data: bytes, elf: _Elf) -> bytes | None:
    """The new file (None: nothing to drop); raises `_UnsupportedError` when a rule fails."""
    dropped = {s.index for s in elf.sections if _is_unloaded(s)}
    if not dropped:
        return None
    first_dropped = min(dropped)
    if elf.shstrndx in dropped or any(s.allocated for s in elf.sections[first_dropped:]):
        raise _UnsupportedError
    kept = [s for s in elf.sections if s.index not in dropped]
    new_index = {section.index: number for number, section in enumerate(kept)}
    _check_dynamic_symbols(data, kept, first_dropped)
    lowest = min(
        (s.offset for s in elf.sections if s.index in dropped and s.has_bytes), default=len(data)
    )
    moved = [s for s in kept if not s.allocated and s.index and s.offset >= lowest]
    moved_indices = {s.index for s in moved}
    in_place = [s for s in kept if s.index not in moved_indices]
    keep_to = max(
        _EHDR.size,
        elf.program_headers_end,
        *(offset + size for offset, size in elf.segments),
        *(s.file_end for s in in_place),
    )
    if keep_to > lowest:
        raise _UnsupportedError  # a dropped byte is inside a segment or among kept sections
    pieces: list[bytes | memoryview] = [memoryview(data)[_EHDR.size : keep_to]]
    offsets, end = _lay_out(data, moved, keep_to, pieces)
    table_at = end + (-end % _TABLE_ALIGN)
    pieces.append(bytes(table_at - end))
    pieces.extend(_SHDR.pack(*_moved_fields(section, offsets, new_index)) for section in kept)
    header = list(elf.header)
    header[6], header[12], header[13] = table_at, len(kept), new_index[elf.shstrndx]
    return _EHDR.pack(*header) + b"".join(pieces)


def _check_dynamic_symbols(data: bytes, kept: Sequence[_Section], first_dropped: int) -> None:
    """Every ``st_shndx`` in ``.dynsym`` must name a section whose index does not change."""
    for section in kept:
        if section.type != _SHT_DYNSYM:
            continue
        if section.fields[9] != _SYMBOL_SECTION.size or section.size % _SYMBOL_SECTION.size:
            raise _UnsupportedError
        table = memoryview(data)[section.offset : section.offset + section.size]
        for (index,) in _SYMBOL_SECTION.iter_unpack(table):
            if index >= first_dropped and (index < _SHN_LORESERVE or index == _SHN_XINDEX):
                raise _UnsupportedError


def _lay_out(
    data: bytes, moved: Sequence[_Section], start: int, pieces: list[bytes | memoryview]
) -> tuple[dict[int, int], int]:
    """Append `moved` sections from `start` on, in file order; their new offsets and the end."""
    offsets: dict[int, int] = {}
    position = start
    for section in sorted(moved, key=lambda s: (s.offset, s.index)):
        align = section.align
        if align > _MAX_ALIGN or align & (align - 1):
            raise _UnsupportedError
        padding = -position % align
        pieces.append(bytes(padding))
        position += padding
        offsets[section.index] = position
        if section.has_bytes:
            pieces.append(memoryview(data)[section.offset : section.offset + section.size])
            position += section.size
    return offsets, position


def _moved_fields(
    section: _Section, offsets: dict[int, int], new_index: dict[int, int]
) -> tuple[int, ...]:
    """The section's header with its new offset and the new indices it links to."""
    fields = list(section.fields)
    fields[4] = offsets.get(section.index, section.offset)
    fields[6] = _renumbered(section.link, new_index)
    if section.info_is_index:
        fields[7] = _renumbered(section.info, new_index)
    return tuple(fields)


def _renumbered(index: int, new_index: dict[int, int]) -> int:
    if index not in new_index:
        raise _UnsupportedError  # links to a dropped section, or to none at all
    return new_index[index]


# ---------------------------------------------------------------- write


def _replace(path: Path, content: bytes, mode: int) -> None:
    """Put `content` at `path` through a new file, so other hard links keep the old bytes."""
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        temp.chmod(mode)
        temp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
