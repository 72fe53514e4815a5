"""Archiving speed on one artifact: lambdakit's `write_zip` vs zipfile at its defaults, as JSON.

Run by `part_lambdakit` with lambdakit's own interpreter (it imports lambdakit):
``python archive_speed.py ZIP SCRATCH [--repeat N]``. Stages: extract the artifact zip into
SCRATCH -> read every file once (both contenders start from the page cache) -> best of N runs
of ``shutil.make_archive`` (zipfile, ZIP_DEFLATED at zlib level 6, one core: the same baseline
as sam's and pip's zips) and of `write_zip` at its default level and worker count -> print
``{"zipfile_s", "lambdakit_s", "zipfile_bytes", "lambdakit_bytes", "files", "bytes"}``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from lambdakit.packaging.archive import DEFLATE_ID, FileEntry, write_zip


def _entries(tree: Path) -> list[FileEntry]:
    found = []
    for folder, _dirs, files in os.walk(tree):
        for name in files:
            path = Path(folder, name)
            arcname = path.relative_to(tree).as_posix()
            found.append(FileEntry(arcname, path, os.access(path, os.X_OK)))
    return found


def _best(repeat: int, action: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str]) -> int:
    """Measure and print the JSON answer."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("zip", type=Path)
    parser.add_argument("scratch", type=Path)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    tree, out = args.scratch / "tree", args.scratch / "out"
    shutil.rmtree(args.scratch, ignore_errors=True)
    out.mkdir(parents=True)
    with zipfile.ZipFile(args.zip) as archive:
        archive.extractall(tree)
    entries = _entries(tree)
    total = sum(len(e.path.read_bytes()) for e in entries)
    base, ours = out / "zipfile", out / "lambdakit.zip"
    zipfile_s = _best(args.repeat, lambda: shutil.make_archive(str(base), "zip", root_dir=tree))
    lambdakit_s = _best(args.repeat, lambda: write_zip(entries, ours))
    answer = {
        "zipfile_s": zipfile_s,
        "lambdakit_s": lambdakit_s,
        "zipfile_bytes": base.with_suffix(".zip").stat().st_size,
        "lambdakit_bytes": ours.stat().st_size,
        "files": len(entries),
        "bytes": total,
        "cpus": os.cpu_count(),
        "deflate": DEFLATE_ID,
    }
    shutil.rmtree(args.scratch, ignore_errors=True)
    sys.stdout.write(json.dumps(answer) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
