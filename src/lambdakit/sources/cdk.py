"""Read a CDK cloud assembly into plain stacks, and run a CDK app to produce one.

Reading (`read_assembly`) only reads files, in stages:

1. manifest: ``manifest.json`` lists the artifacts. Stacks (``aws:cloudformation:stack``) are
   kept, nested assemblies (``cdk:cloud-assembly``, one per CDK ``Stage``) are read the same way
   from their folder with their display name as the prefix of their stacks' ids
   (``Prod/CounterStack``), asset manifests (``cdk:asset-manifest``) are read for the stacks that
   depend on them, and everything else (``cdk:tree``, reports) is skipped.
2. stack: its ``*.template.json``; its file assets from the asset manifest (hash, staged path,
   S3 object keys); the construct path of each resource from the template's ``aws:cdk:path``
   metadata, else from the manifest's ``aws:cdk:logicalId`` metadata.
3. code: each Lambda function and layer whose code is a file asset is mapped to the staged
   folder (or zip) by its ``aws:asset:path`` metadata, else by matching its ``S3Key`` against the
   asset manifest's object keys; a staged path that does not exist is an error.
4. order: stacks are returned dependencies first.

Synthesis (`synth`) is the one place where lambdakit runs the user's code: the ``app`` command of
``cdk.json``, run the way the CDK CLI runs it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambdakit.errors import CdkError
from lambdakit.model import AssetCode, Code

STACK = "aws:cloudformation:stack"
ASSET_MANIFEST = "cdk:asset-manifest"
NESTED_ASSEMBLY = "cdk:cloud-assembly"

_RESYNTH = (
    "run `lambdakit synth` in the CDK app's folder (where cdk.json is) to synthesize it again"
)

# Resource type -> (the property holding its code, the key of the S3 object inside it).
_CODE_PROPERTIES = {
    "AWS::Lambda::Function": ("Code", "S3Key"),
    "AWS::Lambda::LayerVersion": ("Content", "S3Key"),
    "AWS::Serverless::Function": ("CodeUri", "Key"),
    "AWS::Serverless::LayerVersion": ("ContentUri", "Key"),
}
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


@dataclass(frozen=True)
class _FileAsset:
    """A file asset of an asset manifest."""

    hash: str
    path: Path
    object_keys: tuple[str, ...] = ()


# --------------------------------------------------------------------------- detection


def is_assembly(path: Path) -> bool:
    """True when `path` is a folder holding the ``manifest.json`` of a cloud assembly."""
    manifest = path / "manifest.json"
    if not manifest.is_file():
        return False
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return True  # probably a damaged assembly: reading it will say what is wrong
    return isinstance(data, dict) and ("artifacts" in data or "version" in data)


def is_cdk_app(path: Path) -> bool:
    """True when `path` is a folder holding a ``cdk.json`` with an ``app`` command."""
    config = path / "cdk.json"
    if not config.is_file():
        return False
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return True  # a damaged cdk.json: synth will say what is wrong
    return isinstance(data, dict) and "app" in data


# --------------------------------------------------------------------------- reading


def read_assembly(cdk_out: Path) -> list[AssemblyStack]:
    """Every stack of the cloud assembly in `cdk_out`, nested assemblies included.

    Stacks come dependencies first. Raises `CdkError` when a manifest, template or asset
    manifest is missing or not valid, or when a function's staged code is not there.
    """
    root = Path(os.path.normpath(cdk_out.absolute()))
    if not (root / "manifest.json").is_file():
        raise CdkError(
            f"{root} is not a CDK cloud assembly: it has no manifest.json", hint=_RESYNTH
        )
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
    manifest = _load_json(file, "cloud assembly manifest")
    artifacts = manifest.get("artifacts", {})
    if not isinstance(artifacts, dict) or not all(isinstance(a, dict) for a in artifacts.values()):
        raise CdkError(f"{file}: `artifacts` is not an object of artifacts", hint=_RESYNTH)
    return artifacts


def _read_stack(
    directory: Path, artifact_id: str, artifacts: Mapping[str, dict[str, Any]], prefix: str
) -> AssemblyStack:
    artifact = artifacts[artifact_id]
    properties = _properties(artifact)
    template_file = directory / str(properties.get("templateFile", f"{artifact_id}.template.json"))
    template = _load_json(template_file, "CloudFormation template")
    resources = template.get("Resources", {})
    if not isinstance(resources, dict):
        raise CdkError(f"{template_file}: `Resources` is not an object", hint=_RESYNTH)

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
        code=_function_code(directory, resources, assets, paths),
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


def _load_json(file: Path, what: str) -> dict[str, Any]:
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CdkError(f"{file}: the {what} is missing", hint=_RESYNTH) from None
    except (OSError, UnicodeDecodeError) as error:
        raise CdkError(f"{file}: cannot read the {what} ({error})", hint=_RESYNTH) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise CdkError(
            f"{file}:{error.lineno}:{error.colno}: the {what} is not valid JSON ({error.msg})",
            hint=_RESYNTH,
        ) from None
    if not isinstance(data, dict):
        raise CdkError(f"{file}: the {what} is not a JSON object", hint=_RESYNTH)
    return data


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


# --------------------------------------------------------------------------- assets


def _file_assets(
    directory: Path,
    artifact_id: str,
    artifact: Mapping[str, Any],
    artifacts: Mapping[str, dict[str, Any]],
) -> list[_FileAsset]:
    """The stack's file assets: from its asset manifests, and legacy ``aws:cdk:asset`` metadata."""
    found: dict[str, _FileAsset] = {}
    wanted = _strings(artifact.get("dependencies"))
    wanted += _strings(_properties(artifact).get("additionalDependencies"))
    wanted.append(f"{artifact_id}.assets")
    for dep in dict.fromkeys(wanted):
        manifest = artifacts.get(dep, {})
        if manifest.get("type") == ASSET_MANIFEST:
            file = directory / str(_properties(manifest).get("file", f"{dep}.json"))
            for asset in _read_asset_manifest(file):
                found.setdefault(asset.hash, asset)
    for asset in _legacy_assets(directory, artifact):
        found.setdefault(asset.hash, asset)
    return list(found.values())


