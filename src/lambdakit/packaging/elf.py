"""Tell which machine an ELF binary was built for, reading only its first 20 bytes.

A Lambda zip must carry native libraries for the function's architecture. The ELF header
answers that without loading anything: the identification bytes (magic, class, byte order)
and ``e_machine``, the 16-bit field right after ``e_type``.
"""

from __future__ import annotations

import os
from pathlib import Path

_MAGIC = b"\x7fELF"
_HEADER_SIZE = 20  # e_ident (16) + e_type (2) + e_machine (2)
_DATA_LITTLE, _DATA_BIG = 1, 2

MACHINES: dict[int, str] = {
    2: "sparc",
    3: "i386",
    8: "mips",
    20: "ppc",
    21: "ppc64",
    22: "s390",
    40: "arm",
    43: "sparcv9",
    50: "ia64",
    62: "x86_64",
    183: "aarch64",
    243: "riscv",
    258: "loongarch",
}
"""``e_machine`` values (from the System V ABI registry) named as ``uname -m`` names them."""


def elf_machine(path: Path) -> str | None:
    """The machine `path` is built for ("x86_64", "aarch64", …), or None if it is not ELF."""
    try:
        with path.open("rb") as fh:
            header = fh.read(_HEADER_SIZE)
    except OSError:
        return None
    if len(header) < _HEADER_SIZE or not header.startswith(_MAGIC):
        return None
    if header[5] == _DATA_LITTLE:
        machine = int.from_bytes(header[18:20], "little")
    elif header[5] == _DATA_BIG:
        machine = int.from_bytes(header[18:20], "big")
    else:
        return None
    return MACHINES.get(machine, f"EM_{machine}")


def native_libraries(root: Path) -> list[tuple[str, str]]:
    """(path relative to `root`, machine) of every ELF file under `root`, sorted by path."""
    found: list[tuple[str, str]] = []
    for current, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = Path(current) / name
            if path.is_symlink() or not path.is_file():
                continue
            machine = elf_machine(path)
            if machine is not None:
                found.append((path.relative_to(root).as_posix(), machine))
    return sorted(found)
