"""Reading one resource's properties, with errors that name the file, the resource and the property.

The route and event extractors read many small properties; these helpers add what `coerce`
does not: required properties, lists, objects, and JSON documents written as strings (event
patterns, filter policies, inputs; parsed by `cfn_json`), all reported as
``template.yaml: resource Rule, EventPattern: ...``.
"""

from __future__ import annotations

from collections.abc import Mapping

from lambdakit.errors import TemplateError
from lambdakit.model import GetAtt, Join, Ref, Unresolved, Value
from lambdakit.sources.cfn_json import json_document
from lambdakit.sources.coerce import as_str
from lambdakit.sources.resolved import ResolvedResource, ResolvedStack


def where(stack: ResolvedStack, logical_id: str, what: str) -> str:
    """How an error names a place: ``template.yaml: resource Api, Body.paths``."""
    return f"{stack.context.file}: resource {logical_id}, {what}"


def required_str(stack: ResolvedStack, res: ResolvedResource, *path: str) -> str | None:
    """A string property CloudFormation requires; None when it is symbolic (known at deploy)."""
    value = res.prop(*path)
    place = where(stack, res.logical_id, ".".join(path))
    if value is None:
        raise TemplateError(f"{place}: required property is missing")
    return as_str(value, place)


def upper_str(value: Value, place: str) -> str | None:
    """An enumeration-like string property, upper-cased (``aws_proxy`` -> ``AWS_PROXY``)."""
    text = as_str(value, place)
    return text.strip().upper() if text is not None else None


def mapping(value: Value) -> Mapping[str, Value]:
    """`value` when it is an object, else an empty one (absent or symbolic sections)."""
    return value if isinstance(value, dict) else {}


def items(value: Value, place: str) -> list[Value]:
    """A list property; absent or symbolic means empty, anything else is an error."""
    if value is None or isinstance(value, Ref | GetAtt | Join | Unresolved):
        return []
    if not isinstance(value, list):
        raise TemplateError(f"{place}: expected a list, got {type(value).__name__}")
    return value


def json_value(value: Value, place: str) -> Value:
    """A JSON document given as text, as a `Join` built by ``Fn::Sub`` (its references stay
    symbolic inside the parsed document, see `cfn_json`), or already as YAML/JSON structure."""
    if isinstance(value, str | Join):
        return json_document(value, place)
    return value


def json_object(value: Value, place: str) -> dict[str, Value] | None:
    """A JSON object given as text or as structure; None when absent or only known at deploy."""
    if value is None or isinstance(value, Ref | GetAtt | Unresolved):
        return None
    parsed = json_value(value, place)
    if not isinstance(parsed, dict):
        raise TemplateError(f"{place}: expected a JSON object, got {type(parsed).__name__}")
    return parsed
