"""What to delete from a staging folder before zipping: a pure plan, then one function applying it.

Stages: inventory (`inventory.read_inventory`) -> `plan_prune` (pure: decides per file, with a
reason and the bytes it saves) -> `apply_prune` (the only I/O: deletes files, then empty folders).

The rules, in the order they claim a file (a file is counted under the first that matches):

1. ``runtime-provided`` — the Lambda Python runtime ships boto3, botocore, s3transfer, jmespath,
   python-dateutil, six and urllib3 (FIDELITY 6.8), so their distributions are removed whole
   (dist-info included) **unless something that stays requires them**. Removal happens only when
   every installed dependent is itself removed: ``requests`` keeps ``urllib3``, ``aiobotocore``
   (which pins an exact botocore) keeps ``botocore`` and, through it, botocore's own dependencies.
   We cannot know offline which version the runtime carries (it "varies by runtime version and
   Region"), so the only safe removal is of packages nothing else constrains. ``keep`` is the
   escape hatch for teams that pin their SDK: ``keep=("boto3",)`` keeps boto3 and, because kept
   packages' requirements count as needed, everything boto3 requires. The risk that remains: code
   that imports boto3 directly gets the runtime's version, whatever the lock file said.
2. ``stubs`` — distributions made only of ``<name>-stubs/`` folders (``types-*``, ``boto3-stubs``;
   such folders cannot be imported at all) and ``*.pyi`` files anywhere. ``py.typed`` stays (tiny).
   Packages that read ``.pyi`` files as data (`STUBS_READ_AT_RUNTIME`) keep theirs.
3. ``tests`` — folders named ``tests`` or ``test`` *inside* a package (``numpy/_core/tests``,
   never a top-level ``tests/`` that a distribution installs as its own top-level), and only when
   they hold test evidence (``test_*.py``, ``*_test.py``, ``conftest.py``): a ``test`` folder that
   is a real API, like ``django/test``, has none and stays. ``testing`` folders are never touched
   (``numpy.testing`` is imported by scipy and others). Folders imported at import time by their
   package are listed in `TESTS_IMPORTED_AT_RUNTIME` and stay.
4. ``build-files`` — files only a compiler reads: C/C++ headers and sources (``.h``, ``.hpp``,
   ``.c``, ``.cc``, ``.cpp``...), Cython sources and declarations (``.pyx``, ``.pxd``, ``.pxi``)
   and static libraries (``.a``). Lambda compiles nothing, so ``numpy/_core/include`` and
   ``pyarrow/include`` are dead weight there (several MB). ``prune-build-files = false`` keeps them
   for the rare package that reads such a file at run time.
5. ``bytecode`` — everything in ``__pycache__`` folders and legacy ``x.pyc`` next to an ``x.py``
   (a ``.pyc`` without its source is a sourceless module and stays): the pipeline compiles for the
   target Python afterwards (`bytecode.compile_tree`).
6. ``patterns`` — extra globs from the configuration, matched against the whole relative path
   (``*`` stays within one folder, ``**/`` spans folders); a pattern that names a folder removes
   everything under it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from lambdakit.packaging.inventory import Distribution, InstalledFile, normalize_record_path

RUNTIME_PROVIDED: tuple[str, ...] = (
    "boto3",
    "botocore",
    "s3transfer",
    "jmespath",
    "python-dateutil",
    "six",
    "urllib3",
)
"""Distributions every Lambda Python runtime ships (FIDELITY 6.8)."""

REASONS: tuple[str, ...] = (
    "runtime-provided",
    "stubs",
    "tests",
    "build-files",
    "symbols",
    "bytecode",
    "patterns",
)
"""Every reason bytes may be removed for, in the order the rules claim files.

