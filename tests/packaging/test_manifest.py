"""The build manifest round-trips and keeps entries of units not built this time."""

from __future__ import annotations

from lambdakit.packaging import manifest
from lambdakit.packaging.layers import PackageSize
from lambdakit.packaging.manifest import Artifact


def artifact(build_dir, unit_id: str, key: str = "k") -> Artifact:
    return Artifact(
        id=unit_id,
        kind="function",
        path=build_dir / f"{unit_id}.zip",
        sha256="ab" * 32,
        size=10,
        uncompressed_size=30,
        target="cp312-manylinux_2_34_x86_64",
        key=key,
        reused=False,
        packages=(PackageSize("requests", "2.32.3", 100),),
        pruned={"runtime-provided": 23_000_000},
        layers=("Shared",),
        notes=("a note",),
    )


def test_round_trip_and_merge(tmp_path):
    manifest.update(tmp_path, [artifact(tmp_path, "Api"), artifact(tmp_path, "Worker")])
    manifest.update(tmp_path, [artifact(tmp_path, "Api", key="k2")])
    read = manifest.read(tmp_path)
    assert set(read) == {"Api", "Worker"}
    assert read["Api"].key == "k2"
    assert read["Worker"].packages == (PackageSize("requests", "2.32.3", 100),)
    assert read["Worker"].reused


def test_an_unreadable_manifest_records_nothing(tmp_path):
    (tmp_path / "manifest.json").write_text("{not json")
    assert manifest.read(tmp_path) == {}
    assert manifest.read(tmp_path / "missing") == {}
