"""Measures one function artifact (a zip): sizes, native-library architecture, cold import time.

Stages: `zip_folder` turns a build folder into a zip the way most people would (Python's
zipfile at default settings: ``shutil.make_archive``, deflate level 6, one core) — used for
sam's folders and the naive pip baseline; `inspect_zip` reads sizes and the ELF header of every
``.so`` inside; `import_samples` extracts the zip into a read-only folder (as Lambda's
``/var/task``) and times the import of the handler module in fresh python3.12 processes.
"""

from __future__ import annotations

import calendar
import hashlib
import os
import re
import shutil
import stat
import struct
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from shell import BenchError, run

ELF_MAGIC = b"\x7fELF"
E_MACHINE_OFFSET = 18
MACHINES = {"x86_64": 0x3E, "arm64": 0xB7}
MACHINE_NAMES = {0x3E: "x86_64", 0xB7: "aarch64", 0x03: "i386", 0x28: "arm"}
SHARED_OBJECT = re.compile(r"\.so(\.[0-9A-Za-z_.-]+)?$")
IMPORT_TIMEOUT = 120
MB = 1_000_000

# Lambda's python3.12 sys.path (FIDELITY 2.2.6): the task folder first, then the standard
# library, then the runtime's site-packages (boto3). `-S` keeps the interpreter's own
# site-packages out; `-I` ignores PYTHON* variables; `-B` stops bytecode writes (we run as root,
# for whom chmod a-w alone would not stop them).
_IMPORT_CODE = """\
import sys, time
sys.path.insert(0, {task!r})
sys.path.append({runtime!r})
start = time.perf_counter()
import {module}
print(time.perf_counter() - start)
"""

LAMBDA_ENV = {
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_LAMBDA_FUNCTION_NAME": "bench",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
    "LAMBDA_TASK_ROOT": "/var/task",
    "POWERTOOLS_SERVICE_NAME": "bench",
    "LANG": "en_US.UTF-8",
    "TZ": ":UTC",
}


@dataclass(frozen=True)
class ZipFacts:
    """What is inside one artifact zip."""

    unzipped_bytes: int
    zipped_bytes: int
    files: int
    pyc_files: int
    shared_objects: int
    native_for_arch: int
    foreign: tuple[str, ...]
    sha256: str


def zip_folder(folder: Path, target: Path) -> Path:
    """`folder` zipped with zipfile at default settings (make_archive: deflate, level 6)."""
    target.unlink(missing_ok=True)
    base = target.with_suffix("")
    return Path(shutil.make_archive(str(base), "zip", root_dir=folder))


def folder_bytes(folder: Path) -> int:
    """Total size of the regular files under `folder`."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def _machine(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> int | None:
    """ELF e_machine of a zip entry, or None when it is no ELF file."""
    with archive.open(info) as handle:
        head = handle.read(E_MACHINE_OFFSET + 2)
    if len(head) < E_MACHINE_OFFSET + 2 or not head.startswith(ELF_MAGIC):
        return None
    little = head[5] == 1
    (machine,) = struct.unpack_from("<H" if little else ">H", head, E_MACHINE_OFFSET)
    return int(machine)


def sha256(path: Path) -> str:
    """Hex sha256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def inspect_zip(path: Path, architecture: str) -> ZipFacts:
    """Sizes, file counts and how many ``.so`` files are ELF for `architecture`."""
    wanted = MACHINES[architecture]
    shared = matching = pyc = 0
    foreign: list[str] = []
    with zipfile.ZipFile(path) as archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        for info in infos:
            pyc += info.filename.endswith(".pyc")
            if not SHARED_OBJECT.search(info.filename):
                continue
            machine = _machine(archive, info)
            if machine is None:
                continue
            shared += 1
            if machine == wanted:
                matching += 1
            else:
                foreign.append(f"{info.filename} ({MACHINE_NAMES.get(machine, hex(machine))})")
    return ZipFacts(
        unzipped_bytes=sum(i.file_size for i in infos),
        zipped_bytes=path.stat().st_size,
        files=len(infos),
        pyc_files=pyc,
        shared_objects=shared,
        native_for_arch=matching,
        foreign=tuple(foreign[:5]),
        sha256=sha256(path),
    )


def _extract(path: Path, target: Path) -> None:
    """Unzip keeping each entry's mode and its mtime (read as UTC, Lambda's time zone)."""
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            written = Path(archive.extract(info, target))
            mode = (info.external_attr >> 16) & 0o777
            if mode and not info.is_dir():
                written.chmod(mode)
            stamp = calendar.timegm((*info.date_time, 0, 0, -1))
            os.utime(written, (stamp, stamp))


def _set_writable(root: Path, writable: bool) -> None:
    """chmod -R u+w (writable) or a-w (not) over `root`."""
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            entry = Path(folder, name)
            if entry.is_symlink():
                continue
            mode = entry.stat().st_mode
            entry.chmod(mode | stat.S_IWUSR if writable else mode & ~0o222)
    mode = root.stat().st_mode
    root.chmod(mode | stat.S_IWUSR if writable else mode & ~0o222)


@contextmanager
def read_only_copy(path: Path, scratch: Path) -> Iterator[Path]:
    """The zip extracted into a read-only folder under `scratch`, removed afterwards."""
    scratch.mkdir(parents=True, exist_ok=True)
    task = Path(tempfile.mkdtemp(prefix="task-", dir=scratch))
    try:
        _extract(path, task)
        _set_writable(task, writable=False)
        yield task
    finally:
        _set_writable(task, writable=True)
        shutil.rmtree(task, ignore_errors=True)


def import_samples(
    path: Path, module: str, *, python312: Path, runtime_site: Path, scratch: Path, runs: int
) -> list[float]:
    """Seconds to import `module` from a read-only copy of the zip, in `runs` fresh processes."""
    with read_only_copy(path, scratch) as task:
        code = _IMPORT_CODE.format(task=str(task), runtime=str(runtime_site), module=module)
        env = {"PATH": os.environ.get("PATH", ""), **LAMBDA_ENV}
        samples = []
        for _ in range(runs):
            done = run(
                [python312, "-I", "-S", "-B", "-c", code],
                cwd=task,
                env=env,
                timeout=IMPORT_TIMEOUT,
            )
            try:
                samples.append(float(done.stdout.strip().splitlines()[-1]))
            except (ValueError, IndexError) as error:
                raise BenchError(f"import printed no time: {done.stdout!r}") from error
    return samples
