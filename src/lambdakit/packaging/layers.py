"""Split dependencies that several functions share into layers, under Lambda's limits (pure).

Stages: check each function fits at all (own code + its packages ≤ the unzipped limit; explicit
layers ≤ the layer count) -> group shared packages by the exact set of functions using them
(one candidate layer per group, cut by `layer_limit`) -> while a function has more layers than
its free slots, merge two of its layers or give one up -> name the layers and list what each
function keeps in its own zip.

The choices, and why:
- Only a package (same name, version *and* size: the same build) used by at least two
  functions of the target moves to a layer; everything else stays in the function's zip.
- Packages with the same set of users share one layer, so at first no function carries a byte
  it does not import. Lambda counts layers in the 250 MB unzipped limit, so a layer never makes a
  function smaller; it makes zips smaller and uploads shared bytes once.
- A function has ``max_layers`` minus its explicit layers free slots. When it has more candidate
  layers than that, two of its layers are merged — the pair that adds the fewest unneeded bytes
  to the other functions using them, provided no function goes over the unzipped limit and the
  layer stays under `layer_limit` — else the function gives up its smallest layer and carries
  those packages in its own zip (a layer left with one user dissolves into that user's zip).
  Either step never increases any function's layer count, so the loop ends.
- The sizes of explicit layers are not known here: pass them in `own_code_size`.
- Layer names are ``deps-<target_key>-<n>``, numbered in the order of their sorted contents, so
  the same input always gives the same plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from lambdakit.errors import SizeLimitError
from lambdakit.packaging.limits import UNZIPPED_LIMIT

MAX_LAYERS = 5
"""Layers per function (FIDELITY 6.1)."""


@dataclass(frozen=True)
class PackageSize:
    """One installed distribution and its unzipped size."""

    name: str
    version: str
    size: int


@dataclass(frozen=True)
class LayerPlan:
    """Shared layers and what each function keeps in its own zip."""

    layers: tuple[tuple[str, tuple[PackageSize, ...]], ...]
    """(layer name, its packages sorted by name)."""
    function_layers: Mapping[str, tuple[str, ...]]
    """Function id -> names of the generated layers it uses."""
    function_packages: Mapping[str, tuple[PackageSize, ...]]
    """Function id -> packages left in its own zip, sorted by name."""


@dataclass(frozen=True)
class _Layer:
    packages: frozenset[PackageSize]
    users: frozenset[str]

    @property
    def size(self) -> int:
        return _size(self.packages)


@dataclass(frozen=True)
class _Limits:
    unzipped: int
    layer: int


def split_layers(
    functions: Mapping[str, Sequence[PackageSize]],
    *,
    target_key: str,
    explicit_layers: Mapping[str, int] | None = None,
    own_code_size: Mapping[str, int] | None = None,
    unzipped_limit: int = UNZIPPED_LIMIT,
    layer_limit: int = UNZIPPED_LIMIT,
    max_layers: int = MAX_LAYERS,
) -> LayerPlan:
    """Move packages shared by functions of one target into layers, within Lambda's limits.

    Raises `SizeLimitError` when a function cannot fit whatever the split: its code and packages
    are over `unzipped_limit`, or it already has more than `max_layers` explicit layers.
    """
    explicit = explicit_layers or {}
    own = own_code_size or {}
    needs = {function: frozenset(packages) for function, packages in functions.items()}
    for function in sorted(needs):
        _check_fits(function, needs[function], own.get(function, 0), explicit, unzipped_limit)
        if explicit.get(function, 0) > max_layers:
            raise SizeLimitError(
                f"function {function} has {explicit[function]} layers; Lambda allows "
                f"{max_layers} per function",
                hint="merge some of its layers",
            )
    slots = {function: max_layers - explicit.get(function, 0) for function in needs}
    limits = _Limits(unzipped_limit, layer_limit)
    layers = _candidate_layers(needs, slots, layer_limit)
    layers = _fit_slots(layers, needs, own, slots, limits)
    return _plan(layers, needs, target_key)


def _check_fits(
    function: str,
    packages: frozenset[PackageSize],
    own: int,
    explicit: Mapping[str, int],
    limit: int,
) -> None:
    total = own + _size(packages)
    if total <= limit:
        return
    biggest = sorted(packages, key=lambda package: (-package.size, package.name))[:5]
    listed = ", ".join(f"{p.name} {p.version} ({p.size / 1_000_000:.1f} MB)" for p in biggest)
    layers_note = " (own code and explicit layers included)" if explicit.get(function) else ""
    raise SizeLimitError(
        f"function {function} needs {total:,} bytes unzipped{layers_note}, over Lambda's "
        f"limit of {limit:,} bytes for code and all layers; biggest packages: {listed or 'none'}",
        hint="drop or slim dependencies, prune more (patterns), or use a container image",
    )


def _candidate_layers(
    needs: Mapping[str, frozenset[PackageSize]], slots: Mapping[str, int], layer_limit: int
) -> list[_Layer]:
    """One layer per set of users (cut to fit `layer_limit`), for packages used twice or more."""
    users: dict[PackageSize, set[str]] = {}
    for function, packages in needs.items():
        if slots[function] <= 0:
            continue
        for package in packages:
            users.setdefault(package, set()).add(function)
    groups: dict[frozenset[str], list[PackageSize]] = {}
    for package, functions in users.items():
        if len(functions) >= 2 and package.size <= layer_limit:
            groups.setdefault(frozenset(functions), []).append(package)
    return [
        _Layer(frozenset(bin_), group_users)
        for group_users, packages in groups.items()
        for bin_ in _pack(packages, layer_limit)
    ]


def _pack(packages: Iterable[PackageSize], capacity: int) -> list[list[PackageSize]]:
    """First-fit decreasing: bins of packages, each at most `capacity` bytes."""
    bins: list[list[PackageSize]] = []
    for package in sorted(packages, key=_largest_first):
        for bin_ in bins:
            if _size(bin_) + package.size <= capacity:
                bin_.append(package)
                break
        else:
            bins.append([package])
    return bins


def _fit_slots(
    layers: list[_Layer],
    needs: Mapping[str, frozenset[PackageSize]],
    own: Mapping[str, int],
    slots: Mapping[str, int],
    limits: _Limits,
) -> list[_Layer]:
    """Merge or give up layers until no function uses more layers than it has slots."""
    while True:
        counts = {function: sum(function in layer.users for layer in layers) for function in needs}
        over = [function for function in sorted(needs) if counts[function] > slots[function]]
        if not over:
            return layers
        function = max(over, key=lambda name: counts[name] - slots[name])
        mine = sorted((layer for layer in layers if function in layer.users), key=_layer_key)
        merge = _best_merge(mine, layers, needs, own, limits)
        if merge is not None:
            first, second = merge
            merged = _Layer(first.packages | second.packages, first.users | second.users)
            layers = [layer for layer in layers if layer not in merge] + [merged]
            continue
        smallest = min(mine, key=lambda layer: (layer.size, _layer_key(layer)))
        rest = _Layer(smallest.packages, smallest.users - {function})
        layers = [layer for layer in layers if layer != smallest]
        if len(rest.users) >= 2:
            layers.append(rest)


def _best_merge(
    mine: Sequence[_Layer],
    layers: Sequence[_Layer],
    needs: Mapping[str, frozenset[PackageSize]],
    own: Mapping[str, int],
    limits: _Limits,
) -> tuple[_Layer, _Layer] | None:
    """The feasible pair of `mine` that adds the fewest unneeded bytes to their users."""
    best: tuple[int, int, tuple[_Layer, _Layer]] | None = None
    for index, first in enumerate(mine):
        for second in mine[index + 1 :]:
            if first.size + second.size > limits.layer:
                continue
            merged = _Layer(first.packages | second.packages, first.users | second.users)
            after = [layer for layer in layers if layer not in (first, second)] + [merged]
            if any(_total(user, after, needs, own) > limits.unzipped for user in merged.users):
                continue
            waste = sum(_size(merged.packages - needs[user]) for user in merged.users)
            candidate = (waste, merged.size, (first, second))
            if best is None or candidate[:2] < best[:2]:
                best = candidate
    return None if best is None else best[2]


def _total(
    function: str,
    layers: Iterable[_Layer],
    needs: Mapping[str, frozenset[PackageSize]],
    own: Mapping[str, int],
) -> int:
    """Unzipped bytes of a function: own code, its packages, and all of its layers' contents."""
    carried = set(needs[function])
    for layer in layers:
        if function in layer.users:
            carried |= layer.packages
    return own.get(function, 0) + _size(carried)


