"""Stripping ELF shared objects: synthetic files for every rule, then real wheels for both machines.

The checks read the results with a parser of their own (below), independent of the module's.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pytest
import uv

from lambdakit.errors import AppError
from lambdakit.packaging.config import build_config
from lambdakit.packaging.elf_strip import strip_image, strip_tree, strip_unloaded_sections

# ---------------------------------------------------------------- an independent reader

SHT_PROGBITS, SHT_SYMTAB, SHT_STRTAB, SHT_RELA, SHT_NOTE, SHT_NOBITS = 1, 2, 3, 4, 7, 8
SHT_REL, SHT_DYNSYM = 9, 11
SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR, SHF_MERGE, SHF_STRINGS, SHF_INFO_LINK = 1, 2, 4, 16, 32, 64
PT_LOAD, PT_NOTE = 1, 4
UNLOADED = (".symtab", ".strtab", ".debug", ".zdebug")


class Section(NamedTuple):
    index: int
    name: str
    type: int
    flags: int
    addr: int
    offset: int
    size: int
    link: int
    info: int
    align: int
    entsize: int


class Elf(NamedTuple):
    shoff: int
    shstrndx: int
    segments: list[tuple[int, int, int]]
    """(p_type, p_offset, p_filesz) of every program header."""
    sections: list[Section]

    def named(self, name: str) -> Section:
        (section,) = [s for s in self.sections if s.name == name]
        return section

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.sections]


def read_elf(data: bytes) -> Elf:
    """What ``readelf -l -S`` shows of an ELF64 little-endian file."""
    assert data[:6] == b"\x7fELF\x02\x01"
    phoff, shoff = struct.unpack_from("<QQ", data, 32)
    phnum, _, shnum, shstrndx = struct.unpack_from("<HHHH", data, 56)
    segments = []
    for number in range(phnum):
        p_type, _, offset, _, _, filesz, _, _ = struct.unpack_from(
            "<IIQQQQQQ", data, phoff + 56 * number
        )
        segments.append((p_type, offset, filesz))
    raw = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + 64 * n) for n in range(shnum)]
    names_at = raw[shstrndx][4]
    sections = []
    for index, (name, *rest) in enumerate(raw):
        start = names_at + name
        sections.append(Section(index, data[start : data.index(b"\0", start)].decode(), *rest))
    return Elf(shoff, shstrndx, segments, sections)


def content(data: bytes, section: Section) -> bytes:
    return (
        b"" if section.type == SHT_NOBITS else data[section.offset : section.offset + section.size]
    )


def is_unloaded(section: Section) -> bool:
    return not section.flags & SHF_ALLOC and (
        section.name in UNLOADED[:2] or section.name.startswith(UNLOADED[2:])
    )


def masked_header(data: bytes) -> bytes:
    """`data` with e_shoff, e_shnum and e_shstrndx zeroed: all a strip may change of the header."""
    return data[:40] + bytes(8) + data[48:60] + bytes(4) + data[64:]


def assert_stripped_consistently(before: bytes, after: bytes) -> None:
    """Every segment byte in place, unloaded sections gone, every kept section intact."""
    old, new = read_elf(before), read_elf(after)
    # the program headers and every byte they cover are unchanged (header fields aside)
    assert new.segments == old.segments
    masked_before, masked_after = masked_header(before), masked_header(after)
    assert masked_after[:64] == masked_before[:64]
    for _, offset, size in old.segments:
        assert masked_after[offset : offset + size] == masked_before[offset : offset + size]
    # the kept sections, in their order, each with the same header and bytes
    kept = [s for s in old.sections if not is_unloaded(s)]
    assert new.names == [s.name for s in kept]
    assert not [s for s in new.sections if is_unloaded(s)]
    assert new.sections[new.shstrndx].name == ".shstrtab"
    for was, now in zip(kept, new.sections, strict=True):
        assert (now.type, now.flags, now.addr, now.size) == (
            was.type,
            was.flags,
            was.addr,
            was.size,
        )
        assert (now.align, now.entsize) == (was.align, was.entsize)
        assert content(after, now) == content(before, was)
        if now.flags & SHF_ALLOC:
            assert now.offset == was.offset
        else:
            assert now.offset % max(now.align, 1) == 0
        assert new.sections[now.link].name == old.sections[was.link].name
        if now.type in (SHT_REL, SHT_RELA) or now.flags & SHF_INFO_LINK:
            assert new.sections[now.info].name == old.sections[was.info].name
        else:
            assert now.info == was.info
    # the section header table is the last thing in the file, 8-aligned
    assert new.shoff % 8 == 0
    assert new.shoff + 64 * len(new.sections) == len(after)


# ---------------------------------------------------------------- a synthetic shared object


@dataclass
class Spec:
    name: str
    type: int = SHT_PROGBITS
    flags: int = 0
    data: bytes = b""
    link: str = ""
    info: int | str = 0
    align: int = 1
    entsize: int = 0


def symbol(section_index: int) -> bytes:
    return struct.pack("<IBBHQQ", 1, 0x12, 0, section_index, 0x1000, 16)


def library() -> list[Spec]:
    """A small x86_64 shared object with symbols and debug info after everything the loader maps."""
    return [
        Spec(
            ".dynsym",
            SHT_DYNSYM,
            SHF_ALLOC,
            symbol(0) + symbol(3) + symbol(0xFFF1),
            ".dynstr",
            1,
            8,
            24,
        ),
        Spec(".dynstr", SHT_STRTAB, SHF_ALLOC, b"\0f\0"),
        Spec(".text", flags=SHF_ALLOC | SHF_EXECINSTR, data=b"\xc3" * 40, align=16),
        Spec(".data", flags=SHF_ALLOC | SHF_WRITE, data=b"\x01" * 24, align=8),
        Spec(".bss", SHT_NOBITS, SHF_ALLOC | SHF_WRITE, b"\0" * 64, align=32),
        Spec(".comment", flags=SHF_MERGE | SHF_STRINGS, data=b"GCC: (GNU) 14\0", entsize=1),
        Spec(".debug_info", data=b"D" * 300),
        Spec(".zdebug_line", data=b"Z" * 50),
        Spec(".symtab", SHT_SYMTAB, 0, symbol(0) * 12, ".strtab", 3, 8, 24),
        Spec(".strtab", SHT_STRTAB, 0, b"\0main\0" * 30),
        Spec(".gnu_debuglink", data=b"x.so.debug\0\0" + b"\xaa" * 4, align=4),
        Spec(".note.tail", SHT_NOTE, 0, b"N" * 20, ".gnu_debuglink", align=8),
    ]


def build_elf(
    specs: list[Spec],
    *,
    names_table: str = ".shstrtab",
    note_over: str = "",
    machine: int = 0x3E,
) -> bytes:
    """An ELF64 LE shared object: ALLOC sections first in the file under one PT_LOAD, then the
    others (in index order either way), the names table, the section header table.

    `note_over` adds a PT_NOTE segment over that section's bytes.
    """
    specs = list(specs)
    if names_table not in [s.name for s in specs]:
        specs.append(Spec(names_table, SHT_STRTAB))
    names = b"\0"
    name_at: dict[str, int] = {}
    for spec in specs:
        name_at[spec.name] = len(names)
        names += spec.name.encode() + b"\0"
    specs = [Spec(**{**vars(s), "data": names}) if s.name == names_table else s for s in specs]
    index = {spec.name: number for number, spec in enumerate(specs, start=1)}
    phnum = 2 if note_over else 1
    position = 64 + 56 * phnum
    offsets: dict[str, int] = {}
    order = [s for s in specs if s.flags & SHF_ALLOC] + [
        s for s in specs if not s.flags & SHF_ALLOC
    ]
    body = bytearray(position)
    load_end = position
    for spec in order:
        position += -position % spec.align
        offsets[spec.name] = position
        if spec.type != SHT_NOBITS:
            body += bytes(position - len(body)) + spec.data
            position += len(spec.data)
        if spec.flags & SHF_ALLOC:
            load_end = position
    body += bytes(-len(body) % 8)
    shoff = len(body)
    table = bytes(64)
    for spec in specs:
        info = index[spec.info] if isinstance(spec.info, str) else spec.info
        table += struct.pack(
            "<IIQQQQIIQQ",
            name_at[spec.name],
            spec.type,
            spec.flags,
            offsets[spec.name] if spec.flags & SHF_ALLOC else 0,
            offsets[spec.name],
            len(spec.data),
            index.get(spec.link, 0),
            info,
            spec.align,
            spec.entsize,
        )
    segments = struct.pack("<IIQQQQQQ", PT_LOAD, 5, 0, 0, 0, load_end, load_end, 0x1000)
    if note_over:
        at, size = offsets[note_over], len(next(s for s in specs if s.name == note_over).data)
        segments += struct.pack("<IIQQQQQQ", PT_NOTE, 4, at, at, at, size, size, 4)
    header = b"\x7fELF\x02\x01\x01" + bytes(9)
    header += struct.pack(
        "<HHIQQQIHHHHHH",
        3,
        machine,
        1,
        0,
        64,
        shoff,
        0,
        64,
        56,
        phnum,
        64,
        len(specs) + 1,
        index[names_table],
    )
    body[: 64 + len(segments)] = header + segments
    return bytes(body) + table


def test_synthetic_library_is_stripped_consistently():
    before = build_elf(library())

    after = strip_image(before)

    assert after is not None
    assert_stripped_consistently(before, after)
    names = read_elf(after).names
    assert names == [
        "",
        ".dynsym",
        ".dynstr",
        ".text",
        ".data",
        ".bss",
        ".comment",
        ".gnu_debuglink",
        ".note.tail",
        ".shstrtab",
    ]
    # what went: the sections' bytes and their four headers (less alignment padding)
    dropped = sum(len(s.data) for s in library() if s.name.startswith(UNLOADED))
    assert len(before) - len(after) >= dropped + 4 * 64 - 16
    # .comment lay before the first dropped byte: it did not move; the trailing ones did
    assert read_elf(after).named(".comment").offset == read_elf(before).named(".comment").offset
    assert read_elf(after).named(".shstrtab").offset < read_elf(before).named(".shstrtab").offset


def test_stripping_is_deterministic_and_idempotent():
    before = build_elf(library())

    once = strip_image(before)

    assert once is not None
    assert strip_image(bytes(before)) == once
    assert strip_image(once) is None  # already stripped: nothing to do


@pytest.mark.parametrize("dropped", [".symtab", ".strtab", ".debug_info", ".zdebug_line"])
def test_each_unloaded_section_alone_is_dropped(dropped):
    specs = [s for s in library() if not s.name.startswith(UNLOADED) or s.name == dropped]
    if dropped == ".symtab":
        specs.append(Spec(".strtab", SHT_STRTAB, 0, b"\0"))  # a symbol table needs its strings
    before = build_elf(specs)

    after = strip_image(before)

    assert after is not None
    assert_stripped_consistently(before, after)
    assert dropped not in read_elf(after).names


def test_allocated_sections_with_unloaded_names_stay():
    specs = [s for s in library() if not s.name.startswith(UNLOADED)]
    specs.insert(3, Spec(".debug_mapped", flags=SHF_ALLOC, data=b"M" * 32))

    assert strip_image(build_elf(specs)) is None


def with_header(data: bytes, at: int, value: bytes) -> bytes:
    return data[:at] + value + data[at + len(value) :]


LIBRARY = build_elf(library())


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"print('hello')\n", id="not-elf"),
        pytest.param(b"", id="empty"),
        pytest.param(LIBRARY[:200], id="truncated"),
        pytest.param(with_header(LIBRARY, 4, b"\x01"), id="32-bit"),
        pytest.param(with_header(LIBRARY, 5, b"\x02"), id="big-endian"),
        pytest.param(with_header(LIBRARY, 16, b"\x02\x00"), id="ET_EXEC"),
        pytest.param(with_header(LIBRARY, 16, b"\x01\x00"), id="ET_REL"),
        pytest.param(build_elf(library(), machine=40), id="arm32-machine"),
        pytest.param(build_elf(library(), machine=0xF3), id="riscv-machine"),
        pytest.param(with_header(LIBRARY, 60, b"\x00\x00"), id="extended-section-count"),
    ],
)
def test_unsupported_files_are_left_untouched(tmp_path, data):
    path = tmp_path / "lib.so"
    path.write_bytes(data)

    assert strip_unloaded_sections(path) == 0
    assert path.read_bytes() == data
    assert strip_image(data) is None


def test_the_synthetic_machines_both_strip():
    assert strip_image(build_elf(library(), machine=0xB7)) is not None


def move(specs: list[Spec], names: tuple[str, ...], before: str) -> list[Spec]:
    moved = [s for s in specs if s.name in names]
    rest = [s for s in specs if s.name not in names]
    at = [s.name for s in rest].index(before)
    return rest[:at] + moved + rest[at:]


@pytest.mark.parametrize(
    "elf",
    [
        # .symtab/.strtab before an ALLOC section in the table: dropping them renumbers .data
        pytest.param(
            build_elf(move(library(), (".symtab", ".strtab"), ".data")), id="before-alloc"
        ),
        pytest.param(
            build_elf(
                [
                    *library(),
                    Spec(
                        ".rela.debug_info", SHT_RELA, 0, bytes(24), ".symtab", ".debug_info", 8, 24
                    ),
                ]
            ),
            id="kept-links-to-dropped",
        ),
        pytest.param(
            build_elf(
                [
                    *library(),
                    Spec(
                        ".note.info", SHT_NOTE, SHF_INFO_LINK, b"n" * 8, info=".debug_info", align=4
                    ),
                ]
            ),
            id="kept-info-names-dropped",
        ),
        # a segment (not PT_LOAD) covers bytes of a section we would drop
        pytest.param(build_elf(library(), note_over=".debug_info"), id="dropped-inside-segment"),
        # section names live in .strtab (one table for both): it must stay
        pytest.param(build_elf(library(), names_table=".strtab"), id="names-in-strtab"),
        # a dynamic symbol names .gnu_debuglink, whose index would change
        pytest.param(
            build_elf(
                [
                    Spec(
                        ".dynsym",
                        SHT_DYNSYM,
                        SHF_ALLOC,
                        symbol(0) + symbol(11),
                        ".dynstr",
                        1,
                        8,
                        24,
                    ),
                    *library()[1:],
                ]
            ),
            id="dynsym-names-renumbered-section",
        ),
    ],
)
def test_unsafe_layouts_are_left_untouched(tmp_path, elf):
    path = tmp_path / "lib.so"
    path.write_bytes(elf)

    assert strip_unloaded_sections(path) == 0
    assert path.read_bytes() == elf


def test_the_unsafe_cases_differ_from_a_strippable_library_only_where_they_say():
    # the dynsym case above is otherwise the library: pointing at .comment (index 6) is fine
    specs = [Spec(".dynsym", SHT_DYNSYM, SHF_ALLOC, symbol(6), ".dynstr", 1, 8, 24), *library()[1:]]
    assert read_elf(build_elf(specs)).sections[6].name == ".comment"
    assert read_elf(build_elf(specs)).sections[11].name == ".gnu_debuglink"
    assert strip_image(build_elf(specs)) is not None


# ---------------------------------------------------------------- files and trees


def test_tree_strips_shared_objects_only_and_never_follows_links(tmp_path):
    # GIVEN the same library under shared-object names and others, and a link out of the tree
    site, outside = tmp_path / "site", tmp_path / "outside"
    (site / "pkg" / ".libs").mkdir(parents=True)
    outside.mkdir()
    stripped = [
        "pkg/_x.cpython-312-x86_64-linux-gnu.so",
        "pkg/.libs/libb.so.2600",
        "pkg/.libs/libc.so.1.2.3",
    ]
    left = ["pkg/notes.so.txt", "pkg/x.o", "pkg/tool"]
    for name in stripped + left:
        (site / name).write_bytes(LIBRARY)
    (outside / "real.so").write_bytes(LIBRARY)
    (site / "pkg" / "linked.so").symlink_to(outside / "real.so")
    (site / "linked-folder").symlink_to(outside, target_is_directory=True)
    each = len(LIBRARY) - len(strip_image(LIBRARY) or b"")

    saved = strip_tree(site)

    assert saved == 3 * each
    assert all((site / name).read_bytes() == strip_image(LIBRARY) for name in stripped)
    assert all((site / name).read_bytes() == LIBRARY for name in left)
    assert (outside / "real.so").read_bytes() == LIBRARY
    assert strip_unloaded_sections(site / "pkg" / "linked.so") == 0
    assert strip_unloaded_sections(site / "missing.so") == 0
    assert strip_tree(site) == 0


def test_a_hard_link_elsewhere_keeps_the_original_bytes_and_the_mode_stays(tmp_path):
    # GIVEN a file installed by hard link from a cache (as uv does), executable
    cache, site = tmp_path / "cache", tmp_path / "site"
    cache.mkdir()
    site.mkdir()
    (cache / "lib.so").write_bytes(LIBRARY)
    (cache / "lib.so").chmod(0o755)
    os.link(cache / "lib.so", site / "lib.so")
    assert (site / "lib.so").stat().st_nlink == 2

    saved = strip_unloaded_sections(site / "lib.so")

    assert saved > 0
    assert (cache / "lib.so").read_bytes() == LIBRARY
    assert (site / "lib.so").read_bytes() == strip_image(LIBRARY)
    assert (cache / "lib.so").stat().st_nlink == (site / "lib.so").stat().st_nlink == 1
    assert (site / "lib.so").stat().st_mode & 0o777 == 0o755
    assert sorted(p.name for p in site.iterdir()) == ["lib.so"]  # no temp file left


def test_strip_setting_defaults_on_and_changes_the_fingerprint():
    assert build_config({}).strip
    assert not build_config({"strip": False}).strip
    assert build_config({"strip": False}).fingerprint() != build_config({}).fingerprint()
    with pytest.raises(AppError, match="strip must be true or false"):
        build_config({"strip": "yes"})


# ---------------------------------------------------------------- real wheels

REAL_PACKAGES = ("markupsafe", "pyyaml")


def install(folder: Path, *options: str) -> Path:
    command = [uv.find_uv_bin(), "pip", "install", "--quiet", "--no-config", "--target"]
    command += [str(folder), *options, *REAL_PACKAGES]
    installed = subprocess.run(command, capture_output=True, text=True, check=False)
    assert installed.returncode == 0, installed.stderr
    return folder


@pytest.fixture(scope="module")
def host_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """markupsafe and pyyaml (with libyaml) for this interpreter, never modified."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    return install(tmp_path_factory.mktemp("host") / "site", "--python", version)


