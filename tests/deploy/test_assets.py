"""Content-addressed assets: keys by hash, each content once, templates too big for TemplateBody.

Issue 6: "keys by content hash; skip what is already there" — the same bytes get the same key.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from lambdakit.deploy.assets import (
    asset_key,
    distinct_assets,
    needs_template_url,
    template_asset,
)
from lambdakit.deploy.instructions import ASSET_PREFIX, TEMPLATE_BODY_LIMIT
from lambdakit.packaging.manifest import Artifact


def _artifact(tmp_path: Path, ident: str, data: bytes, kind: str = "function") -> Artifact:
    path = tmp_path / f"{ident}.zip"
    path.write_bytes(data)
    return Artifact(
        id=ident,
        kind="layer" if kind == "layer" else "function",
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        uncompressed_size=len(data),
        target="cp312-manylinux_2_34_x86_64",
        key="build-key",
        reused=False,
    )


def test_an_artifact_is_keyed_by_its_content_hash(tmp_path: Path) -> None:
    # GIVEN a built zip WHEN it becomes an asset THEN its key is lambdakit/<sha256>.zip
    artifact = _artifact(tmp_path, "Fn", b"zip bytes")
    (asset,) = distinct_assets([artifact])
    assert asset.key == f"{ASSET_PREFIX}{artifact.sha256}.zip"
    assert (asset.id, asset.path, asset.sha256, asset.size) == (
        "Fn",
        artifact.path,
        artifact.sha256,
        artifact.size,
    )


def test_identical_content_is_one_asset_named_after_its_first_user(tmp_path: Path) -> None:
    # GIVEN two functions built to the same bytes and one to other bytes
    a = _artifact(tmp_path, "A", b"same")
    b = _artifact(tmp_path, "B", b"same")
    c = _artifact(tmp_path, "C", b"other", kind="layer")
    # WHEN assets are made THEN each distinct content is uploaded once, in first-seen order
    assets = distinct_assets([a, b, c])
    assert [x.id for x in assets] == ["A", "C"]
    assert len({x.key for x in assets}) == 2


def test_the_template_body_limit_is_in_bytes() -> None:
    assert not needs_template_url("x" * TEMPLATE_BODY_LIMIT)
    assert needs_template_url("x" * (TEMPLATE_BODY_LIMIT + 1))
    # a two-byte character counts twice
    assert needs_template_url("é" * (TEMPLATE_BODY_LIMIT // 2 + 1))


def test_a_large_template_becomes_an_asset_named_by_its_hash(tmp_path: Path) -> None:
    body = '{"Resources":{}}' + " " * TEMPLATE_BODY_LIMIT
    sha = hashlib.sha256(body.encode()).hexdigest()
    asset = template_asset(body, tmp_path / "out")
    assert asset.key == asset_key(sha, ".template.json") == f"lambdakit/{sha}.template.json"
    assert asset.path == tmp_path / "out" / f"{sha}.template.json"
    assert asset.path.read_text() == body
    assert asset.size == len(body.encode())
    # writing it again gives the same asset
    assert template_asset(body, tmp_path / "out") == asset
