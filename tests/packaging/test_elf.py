"""ELF machine detection from the header only, and the inventory of native files in a tree."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from lambdakit.packaging.elf import elf_machine, native_libraries


def elf_header(machine: int, *, big_endian: bool = False, bits: int = 64) -> bytes:
    """The first bytes of an ELF file: e_ident, e_type (shared object), e_machine, padding."""
    order = "big" if big_endian else "little"
    ident = b"\x7fELF" + bytes([2 if bits == 64 else 1, 2 if big_endian else 1, 1]) + bytes(9)
    return ident + (3).to_bytes(2, order) + machine.to_bytes(2, order) + bytes(44)


@pytest.mark.parametrize(
    ("content", "machine"),
    [
        (elf_header(62), "x86_64"),
        (elf_header(183), "aarch64"),
        (elf_header(3, bits=32), "i386"),
        (elf_header(40, bits=32), "arm"),
        (elf_header(21, big_endian=True), "ppc64"),
        (elf_header(22, big_endian=True), "s390"),
        (elf_header(4242), "EM_4242"),
        (b"\x7fELF\x02\x03\x01" + bytes(20), None),  # unknown byte order
        (b"\x7fELF\x02\x01", None),  # truncated header
        (b"print('hello')\n", None),
        (b"", None),
        (b"\xcf\xfa\xed\xfe" + bytes(28), None),  # Mach-O
    ],
)
def test_elf_machine(tmp_path, content, machine):
    path = tmp_path / "lib.so"
    path.write_bytes(content)

    assert elf_machine(path) == machine


def test_elf_machine_of_a_missing_file_or_a_folder_is_none(tmp_path):
    assert elf_machine(tmp_path / "missing.so") is None
    assert elf_machine(tmp_path) is None


def test_elf_machine_of_the_running_interpreter():
    import platform

    expected = {"amd64": "x86_64", "arm64": "aarch64"}.get(platform.machine().lower())
    if sys.platform != "linux":
        pytest.skip("the interpreter is an ELF file only on Linux")
    assert elf_machine(Path(sys.executable).resolve()) == (expected or platform.machine())


def test_native_libraries_lists_every_elf_file_sorted(tmp_path):
    # GIVEN a site folder with extension modules, a bundled library, an executable and Python
    (tmp_path / "pkg" / ".libs").mkdir(parents=True)
    (tmp_path / "pkg" / "_speedups.cpython-312-aarch64-linux-gnu.so").write_bytes(elf_header(183))
    (tmp_path / "pkg" / ".libs" / "libz-abc.so.1.2").write_bytes(elf_header(183))
    (tmp_path / "pkg" / "helper").write_bytes(elf_header(62))
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "link.so").symlink_to(tmp_path / "pkg" / "helper")

    # THEN each ELF file is listed once with its machine; symlinks and Python files are not
    assert native_libraries(tmp_path) == [
        ("pkg/.libs/libz-abc.so.1.2", "aarch64"),
        ("pkg/_speedups.cpython-312-aarch64-linux-gnu.so", "aarch64"),
        ("pkg/helper", "x86_64"),
    ]


def test_native_libraries_of_a_pure_tree_is_empty(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("x = 1\n")

    assert native_libraries(tmp_path) == []
