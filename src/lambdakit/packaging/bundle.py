"""One code folder and its requirements -> an installed Lambda folder, for CDK asset bundling.

`bundle_folder` runs the build's own unit pipeline (`unit_work.UnitBuilder`: lock, the cached
dependency tree, pruning, bytecode, the reproducible zip) on a single folder, then unpacks the zip
into the folder CDK asks for; a function gets its code and dependencies at the root, a layer
everything under ``python/`` (FIDELITY 2.2.1, 2.2.2). Locks, zips and their manifest live in
``<state_root>/.lambdakit``, so an unchanged folder is neither resolved nor zipped again.

`bundle_hash` is the asset's content address, computed without resolving or installing anything:
the shipped source files (names, executable bits, contents), the normalized requirements, any
lock file beside a ``pyproject.toml`` they come from, the runtime, the architecture, the kind of
unit and the packager's version. A dependency pin that changes changes the hash; a file outside
the folder (or one the build leaves out) does not.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import stat
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from lambdakit.errors import BuildError, SizeLimitError
from lambdakit.model import App, Architecture, Dependencies, DependencyKind, Runtime, SourceKind
from lambdakit.packaging import manifest
from lambdakit.packaging.build import BuildOptions, BuildProgress
from lambdakit.packaging.code import code_hash, collect_code
from lambdakit.packaging.config import BuildConfig
from lambdakit.packaging.limits import UNZIPPED_LIMIT
from lambdakit.packaging.manifest import Artifact
from lambdakit.packaging.plan import PLAN_VERSION
from lambdakit.packaging.requirements import requirements_for
from lambdakit.packaging.sizes import human_size
from lambdakit.packaging.tags import Target
from lambdakit.packaging.unit_work import Unit, UnitBuilder
from lambdakit.packaging.uv import uv_binary

Kind = Literal["function", "layer"]

LOCK_FILES = ("uv.lock", "poetry.lock", "pdm.lock", "pylock.toml")
"""Lock files beside a ``pyproject.toml`` whose contents go into `bundle_hash`."""

_HASH_VERSION = "lambdakit bundle v1"


def bundle_folder(
    source: Path,
    *,
    unit_id: str,
    dependencies: Dependencies | None,
    runtime: Runtime,
    architecture: Architecture,
    output_dir: Path,
    state_root: Path,
    kind: Kind = "function",
    excludes: Sequence[str] = (),
    progress: BuildProgress | None = None,
) -> Artifact:
    """Build `source` with `dependencies` for the target and unpack the result into `output_dir`."""
    target = Target.for_runtime(runtime, architecture)
    laid_out = kind == "layer" and (source / "python").is_dir()
    unit = Unit(
        id=unit_id,
        kind=kind,
        target=target,
        requirements=requirements_for(dependencies),
        code_dir=source,
        inline_source=None,
        prefix="python/" if kind == "layer" and not laid_out else "",
    )
    app = App(name=unit_id, root=state_root, source=SourceKind.CDK, stacks=())
    uv_binary()  # resolved once, before any thread asks for it
    work = UnitBuilder(app, BuildConfig(exclude=tuple(excludes)), BuildOptions(progress=progress))
    outcome = work.run_safely(unit)
    if isinstance(outcome, BaseException):
        raise outcome
    manifest.update(work.build_dir, [outcome])
    if outcome.uncompressed_size > UNZIPPED_LIMIT:
        raise SizeLimitError(
            f"{unit_id}: {human_size(outcome.uncompressed_size)} unzipped is over Lambda's "
            "250 MB limit",
            hint="move dependencies into layers, prune more, or ship a container image",
        )
    _unpack(outcome.path, output_dir)
    return outcome


def bundle_hash(
    source: Path,
    *,
    dependencies: Dependencies | None,
    runtime: Runtime,
    architecture: Architecture,
    kind: Kind = "function",
    excludes: Sequence[str] = (),
) -> str:
    """The content address of what `bundle_folder` makes of these inputs (nothing is resolved)."""
    extra = ["requirements.txt"] if kind == "layer" else []
    files = collect_code(source, excludes=[*excludes, *extra])
    reqs = requirements_for(dependencies)
    h = hashlib.sha256()
    parts = (
        _HASH_VERSION,
        _packager_version(),
        PLAN_VERSION,
        kind,
        runtime.name,
        architecture.value,
        code_hash(files),
        reqs.digest if reqs else "",
        _lock_digest(dependencies),
    )
    for part in parts:
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


def _packager_version() -> str:
    try:
        return importlib.metadata.version("lambdakit")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - running from a checkout
        return "unknown"


def _lock_digest(dependencies: Dependencies | None) -> str:
    """sha256 of the lock files beside a ``pyproject.toml`` the dependencies come from."""
    if dependencies is None or dependencies.kind is DependencyKind.REQUIREMENTS:
        return ""
    h = hashlib.sha256()
    for name in LOCK_FILES:
        lock = dependencies.file.parent / name
        if lock.is_file():
            h.update(name.encode() + b"\0" + lock.read_bytes() + b"\0")
    return h.hexdigest()


def _unpack(archive: Path, dest: Path) -> None:
    """Extract `archive` into `dest`, keeping execute bits (zipfile alone drops them)."""
    dest.mkdir(parents=True, exist_ok=True)
    try:
        with zipfile.ZipFile(archive) as zipped:
            for info in zipped.infolist():
                written = Path(zipped.extract(info, dest))
                mode = info.external_attr >> 16
                if not info.is_dir() and mode & 0o111:
                    written.chmod(
                        written.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH
                    )
    except (OSError, zipfile.BadZipFile) as exc:
        raise BuildError(f"cannot unpack {archive} into {dest}: {exc}") from exc
