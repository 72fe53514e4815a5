"""Host-runnable copies of built functions for the local emulator (``build --for-local``).

Stages: build the function (incremental) -> if this machine can run its target (Linux, the same
architecture, the runtime's Python found), unpack the artifact itself; otherwise install the
same pinned versions for this host (its architecture; the runtime's Python when found, else this
Python) next to the function's own code, so the emulator runs what Lambda will run, version for
version. Layers are unpacked (or installed) into an ``opt`` folder, as Lambda mounts them at
``/opt``. A copy is redone only when the artifact it came from changed.
"""

from __future__ import annotations

import platform
import shutil
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lambdakit.atomic_write import write_text_atomic
from lambdakit.model import App, Architecture, AssetCode, InlineCode, LocalCode
from lambdakit.packaging.build import BuildOptions, BuildProgress, build
from lambdakit.packaging.cache import uv_cache_dir
from lambdakit.packaging.code import collect_code
from lambdakit.packaging.install import install
from lambdakit.packaging.interpreters import find_interpreter
from lambdakit.packaging.locks import EMPTY_LOCK, read_lock
from lambdakit.packaging.manifest import Artifact
from lambdakit.packaging.tags import Target


@dataclass(frozen=True)
class LocalCopy:
    """Where the emulator finds a function's code and layers, and what to run them with."""

    function: str
    task_root: Path
    """What Lambda has in ``/var/task``."""
    opt: Path
    """What Lambda has in ``/opt`` (the function's layers, merged in order)."""
    python: tuple[int, int]
    interpreter: Path | None
    exact: bool
    """True: the artifact itself. False: the same pinned versions built for this host."""


def local_copy(app: App, function_id: str, *, progress: BuildProgress | None = None) -> LocalCopy:
    """A copy of function `function_id` this machine can run (built first if needed)."""
    fn = app.function(function_id)
    result = build(app, BuildOptions(names=(fn.id,), progress=progress))
    artifact = result.artifact(fn.id)
    layers = [result.artifact(layer) for layer in artifact.layers]
    target = Target.for_function(fn)
    exact = target.host_can_run()
    python = target.python if find_interpreter(target.python) else sys.version_info[:2]
    base = app.root / ".lambdakit" / "local" / fn.id.replace("/", "__")
    stamp = "\n".join([str(exact), artifact.sha256, *(layer.sha256 for layer in layers)])
    task_root, opt = base / "task", base / "opt"
    if _stamp(base) != stamp:
        shutil.rmtree(base, ignore_errors=True)
        staging = base.with_name(f".{base.name}.tmp")
        shutil.rmtree(staging, ignore_errors=True)
        try:
            host = Target(python=python, architecture=_host_architecture())
            _materialize(app, artifact, staging / "task", exact=exact, host=host)
            (staging / "opt").mkdir(parents=True)
            for layer in layers:
                _materialize(app, layer, staging / "opt", exact=exact, host=host)
            write_text_atomic(staging / ".stamp", stamp)
            staging.replace(base)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return LocalCopy(
        function=fn.id,
        task_root=task_root,
        opt=opt,
        python=python,
        interpreter=find_interpreter(python),
        exact=exact,
    )


def _stamp(base: Path) -> str | None:
    try:
        return (base / ".stamp").read_text()
    except OSError:
        return None


def _host_architecture() -> Architecture:
    machine = platform.machine().lower()
    return Architecture.ARM64 if machine in ("aarch64", "arm64") else Architecture.X86_64


def _materialize(app: App, artifact: Artifact, dest: Path, *, exact: bool, host: Target) -> None:
    """Put `artifact`'s content into `dest`: unpacked, or rebuilt for `host` at the same pins."""
    if exact:
        with zipfile.ZipFile(artifact.path) as archive:
            archive.extractall(dest)
        return
    layer = artifact.kind == "layer"
    lock = read_lock(app.root / ".lambdakit" / "locks", artifact.id) or EMPTY_LOCK
    deps = dest / "python" if layer else dest
    if lock.pins:
        scratch = dest.parent / f".{dest.name}.deps"
        install(lock, host, scratch, cache_dir=uv_cache_dir())
        shutil.copytree(scratch, deps, dirs_exist_ok=True)
        shutil.rmtree(scratch, ignore_errors=True)
    code = app.layer(artifact.id).code if layer else app.function(artifact.id).code
    if isinstance(code, InlineCode):
        write_text_atomic(dest / "index.py", code.source)
    elif isinstance(code, LocalCode | AssetCode):
        laid_out = layer and (code.path / "python").is_dir()
        prefix = "python/" if layer and not laid_out else ""
        for entry in collect_code(code.path, prefix=prefix):
            target = dest / entry.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(entry.path, target)
