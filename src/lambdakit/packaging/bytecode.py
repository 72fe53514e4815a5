"""Precompile a build folder for the target Python, so cold starts do not compile every import.

Lambda's code folder (``/var/task``, ``/opt``) is read-only: without ``.pyc`` files in the
artifact, every cold start compiles every imported module again and cannot cache the result.

Stages: check the interpreter (it must be the target's CPython ``major.minor``; else nothing is
compiled and `CompileResult.warning` says why) -> list the ``.py`` files -> compile them *into a
scratch folder next to the tree*, with the target's own interpreter, one process per core ->
measure the bytes each top-level package would add -> choose packages under the budget ->
move the chosen ``.pyc`` files into the tree (and, ``sourceless``, delete their sources).
The tree is not touched before the last stage, so a budget cut needs no rollback.

The ``.pyc`` files are reproducible: ``UNCHECKED_HASH`` invalidation (valid whatever mtimes the
archive carries, never re-validated against the source: the code folder cannot change under the
runtime anyway), a fixed hash seed, and ``co_filename`` under `prefix` (``/var/task/pkg/mod.py``)
so tracebacks name the paths the function really runs from.

``sourceless=True`` writes legacy ``mod.pyc`` next to each source and deletes the ``.py``: a
smaller artifact, at a price — tracebacks show no source lines, and code that reads its own
source (``inspect.getsource``: ``torch.jit.script``, numba, some ORMs) fails. It is opt-in.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from lambdakit.errors import BuildError
from lambdakit.packaging.archive import BytesEntry, Entry, FileEntry
from lambdakit.packaging.cache import cache_root
from lambdakit.packaging.inventory import read_inventory, walk_files

# Every script run in the target starts by dropping sys.path[0] (the current folder, for `-c`),
# so a user's `types.py` or `json.py` where the build runs cannot shadow the standard library.
_VERSION_PROBE = "import sys; print(sys.implementation.cache_tag, *sys.version_info[:2])"

_FLAGS = ("-S", "-s")
"""No site-packages, no user site: the standard library alone compiles; no `.pth` runs.
(Not ``-I``: it would also ignore ``PYTHONHASHSEED``, which keeps frozensets' order stable.)"""

# Runs inside the target interpreter (any CPython 3.8+): reads [[source, pyc, display], ...] as
# JSON on stdin, compiles each, prints the sources it compiled as JSON.
_COMPILER = """
import sys
del sys.path[0]
import json, py_compile
done = []
for source, cfile, dfile in json.load(sys.stdin):
    try:
        py_compile.compile(source, cfile=cfile, dfile=dfile, doraise=True,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    except (py_compile.PyCompileError, OSError, ValueError, SyntaxError):
        continue
    done.append(source)
json.dump(done, sys.stdout)
"""


@dataclass(frozen=True)
class CompileResult:
    """What `compile_tree` did."""

    compiled_files: int
    bytes_added: int
    """Net growth of the tree (negative when ``sourceless`` dropped more source than it added)."""
    packages_compiled: tuple[str, ...]
    """Top-level names compiled, sorted."""
    skipped: tuple[str, ...]
    """Top-level names left uncompiled because of the budget, sorted."""
    warning: str | None


@dataclass(frozen=True)
class _Unit:
    """The compiled files of one top-level package or module."""

    name: str
    pycs: tuple[tuple[str, str], ...]
    """(relative source path, relative pyc path)."""
    cost: int
    """Bytes the tree grows by when this unit's pycs are moved in."""


def compile_tree(
    root: Path,
    *,
    interpreter: Path | None,
    python: tuple[int, int],
    budget_bytes: int | None = None,
    priority: Sequence[str] = (),
    prefix: str = "/var/task",
    sourceless: bool = False,
) -> CompileResult:
    """Compile every ``.py`` under `root` for `python`, adding at most `budget_bytes` to it.

    `budget_bytes` bounds the bytes compiling may add to the tree (the room left under Lambda's
    unzipped limit); None means no bound. When everything does not fit, top-level packages are
    taken in `priority` order, then the rest most-required first (by how many installed
    distributions require them), then biggest first; a package that does not fit is skipped and
    the next ones are still tried. The cost of a package is measured, not estimated: everything
    is compiled into a scratch folder first.
    """
    tag, problem = _check_interpreter(interpreter, python)
    if interpreter is None or tag is None:
        return CompileResult(0, 0, (), (), problem)
    files = walk_files(root)
    sources = [file.path for file in files if _is_compilable(file.path)]
    with tempfile.TemporaryDirectory(prefix=".lambdakit-pyc-", dir=root.parent) as scratch:
        scratch_root = Path(scratch)
        pycs = {source: pyc_path(source, tag, sourceless=sourceless) for source in sources}
        display = prefix.rstrip("/")
        jobs = [
            (str(root / source), str(scratch_root / pyc), f"{display}/{source}")
            for source, pyc in pycs.items()
        ]
        compiled = _compile_with_cache(interpreter, jobs, tag)
        pycs = {source: pyc for source, pyc in pycs.items() if str(root / source) in compiled}
        sizes = {file.path: file.size for file in files}
        units = _units(pycs, scratch_root, sizes, sourceless)
        order = _order(root, units, priority)
        chosen, skipped = _choose(units, order, budget_bytes)
        for unit in chosen:
            _install(unit, root, scratch_root, sourceless)
    return CompileResult(
        compiled_files=sum(len(unit.pycs) for unit in chosen),
        bytes_added=sum(unit.cost for unit in chosen),
        packages_compiled=tuple(sorted(unit.name for unit in chosen)),
        skipped=tuple(sorted(unit.name for unit in skipped)),
        warning=None,
    )


def pyc_path(source: str, tag: str, *, sourceless: bool) -> str:
    """Where the import system looks for the bytecode of `source` (relative posix paths)."""
    if sourceless:
        return source + "c"
    folder, _, filename = source.rpartition("/")
    cached = f"__pycache__/{filename.removesuffix('.py')}.{tag}.pyc"
    return f"{folder}/{cached}" if folder else cached


def _check_interpreter(
    interpreter: Path | None, python: tuple[int, int]
) -> tuple[str | None, str | None]:
    """The interpreter's cache tag when it is the target CPython, else None and a warning."""
    wanted = f"python{python[0]}.{python[1]}"
    consequence = "bytecode not precompiled (cold starts will compile)"
    if interpreter is None:
        return None, f"no {wanted} on this machine: {consequence}"
    try:
        probe = subprocess.run(
            [str(interpreter), *_FLAGS, "-c", _VERSION_PROBE],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
            env=_child_environment(),
        )
    except (OSError, subprocess.SubprocessError) as error:
        return None, f"{interpreter} does not run ({error}): {consequence}"
    answer = probe.stdout.split()
    if len(answer) != 3:
        return None, f"{interpreter} did not report its version: {consequence}"
    tag, major, minor = answer
    expected_tag = f"cpython-{python[0]}{python[1]}"
    if (int(major), int(minor)) != python or tag != expected_tag:
        found = f"{tag} ({major}.{minor})"
        return None, f"{interpreter} is {found}, not {wanted}: {consequence}"
    return tag, None


def _child_environment() -> dict[str, str]:
    """This process's environment without PYTHON* settings, with a fixed hash seed."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    environment["PYTHONHASHSEED"] = "0"
    return environment


def _is_compilable(path: str) -> bool:
    first = path.split("/", 1)[0]
    return (
        path.endswith(".py")
        and "__pycache__" not in path.split("/")
        and not first.endswith((".dist-info", ".data"))
    )


def _compile_with_cache(
    interpreter: Path, jobs: Sequence[tuple[str, str, str]], tag: str
) -> set[str]:
    """`_compile_all`, reusing bytecode compiled before for the same source bytes and path.

    A ``.pyc`` is a function of the source's bytes, the name it is compiled under, the
    interpreter's cache tag and the compiler settings, so one compiled for a package version in
    any project or function is reused: adding one requirement compiles only the new package.
    """
    store = cache_root() / "pyc" / tag
    salt = hashlib.sha256(_COMPILER.encode() + " ".join(_FLAGS).encode()).hexdigest()
    compiled: set[str] = set()
    pending: list[tuple[str, str, str]] = []
    cached_at: dict[str, Path] = {}
    for source, pyc, display in jobs:
        digest = hashlib.sha256(f"{salt}\0{tag}\0{display}\0".encode())
        digest.update(Path(source).read_bytes())
        key = digest.hexdigest()
        cached = store / key[:2] / f"{key}.pyc"
        cached_at[source] = cached
        if cached.is_file():
            Path(pyc).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(cached, pyc)
            compiled.add(source)
        else:
            pending.append((source, pyc, display))
    fresh = _compile_all(interpreter, pending)
    outputs = {source: pyc for source, pyc, _ in pending}
    for source in fresh:
        cached = cached_at[source]
        with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
            cached.parent.mkdir(parents=True, exist_ok=True)
            temp = cached.with_name(f".{cached.name}.{os.getpid()}.tmp")
            shutil.copyfile(outputs[source], temp)
            temp.replace(cached)
    return compiled | fresh


def _compile_all(interpreter: Path, jobs: Sequence[tuple[str, str, str]]) -> set[str]:
    """Run (source, pyc, display name) jobs, one process per core; the sources compiled."""
    if not jobs:
        return set()
    workers = max(1, min(os.cpu_count() or 1, len(jobs)))
    processes: list[tuple[subprocess.Popen[str], str]] = []
    for index in range(workers):
        process = subprocess.Popen(
            [str(interpreter), *_FLAGS, "-c", _COMPILER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_child_environment(),
        )
        processes.append((process, json.dumps(jobs[index::workers])))
    compiled: set[str] = set()
    failures: list[str] = []
    for process, payload in processes:
        output, errors = process.communicate(payload)
        if process.returncode == 0:
            compiled.update(json.loads(output))
        else:
            failures.append(errors.strip().splitlines()[-1] if errors.strip() else "no output")
    if failures:
        raise BuildError(
            f"compiling bytecode with {interpreter} failed: {failures[0]}",
            hint="check that the interpreter runs; precompiling can be turned off",
        )
    return compiled


def _units(
    pycs: Mapping[str, str], scratch: Path, sizes: Mapping[str, int], sourceless: bool
) -> list[_Unit]:
    grouped: dict[str, list[tuple[str, str]]] = {}
    for source, pyc in sorted(pycs.items()):
        first, _, rest = source.partition("/")
        name = first if rest else first.removesuffix(".py")
        grouped.setdefault(name, []).append((source, pyc))
    units = []
    for name, members in sorted(grouped.items()):
        cost = 0
        for source, pyc in members:
            cost += (scratch / pyc).stat().st_size - sizes.get(pyc, 0)
            if sourceless:
                cost -= sizes[source]
        units.append(_Unit(name, tuple(members), cost))
    return units


def _order(root: Path, units: Sequence[_Unit], priority: Sequence[str]) -> list[_Unit]:
    """`priority` first, then the most-required packages, then the biggest, then by name."""
    dependents: dict[str, int] = {}
    inventory = read_inventory(root)
    for distribution in inventory:
        count = sum(distribution.name in other.requires for other in inventory)
        for top in distribution.top_level:
            dependents[top] = max(dependents.get(top, 0), count)
    ranks = {name: index for index, name in enumerate(dict.fromkeys(priority))}
    return sorted(
        units,
        key=lambda unit: (
            ranks.get(unit.name, len(ranks)),
            -dependents.get(unit.name, 0),
            -unit.cost,
            unit.name,
        ),
    )


def _choose(
    units: Sequence[_Unit], order: Sequence[_Unit], budget: int | None
) -> tuple[list[_Unit], list[_Unit]]:
    """Everything when it fits the budget, else first-fit in `order`."""
    if budget is None or sum(unit.cost for unit in units) <= budget:
        return list(units), []
    chosen: list[_Unit] = []
    skipped: list[_Unit] = []
    added = 0
    for unit in order:
        if added + unit.cost <= budget:
            chosen.append(unit)
            added += unit.cost
        else:
            skipped.append(unit)
    return chosen, skipped


def _install(unit: _Unit, root: Path, scratch: Path, sourceless: bool) -> None:
    for source, pyc in unit.pycs:
        target = root / pyc
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(scratch / pyc, target)
        if sourceless:
            (root / source).unlink()


def compile_sources(
    files: Sequence[Entry],
    *,
    interpreter: Path,
    python: tuple[int, int],
    prefix: str,
    scratch: Path,
) -> list[FileEntry]:
    """Bytecode of the ``.py`` entries among `files` (a function's own code), as archive entries.

    The sources are copied into `scratch` and compiled there; the returned entries point into it.
    """
    sources = [e for e in files if e.name.endswith(".py")]
    for entry in sources:
        dest = scratch / entry.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(entry, FileEntry):
            shutil.copyfile(entry.path, dest)
        elif isinstance(entry, BytesEntry):
            dest.write_bytes(entry.data)
    if not sources:
        return []
    compile_tree(scratch, interpreter=interpreter, python=python, prefix=prefix)
    return [
        FileEntry(path.relative_to(scratch).as_posix(), path)
        for path in sorted(scratch.rglob("*.pyc"))
    ]