``symbols`` claims no file: it counts the ELF symbol and debug sections that the pipeline strips
from shared objects after pruning (`elf_strip.strip_tree`); `plan_prune` always reports 0 for it.
"""

TESTS_IMPORTED_AT_RUNTIME: tuple[str, ...] = (
    "astropy/tests",  # astropy/__init__.py: `from .tests.runner import TestRunner`
    "future/backports/test",  # the backport of the stdlib's `test.support`, a public API
)
"""Test folders that their package imports when it is imported, or that are public APIs."""

STUBS_READ_AT_RUNTIME: tuple[str, ...] = ("jedi", "mypy", "pytype", "typeshed-client")
"""Distributions whose ``.pyi`` files are data they read (bundled typeshed copies)."""

TEST_FOLDER_NAMES = frozenset({"tests", "test"})
BUILD_FILE_SUFFIXES = (
    ".h",
    ".hh",
    ".hpp",
    ".hxx",
    ".c",
    ".cc",
    ".cpp",
    ".cxx",
    ".pyx",
    ".pxd",
    ".pxi",
    ".a",
)
"""Files only a compiler reads (`build-files`)."""
_TEST_FILE = re.compile(r"(?:test_.*|.*_test|conftest)\.py\Z")
_STUBS_SUFFIX = "-stubs"


@dataclass(frozen=True)
class PruneConfig:
    """What to prune; the defaults are the safe ones (see the module docstring)."""

    runtime_provided: tuple[str, ...] = RUNTIME_PROVIDED
    keep: tuple[str, ...] = ()
    """Distributions to keep even if runtime-provided, with everything they require."""
    tests: bool = True
    stubs: bool = True
    build_files: bool = True
    """Remove C/C++ headers and sources, Cython files and static libraries."""
    patterns: tuple[str, ...] = ()
    """Extra globs of relative paths to remove."""


@dataclass(frozen=True)
class PrunePlan:
    """Files to delete, sorted, and what that saves."""

    remove: tuple[str, ...]
    """Relative posix paths of the files to delete."""
    removed_distributions: tuple[str, ...]
    """Distributions removed whole (runtime-provided ones, stub-only ones), by canonical name."""
    saved: Mapping[str, int]
    """Bytes saved per reason, with every key of `REASONS` present."""

    @property
    def saved_bytes(self) -> int:
        """Bytes saved in all."""
        return sum(self.saved.values())


@dataclass(frozen=True)
class _Context:
    """What the per-file rules need to know about the whole tree."""

    config: PruneConfig
    test_folders: frozenset[str]
    all_paths: frozenset[str]
    stub_data_tops: frozenset[str]
    patterns: tuple[re.Pattern[str], ...]


def plan_prune(
    inventory: Sequence[Distribution],
    config: PruneConfig,
    *,
    unowned: Sequence[InstalledFile] = (),
) -> PrunePlan:
    """Decide which files to delete from a staging folder described by `inventory`."""
    removed = _removed_distributions(inventory, config)
    claimed: dict[str, tuple[str, int]] = {}
    for distribution in inventory:
        reason = removed.get(distribution.name)
        if reason is not None:
            claimed.update({file.path: (reason, file.size) for file in distribution.files})
    kept_files = [
        file
        for distribution in inventory
        if distribution.name not in removed
        for file in distribution.files
    ]
    kept_files.extend(unowned)
    orphans = _orphaned_tops(inventory, removed)
    context = _context(inventory, config, kept_files)
    for file in kept_files:
        if file.path in claimed:
            continue
        first = file.path.split("/", 1)[0]
        reason = orphans.get(first) or _file_reason(file.path, context)
        if reason is not None:
            claimed[file.path] = (reason, file.size)
    saved = dict.fromkeys(REASONS, 0)
    for reason, size in claimed.values():
        saved[reason] += size
    return PrunePlan(
        remove=tuple(sorted(claimed)),
        removed_distributions=tuple(sorted(removed)),
        saved=saved,
    )


def provided_before_install(
    pins: Sequence[tuple[str, Sequence[str]]], config: PruneConfig
) -> frozenset[str]:
    """Pinned packages the runtime provides that need not even be installed (rule 1, on a lock).

    `pins` are (canonical name, names of the pins that require it; ``""`` for a requirement of
    the function itself). A runtime-provided package is left out when it is not kept and every
    pin that requires it is left out too — the same rule `plan_prune` applies after installing,
    decided from the lock so that boto3 & co. are never downloaded only to be deleted.
    """
    kept = {canonicalize_name(name) for name in config.keep}
    provided = {canonicalize_name(name) for name in config.runtime_provided} - kept
    parents = {
        canonicalize_name(name): {canonicalize_name(p) for p in via if p} for name, via in pins
    }
    removable = {name for name in parents if name in provided}
    while True:
        still = {name for name in removable if parents[name] <= removable}
        if still == removable:
            return frozenset(removable)
        removable = still


def apply_prune(root: Path, plan: PrunePlan) -> None:
    """Delete the planned files under `root`, then the folders that became empty."""
    folders: set[Path] = set()
    for raw in plan.remove:
        relative = normalize_record_path(raw)
        if relative is None:
            raise ValueError(f"refusing to delete {raw!r}: it is outside the staging folder")
        target = root / relative
        target.unlink(missing_ok=True)
        folders.update(parent for parent in target.parents if root in parent.parents)
    for folder in sorted(folders, key=lambda path: len(path.parts), reverse=True):
        try:
            folder.rmdir()
        except OSError:  # not empty (or already gone): keep it
            continue


def _removed_distributions(
    inventory: Sequence[Distribution], config: PruneConfig
) -> dict[str, str]:
    """Distributions removed whole, each with its reason."""
    removed: dict[str, str] = {}
    if config.stubs:
        removed.update(
            (distribution.name, "stubs")
            for distribution in inventory
            if _is_stub_only(distribution)
        )
    provided = {canonicalize_name(name) for name in config.runtime_provided}
    provided -= {canonicalize_name(name) for name in config.keep}
    removable = {distribution.name for distribution in inventory if distribution.name in provided}
    while True:  # what stays may need what is provided: keep it, and what it needs in turn
        needed = {
            requirement
            for distribution in inventory
            if distribution.name not in removable and distribution.name not in removed
            for requirement in distribution.requires
        }
        if not removable & needed:
            break
        removable -= needed
    removed.update(dict.fromkeys(removable, "runtime-provided"))
    return removed


def _is_stub_only(distribution: Distribution) -> bool:
    payload = [
        file.path for file in distribution.files if not _is_metadata(file.path.split("/", 1)[0])
    ]
    return bool(payload) and all(
        path.split("/", 1)[0].endswith(_STUBS_SUFFIX) and "/" in path for path in payload
    )


def _orphaned_tops(inventory: Sequence[Distribution], removed: Mapping[str, str]) -> dict[str, str]:
    """Top-level folders only removed distributions had files in (their stray files go too)."""
    tops: dict[str, str] = {}
    kept_tops: set[str] = set()
    for distribution in inventory:
        firsts = {file.path.split("/", 1)[0] for file in distribution.files if "/" in file.path}
        reason = removed.get(distribution.name)
        if reason is None:
            kept_tops |= firsts
        else:
            tops.update(dict.fromkeys(firsts, reason))
    return {top: reason for top, reason in tops.items() if top not in kept_tops}


def _context(
    inventory: Sequence[Distribution], config: PruneConfig, kept_files: Iterable[InstalledFile]
) -> _Context:
    paths = frozenset(file.path for file in kept_files)
    readers = {canonicalize_name(name) for name in STUBS_READ_AT_RUNTIME}
    stub_data_tops = frozenset(
        file.path.split("/", 1)[0]
        for distribution in inventory
        if distribution.name in readers
        for file in distribution.files
    )
    return _Context(
        config=config,
        test_folders=_test_folders(paths) if config.tests else frozenset(),
        all_paths=paths,
        stub_data_tops=stub_data_tops,
        patterns=tuple(_glob_regex(pattern) for pattern in config.patterns),
    )


def _file_reason(path: str, context: _Context) -> str | None:
    parts = path.split("/")
    if not _is_metadata(parts[0]):
        if any("/".join(parts[:depth]) in context.test_folders for depth in range(2, len(parts))):
            return "tests"
        if (
            context.config.stubs
            and path.endswith(".pyi")
            and parts[0] not in context.stub_data_tops
        ):
            return "stubs"
        if context.config.build_files and path.endswith(BUILD_FILE_SUFFIXES):
            return "build-files"
        if _is_stale_bytecode(path, parts, context.all_paths):
            return "bytecode"
    if any(pattern.fullmatch(path) for pattern in context.patterns):
        return "patterns"
    return None


def _is_stale_bytecode(path: str, parts: Sequence[str], all_paths: frozenset[str]) -> bool:
    if "__pycache__" in parts[:-1]:
        return True
    return path.endswith((".pyc", ".pyo")) and path[:-1] in all_paths


def _test_folders(paths: Iterable[str]) -> frozenset[str]:
    """Folders named tests/test below a top-level that hold test files and are not protected."""
    evidence: set[str] = set()
    candidates: set[str] = set()
    for path in paths:
        parts = path.split("/")
        if _is_metadata(parts[0]):
            continue
        folders = ["/".join(parts[: depth + 1]) for depth in range(1, len(parts) - 1)]
        named = [folder for folder in folders if folder.rsplit("/", 1)[1] in TEST_FOLDER_NAMES]
        candidates.update(named)
        if _TEST_FILE.match(parts[-1]):
            evidence.update(named)
    return frozenset(
        folder for folder in candidates if folder in evidence and not _is_protected(folder)
    )


def _is_protected(folder: str) -> bool:
    return any(
        folder == kept or folder.startswith(kept + "/") or kept.startswith(folder + "/")
        for kept in TESTS_IMPORTED_AT_RUNTIME
    )


def _is_metadata(first_segment: str) -> bool:
    return first_segment.endswith((".dist-info", ".data"))


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob over relative posix paths; matching a folder matches everything under it."""
    text = pattern.strip().replace(os.sep, "/").strip("/")
    out: list[str] = []
    index = 0
    while index < len(text):
        if text.startswith("**/", index):
            out.append("(?:[^/]+/)*")
            index += 3
            continue
        if text.startswith("**", index):
            out.append(".*")
            index += 2
            continue
        char = text[index]
        out.append({"*": "[^/]*", "?": "[^/]"}.get(char, re.escape(char)))
        index += 1
    return re.compile("".join(out) + "(?:/.*)?")
