"""What each function and layer of the app needs built, and the keys its cached parts live under.

`plan_build` reads the model (and each function's requirements input) and returns inspectable
data; the pipeline in `build.py` carries it out. Keys are content addresses: the same inputs give
the same key on any machine, so an unchanged function is never rebuilt.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lambdakit.errors import BuildError
from lambdakit.model import (
    App,
    Architecture,
    AssetCode,
    Dependencies,
    DependencyKind,
    Function,
    InlineCode,
    Layer,
    LocalCode,
    Runtime,
)
from lambdakit.packaging.archive import DEFLATE_ID
from lambdakit.packaging.requirements import RequirementsInput, requirements_for
from lambdakit.packaging.tags import Target

PLAN_VERSION = "1"
"""Bumped when the layout of built artifacts changes, so old cache entries are not reused."""


@dataclass(frozen=True)
class FunctionBuild:
    """One function to build."""

    id: str
    target: Target
    code_dir: Path | None
    """The function's own code folder (None for inline code)."""
    inline_source: str | None
    handler_module: str | None
    requirements: RequirementsInput | None
    layers: tuple[str, ...]
    """Ids of the app's layers the function uses."""


@dataclass(frozen=True)
class LayerBuild:
    """One layer with local content to build into the ``python/`` layout."""

    id: str
    target: Target
    content_dir: Path
    requirements: RequirementsInput | None


@dataclass(frozen=True)
class Skipped:
    id: str
    reason: str


@dataclass(frozen=True)
class BuildPlan:
    functions: tuple[FunctionBuild, ...]
    layers: tuple[LayerBuild, ...]
    skipped: tuple[Skipped, ...]


def plan_build(app: App, names: Sequence[str] = ()) -> BuildPlan:
    """The functions named (all buildable ones when none are), and the layers they use."""
    chosen = [app.function(n) for n in names] if names else list(app.functions)
    functions: list[FunctionBuild] = []
    skipped: list[Skipped] = []
    for fn in chosen:
        reason = fn.not_runnable_reason
        if reason is None:
            functions.append(_function_build(fn))
        elif names:
            raise BuildError(f"{fn.origin}: cannot build {fn.id}: {reason}")
        else:
            skipped.append(Skipped(fn.id, reason))
    used = {layer for f in functions for layer in f.layers}
    layers = [_layer_build(app.layer(layer_id)) for layer_id in sorted(used)]
    return BuildPlan(tuple(functions), tuple(layer for layer in layers if layer), tuple(skipped))


def _function_build(fn: Function) -> FunctionBuild:
    code = fn.code
    code_dir = code.path if isinstance(code, LocalCode | AssetCode) else None
    if code_dir is not None and code_dir.is_file():
        raise BuildError(
            f"{fn.origin}: code {code_dir} is an archive; lambdakit builds from a folder",
            hint="point CodeUri/Code at the function's source folder",
        )
    handler = fn.handler or ""
    return FunctionBuild(
        id=fn.id,
        target=Target.for_function(fn),
        code_dir=code_dir,
        inline_source=code.source if isinstance(code, InlineCode) else None,
        handler_module=handler.rpartition(".")[0].replace("/", ".") or None,
        requirements=requirements_for(fn.dependencies),
        layers=tuple(ref.layer for ref in fn.layers if ref.layer),
    )


def _layer_build(layer: Layer) -> LayerBuild | None:
    code = layer.code
    if not isinstance(code, LocalCode | AssetCode):
        return None
    runtime = _layer_runtime(layer)
    architecture = (
        layer.compatible_architectures[0] if layer.compatible_architectures else Architecture.X86_64
    )
    requirements_file = code.path / "requirements.txt"
    deps = (
        Dependencies(DependencyKind.REQUIREMENTS, requirements_file)
        if requirements_file.is_file()
        else None
    )
    return LayerBuild(
        id=layer.id,
        target=Target.for_runtime(runtime, architecture),
        content_dir=code.path,
        requirements=requirements_for(deps),
    )


def _layer_runtime(layer: Layer) -> Runtime:
    if layer.build_method and layer.build_method.startswith("python"):
        return Runtime(layer.build_method)
    for runtime in layer.compatible_runtimes:
        if runtime.supported:
            return runtime
    raise BuildError(
        f"{layer.origin}: layer {layer.id} names no Python runtime to build for",
        hint="set CompatibleRuntimes (e.g. [python3.12]) or SAM Metadata BuildMethod: python3.12",
    )


def digest(*parts: str) -> str:
    """A content address for the given parts (order matters), tied to this layout and deflate."""
    h = hashlib.sha256()
    for part in (PLAN_VERSION, DEFLATE_ID, *parts):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()