def _read_asset_manifest(file: Path) -> Iterator[_FileAsset]:
    files = _load_json(file, "asset manifest").get("files", {})
    if not isinstance(files, dict):
        raise CdkError(f"{file}: `files` is not an object", hint=_RESYNTH)
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
        yield _FileAsset(asset_hash, _staged(file.parent, source["path"]), keys)


def _legacy_assets(directory: Path, artifact: Mapping[str, Any]) -> Iterator[_FileAsset]:
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
                    yield _FileAsset(source_hash, _staged(directory, path))


def _staged(directory: Path, path: str) -> Path:
    """An asset path of the assembly (relative to its folder, or absolute), made absolute."""
    return Path(os.path.normpath(directory / path))


def _hash_from_name(path: Path) -> str:
    """The asset hash in a staged name: ``asset.<hash>`` or ``asset.<hash>.zip``."""
    name = path.name.removeprefix("asset.")
    return name.split(".", 1)[0] if name != path.name else name


def _function_code(
    directory: Path,
    resources: Mapping[str, Any],
    assets: list[_FileAsset],
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
                hint=f"the cloud assembly is incomplete; {_RESYNTH}",
            )
        code[logical_id] = AssetCode(path=asset.path, asset_hash=asset.hash)
    return code


def _asset_of(
    directory: Path,
    resource: Mapping[str, Any],
    by_path: Mapping[Path, _FileAsset],
    by_key: Mapping[str, _FileAsset],
) -> _FileAsset | None:
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
        return by_path.get(path) or _FileAsset(_hash_from_name(path), path)
    properties = resource.get("Properties")
    location = properties.get(code_property) if isinstance(properties, dict) else None
    key = location.get(key_name) if isinstance(location, dict) else None
    return by_key.get(key) if isinstance(key, str) else None


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
        metadata.update(_load_json(directory / extra, "stack metadata"))
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
            raise CdkError(f"the stacks depend on each other in a cycle: {cycle}", hint=_RESYNTH)
        visiting.append(stack.artifact_id)
        for dep in stack.dependencies:
            if dep in by_id:
                visit(by_id[dep])
        visiting.pop()
        ordered[stack.artifact_id] = stack

    for stack in stacks:
        visit(stack)
    return list(ordered.values())


