"""The build pipeline: each function (and layer) of the app -> a reproducible Lambda zip.

Stages for every unit, functions in parallel:
1. lock: reuse ``.lambdakit/locks/<id>`` while requirements, target and uv are unchanged, else
   resolve with uv for the target platform (`locks.py`);
2. dependencies: the machine-wide cache entry for (lock, target, settings); on a miss, install
   with uv for the target, prune, precompile with the target's own interpreter and compress once
   (`cache.py`); functions and projects with the same key share it;
3. code: the unit's own files (or inline source) and their bytecode for the target;
4. artifact: dependency entries copied without recompressing plus the code, zipped reproducibly
   to ``.lambdakit/build/<id>.zip``; nothing is done when its key matches the manifest;
5. limits: unzipped size including layers against Lambda's 250 MB (an error), zipped size
   against the 50 MB direct-upload limit (a note: deploy uploads through S3).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal, Protocol

from lambdakit.errors import LambdakitError, SizeLimitError
from lambdakit.model import App
from lambdakit.packaging import manifest
from lambdakit.packaging.archive import (
    BytesEntry,
    Entry,
    FileEntry,
    ZipEntryRef,
    write_zip,
    zip_listing,
)
from lambdakit.packaging.bytecode import compile_tree
from lambdakit.packaging.cache import DepsCache, DepsMeta, cache_root, uv_cache_dir
from lambdakit.packaging.code import code_hash, collect_code
from lambdakit.packaging.config import BuildConfig, build_config
from lambdakit.packaging.install import install
from lambdakit.packaging.interpreters import find_interpreter
from lambdakit.packaging.inventory import read_inventory, unowned_files
from lambdakit.packaging.layers import PackageSize
from lambdakit.packaging.locks import locked
from lambdakit.packaging.manifest import Artifact
from lambdakit.packaging.plan import (
    FunctionBuild,
    LayerBuild,
    Skipped,
    digest,
    plan_build,
)
from lambdakit.packaging.prune import apply_prune, plan_prune
from lambdakit.packaging.requirements import RequirementsInput
from lambdakit.packaging.resolve import Lock
from lambdakit.packaging.sizes import human_size
from lambdakit.packaging.tags import Target
from lambdakit.packaging.uv import uv_version

UNZIPPED_LIMIT = 262_144_000
"""Lambda's limit on a function's unzipped code including its layers (FIDELITY 6.1)."""
ZIPPED_DIRECT_LIMIT = 52_428_800
"""Lambda's limit on a zip uploaded directly (FIDELITY 6.1); larger ones go through S3."""
CODE_ALLOWANCE = 5 * 1024 * 1024
"""Room kept for the function's own code when deciding how much bytecode dependencies can take."""


class BuildProgress(Protocol):
    """Where the pipeline reports what each unit is doing."""

    def update(self, unit: str, status: str) -> None: ...

    def finish(self, unit: str, summary: str, *, ok: bool) -> None: ...


class _Silent:
    def update(self, unit: str, status: str) -> None:
        pass

    def finish(self, unit: str, summary: str, *, ok: bool) -> None:
        pass


@dataclass(frozen=True)
class BuildOptions:
    names: tuple[str, ...] = ()
    """Functions to build (ids, logical ids or names); all buildable functions when empty."""
    no_cache: bool = False
    """Resolve and install again, ignoring locks, cached dependencies and unchanged artifacts."""
    workers: int = 2
    progress: BuildProgress | None = None


@dataclass(frozen=True)
class BuildResult:
    build_dir: Path
    manifest: Path
    artifacts: tuple[Artifact, ...]
    skipped: tuple[Skipped, ...]

    def artifact(self, unit_id: str) -> Artifact:
        return next(a for a in self.artifacts if a.id == unit_id)


@dataclass(frozen=True)
class _Unit:
    id: str
    kind: Literal["function", "layer"]
    target: Target
    requirements: RequirementsInput | None
    code_dir: Path | None
    inline_source: str | None
    prefix: str
    """Archive folder for dependencies and code: ``""`` for functions, ``python/`` for layers."""
    layers: tuple[str, ...] = ()


def build(app: App, options: BuildOptions | None = None) -> BuildResult:
    """Build the app's functions (or those named) and the layers they use."""
    opts = options or BuildOptions()
    config = build_config(app.config)
    plan = plan_build(app, opts.names)
    work = _Work(app, config, opts)
    units = [_layer_unit(layer) for layer in plan.layers] + [
        _function_unit(f) for f in plan.functions
    ]
    with ThreadPoolExecutor(max_workers=max(1, opts.workers)) as pool:
        outcomes = list(pool.map(work.run_safely, units))
    artifacts = tuple(a for a in outcomes if isinstance(a, Artifact))
    manifest_path = manifest.update(work.build_dir, artifacts)
    errors = [e for e in outcomes if isinstance(e, BaseException)]
    if errors:
        raise errors[0]
    _check_limits(artifacts)
    return BuildResult(work.build_dir, manifest_path, artifacts, plan.skipped)


