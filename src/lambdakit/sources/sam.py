"""SAM template -> plain CloudFormation, offline, remembering what the user wrote.

Stages, each over a deep copy (the caller's mapping is never touched):

1. placeholders: expand local `AWS::Include` files; point every local `CodeUri`/`ContentUri`
   (the resource's own, the one in `Globals.Function`, or SAM CLI's default ``.``) at a placeholder
   S3 object and remember the real path; inline local `DefinitionUri` files as `DefinitionBody`
   (`Definition` for state machines); tag each SAM resource's `Metadata` with its logical id; hide
   the defaults of SSM parameters (they name a parameter, they are not its value).
2. translate: the official aws-sam-translator, with a region-only stand-in for the boto3 session,
   its bundled per-partition managed-policy map (never IAM) and an offline stand-in for the
   Serverless Application Repository. Whatever it rejects becomes one `TransformError`.
3. map back: the Metadata tags (else the logical-id prefix) give every generated resource the SAM
   resource it came from; the tags are removed, the Parameters and the other transforms restored,
   and each generated function and layer gets the `Code` its SAM resource named.
"""

from __future__ import annotations

import copy
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard
from urllib.parse import parse_qs, quote, urlparse

from lambdakit.errors import FunctionConfigError, LambdakitError, TemplateError, TransformError
from lambdakit.model import Code, GetAtt, ImageCode, InlineCode, LocalCode, Ref, S3Code, Unresolved
from lambdakit.model import Value as ModelValue
from lambdakit.sources.include import expand_includes
from lambdakit.sources.yaml_cfn import load_template

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"

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
_CODE_TYPES = ("AWS::Lambda::Function", "AWS::Lambda::LayerVersion")

_MARKER = "lambdakit:SamResourceId"
_PLACEHOLDER_BUCKET = "lambdakit-local-code-placeholder"
_PLACEHOLDER_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/lambdakit-placeholder:latest"
_DEFAULT_CODE_URI = "."  # SAM CLI builds the template's folder when a function names no code
_ZIP_SUFFIXES = (".zip", ".jar")
_SAM_SPEC = "https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/"

# samtranslator logs warnings (feature toggles, plugin failures) that are not messages for users;
# without a handler Python's last-resort handler would print them on stderr.
logging.getLogger("samtranslator").addHandler(logging.NullHandler())


@dataclass(frozen=True)
class SamTranslation:
    """A SAM template after the transform, with what maps it back to what the user wrote."""

    template: dict[str, Any]
    """CloudFormation after the transform (long-form intrinsics)."""
    origins: dict[str, str]
    """Every logical id of `template` -> the SAM logical id the user wrote (others: itself)."""
    code: dict[str, Code]
    """Generated function/layer logical id -> the code its SAM resource names."""


def is_sam(template: Mapping[str, Any]) -> bool:
    """The template's Transform names the SAM transform (as a string or inside a list)."""
    transform = template.get("Transform")
    if isinstance(transform, str):
        return transform == SAM_TRANSFORM
    return isinstance(transform, list) and SAM_TRANSFORM in transform


def translate(
    template: Mapping[str, Any],
    *,
    file: Path,
    parameter_values: Mapping[str, Any],
    region: str = "us-east-1",
    account: str = "123456789012",
    stack_name: str = "lambdakit",
) -> SamTranslation:
    """Run the SAM transform over `template` (read from `file`) without network or credentials."""
    source = expand_includes(template, file=file)
    _check_language_extensions(source, file)
    parameters = copy.deepcopy(source.get("Parameters"))
    values = _parameter_values(source, parameter_values, region, account, stack_name)
    sam_code = _place_code(source, file, values)
    _inline_definitions(source, file)
    sam_ids = _mark_sam_resources(source)
    _hide_ssm_defaults(source)
    translated = _run_translator(source, values, region, file)
    origins = _origins(translated, sam_ids, source_ids=set(_resources(source)))
    _restore_sections(translated, parameters, source.get("Transform"))
    code = {
        logical_id: sam_code[origins[logical_id]]
        for logical_id, resource in _resources(translated).items()
        if resource.get("Type") in _CODE_TYPES and origins[logical_id] in sam_code
    }
    return SamTranslation(template=translated, origins=origins, code=code)


# --------------------------------------------------------------------------- 1. placeholders


def _resources(template: Mapping[str, Any]) -> dict[str, Any]:
    resources = template.get("Resources")
    return resources if isinstance(resources, dict) else {}


def _sam_resources(template: Mapping[str, Any], *types: str) -> list[tuple[str, dict[str, Any]]]:
    """(logical id, Properties) of the SAM resources of `types`, Properties made a mapping."""
    found = []
    for logical_id, resource in _resources(template).items():
        if isinstance(resource, dict) and resource.get("Type") in types:
            props = resource.setdefault("Properties", {})
            if isinstance(props, dict):
                found.append((logical_id, props))
    return found