@pytest.fixture(scope="module")
def aarch64_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same packages for Lambda's arm64 Python 3.12, never modified."""
    folder = tmp_path_factory.mktemp("aarch64") / "site"
    options = ("--python-version", "3.12", "--python-platform", "aarch64-manylinux_2_34")
    return install(folder, *options)


def shared_objects(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes() for path in sorted(root.rglob("*.so"))
    }


def check_real_tree(pristine: Path, tmp_path: Path, machine: int) -> Path:
    """Strip a copy of `pristine`; check every shared object against its original."""
    site = tmp_path / "site"
    shutil.copytree(pristine, site)
    before = shared_objects(pristine)
    assert len(before) >= 2
    with_symbols = {name for name, data in before.items() if ".symtab" in read_elf(data).names}
    assert with_symbols  # the test needs libraries that carry a symbol table

    saved = strip_tree(site)

    after = shared_objects(site)
    assert saved == sum(len(before[name]) - len(after[name]) for name in before)
    for name, data in before.items():
        assert int.from_bytes(data[18:20], "little") == machine
        assert_stripped_consistently(data, after[name])
        names = read_elf(after[name]).names
        assert ".symtab" not in names
        assert not [n for n in names if n.startswith(".debug")]
        assert ".dynsym" in names
        if name in with_symbols:
            unloaded = sum(s.size for s in read_elf(data).sections if is_unloaded(s))
            assert len(data) - len(after[name]) >= unloaded
    # idempotent, and a second copy strips to the same bytes
    assert strip_tree(site) == 0
    assert shared_objects(site) == after
    again = tmp_path / "again"
    shutil.copytree(pristine, again)
    strip_tree(again)
    assert shared_objects(again) == after
    return site