def _plan(
    layers: Sequence[_Layer], needs: Mapping[str, frozenset[PackageSize]], target_key: str
) -> LayerPlan:
    ordered = sorted(layers, key=_layer_key)
    names = [f"deps-{target_key}-{number}" for number in range(1, len(ordered) + 1)]
    function_layers: dict[str, tuple[str, ...]] = {}
    function_packages: dict[str, tuple[PackageSize, ...]] = {}
    for function in sorted(needs):
        used = [(name, layer) for name, layer in zip(names, ordered, strict=True)]
        used = [(name, layer) for name, layer in used if function in layer.users]
        in_layers = frozenset().union(*(layer.packages for _, layer in used))
        function_layers[function] = tuple(name for name, _ in used)
        function_packages[function] = _sorted_packages(needs[function] - in_layers)
    return LayerPlan(
        layers=tuple(
            (name, _sorted_packages(layer.packages))
            for name, layer in zip(names, ordered, strict=True)
        ),
        function_layers=function_layers,
        function_packages=function_packages,
    )


def _layer_key(layer: _Layer) -> tuple[tuple[tuple[str, str, int], ...], tuple[str, ...]]:
    return (
        tuple((p.name, p.version, p.size) for p in _sorted_packages(layer.packages)),
        tuple(sorted(layer.users)),
    )


def _sorted_packages(packages: Iterable[PackageSize]) -> tuple[PackageSize, ...]:
    return tuple(sorted(packages, key=lambda p: (p.name, p.version, p.size)))


def _largest_first(package: PackageSize) -> tuple[int, str, str]:
    return (-package.size, package.name, package.version)


def _size(packages: Iterable[PackageSize]) -> int:
    return sum(package.size for package in packages)
