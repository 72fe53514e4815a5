"""SAM template -> plain CloudFormation, offline, remembering what the user wrote.

Stages, each over a deep copy (the caller's mapping is never touched):

1. placeholders: expand local `AWS::Include` files; refuse `Fn::ForEach`, which the translator
   cannot expand; merge the parameter values as SAM CLI does (pseudo parameters, defaults,
   overrides). Then `sam_placeholders` points every local `CodeUri`/`ContentUri` (the
   resource's own, the one in `Globals.Function`, or SAM CLI's default ``.``) at a placeholder
   S3 object and remembers the real path; inlines local `DefinitionUri` files as
   `DefinitionBody` (`Definition` for state machines); tags each SAM resource's `Metadata` with
   its logical id; hides the defaults of SSM parameters (they name a parameter, they are not
   its value).
2. translate: the official aws-sam-translator, with a region-only stand-in for the boto3 session,
   its bundled per-partition managed-policy map (never IAM) and an offline stand-in for the
   Serverless Application Repository. Whatever it rejects becomes one `TransformError`.
3. map back: the Metadata tags (else the logical-id prefix) give every generated resource the SAM
   resource it came from (`sam_placeholders.origins_of`); the tags are removed, the Parameters
   and the other transforms restored, and each generated function and layer gets the `Code` its
   SAM resource named.
"""

from __future__ import annotations

import copy
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from lambdakit.errors import LambdakitError, TransformError
from lambdakit.model import Code
from lambdakit.sources.include import expand_includes
from lambdakit.sources.sam_placeholders import (
    hide_ssm_defaults,
    inline_definitions,
    is_ssm,
    mark_sam_resources,
    origins_of,
    place_code,
    resources_of,
)

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"

_CODE_TYPES = ("AWS::Lambda::Function", "AWS::Lambda::LayerVersion")
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
    sam_code = place_code(source, file, values)
    inline_definitions(source, file)
    sam_ids = mark_sam_resources(source)
    hide_ssm_defaults(source)
    translated = _run_translator(source, values, region, file)
    origins = origins_of(translated, sam_ids, source_ids=set(resources_of(source)))
    _restore_sections(translated, parameters, source.get("Transform"))
    code = {
        logical_id: sam_code[origins[logical_id]]
        for logical_id, resource in resources_of(translated).items()
        if resource.get("Type") in _CODE_TYPES and origins[logical_id] in sam_code
    }
    return SamTranslation(template=translated, origins=origins, code=code)


# --------------------------------------------------------------------------- 1. checks and values


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
        if isinstance(spec, dict) and "Default" in spec and not is_ssm(spec):
            values[name] = spec["Default"]
    for name, value in overrides.items():
        if not is_ssm(declared.get(name)):
            values[name] = value
    return values


def _partition(region: str) -> str:
    from samtranslator.translator.arn_generator import ArnGenerator  # noqa: PLC0415 - see _run_translator

    partition: str = ArnGenerator.get_partition_name(region)
    return partition


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


def _restore_sections(translated: dict[str, Any], parameters: Any, transform: Any) -> None:
    """The user's Parameters (SSM defaults included) and the transforms besides SAM's."""
    if parameters is not None:
        translated["Parameters"] = parameters
    others = [t for t in transform if t != SAM_TRANSFORM] if isinstance(transform, list) else []
    if others:
        translated["Transform"] = others
