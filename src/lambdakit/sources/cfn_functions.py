"""Read a resolved stack's ``AWS::Lambda::Function`` and ``AWS::Lambda::LayerVersion`` resources.

Stages, per function:

1. read its own properties: name, runtime (none for ``PackageType: Image``), architecture,
   handler, code, memory, timeout, /tmp size, environment, layers, reserved concurrency,
   dead-letter target, tracing mode, role, logging config (format, log levels, log group);
2. add what other resources attach to it (`cfn_function_links`): async invoke settings,
   function URL, published alias, deployment preference;
3. reject what Lambda would reject (`cfn_function_checks`);
4. for code in a local folder, find where its dependencies are declared (`dependencies`); for
   a CDK asset, in the project folder the asset was copied from, when exactly one matches.

Code comes from ``StackContext.code_overrides`` first (SAM ``CodeUri``/``ContentUri``, CDK
assets; relative paths are anchored at ``StackContext.base_dir``), else from the template:
``Code.ZipFile`` -> `InlineCode`, ``Code.S3Bucket``/``S3Key`` -> `S3Code`, ``Code.ImageUri`` ->
`ImageCode`. A layer of the app is referenced by its `Layer.id`; any other layer by its ARN.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from lambdakit.errors import FunctionConfigError
from lambdakit.model import (
    Architecture,
    AssetCode,
    Code,
    Destination,
    Function,
    ImageCode,
    InlineCode,
    Layer,
    LayerRef,
    LocalCode,
    Origin,
    Runtime,
    S3Code,
    SourceKind,
    Value,
    render_value,
)
from lambdakit.sources.cfn_function_checks import check_function
from lambdakit.sources.cfn_function_links import FunctionLinks, destination, links_by_function
from lambdakit.sources.coerce import as_int, as_str, as_str_list
from lambdakit.sources.dependencies import asset_source, find_dependencies
from lambdakit.sources.resolved import ResolvedResource, ResolvedStack

FUNCTION = "AWS::Lambda::Function"
LAYER = "AWS::Lambda::LayerVersion"
DEFAULT_MEMORY_MB = 128
DEFAULT_TIMEOUT_SECONDS = 3
DEFAULT_EPHEMERAL_STORAGE_MB = 512
DEFAULT_LOG_FORMAT = "Text"


def extract_functions(stack: ResolvedStack) -> tuple[Function, ...]:
    """Every Lambda function of the stack, in template order, checked."""
    links = links_by_function(stack)
    return tuple(
        _function(stack, res, links.get(res.logical_id, FunctionLinks()))
        for res in stack.of_type(FUNCTION)
    )


def extract_layers(stack: ResolvedStack) -> tuple[Layer, ...]:
    """Every layer whose content the stack defines, in template order."""
    return tuple(_layer(stack, res) for res in stack.of_type(LAYER))


def layer_id(stack: ResolvedStack, logical_id: str) -> str:
    """`Layer.id` of one of the stack's layers: the SAM id the user wrote (the transform renames
    layer versions with a hash suffix), else the logical id."""
    ctx = stack.context
    if ctx.source is SourceKind.SAM:
        return ctx.origins.get(logical_id, logical_id)
    return ctx.function_id(logical_id)


# --------------------------------------------------------------------------- functions


def _function(stack: ResolvedStack, res: ResolvedResource, links: FunctionLinks) -> Function:
    ctx = stack.context
    origin = ctx.origin(res.logical_id)

    def where(prop: str) -> str:
        return f"{origin}: {prop}"

    image = as_str(res.prop("PackageType"), where("PackageType")) == "Image"
    runtime = None if image else as_str(res.prop("Runtime"), where("Runtime"))
    fn = Function(
        id=ctx.function_id(res.logical_id),
        logical_id=res.logical_id,
        stack=ctx.stack,
        origin=origin,
        name=res.prop("FunctionName"),
        runtime=Runtime(runtime) if runtime else None,
        architecture=_architecture(res, origin),
        handler=None if image else as_str(res.prop("Handler"), where("Handler")),
        code=_function_code(stack, res, origin),
        memory_mb=_int(res, ("MemorySize",), DEFAULT_MEMORY_MB, origin),
        timeout_seconds=_int(res, ("Timeout",), DEFAULT_TIMEOUT_SECONDS, origin),
        ephemeral_storage_mb=_int(
            res, ("EphemeralStorage", "Size"), DEFAULT_EPHEMERAL_STORAGE_MB, origin
        ),
        environment=_environment(res.prop("Environment", "Variables"), origin),
        layers=tuple(_layer_ref(stack, value) for value in _as_list(res.prop("Layers"))),
        reserved_concurrency=as_int(
            res.prop("ReservedConcurrentExecutions"), where("ReservedConcurrentExecutions")
        ),
        event_invoke=links.event_invoke,
        dead_letter=_dead_letter(stack, res),
        url=links.url,
        auto_publish_alias=links.auto_publish_alias,
        deployment_preference=links.deployment_preference,
        tracing=as_str(res.prop("TracingConfig", "Mode"), where("TracingConfig.Mode")),
        role=res.prop("Role"),
        log_format=_log_format(res, origin),
        application_log_level=as_str(
            res.prop("LoggingConfig", "ApplicationLogLevel"),
            where("LoggingConfig.ApplicationLogLevel"),
        ),
        system_log_level=as_str(
            res.prop("LoggingConfig", "SystemLogLevel"), where("LoggingConfig.SystemLogLevel")
        ),
        log_group=res.prop("LoggingConfig", "LogGroup"),
    )
    check_function(fn)
    code_dir = _code_folder(fn.code)
    if code_dir is None:
        return fn
    if isinstance(fn.code, AssetCode) and ctx.project_root is not None:
        code_dir = asset_source(code_dir, ctx.project_root) or code_dir
    dependencies = find_dependencies(
        code_dir,
        function_id=fn.id,
        project_root=ctx.project_root,
        also_known_as=tuple(dict.fromkeys(n for n in (fn.logical_id, origin.name) if n != fn.id)),
    )
    return replace(fn, dependencies=dependencies)


def _function_code(stack: ResolvedStack, res: ResolvedResource, origin: Origin) -> Code:
    override = _override(stack, res.logical_id, origin)
    if override is not None:
        return override
    code = res.prop("Code")
    if isinstance(code, dict):
        if code.get("ImageUri") is not None:
            return ImageCode(code["ImageUri"])
        if code.get("ZipFile") is not None:
            source = code["ZipFile"]
            return InlineCode(source if isinstance(source, str) else render_value(source))
        if code.get("S3Bucket") is not None or code.get("S3Key") is not None:
            return S3Code(code.get("S3Bucket"), code.get("S3Key"), code.get("S3ObjectVersion"))
    raise FunctionConfigError(
        f"{origin}: has no code lambdakit can read (Code needs ZipFile, S3Bucket and S3Key, "
        f"or ImageUri; got {render_value(code)})",
        hint="for SAM set CodeUri to the function's folder; in CloudFormation set Code",
    )


def _override(stack: ResolvedStack, logical_id: str, origin: Origin) -> Code | None:
    """The source's code location, keyed by logical id (or by the name the user wrote)."""
    overrides = stack.context.code_overrides
    code = overrides.get(logical_id) or overrides.get(origin.name)
    base = stack.context.base_dir
    if isinstance(code, LocalCode) and not code.path.is_absolute():
        return LocalCode(base / code.path)
    if isinstance(code, AssetCode) and not code.path.is_absolute():
        return AssetCode(base / code.path, code.asset_hash)
    return code