def _check_language_extensions(template: Mapping[str, Any], file: Path) -> None:
    """samtranslator cannot expand `Fn::ForEach`; say so instead of its puzzling shape error."""
    for section in ("Resources", "Conditions", "Outputs"):
        body = template.get(section)
        keys = body if isinstance(body, dict) else {}
        loops = [key for key in keys if str(key).startswith("Fn::ForEach")]
        if loops:
            raise TransformError(
                f"{file}: {section}: {loops[0]} (AWS::LanguageExtensions) cannot be expanded "
                "by lambdakit before the SAM transform",
                hint="write the resources out one by one; the other language extensions "
                "(Fn::Length, Fn::ToJsonString, Fn::FindInMap defaults) are fine",
            )


def _parameter_values(
    template: Mapping[str, Any],
    overrides: Mapping[str, Any],
    region: str,
    account: str,
    stack_name: str,
) -> dict[str, Any]:
    """Pseudo parameters, then template defaults, then overrides (as SAM CLI merges them)."""
    partition = _partition(region)
    values: dict[str, Any] = {
        "AWS::Region": region,
        "AWS::AccountId": account,
        "AWS::StackName": stack_name,
        "AWS::StackId": f"arn:{partition}:cloudformation:{region}:{account}:stack/{stack_name}"
        "/00000000-0000-0000-0000-000000000000",
        "AWS::Partition": partition,
        "AWS::URLSuffix": "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com",
    }
    declared = template.get("Parameters")
    declared = declared if isinstance(declared, dict) else {}
    for name, spec in declared.items():
        if isinstance(spec, dict) and "Default" in spec and not _is_ssm(spec):
            values[name] = spec["Default"]
    for name, value in overrides.items():
        if not _is_ssm(declared.get(name)):
            values[name] = value
    return values


def _partition(region: str) -> str:
    from samtranslator.translator.arn_generator import ArnGenerator  # noqa: PLC0415 - see _run_translator

    partition: str = ArnGenerator.get_partition_name(region)
    return partition


def _is_ssm(spec: Any) -> bool:
    return isinstance(spec, dict) and str(spec.get("Type", "")).startswith("AWS::SSM::Parameter::")


def _hide_ssm_defaults(template: dict[str, Any]) -> None:
    """The translator would use an SSM parameter's name as its value; let it see no value."""
    declared = template.get("Parameters")
    for spec in declared.values() if isinstance(declared, dict) else ():
        if _is_ssm(spec):
            spec.pop("Default", None)


def _place_code(template: dict[str, Any], file: Path, values: Mapping[str, Any]) -> dict[str, Code]:
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
    if isinstance(value, dict) and list(value) == ["Ref"] and value["Ref"] in values:
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
    path = (file.parent / uri).resolve()
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
        if function == "Ref" and argument in values:
            return _model_value(values[argument], values, template)
        if function == "Ref" and argument in _resources(template):
            return Ref(argument)
        if function == "Fn::GetAtt":
            parts = argument.split(".", 1) if isinstance(argument, str) else argument
            if isinstance(parts, list) and len(parts) == 2:
                return GetAtt(str(parts[0]), str(parts[1]))
    return Unresolved(expr, "a value CloudFormation computes when it deploys the stack")


def _inline_definitions(template: dict[str, Any], file: Path) -> None:
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
    path = (file.parent / uri).resolve()
    if not path.is_file():
        raise TemplateError(
            f"{file}: {logical_id}: DefinitionUri {uri!r} points to {path}, which is not a file",
            hint="DefinitionUri is relative to the template's folder",
        )
    return expand_includes(load_template(path), file=path)


def _mark_sam_resources(template: dict[str, Any]) -> set[str]:
    """Tag each SAM resource's Metadata; the translator copies it onto what it generates.

    Connectors are left alone: the translator gives their policies Metadata of its own, which a
    copy would replace; their policies are found by logical-id prefix.
    """
    sam_ids = set()
    for logical_id, resource in _resources(template).items():
        kind = resource.get("Type") if isinstance(resource, dict) else None
        if not isinstance(kind, str) or not kind.startswith("AWS::Serverless::"):
            continue
        sam_ids.add(logical_id)
        metadata = resource.get("Metadata", {})
        if kind != _CONNECTOR and isinstance(metadata, dict):
            resource["Metadata"] = {**metadata, _MARKER: logical_id}
    return sam_ids


# --------------------------------------------------------------------------- 2. translate


@dataclass(frozen=True)
class _OfflineSession:
    """What samtranslator reads of a boto3 Session: the region. No credentials, no calls."""

    region_name: str


