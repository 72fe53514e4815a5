"""Point every function's and layer's code in a template at its uploaded asset.

Stages, over a deep copy of the template (the input is never changed, its order is kept):

1. code: for each resource whose logical id the caller maps to an object key —
   SAM ``AWS::Serverless::Function`` ``CodeUri`` and ``AWS::Serverless::LayerVersion``
   ``ContentUri`` become ``s3://bucket/key`` (the template stays SAM); CloudFormation (and CDK)
   ``AWS::Lambda::Function`` ``Code`` and ``AWS::Lambda::LayerVersion`` ``Content`` become
   ``{S3Bucket, S3Key}``. Inline code, images and code already in S3 are left as written.
2. CDK: the bootstrap check (parameter ``BootstrapVersion``, rule ``CheckBootstrapVersion``) is
   removed, since the code is in lambdakit's bucket and no CDK bootstrap stack is needed; any
   resource still naming the CDK bootstrap bucket (a CDK file asset that is not Lambda code) is
   reported in the notes as not supported.
3. `template_json`: the JSON text, compact and in the template's order (same input, same bytes).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
SAM_FUNCTION = "AWS::Serverless::Function"
SAM_LAYER = "AWS::Serverless::LayerVersion"
CFN_FUNCTION = "AWS::Lambda::Function"
CFN_LAYER = "AWS::Lambda::LayerVersion"

CDK_BOOTSTRAP_PARAMETER = "BootstrapVersion"
CDK_BOOTSTRAP_RULE = "CheckBootstrapVersion"
_CDK_BOOTSTRAP_BUCKET = re.compile(r"cdk-[a-z0-9]+-(?:container-)?assets-")

BOOTSTRAP_REMOVED_NOTE = (
    "the CDK bootstrap check (parameter BootstrapVersion, rule CheckBootstrapVersion) was "
    "removed: the code is in lambdakit's assets bucket, so no CDK bootstrap stack is needed"
)


@dataclass(frozen=True)
class Rewrite:
    """The rewritten template and what the rewrite did."""

    template: dict[str, Any]
    rewritten: frozenset[str]
    """Logical ids whose code now points at an asset."""
    notes: tuple[str, ...] = ()


def is_sam(template: Mapping[str, Any]) -> bool:
    """Whether the template declares the SAM transform."""
    return SAM_TRANSFORM in transforms(template)


def transforms(template: Mapping[str, Any]) -> tuple[str, ...]:
    """The names in the template's ``Transform`` (a string or a list; macros with parameters
    are mappings with a ``Name``)."""
    value = template.get("Transform")
    items = value if isinstance(value, list) else [value]
    names = [i.get("Name") if isinstance(i, Mapping) else i for i in items]
    return tuple(n for n in names if isinstance(n, str))


def rewrite_template(
    template: Mapping[str, Any],
    *,
    bucket: str,
    keys: Mapping[str, str],
    shared_layers: Mapping[str, str] | None = None,
    layer_uses: Mapping[str, Sequence[str]] | None = None,
) -> Rewrite:
    """Point the code of the resources in `keys` (logical id -> object key) at `bucket`.

    `shared_layers` (logical id -> object key) are layers lambdakit made (``layers = "auto"``)
    that the template does not have: each is added as an ``AWS::Lambda::LayerVersion``, and
    each function of `layer_uses` (logical id -> layer logical ids) gets them in ``Layers``.
    """
    result: dict[str, Any] = copy.deepcopy(dict(template))
    resources = result.get("Resources")
    rewritten: set[str] = set()
    if isinstance(resources, dict):
        for logical_id, resource in resources.items():
            key = keys.get(logical_id)
            if key is not None and isinstance(resource, dict) and _point(resource, bucket, key):
                rewritten.add(logical_id)
        _add_layers(resources, bucket, shared_layers or {}, layer_uses or {})
    notes: list[str] = []
    if _remove_cdk_bootstrap_check(result):
        notes.append(BOOTSTRAP_REMOVED_NOTE)
    notes.extend(cdk_bootstrap_references(result))
    return Rewrite(template=result, rewritten=frozenset(rewritten), notes=tuple(notes))


def template_json(template: Mapping[str, Any]) -> str:
    """The template as compact JSON, in its own order: the same template gives the same text."""
    return json.dumps(template, separators=(",", ":"), ensure_ascii=False, default=str)


# --------------------------------------------------------------------------- code


def _point(resource: dict[str, Any], bucket: str, key: str) -> bool:
    """Point one resource's code at ``s3://bucket/key``; False when its code is not local."""
    props = resource.get("Properties")
    if props is None:
        props = resource["Properties"] = {}
    point = _POINTERS.get(str(resource.get("Type")))
    return isinstance(props, dict) and point is not None and point(props, bucket, key)


