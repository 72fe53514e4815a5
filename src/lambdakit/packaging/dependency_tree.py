"""One dependency tree for one target, built once into the cache.

Stages: install the lock with uv for the target -> prune what Lambda provides and what no import
needs -> strip the symbol and debug sections no loader reads from shared objects -> precompile
bytecode with the target's own interpreter (within what Lambda's size limit leaves) -> compress
it all once into ``deps.zip``, which every artifact that needs these dependencies copies from
without recompressing.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from packaging.utils import canonicalize_name

from lambdakit.packaging.archive import Entry, FileEntry, write_zip
from lambdakit.packaging.bytecode import compile_tree
from lambdakit.packaging.cache import DepsMeta, uv_cache_dir
from lambdakit.packaging.config import BuildConfig
from lambdakit.packaging.elf_strip import strip_tree
from lambdakit.packaging.install import install
from lambdakit.packaging.inventory import read_inventory, unowned_files
from lambdakit.packaging.layers import PackageSize
from lambdakit.packaging.limits import CODE_ALLOWANCE, UNZIPPED_LIMIT
from lambdakit.packaging.prune import apply_prune, plan_prune, provided_before_install
from lambdakit.packaging.resolve import Lock
from lambdakit.packaging.tags import Target


def build_dependency_tree(
    *,
    lock: Lock,
    target: Target,
    layer: bool,
    prefix: str,
    config: BuildConfig,
    interpreter: Path | None,
    folder: Path,
    report: Callable[[str], None],
) -> DepsMeta:
    """Install, prune, strip, compile and compress `lock` for `target` into ``folder/deps.zip``."""
    site = folder / "site"
    skipped_provided = provided_before_install([(p.name, p.via) for p in lock.pins], config.prune)
    installed = _without(lock, skipped_provided)
    report(f"installing {len(installed.pins)} packages")
    install(installed, target, site, cache_dir=uv_cache_dir())
    report("pruning")
    inventory = read_inventory(site)
    pruning = plan_prune(inventory, config.prune, unowned=unowned_files(site, inventory))
    apply_prune(site, pruning)
    pruned = dict(pruning.saved)
    if config.strip:
        report("stripping symbols")
        pruned["symbols"] = strip_tree(site)
    packages = tuple(PackageSize(d.name, d.version, d.size) for d in read_inventory(site))
    warnings: list[str] = []
    if skipped_provided:
        warnings.append(
            f"not installed: {', '.join(sorted(skipped_provided))} (the Lambda runtime provides "
            'them; [tool.lambdakit] keep = ["boto3"] ships your pinned versions instead)'
        )
    compiled_files = 0
    skipped: tuple[str, ...] = ()
    if config.compile:
        report("compiling")
        result = compile_tree(
            site,
            interpreter=interpreter,
            python=target.python,
            budget_bytes=UNZIPPED_LIMIT - sum(p.size for p in packages) - CODE_ALLOWANCE,
            prefix="/opt/python" if layer else "/var/task",
            sourceless=config.sourceless,
        )
        compiled_files, skipped = result.compiled_files, result.skipped
        if result.warning:
            warnings.append(result.warning)
        if skipped:
            warnings.append(
                f"bytecode left out for {', '.join(skipped)} to stay under Lambda's "
                "250 MB unzipped limit"
            )
    report("compressing dependencies")
    info = write_zip(_tree_entries(site, prefix), folder / "deps.zip")
    shutil.rmtree(site)
    return DepsMeta(
        zip_sha256=info.sha256,
        zip_size=info.size,
        uncompressed_size=info.uncompressed_size,
        packages=packages,
        pruned=pruned,
        removed_distributions=tuple(sorted({*pruning.removed_distributions, *skipped_provided})),
        compiled_files=compiled_files,
        compile_skipped=skipped,
        warnings=tuple(warnings),
    )


_PIN_LINE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==")


def _without(lock: Lock, names: frozenset[str]) -> Lock:
    """`lock` less the pins named (and their annotation lines)."""
    if not names:
        return lock
    lines: list[str] = []
    dropping = False
    for line in lock.text.splitlines():
        match = _PIN_LINE.match(line)
        if match:
            dropping = canonicalize_name(match[1]) in names
        elif not line.startswith((" ", "\t")):
            dropping = False
        if not dropping:
            lines.append(line)
    return replace(
        lock,
        text="\n".join(lines) + "\n",
        pins=tuple(p for p in lock.pins if p.name not in names),
    )


def _tree_entries(root: Path, prefix: str) -> list[Entry]:
    entries: list[Entry] = []
    for folder, _, files in os.walk(root):
        for name in files:
            path = Path(folder) / name
            entries.append(
                FileEntry(
                    prefix + path.relative_to(root).as_posix(),
                    path,
                    executable=bool(path.stat().st_mode & 0o111),
                )
            )
    return entries