def _function_unit(f: FunctionBuild) -> _Unit:
    return _Unit(
        id=f.id,
        kind="function",
        target=f.target,
        requirements=f.requirements,
        code_dir=f.code_dir,
        inline_source=f.inline_source,
        prefix="",
        layers=f.layers,
    )


def _layer_unit(layer: LayerBuild) -> _Unit:
    laid_out = (layer.content_dir / "python").is_dir()
    return _Unit(
        id=layer.id,
        kind="layer",
        target=layer.target,
        requirements=layer.requirements,
        code_dir=layer.content_dir,
        inline_source=None,
        prefix="" if laid_out else "python/",
    )


class _Work:
    """Carries out one unit; shared state is the caches, which are safe across threads."""

    def __init__(self, app: App, config: BuildConfig, opts: BuildOptions) -> None:
        self.config = config
        self.opts = opts
        self.progress: BuildProgress = opts.progress or _Silent()
        self.state_dir = app.root / ".lambdakit"
        self.build_dir = self.state_dir / "build"
        self.locks_dir = self.state_dir / "locks"
        self.cache = DepsCache(cache_root())
        self.previous = manifest.read(self.build_dir)

    def run_safely(self, unit: _Unit) -> Artifact | BaseException:
        try:
            artifact = self.run(unit)
        except LambdakitError as err:
            self.progress.finish(unit.id, f"failed: {err.message}", ok=False)
            return err
        except Exception as err:
            self.progress.finish(unit.id, f"failed: {err}", ok=False)
            return err
        state = "unchanged" if artifact.reused else "built"
        self.progress.finish(
            unit.id,
            f"{state} {human_size(artifact.uncompressed_size)} unzipped, "
            f"{human_size(artifact.size)} zipped",
            ok=True,
        )
        return artifact

    def run(self, unit: _Unit) -> Artifact:
        interpreter = find_interpreter(unit.target.python) if self.config.compile else None
        settings = digest(self.config.fingerprint(), str(interpreter is not None), unit.prefix)
        lock_key = digest(
            unit.requirements.digest if unit.requirements else "", unit.target.key, uv_version()
        )
        self.progress.update(unit.id, "resolving")
        lock, _ = locked(
            unit.requirements,
            unit.target,
            key=lock_key,
            locks_dir=self.locks_dir,
            unit_id=unit.id,
            cache_dir=uv_cache_dir(),
            refresh=self.opts.no_cache,
        )
        deps = self._deps(unit, lock, settings, interpreter) if lock.pins else None
        code, code_digest = self._code(unit)
        key = digest(deps.key if deps else "", code_digest, settings, unit.kind)
        dest = self.build_dir / f"{unit.id.replace('/', '__')}.zip"
        previous = self.previous.get(unit.id)
        if (
            not self.opts.no_cache
            and previous is not None
            and previous.key == key
            and _size(dest) == previous.size
        ):
            return replace(previous, reused=True, path=dest)
        self.progress.update(unit.id, "zipping")
        with tempfile.TemporaryDirectory(prefix="lambdakit-code-") as scratch:
            entries = self._entries(unit, code, deps, interpreter, Path(scratch))
            self.build_dir.mkdir(parents=True, exist_ok=True)
            info = write_zip(entries, dest)
        meta = deps.meta if deps else None
        return Artifact(
            id=unit.id,
            kind=unit.kind,
            path=dest,
            sha256=info.sha256,
            size=info.size,
            uncompressed_size=info.uncompressed_size,
            target=unit.target.key,
            key=key,
            reused=False,
            packages=meta.packages if meta else (),
            pruned=meta.pruned if meta else {},
            layers=unit.layers,
            notes=_notes(lock, meta),
        )

    # ------------------------------------------------------------------ dependencies

    def _deps(self, unit: _Unit, lock: Lock, settings: str, interpreter: Path | None) -> _Deps:
        key = digest(lock.digest, unit.target.key, settings, uv_version())

        def make(folder: Path) -> DepsMeta:
            return self._build_deps(unit, lock, interpreter, folder)

        entry = self.cache.get_or_build(key, make, rebuild=self.opts.no_cache)
        return _Deps(key, entry.zip_path, entry.meta)

    def _build_deps(
        self, unit: _Unit, lock: Lock, interpreter: Path | None, folder: Path
    ) -> DepsMeta:
        site = folder / "site"
        self.progress.update(unit.id, f"installing {len(lock.pins)} packages")
        install(lock, unit.target, site, cache_dir=uv_cache_dir())
        self.progress.update(unit.id, "pruning")
        inventory = read_inventory(site)
        pruning = plan_prune(inventory, self.config.prune, unowned=unowned_files(site, inventory))
        apply_prune(site, pruning)
        inventory = read_inventory(site)
        packages = tuple(PackageSize(d.name, d.version, d.size) for d in inventory)
        warnings: list[str] = []
        compiled_files = 0
        skipped: tuple[str, ...] = ()
        if self.config.compile:
            self.progress.update(unit.id, "compiling")
            installed = sum(p.size for p in packages)
            result = compile_tree(
                site,
                interpreter=interpreter,
                python=unit.target.python,
                budget_bytes=UNZIPPED_LIMIT - installed - CODE_ALLOWANCE,
                prefix="/opt/python" if unit.kind == "layer" else "/var/task",
                sourceless=self.config.sourceless,
            )
            compiled_files, skipped = result.compiled_files, result.skipped
            if result.warning:
                warnings.append(result.warning)
            if skipped:
                warnings.append(
                    f"bytecode left out for {', '.join(skipped)} to stay under Lambda's "
                    "250 MB unzipped limit"
                )
        self.progress.update(unit.id, "compressing dependencies")
        info = write_zip(_tree_entries(site, unit.prefix), folder / "deps.zip")
        shutil.rmtree(site)
        return DepsMeta(
            zip_sha256=info.sha256,
            zip_size=info.size,
            uncompressed_size=info.uncompressed_size,
            packages=packages,
            pruned=dict(pruning.saved),
            removed_distributions=pruning.removed_distributions,
            compiled_files=compiled_files,
            compile_skipped=skipped,
            warnings=tuple(warnings),
        )

    # ------------------------------------------------------------------ code

    def _code(self, unit: _Unit) -> tuple[list[Entry], str]:
        if unit.inline_source is not None:
            # CloudFormation writes inline Python code to index.py
            return [BytesEntry("index.py", unit.inline_source.encode())], digest(unit.inline_source)
        assert unit.code_dir is not None
        excludes = list(self.config.exclude)
        if unit.kind == "layer":
            excludes.append("requirements.txt")
        files = collect_code(unit.code_dir, excludes=excludes, prefix=unit.prefix)
        return list(files), code_hash(files)

    def _entries(
        self,
        unit: _Unit,
        code: list[Entry],
        deps: _Deps | None,
        interpreter: Path | None,
        scratch: Path,
    ) -> list[Entry]:
        entries: list[Entry] = list(code)
        if self.config.compile and interpreter is not None:
            entries.extend(_code_bytecode(unit, code, interpreter, scratch))
        names = {e.name for e in entries}
        if deps is not None:
            entries.extend(
                ZipEntryRef(name, deps.zip_path, name)
                for name, *_ in zip_listing(deps.zip_path)
                if name not in names  # the function's own module wins, as on sys.path
            )
        return entries