@pytest.mark.slow
def test_host_libraries_stripped_still_import_and_work(host_site, tmp_path):
    if sys.platform != "linux":
        pytest.skip("the wheels for this interpreter are ELF only on Linux")
    machine = {"x86_64": 0x3E, "aarch64": 0xB7}.get(os.uname().machine)
    if machine is None:
        pytest.skip("stripping covers x86_64 and aarch64 only")
    site = check_real_tree(host_site, tmp_path, machine)
    script = (
        "import sys\n"
        f"sys.path.insert(0, {str(site)!r})\n"
        "import markupsafe, markupsafe._speedups, yaml\n"
        "assert markupsafe._speedups.__file__.startswith(sys.path[0])\n"
        "assert str(markupsafe.escape('<a href=\"x\">')) == '&lt;a href=&#34;x&#34;&gt;'\n"
        "assert yaml.load('a: [1, 2]', Loader=yaml.CSafeLoader) == {'a': [1, 2]}\n"
        "print(yaml.dump({'b': 1}, Dumper=yaml.CSafeDumper), end='')\n"
    )

    command = [sys.executable, "-S", "-c", script]
    ran = subprocess.run(command, capture_output=True, text=True, check=False)

    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == "b: 1\n"


@pytest.mark.slow
def test_aarch64_libraries_keep_every_segment_byte(aarch64_site, tmp_path):
    check_real_tree(aarch64_site, tmp_path, 0xB7)
