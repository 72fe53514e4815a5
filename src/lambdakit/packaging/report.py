"""What was built, explained: sizes against Lambda's limits (`lambdakit size`) and why a package is
in a function (`lambdakit why`). Both read the build manifest and the locks; they build nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from packaging.utils import canonicalize_name

from lambdakit.errors import NotFoundError
from lambdakit.model import App
from lambdakit.packaging import manifest
from lambdakit.packaging.layers import PackageSize
from lambdakit.packaging.limits import UNZIPPED_LIMIT, ZIPPED_DIRECT_LIMIT
from lambdakit.packaging.locks import read_lock
from lambdakit.packaging.resolve import Pin


@dataclass(frozen=True)
class SizeRow:
    """One function or layer against the limits."""

    id: str
    kind: str
    zipped: int
    unzipped: int
    unzipped_with_layers: int
    biggest: tuple[PackageSize, ...]
    pruned: int

    @property
    def unzipped_share(self) -> float:
        return self.unzipped_with_layers / UNZIPPED_LIMIT

    @property
    def zipped_share(self) -> float:
        return self.zipped / ZIPPED_DIRECT_LIMIT

    @property
    def over_limit(self) -> bool:
        """Over the 250 MB unzipped limit (with layers): Lambda would refuse it."""
        return self.unzipped_with_layers > UNZIPPED_LIMIT

    @property
    def direct_upload(self) -> bool:
        """Small enough to upload without S3 (deploy always uses S3, so this is a note)."""
        return self.zipped <= ZIPPED_DIRECT_LIMIT


def size_report(app: App) -> tuple[SizeRow, ...]:
    """Sizes of the app's built functions and layers (build first)."""
    built = manifest.read(app.root / ".lambdakit" / "build")
    missing = [f.id for f in app.functions if f.runnable and f.id not in built]
    if not built or missing:
        raise NotFoundError(
            f"{app.root}: no build of {', '.join(missing) or 'the app'} yet",
            hint="run `lambdakit build` first",
        )
    wanted = {f.id for f in app.functions} | {layer.id for layer in app.layers}
    layers = {a.id: a.uncompressed_size for a in built.values() if a.kind == "layer"}
    rows = []
    for artifact in sorted(built.values(), key=lambda a: (a.kind != "function", a.id)):
        if artifact.id not in wanted:
            continue
        with_layers = artifact.uncompressed_size + sum(layers.get(x, 0) for x in artifact.layers)
        rows.append(
            SizeRow(
                id=artifact.id,
                kind=artifact.kind,
                zipped=artifact.size,
                unzipped=artifact.uncompressed_size,
                unzipped_with_layers=with_layers,
                biggest=tuple(sorted(artifact.packages, key=lambda p: (-p.size, p.name))[:10]),
                pruned=sum(artifact.pruned.values()),
            )
        )
    return tuple(rows)


@dataclass(frozen=True)
class WhyAnswer:
    """How one function comes to depend on a package."""

    function: str
    package: str
    version: str | None
    paths: tuple[tuple[str, ...], ...]
    """Each path starts at a requirement the function declares and ends at the package."""
    shipped: bool
    """False when pruning removed it (e.g. provided by the Lambda runtime)."""


def why(app: App, package: str, functions: Sequence[str] = ()) -> tuple[WhyAnswer, ...]:
    """Every path from each function's requirements to `package` (functions that have it)."""
    name = canonicalize_name(package)
    chosen = [app.function(f) for f in functions] if functions else list(app.functions)
    locks_dir = app.root / ".lambdakit" / "locks"
    built = manifest.read(app.root / ".lambdakit" / "build")
    answers = []
    for fn in chosen:
        lock = read_lock(locks_dir, fn.id)
        if lock is None:
            if functions:
                raise NotFoundError(f"{fn.id} has no lock yet", hint="run `lambdakit build` first")
            continue
        pins = {p.name: p for p in lock.pins}
        if name not in pins:
            continue
        artifact = built.get(fn.id)
        shipped = artifact is None or any(p.name == name for p in artifact.packages)
        answers.append(WhyAnswer(fn.id, name, pins[name].version, _paths(pins, name), shipped))
    if not answers:
        where = ", ".join(f.id for f in chosen) or "the app"
        raise NotFoundError(f"{package} is not a dependency of {where}")
    return tuple(answers)


def _paths(pins: Mapping[str, Pin], name: str) -> tuple[tuple[str, ...], ...]:
    """All simple paths from a direct requirement down to `name`, following `via` upwards."""
    found: list[tuple[str, ...]] = []

    def climb(node: str, trail: tuple[str, ...]) -> None:
        pin = pins.get(node)
        for parent in pin.via if pin else ():
            if parent == "":
                found.append(trail)
            elif parent not in trail:
                climb(parent, (parent, *trail))

    climb(name, (name,))
    return tuple(sorted(set(found), key=lambda p: (len(p), p)))