@dataclass(frozen=True)
class _Deps:
    key: str
    zip_path: Path
    meta: DepsMeta


def _code_bytecode(unit: _Unit, code: list[Entry], interpreter: Path, scratch: Path) -> list[Entry]:
    """Bytecode of the unit's own Python files, compiled by the target's interpreter."""
    python_files = [e for e in code if e.name.endswith(".py")]
    if not python_files:
        return []
    for entry in python_files:
        dest = scratch / entry.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(entry, FileEntry):
            shutil.copyfile(entry.path, dest)
        elif isinstance(entry, BytesEntry):
            dest.write_bytes(entry.data)
    compile_tree(
        scratch,
        interpreter=interpreter,
        python=unit.target.python,
        prefix="/opt" if unit.kind == "layer" else "/var/task",
        sourceless=False,
    )
    return [
        FileEntry(path.relative_to(scratch).as_posix(), path)
        for path in sorted(scratch.rglob("*.pyc"))
    ]


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


def _notes(lock: Lock, meta: DepsMeta | None) -> tuple[str, ...]:
    notes = [
        f"built {name} from its source distribution (pure Python)" for name in lock.built_from_sdist
    ]
    notes += [
        f"{name} {pinned} instead of {latest}: {latest} has no wheel for this runtime and "
        "architecture"
        for name, pinned, latest in lock.older_than_latest
    ]
    if meta is not None:
        notes.extend(meta.warnings)
    return tuple(notes)


def _check_limits(artifacts: tuple[Artifact, ...]) -> None:
    layer_sizes = {a.id: a.uncompressed_size for a in artifacts if a.kind == "layer"}
    for a in artifacts:
        if a.kind != "function":
            continue
        total = a.uncompressed_size + sum(layer_sizes.get(layer, 0) for layer in a.layers)
        if total > UNZIPPED_LIMIT:
            biggest = sorted(a.packages, key=lambda p: -p.size)[:3]
            names = ", ".join(f"{p.name} {human_size(p.size)}" for p in biggest)
            raise SizeLimitError(
                f"{a.id}: {human_size(total)} unzipped (with layers) is over Lambda's 250 MB "
                f"limit; biggest packages: {names}",
                hint="move shared dependencies into layers, drop unused extras, prune more "
                "([tool.lambdakit] prune), or ship a container image",
            )


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return -1
