"""The build manifest, ``.lambdakit/build/manifest.json``: every artifact built, with its hashes.

It is the record later steps read (size reports, deploy's asset upload, the local runtime) and
how a rebuild knows an artifact is unchanged: its key is the content address of everything that
went into it. Entries of units not built this time are kept.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from lambdakit.atomic_write import write_text_atomic
from lambdakit.packaging.layers import PackageSize

MANIFEST_VERSION = 1


@dataclass(frozen=True)
class Artifact:
    """One built zip."""

    id: str
    kind: Literal["function", "layer"]
    path: Path
    sha256: str
    size: int
    """Zipped bytes."""
    uncompressed_size: int
    """Unzipped bytes, as Lambda counts them."""
    target: str
    """e.g. ``cp312-manylinux_2_34_x86_64``."""
    key: str
    reused: bool
    packages: tuple[PackageSize, ...] = ()
    pruned: Mapping[str, int] = field(default_factory=dict)
    """Bytes pruning saved, by reason."""
    layers: tuple[str, ...] = ()
    """Ids of the app's layers the function uses."""
    notes: tuple[str, ...] = ()


def read(build_dir: Path) -> dict[str, Artifact]:
    """The artifacts the manifest records (an unreadable manifest records none)."""
    try:
        data = json.loads((build_dir / "manifest.json").read_text())
        if data.get("version") != MANIFEST_VERSION:
            return {}
        return {a["id"]: _artifact(build_dir, a) for a in data["artifacts"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def update(build_dir: Path, built: Sequence[Artifact]) -> Path:
    """Record `built`, keeping other entries; written atomically."""
    entries = read(build_dir)
    entries.update({a.id: a for a in built})
    path = build_dir / "manifest.json"
    document = {
        "version": MANIFEST_VERSION,
        "artifacts": [_json(build_dir, entries[k]) for k in sorted(entries)],
    }
    write_text_atomic(path, json.dumps(document, indent=1, sort_keys=True))
    return path


def _json(build_dir: Path, a: Artifact) -> dict[str, Any]:
    return {
        "id": a.id,
        "kind": a.kind,
        "path": a.path.relative_to(build_dir).as_posix(),
        "sha256": a.sha256,
        "size": a.size,
        "uncompressedSize": a.uncompressed_size,
        "target": a.target,
        "key": a.key,
        "packages": [{"name": p.name, "version": p.version, "size": p.size} for p in a.packages],
        "pruned": dict(a.pruned),
        "layers": list(a.layers),
        "notes": list(a.notes),
    }


def _artifact(build_dir: Path, data: dict[str, Any]) -> Artifact:
    return Artifact(
        id=data["id"],
        kind=data["kind"],
        path=build_dir / data["path"],
        sha256=data["sha256"],
        size=data["size"],
        uncompressed_size=data["uncompressedSize"],
        target=data["target"],
        key=data["key"],
        reused=True,
        packages=tuple(PackageSize(**p) for p in data["packages"]),
        pruned=dict(data["pruned"]),
        layers=tuple(data["layers"]),
        notes=tuple(data["notes"]),
    )