class _OfflineServerlessRepo:
    """Answers the SAR calls of samtranslator's ServerlessAppPlugin without the network.

    A nested application from the Serverless Application Repository gets a placeholder template
    URL: lambdakit lists the nested stack but does not run it; deploy sends the SAM template to
    CloudFormation, which asks SAR itself.
    """

    def create_cloud_formation_template(self, **request: str) -> dict[str, str]:
        application, version = request["ApplicationId"], request["SemanticVersion"]
        return {
            "ApplicationId": application,
            "SemanticVersion": version,
            "Status": "ACTIVE",
            "TemplateId": "lambdakit-offline",
            "TemplateUrl": f"https://serverlessrepo.lambdakit.invalid/{quote(application, safe='')}"
            f"/{quote(version, safe='')}/template.yaml",
        }

    def get_application(self, **request: str) -> dict[str, str]:
        return {"ApplicationId": request["ApplicationId"]}


def _no_iam_lookup() -> dict[str, str]:
    """samtranslator's last resort for a managed policy name it does not bundle: no IAM call."""
    return {}


def _run_translator(
    template: dict[str, Any], values: dict[str, Any], region: str, file: Path
) -> dict[str, Any]:
    # samtranslator (and the boto3 it imports) takes about a second to import: only SAM pays it.
    from samtranslator.model.exceptions import InvalidDocumentException  # noqa: PLC0415
    from samtranslator.parser.parser import Parser  # noqa: PLC0415
    from samtranslator.plugins.application.serverless_app_plugin import (  # noqa: PLC0415
        ServerlessAppPlugin,
    )
    from samtranslator.translator.translator import Translator  # noqa: PLC0415
    from samtranslator.utils.py27hash_fix import to_py27_compatible_template  # noqa: PLC0415

    plugins = [ServerlessAppPlugin(sar_client=_OfflineServerlessRepo(), parameters=values)]
    translator = Translator(None, Parser(), plugins=plugins, boto_session=_OfflineSession(region))
    try:
        # As the hosted transform does, so generated ids (API deployments) hash the same way.
        to_py27_compatible_template(template, values)
        translated = translator.translate(
            template,
            parameter_values=values,
            passthrough_metadata=True,
            get_managed_policy_map=_no_iam_lookup,
        )
    except LambdakitError:
        raise
    except InvalidDocumentException as exc:
        raise _transform_error(file, [cause.message for cause in exc.causes]) from None
    except Exception as exc:  # anything else the translator trips on is the template's shape
        raise _transform_error(file, [_describe_crash(exc)]) from exc
    finally:
        translator.metrics.publish()  # to its no-op publisher; else it warns when collected
    # A JSON round trip drops the translator's py27 string and dict types.
    result: dict[str, Any] = json.loads(json.dumps(translated, default=str))
    return result


_RESOURCE_CAUSE = re.compile(r"^Resource with id \[(?P<id>.+?)\] is invalid\. (?P<text>.*)$", re.S)
_EVENT_CAUSE = re.compile(r"^Event with id \[(?P<id>.+?)\] is invalid\. (?P<text>.*)$", re.S)


def _cause_line(message: str) -> str:
    """One cause on one line: ``[Fn] event E: why`` for a resource's event, ``[Fn] why``."""
    message = message.removeprefix("Structure of the SAM template is invalid. ")
    resource = _RESOURCE_CAUSE.match(message)
    prefix = f"[{resource['id']}] " if resource else ""
    message = resource["text"] if resource else message
    event = _EVENT_CAUSE.match(message)
    return prefix + (f"event {event['id']}: {event['text']}" if event else message)


def _describe_crash(exc: Exception) -> str:
    text = str(exc) or "no details"
    return f"aws-sam-translator failed on this template ({type(exc).__name__}: {text})"


def _transform_error(file: Path, causes: list[str]) -> TransformError:
    lines = "\n".join(f"  {_cause_line(cause)}" for cause in causes)
    count = f"{len(causes)} problem" + ("s" if len(causes) != 1 else "")
    return TransformError(
        f"{file}: the SAM transform rejected the template ({count}):\n{lines}",
        hint=f"fix what is listed above; the SAM specification: {_SAM_SPEC}sam-specification.html",
    )


# --------------------------------------------------------------------------- 3. map back


def _origins(
    translated: dict[str, Any], sam_ids: set[str], *, source_ids: set[str]
) -> dict[str, str]:
    """Logical id -> SAM logical id: the Metadata tag, else the longest SAM-id prefix, else itself.

    A resource the user wrote outside SAM is its own origin, whatever its name starts with. The
    translator copied the SAM resource's Metadata (the user's BuildMethod... and our tag) onto all
    it generated: the copy stays on the resource that kept the SAM id (the function), or on all
    of them when none did (a layer version, renamed with a hash); roles, permissions, aliases...
    lose it, as they would without the copy.
    """
    resources = _resources(translated)
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


def _restore_sections(translated: dict[str, Any], parameters: Any, transform: Any) -> None:
    """The user's Parameters (SSM defaults included) and the transforms besides SAM's."""
    if parameters is not None:
        translated["Parameters"] = parameters
    others = [t for t in transform if t != SAM_TRANSFORM] if isinstance(transform, list) else []
    if others:
        translated["Transform"] = others
