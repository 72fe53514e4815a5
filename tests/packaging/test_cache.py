"""The dependency cache: entries appear whole, corrupt ones are rebuilt, keys are shared."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from lambdakit.packaging.cache import DepsCache, DepsMeta, file_sha256
from lambdakit.packaging.layers import PackageSize


def fake_build(payload: bytes, calls: list[int] | None = None):
    def build(folder: Path) -> DepsMeta:
        if calls is not None:
            calls.append(1)
        zip_path = folder / "deps.zip"
        zip_path.write_bytes(payload)
        return DepsMeta(
            zip_sha256=file_sha256(zip_path),
            zip_size=len(payload),
            uncompressed_size=len(payload) * 3,
            packages=(PackageSize("requests", "2.32.3", 100),),
            pruned={"tests": 5},
        )

    return build


def test_an_entry_is_built_once_and_then_reused(tmp_path):
    cache = DepsCache(tmp_path)
    calls: list[int] = []
    first = cache.get_or_build("k1", fake_build(b"zipdata", calls))
    second = cache.get_or_build("k1", fake_build(b"zipdata", calls))
    assert calls == [1]
    assert first.meta == second.meta
    assert second.zip_path.read_bytes() == b"zipdata"
    assert second.meta.packages == (PackageSize("requests", "2.32.3", 100),)


def test_a_corrupt_entry_is_detected_by_hash_and_rebuilt(tmp_path):
    cache = DepsCache(tmp_path)
    entry = cache.get_or_build("k1", fake_build(b"zipdata"))
    entry.zip_path.write_bytes(b"zipdatX")  # same size, different content
    assert cache.get("k1", verify=True) is None
    calls: list[int] = []
    cache.get_or_build("k1", fake_build(b"zipdata", calls))
    assert calls == [1]


def test_a_failed_build_leaves_no_entry_and_no_temp_folder(tmp_path):
    cache = DepsCache(tmp_path)

    def failing(folder: Path) -> DepsMeta:
        (folder / "deps.zip").write_bytes(b"half")
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        cache.get_or_build("k1", failing)
    assert cache.get("k1", verify=True) is None
    assert list((tmp_path / "deps").iterdir()) == []


def test_threads_asking_for_one_key_build_it_once(tmp_path):
    cache = DepsCache(tmp_path)
    calls: list[int] = []
    threads = [
        threading.Thread(target=cache.get_or_build, args=("k", fake_build(b"z", calls)))
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == [1]


def test_rebuild_replaces_the_entry(tmp_path):
    cache = DepsCache(tmp_path)
    cache.get_or_build("k", fake_build(b"old"))
    entry = cache.get_or_build("k", fake_build(b"new"), rebuild=True)
    assert entry.zip_path.read_bytes() == b"new"
