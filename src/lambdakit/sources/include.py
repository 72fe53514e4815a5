"""Expand `AWS::Include` transforms whose Location is a local file, as CloudFormation does from S3.

CloudFormation runs the `Fn::Transform` includes embedded in a template before the macros of its
`Transform` section (so before the SAM transform). An include stands either as a whole value, or
as the `Fn::Transform` key of a mapping whose other keys merge with the included mapping; at the
top level, `Transform: {Name: AWS::Include, ...}` (alone or in the Transform list) merges the
included sections into the template. Included files may include further files; their paths are
relative to the file that names them.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeGuard

from lambdakit.errors import TemplateError
from lambdakit.sources.template_paths import template_path
from lambdakit.sources.yaml_cfn import load_template

_INCLUDE = "AWS::Include"
_TRANSFORM_FN = "Fn::Transform"
_REMOTE_SCHEMES = ("s3://", "http://", "https://")


def expand_includes(template: Mapping[str, Any], *, file: Path) -> dict[str, Any]:
    """A copy of `template` with every local `AWS::Include` replaced by the file's content."""
    chain = (file.resolve(),)
    expanded = _expand(copy.deepcopy(dict(template)), file, chain, "")
    if not isinstance(expanded, dict):  # a template is a mapping, and stays one
        raise TemplateError(f"{file}: an AWS::Include at the top level must include a mapping")
    return _expand_transform_section(expanded, file, chain)


def _expand(node: Any, file: Path, chain: tuple[Path, ...], where: str) -> Any:
    if isinstance(node, list):
        return [_expand(item, file, chain, f"{where}[{i}]") for i, item in enumerate(node)]
    if not isinstance(node, dict):
        return node
    if _TRANSFORM_FN in node and _is_include(node[_TRANSFORM_FN]):
        included = _include_all(node[_TRANSFORM_FN], file, chain, where)
        rest = {
            key: _expand(value, file, chain, _join(where, key))
            for key, value in node.items()
            if key != _TRANSFORM_FN
        }
        if not rest:
            return included
        return _merge(rest, included, file, where)
    return {key: _expand(value, file, chain, _join(where, key)) for key, value in node.items()}


def _expand_transform_section(
    template: dict[str, Any], file: Path, chain: tuple[Path, ...]
) -> dict[str, Any]:
    """A top-level `Transform: {Name: AWS::Include, ...}` merges its file into the template."""
    section = template.get("Transform")
    entries = section if isinstance(section, list) else [section]
    includes = [entry for entry in entries if _is_include_spec(entry)]
    if not includes:
        return template
    remaining = [entry for entry in entries if not _is_include_spec(entry)]
    if isinstance(section, list) and remaining:
        template["Transform"] = remaining
    else:
        del template["Transform"]
    for spec in includes:
        template = _merge(template, _include_one(spec, file, chain, "Transform"), file, "Transform")
    return template


def _is_include_spec(value: Any) -> TypeGuard[dict[str, Any]]:
    return isinstance(value, dict) and value.get("Name") == _INCLUDE


def _is_include(value: Any) -> bool:
    """`Fn::Transform`'s argument names AWS::Include (alone, or a list of includes only)."""
    if isinstance(value, list):
        return bool(value) and all(_is_include_spec(item) for item in value)
    return _is_include_spec(value)


def _include_all(spec: Any, file: Path, chain: tuple[Path, ...], where: str) -> Any:
    """One include's content; a list of includes merges their mappings in order."""
    if not isinstance(spec, list):
        return _include_one(spec, file, chain, where)
    merged: dict[str, Any] = {}
    for item in spec:
        content = _include_one(item, file, chain, where)
        if not isinstance(content, dict):
            raise TemplateError(
                f"{file}: {where or 'template'}: each file of a list of AWS::Include transforms "
                "must hold a mapping"
            )
        merged = _merge(merged, content, file, where)
    return merged


def _include_one(spec: Mapping[str, Any], file: Path, chain: tuple[Path, ...], where: str) -> Any:
    path = _local_path(spec, file, where)
    if path in chain:
        names = " -> ".join(str(p) for p in (*chain, path))
        raise TemplateError(
            f"{file}: {where or 'template'}: AWS::Include files include each other in a cycle: "
            f"{names}"
        )
    return _expand(load_template(path), path, (*chain, path), "")


def _local_path(spec: Mapping[str, Any], file: Path, where: str) -> Path:
    place = where or "template"
    parameters = spec.get("Parameters")
    location = parameters.get("Location") if isinstance(parameters, dict) else None
    if not isinstance(location, str) or not location:
        raise TemplateError(
            f"{file}: {place}: AWS::Include needs Parameters.Location, the path of a file",
            hint="write Parameters: {Location: path/to/snippet.yaml}",
        )
    if location.startswith(_REMOTE_SCHEMES):
        raise TemplateError(
            f"{file}: {place}: AWS::Include Location {location} is not a local file, "
            "so lambdakit cannot read it",
            hint="point Location at a local copy (relative to the template's folder); "
            "`aws cloudformation package` uploads local includes to S3 for you",
        )
    path = template_path(file, location, where=f"{place}: AWS::Include Location")
    if not path.is_file():
        raise TemplateError(
            f"{file}: {place}: AWS::Include Location {location!r}: no such file {path}",
            hint="Location is relative to the folder of the template that names it",
        )
    return path


def _merge(base: dict[str, Any], extra: Any, file: Path, where: str) -> dict[str, Any]:
    """`base` plus the included mapping `extra`; a key both define is an error, not a guess."""
    place = where or "template"
    if not isinstance(extra, dict):
        raise TemplateError(
            f"{file}: {place}: AWS::Include next to other keys must include a mapping, "
            f"not a {type(extra).__name__}"
        )
    clash = sorted(str(key) for key in set(base) & set(extra))
    if clash:
        raise TemplateError(
            f"{file}: {place}: the included file and the template both define " + ", ".join(clash),
            hint="define each key in one place only",
        )
    return {**base, **extra}


def _join(where: str, key: Any) -> str:
    return f"{where}.{key}" if where else str(key)
