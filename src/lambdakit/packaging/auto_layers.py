"""``layers = "auto"``: dependencies shared by functions of one target move into shared layers.

Stages: group the functions by target -> `split_layers` (pure) decides which packages go into
which layer within Lambda's limits -> each package's files are found in a function's compressed
dependency archive through its dist-info ``RECORD`` (plus the bytecode compiled for them) -> the
layer zip copies those entries under ``python/`` without recompressing, and each function's zip
leaves them out.
"""

from __future__ import annotations

import zipfile
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from packaging.utils import canonicalize_name

from lambdakit.packaging.layers import PackageSize, split_layers


@dataclass(frozen=True)
class SharedLayer:
    """One automatic layer: its id, and where each of its files is copied from."""

    id: str
    target: str
    packages: tuple[PackageSize, ...]
    source_zip: Path
    files: tuple[str, ...]
    """Entry names in `source_zip` (the layer stores them under ``python/``)."""


@dataclass(frozen=True)
class AutoLayers:
    layers: tuple[SharedLayer, ...]
    function_layers: Mapping[str, tuple[str, ...]]
    """Function id -> ids of the shared layers it uses."""
    moved_files: Mapping[str, frozenset[str]]
    """Function id -> dependency entries left out of its own zip (they are in its layers)."""


@dataclass(frozen=True)
class PreparedFunction:
    """What the split needs to know of one function."""

    id: str
    target: str
    packages: tuple[PackageSize, ...]
    deps_zip: Path | None
    explicit_layers: int
    code_size: int


def plan_auto_layers(functions: Sequence[PreparedFunction]) -> AutoLayers:
    by_target: dict[str, list[PreparedFunction]] = defaultdict(list)
    for fn in functions:
        if fn.deps_zip is not None:
            by_target[fn.target].append(fn)
    layers: list[SharedLayer] = []
    function_layers: dict[str, tuple[str, ...]] = {}
    moved: dict[str, frozenset[str]] = {}
    for target, group in sorted(by_target.items()):
        if len(group) < 2:
            continue
        plan = split_layers(
            {fn.id: fn.packages for fn in group},
            target_key=target,
            explicit_layers={fn.id: fn.explicit_layers for fn in group},
            own_code_size={fn.id: fn.code_size for fn in group},
        )
        owners = {fn.id: _ownership(fn.deps_zip) for fn in group if fn.deps_zip}
        zips = {fn.id: fn.deps_zip for fn in group if fn.deps_zip}
        for name, packages in plan.layers:
            users = [f for f, ls in plan.function_layers.items() if name in ls]
            source = users[0]
            files = sorted({f for p in packages for f in owners[source].get(p.name, ())})
            layers.append(SharedLayer(name, target, packages, zips[source], tuple(files)))
        for fn in group:
            names = plan.function_layers.get(fn.id, ())
            function_layers[fn.id] = names
            moved[fn.id] = frozenset(
                f
                for layer in layers
                if layer.id in names
                for p in layer.packages
                for f in owners[fn.id].get(p.name, ())
            )
    return AutoLayers(tuple(layers), function_layers, moved)


def _ownership(deps_zip: Path) -> dict[str, set[str]]:
    """Canonical package name -> its entries in `deps_zip` (RECORD files, bytecode, dist-info)."""
    with zipfile.ZipFile(deps_zip) as archive:
        names = archive.namelist()
        present = set(names)
        records = [n for n in names if n.endswith(".dist-info/RECORD")]
        by_folder: dict[str, list[str]] = defaultdict(list)
        for name in names:
            by_folder[str(PurePosixPath(name).parent)].append(name)
        owned: dict[str, set[str]] = {}
        for record in records:
            dist_info = record.rsplit("/", 1)[0]
            package = canonicalize_name(dist_info.rsplit("/", 1)[-1].split("-", 1)[0])
            files = {n for n in names if n.startswith(dist_info + "/")}
            for line in archive.read(record).decode().splitlines():
                path = line.split(",", 1)[0]
                files.add(path)
                files.update(_bytecode_of(path, by_folder))
            owned[package] = files & present
    return owned


def _bytecode_of(path: str, by_folder: Mapping[str, list[str]]) -> list[str]:
    if not path.endswith(".py"):
        return []
    source = PurePosixPath(path)
    cache = str(source.parent / "__pycache__") if str(source.parent) != "." else "__pycache__"
    stem = source.stem + "."
    return [n for n in by_folder.get(cache, []) if PurePosixPath(n).name.startswith(stem)]