# --------------------------------------------------------------------------- synthesis

# Context the CDK CLI adds unless cdk.json turns it off (aws-cdk lib/api/cxapp/exec.ts).
_CLI_SETTINGS = (
    ("pathMetadata", "aws:cdk:enable-path-metadata"),
    ("assetMetadata", "aws:cdk:enable-asset-metadata"),
    ("versionReporting", "aws:cdk:version-reporting"),
)
_CONTEXT_ENV_LIMIT = 100_000
"""Bytes of context passed in CDK_CONTEXT_JSON; more goes through a file, as the CLI does."""
_STDERR_LINES = 20


def synth(
    app_dir: Path, *, out_dir: Path | None = None, context: Mapping[str, str] | None = None
) -> Path:
    """Run the CDK app of `app_dir` into a cloud assembly; return the assembly's folder.

    This is the one place where lambdakit runs the user's code. The ``app`` command of
    ``cdk.json`` runs through the shell in `app_dir`, as the CDK CLI runs it, with
    ``CDK_OUTDIR`` (`out_dir`, else ``output`` of cdk.json, else ``cdk.out``), ``CDK_CONTEXT_JSON``
    (``cdk.context.json``, then the ``context`` of cdk.json, then `context`, plus the metadata
    settings the CLI adds), and ``CDK_DEFAULT_REGION``/``CDK_DEFAULT_ACCOUNT`` when the
    environment already says them (lambdakit never asks AWS). A ``build`` command of cdk.json
    runs first. So that ``python3 app.py`` finds aws-cdk-lib, the app's own ``.venv`` and the
    virtual environment lambdakit runs in come first on PATH. Output is captured; a failure
    raises `CdkError` with the last lines of the app's stderr.
    """
    app_dir = app_dir.absolute()
    settings = _read_cdk_json(app_dir)
    app = _command(settings, "app", app_dir)
    out = (out_dir or app_dir / str(settings.get("output", "cdk.out"))).absolute()
    out.mkdir(parents=True, exist_ok=True)
    manifest = out / "manifest.json"
    before = manifest.stat().st_mtime_ns if manifest.exists() else None

    merged = _context(app_dir, settings, context or {})
    with tempfile.TemporaryDirectory(prefix="lambdakit-cdk-") as scratch:
        env = _app_environment(app_dir, out, merged, Path(scratch))
        if "build" in settings:
            _run(_command(settings, "build", app_dir), app_dir, env, what="build command")
        _run(app, app_dir, env, what="CDK app")

    if not manifest.exists() or manifest.stat().st_mtime_ns == before:
        raise CdkError(
            f"the CDK app `{app}` ran but wrote no cloud assembly to {out}",
            hint="does the app call `app.synth()` at the end?",
        )
    return out


def _read_cdk_json(app_dir: Path) -> dict[str, Any]:
    file = app_dir / "cdk.json"
    if not file.is_file():
        raise CdkError(
            f"{app_dir} is not a CDK app: it has no cdk.json",
            hint='a CDK app folder has a cdk.json like {"app": "python3 app.py"}',
        )
    return _load_json(file, "CDK app configuration")