def _point_sam_function(props: dict[str, Any], bucket: str, key: str) -> bool:
    if "InlineCode" in props or props.get("PackageType") == "Image":
        return False
    return _set_sam_uri(props, "CodeUri", bucket, key)


def _point_sam_layer(props: dict[str, Any], bucket: str, key: str) -> bool:
    return _set_sam_uri(props, "ContentUri", bucket, key)


def _point_function(props: dict[str, Any], bucket: str, key: str) -> bool:
    code = props.get("Code")
    if isinstance(code, Mapping) and ("ZipFile" in code or "ImageUri" in code):
        return False
    props["Code"] = {"S3Bucket": bucket, "S3Key": key}
    return True


def _point_layer(props: dict[str, Any], bucket: str, key: str) -> bool:
    props["Content"] = {"S3Bucket": bucket, "S3Key": key}
    return True


def _set_sam_uri(props: dict[str, Any], name: str, bucket: str, key: str) -> bool:
    current = props.get(name)
    if (isinstance(current, str) and current.startswith("s3://")) or (
        isinstance(current, Mapping) and "Bucket" in current
    ):
        return False  # already in S3 (an s3:// URI or a {Bucket, Key} mapping)
    props[name] = f"s3://{bucket}/{key}"
    return True


def _add_layers(
    resources: dict[str, Any],
    bucket: str,
    shared_layers: Mapping[str, str],
    layer_uses: Mapping[str, Sequence[str]],
) -> None:
    for logical_id, key in shared_layers.items():
        resources[logical_id] = {
            "Type": CFN_LAYER,
            "Properties": {"Content": {"S3Bucket": bucket, "S3Key": key}},
        }
    for function, layers in layer_uses.items():
        resource = resources.get(function)
        if not layers or not isinstance(resource, dict):
            continue
        props = resource.setdefault("Properties", {})
        current = props.get("Layers")
        props["Layers"] = [*(current if isinstance(current, list) else [])] + [
            {"Ref": layer} for layer in layers
        ]


_POINTERS: dict[str, Callable[[dict[str, Any], str, str], bool]] = {
    SAM_FUNCTION: _point_sam_function,
    SAM_LAYER: _point_sam_layer,
    CFN_FUNCTION: _point_function,
    CFN_LAYER: _point_layer,
}


# --------------------------------------------------------------------------- CDK


def _remove_cdk_bootstrap_check(template: dict[str, Any]) -> bool:
    rules = template.get("Rules")
    if not isinstance(rules, dict) or CDK_BOOTSTRAP_RULE not in rules:
        return False
    del rules[CDK_BOOTSTRAP_RULE]
    if not rules:
        del template["Rules"]
    parameters = template.get("Parameters")
    if isinstance(parameters, dict) and CDK_BOOTSTRAP_PARAMETER in parameters:
        del parameters[CDK_BOOTSTRAP_PARAMETER]
        if not parameters:
            del template["Parameters"]
    return True


def cdk_bootstrap_references(template: Mapping[str, Any]) -> list[str]:
    """A note for each resource that still names a CDK bootstrap bucket or repository."""
    resources = template.get("Resources")
    if not isinstance(resources, Mapping):
        return []
    notes = []
    for logical_id, resource in resources.items():
        if _CDK_BOOTSTRAP_BUCKET.search(json.dumps(resource, default=str)):
            kind = resource.get("Type") if isinstance(resource, Mapping) else None
            notes.append(
                f"not supported: {logical_id} ({kind}) uses a CDK asset in the CDK bootstrap "
                "bucket or repository, which lambdakit does not publish (it uploads Lambda "
                "code only); this resource needs `cdk deploy`, or the asset published by hand"
            )
    return notes
