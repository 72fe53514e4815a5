"""Read a CDK cloud assembly into plain stacks; only reads files, in stages:

1. manifest: ``manifest.json`` lists the artifacts. Stacks (``aws:cloudformation:stack``) are
   kept, nested assemblies (``cdk:cloud-assembly``, one per CDK ``Stage``) are read the same way
   from their folder with their display name as the prefix of their stacks' ids
   (``Prod/CounterStack``), asset manifests (``cdk:asset-manifest``) are read for the stacks that
   depend on them, and everything else (``cdk:tree``, reports) is skipped.
2. stack: its ``*.template.json``; its file assets from the asset manifest (hash, staged path,
   S3 object keys); the construct path of each resource from the template's ``aws:cdk:path``
   metadata, else from the manifest's ``aws:cdk:logicalId`` metadata.
3. code: each Lambda function and layer whose code is a file asset is mapped to the staged
   folder (or zip) that holds it (`cdk_assets`).
4. order: stacks are returned dependencies first.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambdakit.errors import CdkError
from lambdakit.model import Code
from lambdakit.sources.cdk_assets import (
    FileAsset,
    function_code,
    legacy_assets,
    read_asset_manifest,
)
from lambdakit.sources.cdk_files import RESYNTH, load_json

STACK = "aws:cloudformation:stack"
ASSET_MANIFEST = "cdk:asset-manifest"
NESTED_ASSEMBLY = "cdk:cloud-assembly"

_ENVIRONMENT = re.compile(r"^aws://(?P<account>[^/]*)/(?P<region>[^/]*)$")


@dataclass(frozen=True)
class AssemblyStack:
    """One stack of a cloud assembly, with its template and the staged code of its functions."""

    name: str
    """The deployed stack name (``properties.stackName``, else the artifact id)."""
    artifact_id: str
    """Unique in the assembly: ``CounterStack``, or ``Prod/CounterStack`` inside a stage."""
    template_file: Path
    template: dict[str, Any]
    region: str | None
    """From the artifact's environment ``aws://ACCOUNT/REGION``; None when unknown."""
    account: str | None
    construct_paths: dict[str, str]
    """Logical id -> construct path (``CounterStack/Counter/Handler/Resource``)."""
    code: dict[str, Code]
    """Logical id of each function or layer whose code is a file asset -> its staged asset."""
    assets: dict[str, Path]
    """Asset hash -> absolute staged path, for every file asset of the stack."""
    dependencies: tuple[str, ...]
    """Artifact ids of the stacks this one depends on."""


# --------------------------------------------------------------------------- manifest and stacks


def read_assembly(cdk_out: Path) -> list[AssemblyStack]:
    """Every stack of the cloud assembly in `cdk_out`, nested assemblies included.

    Stacks come dependencies first. Raises `CdkError` when a manifest, template or asset
    manifest is missing or not valid, or when a function's staged code is not there.
    """
    root = Path(os.path.normpath(cdk_out.absolute()))
    if not (root / "manifest.json").is_file():
        raise CdkError(f"{root} is not a CDK cloud assembly: it has no manifest.json", hint=RESYNTH)
    return _dependencies_first(list(_read_assembly(root, prefix="")))


def _read_assembly(directory: Path, prefix: str) -> Iterator[AssemblyStack]:
    artifacts = _read_manifest(directory / "manifest.json")
    for artifact_id, artifact in artifacts.items():
        kind = artifact.get("type")
        if kind == STACK:
            yield _read_stack(directory, artifact_id, artifacts, prefix)
        elif kind == NESTED_ASSEMBLY:
            properties = _properties(artifact)
            folder = properties.get("directoryName", artifact_id)
            display = properties.get("displayName") or artifact.get("displayName")
            if not isinstance(display, str):
                display = artifact_id.removeprefix("assembly-")
            yield from _read_assembly(directory / str(folder), prefix=f"{prefix}{display}/")


def _read_manifest(file: Path) -> dict[str, dict[str, Any]]:
    manifest = load_json(file, "cloud assembly manifest")
    artifacts = manifest.get("artifacts", {})
    if not isinstance(artifacts, dict) or not all(isinstance(a, dict) for a in artifacts.values()):
        raise CdkError(f"{file}: `artifacts` is not an object of artifacts", hint=RESYNTH)
    return artifacts


def _read_stack(
    directory: Path, artifact_id: str, artifacts: Mapping[str, dict[str, Any]], prefix: str
) -> AssemblyStack:
    artifact = artifacts[artifact_id]
    properties = _properties(artifact)
    template_file = directory / str(properties.get("templateFile", f"{artifact_id}.template.json"))
    template = load_json(template_file, "CloudFormation template")
    resources = template.get("Resources", {})
    if not isinstance(resources, dict):
        raise CdkError(f"{template_file}: `Resources` is not an object", hint=RESYNTH)

    assets = _file_assets(directory, artifact_id, artifact, artifacts)
    paths = _construct_paths(directory, artifact, resources)
    account, region = _environment(artifact.get("environment"))
    name = properties.get("stackName")
    return AssemblyStack(
        name=name if isinstance(name, str) else artifact_id,
        artifact_id=_unique_id(artifact_id, artifacts, prefix),
        template_file=template_file,
        template=template,
        region=region,
        account=account,
        construct_paths=paths,
        code=function_code(directory, resources, assets, paths),
        assets={asset.hash: asset.path for asset in assets},
        dependencies=tuple(
            _unique_id(dep, artifacts, prefix)
            for dep in _strings(artifact.get("dependencies"))
            if artifacts.get(dep, {}).get("type") == STACK
        ),
    )


