"""What the SAM translator must not see, swapped for stand-ins before it runs, and the way back.

The translator runs offline and knows nothing of the template's folder. Before it runs, over the
caller's copy:

1. code (`place_code`): every local `CodeUri`/`ContentUri` (the resource's own, the one in
   `Globals.Function`, or SAM CLI's default ``.``) points at a placeholder S3 object and the real
   path is remembered; S3 locations, images and inline code are remembered as they are. An image
   function without an `ImageUri` (``sam build`` builds it) gets a placeholder image.
2. definitions (`inline_definitions`): local `DefinitionUri` files (own or from `Globals.Api`)
   are read in as `DefinitionBody` (`Definition` for state machines), includes expanded.
3. tags (`mark_sam_resources`): each SAM resource's `Metadata` gets its logical id, which the
   translator copies onto what it generates (connectors excepted).
4. SSM (`hide_ssm_defaults`): the defaults of SSM parameters are hidden; they name a parameter,
   they are not its value.

After it ran, `origins_of` reads the tags back (else the logical-id prefix) to give every
generated resource the SAM resource it came from, and removes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeGuard
from urllib.parse import parse_qs, quote, urlparse

from lambdakit.errors import FunctionConfigError, TemplateError
from lambdakit.model import Code, GetAtt, ImageCode, InlineCode, LocalCode, Ref, S3Code, Unresolved
from lambdakit.model import Value as ModelValue
from lambdakit.sources.include import expand_includes
from lambdakit.sources.template_paths import template_path
from lambdakit.sources.yaml_cfn import load_template

_FUNCTION = "AWS::Serverless::Function"
_LAYER = "AWS::Serverless::LayerVersion"
_DEFINITION_TYPES = {
    # SAM type -> the property that holds the definition inline (DefinitionUri names a file)
    "AWS::Serverless::Api": "DefinitionBody",
    "AWS::Serverless::HttpApi": "DefinitionBody",
    "AWS::Serverless::StateMachine": "Definition",
}
_CONNECTOR = "AWS::Serverless::Connector"
_IMPLICIT_APIS = ("ServerlessRestApi", "ServerlessHttpApi")

_MARKER = "lambdakit:SamResourceId"
_PLACEHOLDER_BUCKET = "lambdakit-local-code-placeholder"
_PLACEHOLDER_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/lambdakit-placeholder:latest"
_DEFAULT_CODE_URI = "."  # SAM CLI builds the template's folder when a function names no code
_ZIP_SUFFIXES = (".zip", ".jar")


def resources_of(template: Mapping[str, Any]) -> dict[str, Any]:
    """The template's Resources; empty when it has none (the translator says what is missing)."""
    resources = template.get("Resources")
    return resources if isinstance(resources, dict) else {}


def _sam_resources(template: Mapping[str, Any], *types: str) -> list[tuple[str, dict[str, Any]]]:
    """(logical id, Properties) of the SAM resources of `types`, Properties made a mapping."""
    found = []
    for logical_id, resource in resources_of(template).items():
        if isinstance(resource, dict) and resource.get("Type") in types:
            props = resource.setdefault("Properties", {})
            if isinstance(props, dict):
                found.append((logical_id, props))
    return found


def is_ssm(spec: Any) -> bool:
    """The parameter `spec` is read from SSM: its value, and so its default, names one."""
    return isinstance(spec, dict) and str(spec.get("Type", "")).startswith("AWS::SSM::Parameter::")


def hide_ssm_defaults(template: dict[str, Any]) -> None:
    """The translator would use an SSM parameter's name as its value; let it see no value."""
    declared = template.get("Parameters")
    for spec in declared.values() if isinstance(declared, dict) else ():
        if is_ssm(spec):
            spec.pop("Default", None)


# --------------------------------------------------------------------------- code


def place_code(template: dict[str, Any], file: Path, values: Mapping[str, Any]) -> dict[str, Code]:
    """Local code becomes placeholder S3 objects; returns SAM logical id -> its code."""
    function_globals = _function_globals(template)
    global_uri = function_globals.get("CodeUri", _DEFAULT_CODE_URI)
    if _is_local(_parameter_ref(global_uri, values)):
        function_globals.pop("CodeUri", None)  # each zip function gets its own placeholder
    code: dict[str, Code] = {}
    for logical_id, props in _sam_resources(template, _FUNCTION):
        found = _function_code(
            logical_id, props, global_uri=global_uri, file=file, values=values, template=template
        )
        if found is not None:
            code[logical_id] = found
    for logical_id, props in _sam_resources(template, _LAYER):
        if "ContentUri" in props:  # without one the translator says what is missing
            uri = props["ContentUri"]
            found = _uri_code(
                logical_id, props, "ContentUri", uri, file=file, values=values, template=template
            )
            if found is not None:
                code[logical_id] = found
    return code


