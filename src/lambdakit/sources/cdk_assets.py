"""The file assets of a cloud assembly's stack, and which of them holds each function's code.

1. assets: the ``files`` of an asset manifest whose source is a staged ``path`` (a file that a
   command produces at publish time has nothing staged), with the S3 object keys each is
   published to; and the assets of the legacy synthesizer from ``aws:cdk:asset`` metadata.
   Staged paths are made absolute.
2. code: each Lambda function and layer (plain or SAM) whose code is a file asset is mapped to
   the staged folder (or zip) by its ``aws:asset:path`` metadata, else by matching its ``S3Key``
   against the asset manifest's object keys; a staged path that does not exist is a `CdkError`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambdakit.errors import CdkError
from lambdakit.model import AssetCode, Code
from lambdakit.sources.cdk_files import RESYNTH, load_json

# Resource type -> (the property holding its code, the key of the S3 object inside it).
_CODE_PROPERTIES = {
    "AWS::Lambda::Function": ("Code", "S3Key"),
    "AWS::Lambda::LayerVersion": ("Content", "S3Key"),
    "AWS::Serverless::Function": ("CodeUri", "Key"),
    "AWS::Serverless::LayerVersion": ("ContentUri", "Key"),
}


@dataclass(frozen=True)
class FileAsset:
    """A file asset of an asset manifest."""

    hash: str
    path: Path
    object_keys: tuple[str, ...] = ()


def read_asset_manifest(file: Path) -> Iterator[FileAsset]:
    """The file assets of an asset manifest that have a staged path."""
    files = load_json(file, "asset manifest").get("files", {})
    if not isinstance(files, dict):
        raise CdkError(f"{file}: `files` is not an object", hint=RESYNTH)
    for asset_hash, entry in files.items():
        source = entry.get("source") if isinstance(entry, dict) else None
        if not isinstance(source, dict) or not isinstance(source.get("path"), str):
            continue  # produced by a command at publish time: nothing staged to read
        destinations = entry.get("destinations")
        keys = (
            tuple(
                d["objectKey"]
                for d in destinations.values()
                if isinstance(d, dict) and isinstance(d.get("objectKey"), str)
            )
            if isinstance(destinations, dict)
            else ()
        )
        yield FileAsset(asset_hash, _staged(file.parent, source["path"]), keys)


def legacy_assets(directory: Path, artifact: Mapping[str, Any]) -> Iterator[FileAsset]:
    """Assets of the legacy synthesizer, announced in the stack's ``aws:cdk:asset`` metadata."""
    metadata = artifact.get("metadata")
    if not isinstance(metadata, dict):
        return
    for entries in metadata.values():
        for entry in entries if isinstance(entries, list) else ():
            data = entry.get("data") if isinstance(entry, dict) else None
            if isinstance(data, dict) and entry.get("type") == "aws:cdk:asset":
                path, source_hash = data.get("path"), data.get("sourceHash")
                if isinstance(path, str) and isinstance(source_hash, str):
                    yield FileAsset(source_hash, _staged(directory, path))


def _staged(directory: Path, path: str) -> Path:
    """An asset path of the assembly (relative to its folder, or absolute), made absolute."""
    return Path(os.path.normpath(directory / path))


def _hash_from_name(path: Path) -> str:
    """The asset hash in a staged name: ``asset.<hash>`` or ``asset.<hash>.zip``."""
    name = path.name.removeprefix("asset.")
    return name.split(".", 1)[0] if name != path.name else name


def function_code(
    directory: Path,
    resources: Mapping[str, Any],
    assets: list[FileAsset],
    paths: Mapping[str, str],
) -> dict[str, Code]:
    by_path = {asset.path: asset for asset in assets}
    by_key = {key: asset for asset in assets for key in asset.object_keys}
    code: dict[str, Code] = {}
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict) or resource.get("Type") not in _CODE_PROPERTIES:
            continue
        asset = _asset_of(directory, resource, by_path, by_key)
        if asset is None:
            continue
        if not asset.path.exists():
            raise CdkError(
                f"{paths.get(logical_id, logical_id)}: its code asset {asset.path} does not exist",
                hint=f"the cloud assembly is incomplete; {RESYNTH}",
            )
        code[logical_id] = AssetCode(path=asset.path, asset_hash=asset.hash)
    return code


def _asset_of(
    directory: Path,
    resource: Mapping[str, Any],
    by_path: Mapping[Path, FileAsset],
    by_key: Mapping[str, FileAsset],
) -> FileAsset | None:
    """The file asset holding a function's or layer's code, if its code is one."""
    code_property, key_name = _CODE_PROPERTIES[resource["Type"]]
    metadata = resource.get("Metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    asset_path = metadata.get("aws:asset:path")
    if (
        isinstance(asset_path, str)
        and metadata.get("aws:asset:property", code_property) == code_property
    ):
        path = _staged(directory, asset_path)
        return by_path.get(path) or FileAsset(_hash_from_name(path), path)
    properties = resource.get("Properties")
    location = properties.get(code_property) if isinstance(properties, dict) else None
    key = location.get(key_name) if isinstance(location, dict) else None
    return by_key.get(key) if isinstance(key, str) else None
