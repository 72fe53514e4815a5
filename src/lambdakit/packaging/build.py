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

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from lambdakit.errors import SizeLimitError
from lambdakit.model import App
from lambdakit.packaging import manifest
from lambdakit.packaging.archive import BytesEntry, Entry, FileEntry
from lambdakit.packaging.auto_layers import AutoLayers, PreparedFunction, plan_auto_layers
from lambdakit.packaging.config import build_config
from lambdakit.packaging.limits import UNZIPPED_LIMIT
from lambdakit.packaging.manifest import Artifact
from lambdakit.packaging.plan import FunctionBuild, LayerBuild, Skipped, plan_build
from lambdakit.packaging.sizes import human_size
from lambdakit.packaging.unit_work import (
    BuildOptions,
    BuildProgress,
    Moved,
    Prepared,
    Unit,
    UnitBuilder,
)
from lambdakit.packaging.uv import uv_binary

__all__ = ["BuildOptions", "BuildProgress", "BuildResult", "build"]


@dataclass(frozen=True)
class BuildResult:
    build_dir: Path
    manifest: Path
    artifacts: tuple[Artifact, ...]
    skipped: tuple[Skipped, ...]

    def artifact(self, unit_id: str) -> Artifact:
        return next(a for a in self.artifacts if a.id == unit_id)


def build(app: App, options: BuildOptions | None = None) -> BuildResult:
    """Build the app's functions (or those named) and the layers they use."""
    opts = options or BuildOptions()
    config = build_config(app.config)
    plan = plan_build(app, opts.names)
    uv_binary()  # resolved once here: its lookup is not thread-safe on Python 3.11
    work = UnitBuilder(app, config, opts)
    layers = [_layer_unit(layer) for layer in plan.layers]
    functions = [_function_unit(f) for f in plan.functions]
    with ThreadPoolExecutor(max_workers=max(1, opts.workers)) as pool:
        if config.layers == "auto":
            outcomes = _build_with_auto_layers(work, pool, layers, functions)
        else:
            outcomes = list(pool.map(work.run_safely, [*layers, *functions]))
    artifacts = tuple(a for a in outcomes if isinstance(a, Artifact))
    manifest_path = manifest.update(work.build_dir, artifacts)
    errors = [e for e in outcomes if isinstance(e, BaseException)]
    if errors:
        raise errors[0]
    _check_limits(artifacts)
    return BuildResult(work.build_dir, manifest_path, artifacts, plan.skipped)


def _build_with_auto_layers(
    work: UnitBuilder, pool: ThreadPoolExecutor, layers: list[Unit], functions: list[Unit]
) -> list[Artifact | BaseException]:
    """Prepare every function, split shared packages into layers, then zip all of it."""
    outcomes: list[Artifact | BaseException] = list(pool.map(work.run_safely, layers))
    prepared = list(pool.map(work.prepare_safely, functions))
    ready = [p for p in prepared if isinstance(p, Prepared)]
    outcomes += [p for p in prepared if isinstance(p, BaseException)]
    auto = plan_auto_layers(
        [
            PreparedFunction(
                id=p.unit.id,
                target=p.unit.target.key,
                packages=p.deps.meta.packages if p.deps else (),
                deps_zip=p.deps.zip_path if p.deps else None,
                explicit_layers=len(p.unit.layers),
                code_size=sum(_entry_size(e) for e in p.code),
            )
            for p in ready
        ]
    )
    outcomes += list(pool.map(work.shared_layer, auto.layers))
    outcomes += list(pool.map(lambda p: work.finish_safely(p, moved=_moved(auto, p)), ready))
    return outcomes


def _moved(auto: AutoLayers, prepared: Prepared) -> Moved:
    shared = auto.function_layers.get(prepared.unit.id, ())
    return Moved(
        files=auto.moved_files.get(prepared.unit.id, frozenset()),
        packages=frozenset(
            p.name for layer in auto.layers if layer.id in shared for p in layer.packages
        ),
        layers=shared,
    )


def _entry_size(entry: Entry) -> int:
    if isinstance(entry, FileEntry):
        return entry.path.stat().st_size
    if isinstance(entry, BytesEntry):
        return len(entry.data)
    return 0


def _function_unit(f: FunctionBuild) -> Unit:
    return Unit(
        id=f.id,
        kind="function",
        target=f.target,
        requirements=f.requirements,
        code_dir=f.code_dir,
        inline_source=f.inline_source,
        prefix="",
        layers=f.layers,
    )


def _layer_unit(layer: LayerBuild) -> Unit:
    laid_out = (layer.content_dir / "python").is_dir()
    return Unit(
        id=layer.id,
        kind="layer",
        target=layer.target,
        requirements=layer.requirements,
        code_dir=layer.content_dir,
        inline_source=None,
        prefix="" if laid_out else "python/",
    )


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