def _function_globals(template: dict[str, Any]) -> dict[str, Any]:
    sections = template.get("Globals")
    function = sections.get("Function") if isinstance(sections, dict) else None
    return function if isinstance(function, dict) else {}


def _function_code(
    logical_id: str,
    props: dict[str, Any],
    *,
    global_uri: Any,
    file: Path,
    values: Mapping[str, Any],
    template: Mapping[str, Any],
) -> Code | None:
    if props.get("PackageType") == "Image":
        if "ImageUri" not in props:  # `sam build` builds it from the Dockerfile in Metadata
            props["ImageUri"] = _PLACEHOLDER_IMAGE
            return ImageCode(Unresolved(None, "an image `sam build` builds from a Dockerfile"))
        return ImageCode(_model_value(props["ImageUri"], values, template))
    if "InlineCode" in props:
        inline = props["InlineCode"]
        return InlineCode(inline) if isinstance(inline, str) else None
    uri = props.get("CodeUri", global_uri)
    return _uri_code(logical_id, props, "CodeUri", uri, file=file, values=values, template=template)


def _uri_code(
    logical_id: str,
    props: dict[str, Any],
    key: str,
    uri: Any,
    *,
    file: Path,
    values: Mapping[str, Any],
    template: Mapping[str, Any],
) -> Code | None:
    """The code a CodeUri/ContentUri names; a local path is swapped for a placeholder."""
    resolved = _parameter_ref(uri, values)
    if _is_local(resolved):
        path = _local_code_path(logical_id, key, resolved, file)
        props[key] = f"s3://{_PLACEHOLDER_BUCKET}/{quote(logical_id)}"
        return LocalCode(path)
    s3 = _s3_location(resolved)
    if s3 is None:
        return None  # an expression only CloudFormation evaluates: the translator decides
    if resolved is not uri:
        props[key] = resolved
    return S3Code(
        bucket=_model_value(s3.get("Bucket"), values, template),
        key=_model_value(s3.get("Key"), values, template),
        version=_model_value(s3.get("Version"), values, template),
    )


def _parameter_ref(value: Any, values: Mapping[str, Any]) -> Any:
    """`{"Ref": Param}` -> the parameter's value, when it has one; anything else as is."""
    if (
        isinstance(value, dict)
        and list(value) == ["Ref"]
        and isinstance(value["Ref"], str)
        and value["Ref"] in values
    ):
        return values[value["Ref"]]
    return value


def _is_local(uri: Any) -> TypeGuard[str]:
    return isinstance(uri, str) and _s3_location(uri) is None


def _s3_location(uri: Any) -> dict[str, Any] | None:
    """``s3://bucket/key?versionId=v`` or ``{Bucket, Key, Version}`` -> that mapping."""
    if isinstance(uri, dict):
        return uri if "Bucket" in uri and "Key" in uri else None
    if not isinstance(uri, str) or not uri.startswith("s3://"):
        return None
    parsed = urlparse(uri)
    versions = parse_qs(parsed.query).get("versionId", [])
    location = {"Bucket": parsed.netloc, "Key": parsed.path.lstrip("/")}
    return location | {"Version": versions[0]} if versions else location


def _local_code_path(logical_id: str, key: str, uri: str, file: Path) -> Path:
    path = template_path(file, uri, where=f"{logical_id}: {key}")
    if not path.exists():
        raise FunctionConfigError(
            f"{file}: {logical_id}: {key} {uri!r} points to {path}, which does not exist",
            hint=f"{key} is relative to the template's folder ({file.parent.resolve()}); "
            "create the folder or fix the path",
        )
    if path.is_file() and path.suffix.lower() not in _ZIP_SUFFIXES:
        raise FunctionConfigError(
            f"{file}: {logical_id}: {key} {uri!r} is a file, not a folder or a .zip archive",
            hint=f"point {key} at the folder that holds the code",
        )
    return path


def _model_value(expr: Any, values: Mapping[str, Any], template: Mapping[str, Any]) -> ModelValue:
    """A code location's value for the model: literals as they are, references symbolic."""
    if expr is None or isinstance(expr, str | int | float | bool):
        return expr
    if isinstance(expr, dict) and len(expr) == 1:
        ((function, argument),) = expr.items()
        if function == "Ref" and isinstance(argument, str) and argument in values:
            return _model_value(values[argument], values, template)
        if function == "Ref" and isinstance(argument, str) and argument in resources_of(template):
            return Ref(argument)
        if function == "Fn::GetAtt":
            parts = argument.split(".", 1) if isinstance(argument, str) else argument
            if isinstance(parts, list) and len(parts) == 2:
                return GetAtt(str(parts[0]), str(parts[1]))
    return Unresolved(expr, "a value CloudFormation computes when it deploys the stack")


