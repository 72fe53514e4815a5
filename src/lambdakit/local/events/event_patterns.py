"""EventBridge event patterns and SNS filter-policy conditions: does a JSON event match.

Pure. A pattern is a JSON object mirroring the event: a nested object descends into the event's
object of that key; a list at a leaf holds conditions, ORed, and matches when the event's value
(or any element of an array value) meets one. ``$or`` (a list of sub-patterns) matches when any
does. Conditions: literal strings, numbers (compared as numbers), booleans and null; objects
with ``prefix``, ``suffix``, ``equals-ignore-case``, ``wildcard``, ``exists``, ``anything-but``
(a value, a list, or a ``prefix``/``suffix``/``equals-ignore-case`` object), ``numeric``
(``["<", 5]``, ``[">=", 1, "<", 10]``, ``["=", 3]``) and ``cidr``. Unknown operators never match.
"""

from __future__ import annotations

import ipaddress
import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

MISSING: Any = object()
"""The value of a field the event does not have."""

_COMPARISONS: Mapping[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    "=": operator.eq,
    ">=": operator.ge,
    ">": operator.gt,
}


def matches(pattern: Mapping[str, Any], event: Any) -> bool:
    """Whether `event` (parsed JSON) matches every field of `pattern`."""
    for key, wanted in pattern.items():
        if key == "$or" and isinstance(wanted, list):
            if not any(isinstance(p, Mapping) and matches(p, event) for p in wanted):
                return False
            continue
        value = event.get(key, MISSING) if isinstance(event, Mapping) else MISSING
        if isinstance(wanted, Mapping):
            if not _nested(wanted, value):
                return False
        elif isinstance(wanted, list):
            if not field_matches(wanted, value):
                return False
        elif not field_matches([wanted], value):
            return False
    return True


def _nested(pattern: Mapping[str, Any], value: Any) -> bool:
    if isinstance(value, list):
        return any(isinstance(item, Mapping) and matches(pattern, item) for item in value)
    return isinstance(value, Mapping) and matches(pattern, value)


def field_matches(conditions: Sequence[Any], value: Any) -> bool:
    """Whether one of `conditions` holds for `value` (`MISSING`, a scalar or an array)."""
    values: list[Any] = list(value) if isinstance(value, list) else [value]
    for condition in conditions:
        if isinstance(condition, Mapping) and "exists" in condition:
            present = value is not MISSING and not isinstance(value, Mapping)
            if condition["exists"] is present:
                return True
        elif any(condition_holds(condition, item) for item in values if item is not MISSING):
            return True
    return False


def condition_holds(condition: Any, value: Any) -> bool:
    """Whether one scalar `value` meets one `condition` (not ``exists``)."""
    if not isinstance(condition, Mapping):
        return same(condition, value)
    if len(condition) != 1:
        return False
    [(operator_name, operand)] = condition.items()
    if operator_name == "anything-but":
        return _anything_but(operand, value)
    if operator_name == "numeric":
        return is_number(value) and numeric_holds(operand, float(value))
    if operator_name == "cidr":
        return _in_cidr(operand, value)
    return isinstance(value, str) and string_holds(operator_name, operand, value)


def same(literal: Any, value: Any) -> bool:
    """Exact match: numbers by value, booleans only with booleans, strings exactly."""
    if is_number(literal) and is_number(value):
        return float(literal) == float(value)
    if isinstance(literal, bool) or isinstance(value, bool):
        return literal is value
    return type(literal) is type(value) and literal == value


def is_number(value: Any) -> bool:
    """An int or float, not a bool."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def string_holds(name: str, operand: Any, value: str) -> bool:
    """``prefix``, ``suffix``, ``equals-ignore-case`` and ``wildcard`` on a string value."""
    if isinstance(operand, Mapping) and set(operand) == {"equals-ignore-case"}:
        check = _FOLDED.get(name)
        folded = str(operand["equals-ignore-case"]).casefold()
        return check is not None and check(value.casefold(), folded)
    check = _STRING_OPERATORS.get(name)
    return isinstance(operand, str) and check is not None and check(value, operand)


def _wildcard(value: str, pattern: str) -> bool:
    parts = (re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(".*".join(parts), value, re.DOTALL) is not None


_STRING_OPERATORS: Mapping[str, Callable[[str, str], bool]] = {
    "prefix": str.startswith,
    "suffix": str.endswith,
    "equals-ignore-case": lambda value, operand: value.casefold() == operand.casefold(),
    "wildcard": _wildcard,
}
_FOLDED: Mapping[str, Callable[[str, str], bool]] = {
    "prefix": str.startswith,
    "suffix": str.endswith,
}


def numeric_holds(bounds: Any, number: float) -> bool:
    """Whether `number` meets every (operator, bound) pair of a ``numeric`` list."""
    if not isinstance(bounds, list) or not bounds or len(bounds) % 2:
        return False
    for name, bound in zip(bounds[::2], bounds[1::2], strict=True):
        compare = _COMPARISONS.get(name) if isinstance(name, str) else None
        if compare is None or not is_number(bound) or not compare(number, float(bound)):
            return False
    return not math.isnan(number)


def _anything_but(operand: Any, value: Any) -> bool:
    if isinstance(operand, list):
        return not any(same(item, value) for item in operand)
    if isinstance(operand, Mapping):
        if len(operand) != 1 or not isinstance(value, str):
            return False
        [(name, inner)] = operand.items()
        if isinstance(inner, list):  # {"equals-ignore-case": ["a", "b"]}
            return not any(string_holds(name, item, value) for item in inner)
        return not string_holds(name, inner, value)
    return not same(operand, value)


def _in_cidr(operand: Any, value: Any) -> bool:
    if not isinstance(operand, str) or not isinstance(value, str):
        return False
    try:
        return ipaddress.ip_address(value) in ipaddress.ip_network(operand, strict=False)
    except ValueError:
        return False
