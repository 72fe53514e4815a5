"""A template's Conditions, each evaluated on first use and remembered, for the `Resolver`.

Evaluating a condition by name:

1. lookup: a name the template does not declare is an `UndefinedReferenceError` (with the
   closest declared name as a hint); a condition that reaches itself through others is a
   `CircularReferenceError` naming the cycle.
2. evaluate: `Fn::And`, `Fn::Or`, `Fn::Not` and ``{"Condition": name}`` combine; `Fn::Equals`
   resolves both sides through the template's `Resolver` and compares them as CloudFormation
   does, as text (``true`` equals ``"true"``, ``1`` equals ``"1"``).
3. unknowable: a side known only once deployed (a parameter without a value, an SSM parameter)
   makes the condition a `ParameterError` that asks for ``--parameter-overrides``.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from lambdakit.errors import (
    CircularReferenceError,
    ParameterError,
    TemplateError,
    UndefinedReferenceError,
)
from lambdakit.model import Unresolved, Value, is_symbolic
from lambdakit.sources.intrinsic_parameters import scalar_text


class _UnknownConditionError(Exception):
    """A condition depends on a value known only at deploy time."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Conditions:
    """The Conditions of one template; `resolve` evaluates the values `Fn::Equals` compares."""

    def __init__(
        self, declared: Mapping[str, Any], *, file: Path, resolve: Callable[[Any, str], Value]
    ) -> None:
        self.file = file
        self._declared = declared
        self._resolve = resolve
        self._values: dict[str, bool] = {}
        self._evaluating: list[str] = []

    def holds(self, name: str, where: str) -> bool:
        """Whether condition `name` holds. Raises `ParameterError` when it cannot be known."""
        if name in self._values:
            return self._values[name]
        if name not in self._declared:
            close = difflib.get_close_matches(name, list(self._declared), n=1)
            raise UndefinedReferenceError(
                f"{self.file}: {where}: refers to condition {name!r}, which the template does not "
                "declare",
                hint=f"did you mean {close[0]}?" if close else None,
            )
        if name in self._evaluating:
            cycle = " -> ".join([*self._evaluating[self._evaluating.index(name) :], name])
            raise CircularReferenceError(f"{self.file}: conditions refer to each other: {cycle}")
        self._evaluating.append(name)
        try:
            value = self._evaluate(self._declared[name], f"Conditions.{name}")
        except _UnknownConditionError as unknown:
            raise ParameterError(
                f"{self.file}: {where}: condition {name} cannot be evaluated: {unknown.reason}",
                hint="pass the value with --parameter-overrides NAME=VALUE",
            ) from None
        finally:
            self._evaluating.pop()
        self._values[name] = value
        return value

    def _evaluate(self, expression: Any, where: str) -> bool:
        if isinstance(expression, bool):
            return expression
        if not (isinstance(expression, dict) and len(expression) == 1):
            raise TemplateError(f"{self.file}: {where}: not a condition: {expression!r}")
        ((key, arg),) = expression.items()
        if key == "Condition" and isinstance(arg, str):
            return self.holds(arg, where)
        if key == "Fn::Equals":
            return self._equals(arg, where)
        if key in ("Fn::And", "Fn::Or", "Fn::Not") and isinstance(arg, list):
            values = [self._evaluate(a, f"{where}.{key}[{i}]") for i, a in enumerate(arg)]
            if key == "Fn::Not":
                if len(values) != 1:
                    raise TemplateError(f"{self.file}: {where}: Fn::Not takes one condition")
                return not values[0]
            return all(values) if key == "Fn::And" else any(values)
        raise TemplateError(f"{self.file}: {where}: {key} is not a condition function")

    def _equals(self, arg: Any, where: str) -> bool:
        if not (isinstance(arg, list) and len(arg) == 2):
            raise TemplateError(f"{self.file}: {where}: Fn::Equals takes two values")
        left, right = (self._resolve(a, where) for a in arg)
        for side in (left, right):
            if is_symbolic(side):
                reason = side.reason if isinstance(side, Unresolved) else "known once deployed"
                raise _UnknownConditionError(reason)
        return _comparable(left) == _comparable(right)


def _comparable(value: Value) -> Value:
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    if isinstance(value, bool | int | float):
        return scalar_text(value)
    return value
