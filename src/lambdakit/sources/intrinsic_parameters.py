"""A template's Parameters and CloudFormation's pseudo parameters, with the value each takes here.

Stages of `read_parameters`:

1. names: an override for a parameter the template does not declare is a `ParameterError`;
   every declared parameter needs a `Type`.
2. value: the override, else the `Default`, else `Unresolved` (known only at deploy time). A
   parameter read from SSM (``AWS::SSM::Parameter::Value<...>``) stays `Unresolved` unless
   overridden: its default names the SSM parameter, it is not the value. List types
   (``CommaDelimitedList``, ``List<...>``) become lists of trimmed strings; the rest, text.
3. checks: a text value must be one of its `AllowedValues` and match its `AllowedPattern`.

`Pseudo` holds the pseudo parameters (``AWS::Region``, ``AWS::AccountId``...) of one load;
``AWS::NoValue`` is `NO_VALUE`, which makes a property or list item disappear.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambdakit.errors import ParameterError, TemplateError
from lambdakit.model import Parameter, Unresolved, Value


class NoValue:
    """`AWS::NoValue`: the property or list item disappears."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = NoValue()


@dataclass(frozen=True)
class Pseudo:
    """Values of CloudFormation's pseudo parameters for this load."""

    region: str = "us-east-1"
    account: str = "123456789012"
    stack_name: str = "lambdakit"

    @property
    def partition(self) -> str:
        if self.region.startswith("cn-"):
            return "aws-cn"
        if self.region.startswith("us-gov-"):
            return "aws-us-gov"
        return "aws"

    @property
    def url_suffix(self) -> str:
        return "amazonaws.com.cn" if self.region.startswith("cn-") else "amazonaws.com"

    def value(self, name: str) -> Value | NoValue | None:
        """The value of pseudo parameter `name`, or None when `name` is not one."""
        known: dict[str, Value | NoValue] = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::StackName": self.stack_name,
            "AWS::Partition": self.partition,
            "AWS::URLSuffix": self.url_suffix,
            "AWS::NoValue": NO_VALUE,
            "AWS::StackId": Unresolved(
                {"Ref": "AWS::StackId"}, "the stack id exists once deployed"
            ),
            "AWS::NotificationARNs": Unresolved(
                {"Ref": "AWS::NotificationARNs"}, "notification ARNs are set at deploy time"
            ),
        }
        return known.get(name)


_LIST_TYPES = ("CommaDelimitedList",)


def _is_list_type(param_type: str) -> bool:
    return param_type in _LIST_TYPES or param_type.startswith("List<")


def scalar_text(value: Any) -> str:
    """A scalar as CloudFormation writes it: booleans as ``true``/``false``, the rest as str."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def read_parameters(
    declared: Mapping[str, Any], overrides: Mapping[str, str], file: Path
) -> dict[str, Parameter]:
    """Parameters with the value each takes: override, else default, else `Unresolved`."""
    if not isinstance(declared, Mapping):
        raise TemplateError(
            f"{file}: Parameters must be a mapping of parameter names to their specs",
            hint="e.g. Parameters: {Stage: {Type: String, Default: dev}}",
        )
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        raise ParameterError(
            f"{file}: --parameter-overrides names {', '.join(unknown)}, "
            "which the template does not declare",
            hint=f"declared parameters: {', '.join(declared) or 'none'}",
        )
    params: dict[str, Parameter] = {}
    for name, spec in declared.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("Type"), str):
            raise TemplateError(f"{file}: parameter {name} needs a Type")
        params[name] = _parameter(name, spec, overrides.get(name), file)
    return params


def _parameter(name: str, spec: Mapping[str, Any], override: str | None, file: Path) -> Parameter:
    param_type: str = spec["Type"]
    default = spec.get("Default")
    raw = override if override is not None else default
    value: Value
    if raw is None:
        value = Unresolved({"Ref": name}, f"parameter {name} has no default and no override")
    elif param_type.startswith("AWS::SSM::Parameter::Value<") and override is None:
        value = Unresolved(
            {"Ref": name}, f"parameter {name} is read from SSM parameter {scalar_text(raw)}"
        )
    elif _is_list_type(param_type):
        items = raw if isinstance(raw, list) else scalar_text(raw).split(",")
        value = [scalar_text(item).strip() for item in items]
    else:
        value = scalar_text(raw)
        _check_allowed(name, spec, value, file)
    return Parameter(
        name=name,
        type=param_type,
        default=None if default is None else scalar_text(default),
        value=value,
        description=spec.get("Description"),
        no_echo=scalar_text(spec.get("NoEcho", "false")).lower() == "true",
    )


def _check_allowed(name: str, spec: Mapping[str, Any], value: str, file: Path) -> None:
    allowed = spec.get("AllowedValues")
    if isinstance(allowed, list) and value not in [scalar_text(a) for a in allowed]:
        raise ParameterError(
            f"{file}: parameter {name} is {value!r}, which is not one of its AllowedValues",
            hint=f"allowed: {', '.join(scalar_text(a) for a in allowed)}",
        )
    pattern = spec.get("AllowedPattern")
    if isinstance(pattern, str):
        try:
            matches = re.fullmatch(pattern, value) is not None
        except re.error:
            matches = True  # a pattern Python cannot read is CloudFormation's to judge
        if not matches:
            raise ParameterError(
                f"{file}: parameter {name} is {value!r}, which does not match its "
                f"AllowedPattern {pattern!r}"
            )