def _command(settings: Mapping[str, Any], key: str, app_dir: Path) -> str:
    value = settings.get(key)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return " ".join(value)  # the CLI joins an array with spaces too
    if isinstance(value, str) and value.strip():
        return value
    raise CdkError(
        f"{app_dir / 'cdk.json'}: `{key}` must be a command line, got {value!r}",
        hint='e.g. "app": "python3 app.py"',
    )


def _context(
    app_dir: Path, settings: Mapping[str, Any], overrides: Mapping[str, str]
) -> dict[str, Any]:
    """The context the app sees, merged in the CLI's order of precedence (last wins)."""
    merged: dict[str, Any] = {}
    cached = app_dir / "cdk.context.json"
    if cached.is_file():
        merged.update(_load_json(cached, "CDK context cache"))
    if isinstance(settings.get("context"), dict):
        merged.update(settings["context"])
    merged.update(overrides)
    for setting, key in _CLI_SETTINGS:
        if settings.get(setting, True):
            merged[key] = True
    if settings.get("versionReporting", True) is False:
        merged["aws:cdk:disable-version-reporting"] = True
    if settings.get("staging", True) is False:
        merged["aws:cdk:disable-asset-staging"] = True
    merged["aws:cdk:bundling-stacks"] = settings.get("bundlingStacks", ["**"])
    return merged


def _app_environment(
    app_dir: Path, out: Path, context: Mapping[str, Any], scratch: Path
) -> dict[str, str]:
    env = dict(os.environ)
    env["CDK_OUTDIR"] = str(out)
    encoded = json.dumps(context)
    if len(encoded.encode()) <= _CONTEXT_ENV_LIMIT:
        env["CDK_CONTEXT_JSON"] = encoded
    else:
        overflow = scratch / "context-overflow.json"
        overflow.write_text(encoded, encoding="utf-8")
        env["CDK_CONTEXT_JSON"] = "{}"
        env["CONTEXT_OVERFLOW_LOCATION_ENV"] = str(overflow)
    region = env.get("CDK_DEFAULT_REGION") or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    if region:
        env["CDK_DEFAULT_REGION"] = region
    env["PATH"] = os.pathsep.join([*_python_dirs(app_dir), env.get("PATH", "")])
    return env


def _python_dirs(app_dir: Path) -> list[str]:
    """Folders to put first on PATH so the app's ``python3`` is one that has aws-cdk-lib."""
    scripts = "Scripts" if os.name == "nt" else "bin"
    dirs = [app_dir / ".venv" / scripts]
    active = os.environ.get("VIRTUAL_ENV")
    if active:
        dirs.append(Path(active) / scripts)
    elif sys.prefix != sys.base_prefix:  # lambdakit runs in a venv that is not activated
        dirs.append(Path(sys.executable).parent)
    return [str(d) for d in dirs if d.is_dir()]


def _run(command: str, app_dir: Path, env: Mapping[str, str], *, what: str) -> None:
    try:
        result = subprocess.run(
            command,  # a command line from cdk.json, for the shell, as the CDK CLI runs it
            shell=True,
            cwd=app_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            check=False,
        )
    except OSError as error:
        raise CdkError(f"cannot run the {what} `{command}` in {app_dir}: {error}") from None
    if result.returncode != 0:
        raise CdkError(
            f"the {what} `{command}` failed in {app_dir} (exit code {result.returncode}):\n"
            + _tail(result.stderr or result.stdout),
            hint=_failure_hint(command, result.returncode, app_dir),
        )


def _tail(output: bytes) -> str:
    lines = output.decode(errors="replace").rstrip().splitlines()
    return "\n".join(lines[-_STDERR_LINES:]) or "(no output)"


def _failure_hint(command: str, returncode: int, app_dir: Path) -> str:
    if returncode == 127:
        return (
            f"the shell did not find `{command.split(maxsplit=1)[0]}`: is it installed and on PATH?"
        )
    return (
        f"run `{command}` in {app_dir} to see all of its output; a Python CDK app needs "
        "aws-cdk-lib installed in the Python that runs it, and Node.js on PATH"
    )
