"""CloudFormation intrinsic functions, evaluated as far as is knowable locally: the `Resolver`.

Parameters (defaults and overrides: `intrinsic_parameters`), pseudo parameters, Mappings and
Conditions (`intrinsic_conditions`) are known before deployment, so `Fn::If`, `Fn::FindInMap`,
`Fn::Select`, `Fn::Split`, `Fn::Join`, `Fn::Sub`, `Fn::Base64`, `Fn::Cidr` and friends are
computed. What only exists after deployment stays symbolic: a resource's `Ref` -> `Ref`,
`Fn::GetAtt` -> `GetAtt`, a string built around them -> `Join`, and `Fn::ImportValue`,
`Fn::GetAZs`, SSM parameter values -> `Unresolved`, carrying the original expression so deploy
can pass it through.

`Resolver.resolve` walks a value depth first: a one-key mapping that names a function is
evaluated (its arguments first, as each function needs them), `AWS::NoValue` drops the property
or list item that holds it, and strings built of parts (`Fn::Sub`, `Fn::Join`) merge adjacent
text, keeping symbolic parts in a `Join`. `Resolver.condition` answers for the template's
Conditions.
"""

from __future__ import annotations

import base64
import difflib
import ipaddress
import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from lambdakit.errors import TemplateError, UndefinedReferenceError
from lambdakit.model import GetAtt, Join, Parameter, Ref, Unresolved, Value, is_symbolic
from lambdakit.sources.intrinsic_conditions import Conditions
from lambdakit.sources.intrinsic_parameters import (
    NO_VALUE,
    NoValue,
    Pseudo,
    read_parameters,
    scalar_text,
)

__all__ = ["NO_VALUE", "Pseudo", "Resolver", "read_parameters"]

_SUB_TOKEN = re.compile(r"\$\{([^}]*)\}")


