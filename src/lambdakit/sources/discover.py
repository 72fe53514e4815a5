"""Finding an app and reading it into the model: path -> kind -> stacks -> one `App`.

Stages: locate (a template file; a folder with ``template.yaml|yml|json``, a cloud assembly, a
``cdk.out/`` or a ``cdk.json``) -> read each stack's template (SAM through its transform, CDK
from the cloud assembly, synthesizing first only when asked) -> `read_stack` per stack ->
merge into an `App`. Nothing here executes template content; `synth=True` is the one way user
code runs.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lambdakit.errors import AppError, ParameterError, TemplateNotFoundError
from lambdakit.model import App, Code, LocalCode, SourceKind
from lambdakit.sources import cdk, sam
from lambdakit.sources.cloudformation import StackParts, function_logical_ids, read_stack
from lambdakit.sources.include import expand_includes
from lambdakit.sources.resolved import StackContext
from lambdakit.sources.sam_cache import cached_translate
from lambdakit.sources.template_paths import template_path
from lambdakit.sources.yaml_cfn import load_template

TEMPLATE_NAMES = ("template.yaml", "template.yml", "template.json")
DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT = "123456789012"


@dataclass(frozen=True)
class LoadOptions:
    """How to read an app: what a deploy would be told, for values a template leaves open."""

    parameter_overrides: Mapping[str, str] = field(default_factory=dict)
    region: str | None = None
    account: str = DEFAULT_ACCOUNT
    stack_name: str | None = None
    synth: bool = False
    """Run the CDK app (``cdk.json``'s app command) before reading its cloud assembly."""


@dataclass(frozen=True)
class Located:
    """Where the app is and what kind of input it is."""

    kind: str
    """``template``, ``assembly`` or ``cdk-app``."""
    path: Path


def locate(path: Path | None) -> Located:
    """Find the app at `path` (a file or folder; the current folder when None)."""
    target = (path or Path.cwd()).resolve()
    if target.is_file():
        return Located("template", target)
    if not target.exists():
        raise TemplateNotFoundError(f"{target}: no such file or folder")
    if cdk.is_assembly(target):
        return Located("assembly", target)
    for name in TEMPLATE_NAMES:
        if (target / name).is_file():
            return Located("template", target / name)
    if cdk.is_cdk_app(target):
        return Located("cdk-app", target)
    if cdk.is_assembly(target / "cdk.out"):
        return Located("assembly", target / "cdk.out")
    raise TemplateNotFoundError(
        f"{target}: no template.yaml, template.yml, template.json, cdk.out/ or cdk.json here",
        hint="pass the template with -t PATH, or run lambdakit in the app's folder",
    )


def load_app(path: Path | None = None, options: LoadOptions | None = None) -> App:
    """Read the app at `path` (see `locate`) into the model."""
    opts = options or LoadOptions()
    located = locate(path)
    if located.kind == "template":
        return _load_template_app(located.path, opts)
    assembly = located.path
    if located.kind == "cdk-app":
        assembly = _assembly_of(located.path, synth=opts.synth)
    return _load_assembly_app(assembly, opts)


def _assembly_of(app_dir: Path, *, synth: bool) -> Path:
    if synth:
        return cdk.synth(app_dir)
    out = app_dir / str(_cdk_output(app_dir))
    if cdk.is_assembly(out):
        return out
    raise TemplateNotFoundError(
        f"{app_dir}: a CDK app with no synthesized cloud assembly ({out.name}/)",
        hint="run `lambdakit synth` (or pass --synth) to run the CDK app first",
    )


def _cdk_output(app_dir: Path) -> str:
    config = _read_json(app_dir / "cdk.json")
    output = config.get("output")
    return output if isinstance(output, str) else "cdk.out"


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def project_root(start: Path) -> Path | None:
    """The nearest folder at or above `start` with a ``pyproject.toml`` or ``lambdakit.toml``
    (not past a git root)."""
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file() or (folder / "lambdakit.toml").is_file():
            return folder
        if (folder / ".git").exists():
            return None
    return None


def _config(root: Path | None) -> dict[str, Any]:
    """``[tool.lambdakit]`` of the project's ``pyproject.toml``, or ``lambdakit.toml``."""
    if root is None:
        return {}
    try:
        if (root / "lambdakit.toml").is_file():
            return tomllib.loads((root / "lambdakit.toml").read_text(encoding="utf-8"))
        data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise AppError(f"{root}: cannot read the project's configuration: {exc}") from None
    tool = data.get("tool", {})
    section = tool.get("lambdakit", {}) if isinstance(tool, dict) else {}
    return section if isinstance(section, dict) else {}


def _region(opts: LoadOptions, config: Mapping[str, Any]) -> str:
    configured = config.get("region")
    return (
        opts.region
        or (configured if isinstance(configured, str) else None)
        or os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
        or DEFAULT_REGION
    )


def default_stack_name(folder: Path) -> str:
    """A valid stack name from a folder name: letters, digits, hyphens; a letter first."""
    name = re.sub(r"[^A-Za-z0-9-]+", "-", folder.name).strip("-")
    if not name or not name[0].isalpha():
        name = f"app-{name}".rstrip("-")
    return name[:128]


def _load_template_app(file: Path, opts: LoadOptions) -> App:
    return app_from_template(load_template(file), file=file, options=opts)


def app_from_template(
    document: Mapping[str, Any], *, file: Path, options: LoadOptions | None = None
) -> App:
    """Read a parsed template document; `file` is where it came from (paths are relative to it)."""
    opts = options or LoadOptions()
    root = project_root(file.parent)
    config = _config(root)
    configured_name = config.get("stack-name")
    stack_name = (
        opts.stack_name
        or (configured_name if isinstance(configured_name, str) else None)
        or default_stack_name(file.parent)
    )
    region = _region(opts, config)
    written = expand_includes(document, file=file)
    template: Mapping[str, Any] = written
    origins: dict[str, str] = {}
    code: dict[str, Code] = packaged_code_paths(written, file)
    source = SourceKind.CLOUDFORMATION
    if sam.is_sam(written):
        parameter_values = _parameter_values(written, opts.parameter_overrides)
        inputs = {
            "parameter_values": parameter_values,
            "region": region,
            "account": opts.account,
            "stack_name": stack_name,
        }
        translated = cached_translate(
            lambda: sam.translate(
                written,
                file=file,
                parameter_values=parameter_values,
                region=region,
                account=opts.account,
                stack_name=stack_name,
            ),
            template=written,
            file=file,
            inputs=inputs,
        )
        template, origins, source = translated.template, translated.origins, SourceKind.SAM
        code.update(translated.code)
    context = StackContext(
        stack=stack_name,
        file=file,
        base_dir=file.parent,
        source=source,
        region=region,
        account=opts.account,
        origins=origins,
        code_overrides=code,
        project_root=root,
    )
    parts = read_stack(
        template, context=context, original=written, parameter_overrides=opts.parameter_overrides
    )
    return _app(
        name=stack_name,
        root=file.parent,
        source=source,
        parts=[parts],
        project=root,
        config=config,
    )


# Properties that `aws cloudformation package` uploads when they hold a local path.
_PACKAGED_CODE = {"AWS::Lambda::Function": "Code", "AWS::Lambda::LayerVersion": "Content"}


def packaged_code_paths(template: Mapping[str, Any], file: Path) -> dict[str, Code]:
    """Plain CloudFormation's local code paths (``Code: ./src``), as `cloudformation package`
    reads them, relative to the template's folder."""
    resources = template.get("Resources")
    found: dict[str, Code] = {}
    if not isinstance(resources, dict):
        return found
    for logical_id, res in resources.items():
        if not isinstance(res, dict):
            continue
        prop = _PACKAGED_CODE.get(str(res.get("Type")))
        props = res.get("Properties")
        value = props.get(prop) if prop and isinstance(props, dict) else None
        if isinstance(value, str) and not value.startswith("s3://"):
            where = f"{logical_id}: {prop}"
            found[logical_id] = LocalCode(template_path(file, value, where=where))
    return found


def _parameter_values(template: Mapping[str, Any], overrides: Mapping[str, str]) -> dict[str, Any]:
    """Defaults overlaid with overrides: what the SAM transform is told (as SAM CLI does)."""
    declared = template.get("Parameters") or {}
    values: dict[str, Any] = {}
    if isinstance(declared, dict):
        for name, spec in declared.items():
            if isinstance(spec, dict) and "Default" in spec:
                values[name] = spec["Default"]
    values.update(overrides)
    return values


def _load_assembly_app(assembly: Path, opts: LoadOptions) -> App:
    stacks = cdk.read_assembly(assembly)
    if not stacks:
        raise TemplateNotFoundError(
            f"{assembly}: the cloud assembly has no stacks",
            hint="check the CDK app adds a Stack to its App, then synthesize again",
        )
    app_dir = assembly.parent
    root = project_root(app_dir)
    config = _config(root)
    _check_overrides(stacks, opts.parameter_overrides, assembly)
    qualify = sum(1 for s in stacks if function_logical_ids(s.template)) > 1
    all_parts: list[StackParts] = []
    for stack in stacks:
        context = StackContext(
            stack=stack.name,
            file=stack.template_file,
            base_dir=app_dir,
            source=SourceKind.CDK,
            region=stack.region or _region(opts, config),
            account=stack.account or opts.account,
            origins={k: v.removesuffix("/Resource") for k, v in stack.construct_paths.items()},
            code_overrides=stack.code,
            function_ids={
                logical_id: f"{stack.name}/{logical_id}" if qualify else logical_id
                for logical_id in function_logical_ids(stack.template)
            },
            project_root=root,
        )
        parts = read_stack(
            stack.template,
            context=context,
            parameter_overrides=_overrides_for(stack.template, opts.parameter_overrides),
        )
        all_parts.append(_without_cdk_internals(parts))
    name = stacks[0].name if len(stacks) == 1 else default_stack_name(app_dir)
    return _app(
        name=opts.stack_name or name,
        root=app_dir,
        source=SourceKind.CDK,
        parts=all_parts,
        project=root,
        config=config,
    )


# CDK's own singleton functions (bucket notifications, AwsCustomResource, log retention, bucket
# deployment...) have a construct id ending in a 32-hex-digit uuid. They back CloudFormation
# custom resources during deployment and are not functions of the user's app.
_CDK_SINGLETON = re.compile(r"[0-9a-fA-F]{32}$")


def _without_cdk_internals(parts: StackParts) -> StackParts:
    internal = {
        f.id for f in parts.functions if _CDK_SINGLETON.search(f.origin.name.rsplit("/", 1)[-1])
    }
    if not internal:
        return parts
    return dataclasses.replace(
        parts,
        functions=tuple(f for f in parts.functions if f.id not in internal),
        routes=tuple(r for r in parts.routes if r.function not in internal),
        event_sources=tuple(e for e in parts.event_sources if e.function not in internal),
    )


def _check_overrides(
    stacks: list[cdk.AssemblyStack], overrides: Mapping[str, str], assembly: Path
) -> None:
    declared = {n for s in stacks for n in (s.template.get("Parameters") or {})}
    unknown = sorted(set(overrides) - declared)
    if unknown:
        raise ParameterError(
            f"{assembly}: --parameter-overrides names {', '.join(unknown)}, "
            "which no stack of the app declares",
            hint=f"declared parameters: {', '.join(sorted(declared)) or 'none'}",
        )


def _overrides_for(template: Mapping[str, Any], overrides: Mapping[str, str]) -> dict[str, str]:
    """A CDK app's overrides apply to the stacks that declare each parameter."""
    declared = template.get("Parameters") or {}
    return {k: v for k, v in overrides.items() if isinstance(declared, dict) and k in declared}


def _app(
    *,
    name: str,
    root: Path,
    source: SourceKind,
    parts: list[StackParts],
    project: Path | None,
    config: Mapping[str, Any],
) -> App:
    return App(
        name=name,
        root=root,
        project_root=project,
        config=config,
        source=source,
        stacks=tuple(p.stack for p in parts),
        functions=tuple(f for p in parts for f in p.functions),
        layers=tuple(layer for p in parts for layer in p.layers),
        routes=tuple(r for p in parts for r in p.routes),
        event_sources=tuple(e for p in parts for e in p.event_sources),
        rule_targets=tuple(t for p in parts for t in p.rule_targets),
        resources=tuple(r for p in parts for r in p.resources),
    )
