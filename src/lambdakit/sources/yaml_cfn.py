"""Template text -> a plain dict, the way CloudFormation reads YAML and JSON.

Stages: detect JSON or YAML -> safe-load (never constructs Python objects from tags) -> short
tags (``!Ref``, ``!GetAtt``, ``!Sub``...) become their long forms (``{"Ref": ...}``,
``{"Fn::GetAtt": [...]}``). Scalars follow YAML 1.2's core schema as CloudFormation does:
``2010-09-09`` stays a string (PyYAML would make it a date), ``yes``/``no``/``on``/``off`` stay
strings, only ``true``/``false`` are booleans, and numbers with a leading zero (account ids,
``0777``) keep their text. Syntax errors and duplicate keys are reported as
`TemplateSyntaxError` with file:line:column.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from lambdakit.errors import TemplateNotFoundError, TemplateSyntaxError

# Short-form tag -> long-form key. `!GetAtt` and `!Condition` have their own constructors.
_FN_TAGS = (
    "And",
    "Base64",
    "Cidr",
    "Equals",
    "FindInMap",
    "GetAZs",
    "If",
    "ImportValue",
    "Join",
    "Length",
    "Not",
    "Or",
    "Select",
    "Split",
    "Sub",
    "ToJsonString",
    "Transform",
    "ForEach",
)


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema scalars and CloudFormation's tags."""


# Drop YAML 1.1 implicit resolvers (bool yes/no/on/off, timestamps, sexagesimal ints, octal 0777)
# and install the YAML 1.2 core schema ones.
_CfnLoader.yaml_implicit_resolvers = {}
_CfnLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
_CfnLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?(?:0|[1-9][0-9]*)|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"),
)
_CfnLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?[0-9]+[eE][-+]?[0-9]+"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+.0123456789"),
)
_CfnLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null",
    re.compile(r"^(?:~|null|Null|NULL|)$"),
    ["~", "n", "N", ""],
)


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    return int(text, 0) if text.startswith(("0o", "0x")) else int(text)


_CfnLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    """A mapping that rejects duplicate keys, as CloudFormation does."""
    loader.flatten_mapping(node)
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool):
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain scalar", key_node.start_mark
            )
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
    return result


_CfnLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _node_value(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return _construct_mapping(loader, node)
    raise yaml.constructor.ConstructorError(None, None, "unexpected node", node.start_mark)


def _fn_constructor(name: str) -> Any:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        return {name: _node_value(loader, node)}

    return construct


def _construct_getatt(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
    value = _node_value(loader, node)
    if isinstance(value, str):
        logical_id, _, attribute = value.partition(".")
        if not attribute:
            raise yaml.constructor.ConstructorError(
                None, None, f"!GetAtt {value!r} needs the form LogicalId.Attribute", node.start_mark
            )
        return {"Fn::GetAtt": [logical_id, attribute]}
    return {"Fn::GetAtt": value}


_CfnLoader.add_constructor("!Ref", _fn_constructor("Ref"))
_CfnLoader.add_constructor("!Condition", _fn_constructor("Condition"))
_CfnLoader.add_constructor("!GetAtt", _construct_getatt)
for _tag in _FN_TAGS:
    _CfnLoader.add_constructor(f"!{_tag}", _fn_constructor(f"Fn::{_tag}"))


def parse_template(text: str, file: Path) -> dict[str, Any]:
    """Parse template text (JSON or YAML) into a dict with long-form intrinsics."""
    stripped = text.lstrip()
    if not stripped:
        raise TemplateSyntaxError(file, None, None, "the template is empty")
    if stripped.startswith("{") or file.suffix.lower() == ".json":
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise TemplateSyntaxError(file, exc.lineno, exc.colno, exc.msg) from None
    else:
        document = _load_yaml(text, file)
    if not isinstance(document, dict):
        raise TemplateSyntaxError(
            file,
            1,
            1,
            f"a template must be a mapping of sections, not a {type(document).__name__}",
        )
    return document


def _load_yaml(text: str, file: Path) -> Any:
    try:
        return yaml.load(text, Loader=_CfnLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if mark is None:
            raise TemplateSyntaxError(file, None, None, problem) from None
        unknown = re.match(r"could not determine a constructor for the tag '(!\w+)'", problem)
        hint = None
        if unknown:
            problem = f"unknown tag {unknown[1]}"
            hint = "CloudFormation's short forms are !Ref, !GetAtt, !Sub, !Join, !If, ..."
        raise TemplateSyntaxError(
            file, mark.line + 1, mark.column + 1, problem, hint=hint
        ) from None
    except yaml.YAMLError as exc:
        raise TemplateSyntaxError(file, None, None, str(exc).splitlines()[0]) from None
    except RecursionError:
        raise TemplateSyntaxError(file, None, None, "the template nests too deeply") from None


def load_template(path: Path) -> dict[str, Any]:
    """Read and parse a template file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise TemplateNotFoundError(f"{path}: no such template file") from None
    except IsADirectoryError:
        raise TemplateNotFoundError(f"{path}: is a folder, not a template file") from None
    except UnicodeDecodeError as exc:
        raise TemplateSyntaxError(path, None, None, f"not UTF-8 text ({exc.reason})") from None
    return parse_template(text, path)