def _unique_id(artifact_id: str, artifacts: Mapping[str, dict[str, Any]], prefix: str) -> str:
    """The stack's id across nested assemblies: its display name (its construct path, such as
    ``Prod/CounterStack``), else its artifact id under its assembly's prefix."""
    display = artifacts[artifact_id].get("displayName")
    return display if isinstance(display, str) and display else prefix + artifact_id


def _properties(artifact: Mapping[str, Any]) -> dict[str, Any]:
    properties = artifact.get("properties")
    return properties if isinstance(properties, dict) else {}


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _environment(value: Any) -> tuple[str | None, str | None]:
    """(account, region) of ``aws://ACCOUNT/REGION``; None for ``unknown-*`` parts."""
    match = _ENVIRONMENT.match(value) if isinstance(value, str) else None
    if not match:
        return None, None
    account, region = match["account"], match["region"]
    return (
        None if account in ("", "unknown-account") else account,
        None if region in ("", "unknown-region") else region,
    )


def _file_assets(
    directory: Path,
    artifact_id: str,
    artifact: Mapping[str, Any],
    artifacts: Mapping[str, dict[str, Any]],
) -> list[FileAsset]:
    """The stack's file assets: from its asset manifests, and legacy ``aws:cdk:asset`` metadata."""
    found: dict[str, FileAsset] = {}
    wanted = _strings(artifact.get("dependencies"))
    wanted += _strings(_properties(artifact).get("additionalDependencies"))
    wanted.append(f"{artifact_id}.assets")
    for dep in dict.fromkeys(wanted):
        manifest = artifacts.get(dep, {})
        if manifest.get("type") == ASSET_MANIFEST:
            file = directory / str(_properties(manifest).get("file", f"{dep}.json"))
            for asset in read_asset_manifest(file):
                found.setdefault(asset.hash, asset)
    for asset in legacy_assets(directory, artifact):
        found.setdefault(asset.hash, asset)
    return list(found.values())


# --------------------------------------------------------------------------- construct paths


def _construct_paths(
    directory: Path, artifact: Mapping[str, Any], resources: Mapping[str, Any]
) -> dict[str, str]:
    """Logical id -> construct path; the manifest's metadata fills what the template lacks."""
    paths: dict[str, str] = {}
    for logical_id, resource in resources.items():
        metadata = resource.get("Metadata") if isinstance(resource, dict) else None
        if isinstance(metadata, dict) and isinstance(metadata.get("aws:cdk:path"), str):
            paths[logical_id] = metadata["aws:cdk:path"]
    if len(paths) < len(resources):
        for construct_path, logical_id in _logical_ids(directory, artifact):
            paths.setdefault(logical_id, construct_path)
    return paths


def _logical_ids(directory: Path, artifact: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(construct path, logical id) from the ``aws:cdk:logicalId`` entries of the metadata."""
    metadata: dict[str, Any] = {}
    if isinstance(artifact.get("metadata"), dict):
        metadata.update(artifact["metadata"])
    extra = artifact.get("additionalMetadataFile")
    if isinstance(extra, str):
        metadata.update(load_json(directory / extra, "stack metadata"))
    for construct_path, entries in metadata.items():
        for entry in entries if isinstance(entries, list) else ():
            if (
                isinstance(entry, dict)
                and entry.get("type") == "aws:cdk:logicalId"
                and isinstance(entry.get("data"), str)
            ):
                yield construct_path.lstrip("/"), entry["data"]


# --------------------------------------------------------------------------- order


def _dependencies_first(stacks: list[AssemblyStack]) -> list[AssemblyStack]:
    """Stacks in an order where each comes after the stacks it depends on (stable otherwise)."""
    by_id = {stack.artifact_id: stack for stack in stacks}
    ordered: dict[str, AssemblyStack] = {}
    visiting: list[str] = []

    def visit(stack: AssemblyStack) -> None:
        if stack.artifact_id in ordered:
            return
        if stack.artifact_id in visiting:
            cycle = " -> ".join([*visiting[visiting.index(stack.artifact_id) :], stack.artifact_id])
            raise CdkError(f"the stacks depend on each other in a cycle: {cycle}", hint=RESYNTH)
        visiting.append(stack.artifact_id)
        for dep in stack.dependencies:
            if dep in by_id:
                visit(by_id[dep])
        visiting.pop()
        ordered[stack.artifact_id] = stack

    for stack in stacks:
        visit(stack)
    return list(ordered.values())