# --------------------------------------------------------------------------- definitions and tags


def inline_definitions(template: dict[str, Any], file: Path) -> None:
    """Local `DefinitionUri` files (own or from `Globals.Api`) are read into the template."""
    api_globals = _api_globals(template)
    global_uri = api_globals.get("DefinitionUri")
    if _is_local(global_uri):
        del api_globals["DefinitionUri"]
        for logical_id, props in _sam_resources(template, "AWS::Serverless::Api"):
            if "DefinitionBody" not in props and "DefinitionUri" not in props:
                props["DefinitionBody"] = _load_definition(logical_id, global_uri, file)
    for sam_type, body_key in _DEFINITION_TYPES.items():
        for logical_id, props in _sam_resources(template, sam_type):
            uri = props.get("DefinitionUri")
            if _is_local(uri):
                del props["DefinitionUri"]
                props[body_key] = _load_definition(logical_id, uri, file)


def _api_globals(template: dict[str, Any]) -> dict[str, Any]:
    sections = template.get("Globals")
    api = sections.get("Api") if isinstance(sections, dict) else None
    return api if isinstance(api, dict) else {}


def _load_definition(logical_id: str, uri: str, file: Path) -> dict[str, Any]:
    path = template_path(file, uri, where=f"{logical_id}: DefinitionUri")
    if not path.is_file():
        raise TemplateError(
            f"{file}: {logical_id}: DefinitionUri {uri!r} points to {path}, which is not a file",
            hint="DefinitionUri is relative to the template's folder",
        )
    return expand_includes(load_template(path), file=path)


def mark_sam_resources(template: dict[str, Any]) -> set[str]:
    """Tag each SAM resource's Metadata; the translator copies it onto what it generates.

    Connectors are left alone: the translator gives their policies Metadata of its own, which a
    copy would replace; their policies are found by logical-id prefix.
    """
    sam_ids = set()
    for logical_id, resource in resources_of(template).items():
        kind = resource.get("Type") if isinstance(resource, dict) else None
        if not isinstance(kind, str) or not kind.startswith("AWS::Serverless::"):
            continue
        sam_ids.add(logical_id)
        metadata = resource.get("Metadata", {})
        if kind != _CONNECTOR and isinstance(metadata, dict):
            resource["Metadata"] = {**metadata, _MARKER: logical_id}
    return sam_ids


# --------------------------------------------------------------------------- the way back


def origins_of(
    translated: dict[str, Any], sam_ids: set[str], *, source_ids: set[str]
) -> dict[str, str]:
    """Logical id -> SAM logical id: the Metadata tag, else the longest SAM-id prefix, else itself.

    A resource the user wrote outside SAM is its own origin, whatever its name starts with. The
    translator copied the SAM resource's Metadata (the user's BuildMethod... and our tag) onto all
    it generated: the copy stays on the resource that kept the SAM id (the function), or on all
    of them when none did (a layer version, renamed with a hash); roles, permissions, aliases...
    lose it, as they would without the copy.
    """
    resources = resources_of(translated)
    tagged = {logical_id: _take_marker(resource) for logical_id, resource in resources.items()}
    prefixes = sorted(sam_ids | set(_IMPLICIT_APIS), key=len, reverse=True)
    origins: dict[str, str] = {}
    for logical_id, tag in tagged.items():
        if tag is not None:
            origins[logical_id] = tag
        elif logical_id in source_ids:
            origins[logical_id] = logical_id
        else:
            origins[logical_id] = next(
                (p for p in prefixes if logical_id.startswith(p)), logical_id
            )
    copies = [i for i, tag in tagged.items() if tag is not None and tag != i and tag in resources]
    for logical_id in copies:
        resources[logical_id].pop("Metadata", None)
    return origins


def _take_marker(resource: Any) -> str | None:
    """Remove the tag from `resource` (and the Metadata it leaves empty); return the SAM id."""
    metadata = resource.get("Metadata") if isinstance(resource, dict) else None
    if not isinstance(metadata, dict) or _MARKER not in metadata:
        return None
    origin = metadata.pop(_MARKER)
    if not metadata:
        del resource["Metadata"]
    return str(origin)
