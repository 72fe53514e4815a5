"""Times `write_zip` against Python's zipfile at its defaults on one big dependency tree.

Stages: gather a tree (by default the biggest packages of this interpreter's site-packages, such
as aws_cdk and botocore; or ``--tree DIR`` folders; or ``--wheel FILE`` wheels unpacked into a
temporary folder, e.g. numpy, pandas and pyarrow) -> read it once so every run starts from the
page cache -> zip it with ``zipfile.ZipFile(..., ZIP_DEFLATED)`` (zlib level 6, one core: the
baseline) and with `write_zip` at 1 and at all workers, best of ``--repeat`` runs each ->
print the times, the speed ratio and both sizes. Also times a copy of every entry through
`ZipEntryRef` (the code-only rebuild). Run: ``python bench/packaging/bench_archive.py``.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import sysconfig
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from lambdakit.packaging.archive import (
    DEFAULT_LEVEL,
    DEFLATE_ID,
    FileEntry,
    ZipEntryRef,
    write_zip,
    zip_listing,
)

MIN_DEFAULT_TREE = 150 * 1024 * 1024


def gather(roots: list[Path]) -> list[FileEntry]:
    """Every regular file under `roots`, named relative to its root's parent."""
    entries: list[FileEntry] = []
    for root in roots:
        for folder, _dirs, files in os.walk(root):
            for file in files:
                path = Path(folder, file)
                if path.is_file() and not path.is_symlink():
                    name = path.relative_to(root.parent).as_posix()
                    entries.append(FileEntry(name, path, os.access(path, os.X_OK)))
    return entries


def default_roots() -> list[Path]:
    """The biggest packages of this interpreter's site-packages, until the tree is big enough."""
    site = Path(sysconfig.get_paths()["purelib"])
    sizes = []
    for child in site.iterdir():
        if child.is_dir() and not child.name.endswith((".dist-info", "__pycache__")):
            sizes.append((sum(f.stat().st_size for f in child.rglob("*") if f.is_file()), child))
    roots: list[Path] = []
    total = 0
    for size, child in sorted(sizes, reverse=True):
        roots.append(child)
        total += size
        if total >= MIN_DEFAULT_TREE and len(roots) >= 3:
            break
    return roots


def unpack_wheels(wheels: list[Path], into: Path) -> list[Path]:
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(into)
    return [into]


def baseline(entries: list[FileEntry], dest: Path) -> None:
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in sorted(entries, key=lambda e: e.name):
            archive.write(entry.path, entry.name)


def say(line: str) -> None:
    sys.stdout.write(line + "\n")


def best_of(repeat: int, run: Callable[[], object]) -> tuple[float, float]:
    """Best wall time of `repeat` runs, and the CPU time (all threads) of that run."""
    best = (float("inf"), 0.0)
    for _ in range(repeat):
        cpu = resource.getrusage(resource.RUSAGE_SELF)
        start = time.perf_counter()
        run()
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_SELF)
        used = after.ru_utime - cpu.ru_utime + after.ru_stime - cpu.ru_stime
        best = min(best, (wall, used))
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, action="append", default=[], help="a folder to zip")
    parser.add_argument("--wheel", type=Path, action="append", default=[], help="a wheel to zip")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-archive-") as scratch:
        work = Path(scratch)
        if args.wheel:
            roots = unpack_wheels(args.wheel, work / "tree")
        else:
            roots = args.tree or default_roots()
        entries = gather(roots)
        total = sum(entry.path.stat().st_size for entry in entries)
        for entry in entries:
            entry.path.read_bytes()
        say(f"tree: {', '.join(r.name for r in roots)}")
        say(f"      {len(entries)} files, {total / 1e6:.1f} MB; {os.cpu_count()} CPUs")
        say(f"ours: {DEFLATE_ID}, level {DEFAULT_LEVEL}")

        base_zip, ours_zip = work / "baseline.zip", work / "ours.zip"
        base_wall, base_cpu = best_of(args.repeat, lambda: baseline(entries, base_zip))
        base_size = base_zip.stat().st_size
        say(
            f"zipfile (zlib 6, 1 core)  {base_wall:6.2f} s  cpu {base_cpu:6.2f} s  "
            f"{base_size / 1e6:7.1f} MB"
        )
        for workers in sorted({1, args.workers}):
            wall, cpu = best_of(
                args.repeat, lambda w=workers: write_zip(entries, ours_zip, workers=w)
            )
            size = ours_zip.stat().st_size
            say(
                f"write_zip, {workers} worker(s)     {wall:6.2f} s  cpu {cpu:6.2f} s  "
                f"{size / 1e6:7.1f} MB   {base_wall / wall:4.1f}x faster, "
                f"{100 * (size / base_size - 1):+.1f}% size"
            )
        refs = [ZipEntryRef(name, ours_zip, name) for name, *_ in zip_listing(ours_zip)]
        wall, cpu = best_of(args.repeat, lambda: write_zip(refs, work / "copy.zip"))
        same = (work / "copy.zip").read_bytes() == ours_zip.read_bytes()
        say(
            f"write_zip of ZipEntryRefs   {wall:6.2f} s  cpu {cpu:6.2f} s  "
            f"(identical bytes: {same})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