def _code_folder(code: Code) -> Path | None:
    if isinstance(code, LocalCode | AssetCode) and code.path.is_dir():
        return code.path
    return None


def _architecture(res: ResolvedResource, origin: Origin) -> Architecture:
    names = as_str_list(res.prop("Architectures"), f"{origin}: Architectures")
    if not names:
        return Architecture.X86_64
    allowed = ", ".join(a.value for a in Architecture)
    if len(names) > 1:
        raise FunctionConfigError(
            f"{origin}: Architectures lists {len(names)} values; a function has exactly one",
            hint=f"keep one of {allowed}",
        )
    try:
        return Architecture(names[0])
    except ValueError:
        raise FunctionConfigError(
            f"{origin}: Architectures is {names[0]!r}; Lambda supports {allowed}",
            hint=f"set Architectures to [{allowed.split(', ')[0]}] or [arm64]",
        ) from None


def _int(res: ResolvedResource, path: tuple[str, ...], default: int, origin: Origin) -> int:
    value = as_int(res.prop(*path), f"{origin}: {'.'.join(path)}")
    return default if value is None else value


def _log_format(res: ResolvedResource, origin: Origin) -> str:
    """``LoggingConfig.LogFormat``, Text when absent. A value known only at deploy counts as
    JSON when log levels are set (Lambda accepts log levels only with JSON), else as Text."""
    value = res.prop("LoggingConfig", "LogFormat")
    text = as_str(value, f"{origin}: LoggingConfig.LogFormat")
    if text is not None:
        return text
    levels = ("ApplicationLogLevel", "SystemLogLevel")
    if value is not None and any(res.prop("LoggingConfig", level) is not None for level in levels):
        return "JSON"
    return DEFAULT_LOG_FORMAT