class Resolver:
    """Evaluates intrinsic functions and conditions of one template."""

    def __init__(
        self,
        template: Mapping[str, Any],
        *,
        file: Path,
        pseudo: Pseudo,
        parameters: Mapping[str, Parameter],
    ) -> None:
        self.file = file
        self.pseudo = pseudo
        self.parameters = parameters
        mappings = template.get("Mappings") or {}
        conditions = template.get("Conditions") or {}
        resources = template.get("Resources") or {}
        self._mappings: Mapping[str, Any] = mappings if isinstance(mappings, dict) else {}
        self._conditions = Conditions(
            conditions if isinstance(conditions, dict) else {}, file=file, resolve=self.resolve
        )
        self._resource_ids = frozenset(resources) if isinstance(resources, dict) else frozenset()
        self._functions: dict[str, Callable[[Any, str], Value | NoValue]] = {
            "Ref": self._ref,
            "Fn::GetAtt": self._get_att,
            "Fn::Sub": self._sub,
            "Fn::Join": self._join,
            "Fn::Select": self._select,
            "Fn::Split": self._split,
            "Fn::FindInMap": self._find_in_map,
            "Fn::If": self._if,
            "Fn::ImportValue": self._import_value,
            "Fn::GetAZs": self._get_azs,
            "Fn::Base64": self._base64,
            "Fn::Cidr": self._cidr,
            "Fn::Length": self._length,
            "Fn::ToJsonString": self._to_json_string,
            "Fn::Transform": self._transform,
        }

    # ------------------------------------------------------------------ values

    def resolve(self, value: Any, where: str) -> Value:
        """`value` with every knowable intrinsic evaluated; `AWS::NoValue` becomes None."""
        result = self._resolve(value, where)
        return None if isinstance(result, NoValue) else result

    def _resolve(self, value: Any, where: str) -> Value | NoValue:
        if isinstance(value, dict):
            if len(value) == 1:
                (key,) = value
                function = self._functions.get(key)
                if function is not None:
                    return function(value[key], where)
                if key == "Condition" and isinstance(value[key], str):
                    # `{"Condition": name}` as a value is only meaningful inside conditions.
                    return self.condition(value[key], where)
            out: dict[str, Value] = {}
            for k, v in value.items():
                item = self._resolve(v, f"{where}.{k}")
                if not isinstance(item, NoValue):
                    out[str(k)] = item
            return out
        if isinstance(value, list):
            items = [self._resolve(v, f"{where}[{i}]") for i, v in enumerate(value)]
            return [item for item in items if not isinstance(item, NoValue)]
        if isinstance(value, str | int | float | bool) or value is None:
            return value
        raise TemplateError(f"{self.file}: {where}: unsupported value {value!r}")

    def _text(self, value: Any, where: str, what: str) -> str:
        """An argument that must resolve to a known string (a logical id, a delimiter)."""
        resolved = self.resolve(value, where)
        if isinstance(resolved, str | int | float) and not isinstance(resolved, bool):
            return str(resolved)
        raise TemplateError(f"{self.file}: {where}: {what} must be a string, got {resolved!r}")

    def _missing(
        self, kind: str, name: str, where: str, candidates: list[str]
    ) -> UndefinedReferenceError:
        close = difflib.get_close_matches(name, candidates, n=1)
        hint = f"did you mean {close[0]}?" if close else None
        return UndefinedReferenceError(
            f"{self.file}: {where}: {kind} refers to {name!r}, which the template does not "
            "declare as a parameter or resource",
            hint=hint,
        )

    def _ref(self, arg: Any, where: str) -> Value | NoValue:
        name = self._text(arg, where, "Ref")
        if name in self.parameters:
            return self.parameters[name].value
        pseudo = self.pseudo.value(name)
        if pseudo is not None:
            return pseudo
        if name in self._resource_ids:
            return Ref(name)
        raise self._missing("Ref", name, where, [*self.parameters, *self._resource_ids])

    def _get_att(self, arg: Any, where: str) -> Value:
        if isinstance(arg, str):
            logical_id, _, attribute = arg.partition(".")
        elif isinstance(arg, list) and len(arg) == 2:
            logical_id = self._text(arg[0], where, "Fn::GetAtt's logical id")
            attribute = self._text(arg[1], where, "Fn::GetAtt's attribute")
        else:
            raise TemplateError(f"{self.file}: {where}: Fn::GetAtt takes [LogicalId, Attribute]")
        if not attribute:
            raise TemplateError(f"{self.file}: {where}: Fn::GetAtt {arg!r} names no attribute")
        if logical_id not in self._resource_ids:
            raise self._missing("Fn::GetAtt", logical_id, where, list(self._resource_ids))
        return GetAtt(logical_id, attribute)

    def _sub(self, arg: Any, where: str) -> Value:
        variables: dict[str, Value] = {}
        if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], dict):
            text, raw_vars = arg
            for name, raw in raw_vars.items():
                variables[str(name)] = self.resolve(raw, f"{where}.{name}")
        else:
            text = arg
        if not isinstance(text, str):
            raise TemplateError(f"{self.file}: {where}: Fn::Sub takes a string or [string, vars]")
        parts: list[Value] = []
        position = 0
        for match in _SUB_TOKEN.finditer(text):
            parts.append(text[position : match.start()])
            position = match.end()
            token = match[1]
            if token.startswith("!"):
                parts.append("${" + token[1:] + "}")
                continue
            parts.append(self._sub_token(token.strip(), variables, where))
        parts.append(text[position:])
        return _concat(parts, self.file, where)

    def _sub_token(self, token: str, variables: Mapping[str, Value], where: str) -> Value:
        if token in variables:
            return variables[token]
        if token in self.parameters:
            return self.parameters[token].value
        pseudo = self.pseudo.value(token)
        if pseudo is not None and not isinstance(pseudo, NoValue):
            return pseudo
        if token in self._resource_ids:
            return Ref(token)
        logical_id, dot, attribute = token.partition(".")
        if dot and logical_id in self._resource_ids:
            return GetAtt(logical_id, attribute)
        raise self._missing(
            "Fn::Sub", token, where, [*variables, *self.parameters, *self._resource_ids]
        )

    def _join(self, arg: Any, where: str) -> Value:
        if not (isinstance(arg, list) and len(arg) == 2):
            raise TemplateError(f"{self.file}: {where}: Fn::Join takes [delimiter, [values]]")
        delimiter = self._text(arg[0], where, "Fn::Join's delimiter") if arg[0] != "" else ""
        items = self.resolve(arg[1], where)
        if not isinstance(items, list):
            if is_symbolic(items):
                return Unresolved(
                    {"Fn::Join": [delimiter, items]}, "joins a list known once deployed"
                )
            raise TemplateError(f"{self.file}: {where}: Fn::Join needs a list of values")
        parts: list[Value] = []
        for i, item in enumerate(items):
            if i:
                parts.append(delimiter)
            parts.append(item)
        return _concat(parts, self.file, where)

    def _select(self, arg: Any, where: str) -> Value:
        if not (isinstance(arg, list) and len(arg) == 2):
            raise TemplateError(f"{self.file}: {where}: Fn::Select takes [index, [values]]")
        index_text = self.resolve(arg[0], where)
        items = self.resolve(arg[1], where)
        if is_symbolic(index_text) or not isinstance(items, list):
            if is_symbolic(index_text) or is_symbolic(items):
                return Unresolved(
                    {"Fn::Select": [index_text, items]}, "selects from a value known once deployed"
                )
            raise TemplateError(f"{self.file}: {where}: Fn::Select needs a list")
        try:
            index = int(str(index_text))
        except ValueError:
            raise TemplateError(
                f"{self.file}: {where}: Fn::Select index {index_text!r} is not a number"
            ) from None
        if not 0 <= index < len(items):
            raise TemplateError(
                f"{self.file}: {where}: Fn::Select index {index} is outside a list of {len(items)}"
            )
        return items[index]

    def _split(self, arg: Any, where: str) -> Value:
        if not (isinstance(arg, list) and len(arg) == 2):
            raise TemplateError(f"{self.file}: {where}: Fn::Split takes [delimiter, string]")
        delimiter = self._text(arg[0], where, "Fn::Split's delimiter")
        source = self.resolve(arg[1], where)
        if isinstance(source, str):
            return list(source.split(delimiter))
        if is_symbolic(source):
            return Unresolved(
                {"Fn::Split": [delimiter, source]}, "splits a value known once deployed"
            )
        raise TemplateError(f"{self.file}: {where}: Fn::Split needs a string, got {source!r}")

    def _find_in_map(self, arg: Any, where: str) -> Value:
        if not (isinstance(arg, list) and len(arg) in (3, 4)):
            raise TemplateError(
                f"{self.file}: {where}: Fn::FindInMap takes [MapName, TopLevelKey, SecondLevelKey]"
            )
        keys = [self.resolve(k, where) for k in arg[:3]]
        if any(is_symbolic(k) for k in keys):
            return Unresolved({"Fn::FindInMap": keys}, "looks up a key known once deployed")
        map_name, top, second = (scalar_text(k) for k in keys)
        found = self._mappings.get(map_name, {})
        found = found.get(top, {}) if isinstance(found, dict) else {}
        if isinstance(found, dict) and second in found:
            return self.resolve(found[second], f"Mappings.{map_name}.{top}.{second}")
        if len(arg) == 4 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
            return self.resolve(arg[3]["DefaultValue"], where)
        if map_name not in self._mappings:
            raise UndefinedReferenceError(
                f"{self.file}: {where}: Fn::FindInMap names no mapping {map_name!r}"
            )
        raise TemplateError(
            f"{self.file}: {where}: mapping {map_name} has no entry {top}.{second}",
            hint="add the entry, or use Fn::FindInMap's DefaultValue (AWS::LanguageExtensions)",
        )

    def _if(self, arg: Any, where: str) -> Value | NoValue:
        if not (isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str)):
            raise TemplateError(f"{self.file}: {where}: Fn::If takes [Condition, then, else]")
        branch = arg[1] if self.condition(arg[0], where) else arg[2]
        return self._resolve(branch, where)

    def _import_value(self, arg: Any, where: str) -> Value:
        name = self.resolve(arg, where)
        return Unresolved({"Fn::ImportValue": name}, f"Fn::ImportValue {_render_name(name)}")

    def _get_azs(self, arg: Any, where: str) -> Value:
        region = self.resolve(arg, where) or self.pseudo.region
        return Unresolved({"Fn::GetAZs": region}, "availability zones are known only in AWS")

    def _base64(self, arg: Any, where: str) -> Value:
        value = self.resolve(arg, where)
        if isinstance(value, str):
            return base64.b64encode(value.encode()).decode()
        return Unresolved({"Fn::Base64": value}, "encodes a value known once deployed")

    def _cidr(self, arg: Any, where: str) -> Value:
        if not (isinstance(arg, list) and len(arg) == 3):
            raise TemplateError(f"{self.file}: {where}: Fn::Cidr takes [ipBlock, count, cidrBits]")
        block, count, bits = (self.resolve(a, where) for a in arg)
        if any(is_symbolic(v) for v in (block, count, bits)):
            return Unresolved(
                {"Fn::Cidr": [block, count, bits]}, "a CIDR block known once deployed"
            )
        try:
            network = ipaddress.ip_network(str(block), strict=False)
            prefix = network.max_prefixlen - int(str(bits))
            subnets = network.subnets(new_prefix=prefix)
            return [str(next(subnets)) for _ in range(int(str(count)))]
        except (ValueError, StopIteration) as exc:
            raise TemplateError(
                f"{self.file}: {where}: Fn::Cidr {arg!r}: {exc or 'too many subnets'}"
            ) from None

    def _length(self, arg: Any, where: str) -> Value:
        value = self.resolve(arg, where)
        if isinstance(value, list):
            return len(value)
        return Unresolved({"Fn::Length": value}, "the length of a list known once deployed")

    def _to_json_string(self, arg: Any, where: str) -> Value:
        value = self.resolve(arg, where)
        if is_symbolic(value):
            return Unresolved({"Fn::ToJsonString": value}, "serializes a value known once deployed")
        return json.dumps(value, separators=(",", ":"))

    def _transform(self, arg: Any, where: str) -> Value:
        name = arg.get("Name") if isinstance(arg, dict) else None
        return Unresolved(
            {"Fn::Transform": arg}, f"the {name or 'Fn::Transform'} macro runs in CloudFormation"
        )

    # ------------------------------------------------------------------ conditions

    def condition(self, name: str, where: str) -> bool:
        """Whether condition `name` holds. Raises `ParameterError` when it cannot be known."""
        return self._conditions.holds(name, where)


def _render_name(name: Value) -> str:
    return name if isinstance(name, str) else "(computed name)"


def _flatten(parts: list[Value], file: Path, where: str) -> list[Value]:
    """String parts as text or symbols: numbers become text, nested joins are inlined."""
    flat: list[Value] = []
    for part in parts:
        if isinstance(part, Join):
            flat.extend(part.parts)
        elif isinstance(part, list | dict):
            raise TemplateError(f"{file}: {where}: cannot put a list or mapping inside a string")
        elif isinstance(part, bool | int | float):
            flat.append(scalar_text(part))
        elif part is not None:
            flat.append(part)
    return flat


def _concat(parts: list[Value], file: Path, where: str) -> Value:
    """Join string parts; symbolic parts make a `Join`."""
    flat = _flatten(parts, file, where)
    merged: list[Value] = []
    for part in flat:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] = merged[-1] + part
        elif part != "":
            merged.append(part)
    if not merged:
        return ""
    if len(merged) == 1 and isinstance(merged[0], str):
        return merged[0]
    if len(merged) == 1 and isinstance(merged[0], Unresolved):
        return merged[0]
    return Join(tuple(merged))
