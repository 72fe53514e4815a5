"""Content-addressed assets: which files a deploy uploads to the assets bucket, and their keys.

A built zip's key is ``lambdakit/<sha256>.zip``, so the same bytes always get the same key: two
functions built to identical archives share one object, and a rebuild that changed nothing
uploads nothing (the executor skips keys already in the bucket). A template over CloudFormation's
`TEMPLATE_BODY_LIMIT` is uploaded too, as ``lambdakit/<sha256>.template.json``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from lambdakit.deploy.instructions import ASSET_PREFIX, TEMPLATE_BODY_LIMIT, Asset
from lambdakit.packaging.manifest import Artifact

ZIP_SUFFIX = ".zip"
TEMPLATE_SUFFIX = ".template.json"


def asset_key(sha256: str, suffix: str = ZIP_SUFFIX) -> str:
    """The object key of content with this hash."""
    return f"{ASSET_PREFIX}{sha256}{suffix}"


def artifact_asset(artifact: Artifact) -> Asset:
    """The asset of one built zip."""
    return Asset(
        id=artifact.id,
        path=artifact.path,
        sha256=artifact.sha256,
        size=artifact.size,
        key=asset_key(artifact.sha256),
    )


def distinct_assets(artifacts: Iterable[Artifact]) -> tuple[Asset, ...]:
    """One asset per distinct content, in the order first seen (named after the first user)."""
    seen: dict[str, Asset] = {}
    for artifact in artifacts:
        asset = artifact_asset(artifact)
        seen.setdefault(asset.key, asset)
    return tuple(seen.values())


def needs_template_url(template_body: str) -> bool:
    """Whether the template is too large to pass as TemplateBody (it must go by TemplateURL)."""
    return len(template_body.encode("utf-8")) > TEMPLATE_BODY_LIMIT


def template_asset(template_body: str, folder: Path) -> Asset:
    """Write the template to `folder` under its content hash and return it as an asset."""
    data = template_body.encode("utf-8")
    sha256 = hashlib.sha256(data).hexdigest()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{sha256}{TEMPLATE_SUFFIX}"
    if not path.is_file() or path.read_bytes() != data:
        path.write_bytes(data)
    return Asset(
        id="template",
        path=path,
        sha256=sha256,
        size=len(data),
        key=asset_key(sha256, TEMPLATE_SUFFIX),
    )