def _environment(variables: Value, origin: Origin) -> Mapping[str, Value]:
    if variables is None:
        return {}
    if not isinstance(variables, dict):
        if isinstance(variables, list):
            raise FunctionConfigError(
                f"{origin}: Environment.Variables must be a mapping of names to values",
                hint="write Variables: {NAME: value, ...}",
            )
        return {}
    return dict(variables)


def _as_list(value: Value) -> list[Value]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _layer_ref(stack: ResolvedStack, value: Value) -> LayerRef:
    logical_id = stack.referenced(value)
    if logical_id is not None and stack.resources[logical_id].type == LAYER:
        return LayerRef(layer=layer_id(stack, logical_id))
    return LayerRef(arn=value)


def _dead_letter(stack: ResolvedStack, res: ResolvedResource) -> Destination | None:
    target = res.prop("DeadLetterConfig", "TargetArn")
    return destination(stack, target) if target is not None else None


# --------------------------------------------------------------------------- layers


def _layer(stack: ResolvedStack, res: ResolvedResource) -> Layer:
    origin = stack.context.origin(res.logical_id)
    code = _override(stack, res.logical_id, origin)
    if code is None:
        bucket, key = res.prop("Content", "S3Bucket"), res.prop("Content", "S3Key")
        if bucket is None and key is None:
            raise FunctionConfigError(
                f"{origin}: layer has no content lambdakit can read (Content needs S3Bucket "
                "and S3Key)",
                hint="for SAM set ContentUri to the layer's folder; in CloudFormation set Content",
            )
        code = S3Code(bucket, key, res.prop("Content", "S3ObjectVersion"))
    if isinstance(code, LocalCode | AssetCode) and not code.path.exists():
        raise FunctionConfigError(
            f"{origin}: layer content folder {code.path} does not exist",
            hint="fix ContentUri (paths are relative to the template's folder) or create it",
        )
    build_method = res.metadata.get("BuildMethod")
    return Layer(
        id=layer_id(stack, res.logical_id),
        logical_id=res.logical_id,
        stack=stack.context.stack,
        origin=origin,
        name=res.prop("LayerName"),
        code=code,
        compatible_runtimes=tuple(
            Runtime(name)
            for name in as_str_list(res.prop("CompatibleRuntimes"), f"{origin}: CompatibleRuntimes")
        ),
        compatible_architectures=_layer_architectures(res, origin),
        build_method=build_method if isinstance(build_method, str) else None,
    )


def _layer_architectures(res: ResolvedResource, origin: Origin) -> tuple[Architecture, ...]:
    names = as_str_list(res.prop("CompatibleArchitectures"), f"{origin}: CompatibleArchitectures")
    try:
        return tuple(Architecture(name) for name in names)
    except ValueError:
        allowed = ", ".join(a.value for a in Architecture)
        raise FunctionConfigError(
            f"{origin}: CompatibleArchitectures {list(names)} has a value Lambda does not "
            f"support; it supports {allowed}",
            hint=f"list only {allowed}",
        ) from None
