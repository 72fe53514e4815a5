"""Builds one unit (a function or a layer): lock, cached dependencies, code, and its zip.

`UnitBuilder.prepare` does everything but the zip (so automatic layers can be planned across
functions first); `UnitBuilder.finish` writes the zip unless the manifest says an artifact with
the same key exists. Failures are reported to the progress display and returned, so one broken
function does not hide the others.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal, Protocol

from lambdakit.errors import LambdakitError
from lambdakit.model import App
from lambdakit.packaging import manifest
from lambdakit.packaging.archive import (
    BytesEntry,
    Entry,
    ZipEntryRef,
    write_zip,
    zip_listing,
)
from lambdakit.packaging.auto_layers import SharedLayer
from lambdakit.packaging.bytecode import compile_sources
from lambdakit.packaging.cache import DepsCache, DepsMeta, cache_root, uv_cache_dir
from lambdakit.packaging.code import code_hash, collect_code
from lambdakit.packaging.config import BuildConfig
from lambdakit.packaging.dependency_tree import build_dependency_tree
from lambdakit.packaging.interpreters import find_interpreter
from lambdakit.packaging.locks import locked
from lambdakit.packaging.manifest import Artifact
from lambdakit.packaging.plan import digest
from lambdakit.packaging.requirements import RequirementsInput
from lambdakit.packaging.resolve import Lock
from lambdakit.packaging.sizes import human_size
from lambdakit.packaging.tags import Target
from lambdakit.packaging.uv import uv_version


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
class Unit:
    id: str
    kind: Literal["function", "layer"]
    target: Target
    requirements: RequirementsInput | None
    code_dir: Path | None
    inline_source: str | None
    prefix: str
    """Archive folder of the unit's own files: ``python/`` for a layer not laid out yet.
    A layer's dependencies always go under ``python/``, a function's at the root."""
    layers: tuple[str, ...] = ()


class UnitBuilder:
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

    def run_safely(self, unit: Unit) -> Artifact | BaseException:
        return self._safely(unit.id, lambda: self.finish(self.prepare(unit)))

    def prepare_safely(self, unit: Unit) -> Prepared | BaseException:
        try:
            return self.prepare(unit)
        except Exception as err:
            return self._failed(unit.id, err)

    def finish_safely(
        self, prepared: Prepared, *, moved: Moved | None = None
    ) -> Artifact | BaseException:
        return self._safely(prepared.unit.id, lambda: self.finish(prepared, moved=moved))

    def _safely(self, unit_id: str, work: Callable[[], Artifact]) -> Artifact | BaseException:
        try:
            artifact = work()
        except Exception as err:
            return self._failed(unit_id, err)
        state = "unchanged" if artifact.reused else "built"
        self.progress.finish(
            unit_id,
            f"{state} {human_size(artifact.uncompressed_size)} unzipped, "
            f"{human_size(artifact.size)} zipped",
            ok=True,
        )
        return artifact

    def _failed(self, unit_id: str, err: Exception) -> Exception:
        if isinstance(err, LambdakitError):
            self.progress.finish(unit_id, f"failed: {err.message}", ok=False)
            if not err.message.startswith(f"{unit_id}:"):
                err.message = f"{unit_id}: {err.message}"
        else:
            self.progress.finish(unit_id, f"failed: {err}", ok=False)
        return err

    def prepare(self, unit: Unit) -> Prepared:
        """Lock, cached dependencies and the unit's own code: all but the zip."""
        interpreter = find_interpreter(unit.target.python) if self.config.compile else None
        settings = digest(self.config.fingerprint(), str(interpreter is not None), unit.kind)
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
        return Prepared(unit, lock, deps, code, code_digest, settings, interpreter)

    def finish(self, prepared: Prepared, *, moved: Moved | None = None) -> Artifact:
        """The unit's zip (unless unchanged), leaving out what `moved` put into shared layers."""
        unit, deps = prepared.unit, prepared.deps
        out = moved or Moved()
        key = digest(
            deps.key if deps else "",
            prepared.code_digest,
            prepared.settings,
            unit.kind,
            *sorted(out.files),
            *out.layers,
        )
        layers = (*unit.layers, *out.layers)

        def zip_entries(scratch: Path) -> list[Entry]:
            checked = self._verified(deps) if deps else None
            entries = self._entries(unit, prepared.code, checked, prepared.interpreter, scratch)
            return [e for e in entries if e.name not in out.files]

        artifact = self._zip(unit.id, unit.kind, key, zip_entries, target=unit.target.key)
        meta = deps.meta if deps else None
        kept = tuple(p for p in meta.packages if p.name not in out.packages) if meta else ()
        return replace(
            artifact,
            packages=kept,
            pruned=meta.pruned if meta else {},
            layers=layers,
            notes=_notes(prepared.lock, meta),
        )

    def shared_layer(self, layer: SharedLayer) -> Artifact | BaseException:
        """An automatic layer: its packages' entries copied under ``python/``."""
        key = digest(layer.target, layer.source_zip.parent.name, *layer.files)

        def zip_entries(scratch: Path) -> list[Entry]:
            del scratch
            return [ZipEntryRef(f"python/{f}", layer.source_zip, f) for f in layer.files]

        return self._safely(
            layer.id,
            lambda: replace(
                self._zip(layer.id, "layer", key, zip_entries, target=layer.target),
                packages=layer.packages,
            ),
        )

    def _zip(
        self,
        unit_id: str,
        kind: Literal["function", "layer"],
        key: str,
        entries: Callable[[Path], list[Entry]],
        *,
        target: str,
    ) -> Artifact:
        dest = self.build_dir / f"{unit_id.replace('/', '__')}.zip"
        previous = self.previous.get(unit_id)
        if (
            not self.opts.no_cache
            and previous is not None
            and previous.key == key
            and _size(dest) == previous.size
        ):
            return replace(previous, reused=True, path=dest)
        self.progress.update(unit_id, "zipping")
        with tempfile.TemporaryDirectory(prefix="lambdakit-code-") as scratch:
            chosen = entries(Path(scratch))
            self.build_dir.mkdir(parents=True, exist_ok=True)
            info = write_zip(chosen, dest)
        return Artifact(
            id=unit_id,
            kind=kind,
            path=dest,
            sha256=info.sha256,
            size=info.size,
            uncompressed_size=info.uncompressed_size,
            target=target,
            key=key,
            reused=False,
        )

    # ------------------------------------------------------------------ dependencies

    def _deps(self, unit: Unit, lock: Lock, settings: str, interpreter: Path | None) -> Deps:
        key = digest(lock.digest, unit.target.key, settings, uv_version())

        def make(folder: Path) -> DepsMeta:
            return build_dependency_tree(
                lock=lock,
                target=unit.target,
                layer=unit.kind == "layer",
                prefix="python/" if unit.kind == "layer" else "",
                config=self.config,
                interpreter=interpreter,
                folder=folder,
                report=lambda status: self.progress.update(unit.id, status),
            )

        entry = self.cache.get_or_build(key, make, rebuild=self.opts.no_cache, verify=False)
        return Deps(key, entry.zip_path, entry.meta, make)

    def _verified(self, deps: Deps) -> Deps:
        """`deps` after checking its zip against its recorded hash (rebuilt when corrupt)."""
        entry = self.cache.get_or_build(deps.key, deps.make, verify=True)
        return replace(deps, zip_path=entry.zip_path, meta=entry.meta)

    # ------------------------------------------------------------------ code

    def _code(self, unit: Unit) -> tuple[list[Entry], str]:
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
        unit: Unit,
        code: list[Entry],
        deps: Deps | None,
        interpreter: Path | None,
        scratch: Path,
    ) -> list[Entry]:
        entries: list[Entry] = list(code)
        if self.config.compile and interpreter is not None:
            entries.extend(
                compile_sources(
                    code,
                    interpreter=interpreter,
                    python=unit.target.python,
                    prefix="/opt" if unit.kind == "layer" else "/var/task",
                    scratch=scratch,
                )
            )
        names = {e.name for e in entries}
        if deps is not None:
            entries.extend(
                ZipEntryRef(name, deps.zip_path, name)
                for name, *_ in zip_listing(deps.zip_path)
                if name not in names  # the function's own module wins, as on sys.path
            )
        return entries


@dataclass(frozen=True)
class Deps:
    key: str
    zip_path: Path
    meta: DepsMeta
    make: Callable[[Path], DepsMeta]
    """Builds the entry again, when its zip turns out corrupt."""


@dataclass(frozen=True)
class Moved:
    """What automatic layers took out of one function's zip."""

    files: frozenset[str] = frozenset()
    packages: frozenset[str] = frozenset()
    layers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Prepared:
    """A unit with everything but its zip."""

    unit: Unit
    lock: Lock
    deps: Deps | None
    code: list[Entry]
    code_digest: str
    settings: str
    interpreter: Path | None


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


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return -1
