"""Lambda event filtering: does a record match one of a mapping's ``FilterCriteria`` patterns.

Pure. A pattern is a JSON object mirroring the record: a nested object descends into the
record's object of that key; a list at a leaf matches when the record's value (or any element
of a list value) matches one of its entries. Entries supported: literal strings, numbers,
booleans and null (exact match), and the operators ``prefix``, ``suffix``,
``equals-ignore-case``, ``exists``, ``anything-but`` (a value or a list of values) and
``numeric`` (``["<", 5]``, ``[">=", 1, "<", 10]``, ``["=", 3]``). An SQS record's ``body`` is
matched as JSON when it parses as JSON, else as the plain string. A record matches when no
patterns are set or any one pattern matches (they are ORed).
"""

from __future__ import annotations

import contextlib
import json
import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

_MISSING = object()
_COMPARISONS: Mapping[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    "=": operator.eq,
    ">=": operator.ge,
    ">": operator.gt,
}


def matches_any(patterns: Sequence[Mapping[str, Any]], record: Mapping[str, Any]) -> bool:
    """True when `patterns` is empty or any of them matches `record`."""
    return not patterns or any(matches(pattern, record) for pattern in patterns)


def sqs_filter_view(record: Mapping[str, Any]) -> dict[str, Any]:
    """An SQS record as filters see it: its ``body`` decoded when it is JSON."""
    view = dict(record)
    body = record.get("body")
    if isinstance(body, str):
        with contextlib.suppress(ValueError):  # not JSON: filters see the plain string
            view["body"] = json.loads(body)
    return view


def matches(pattern: Mapping[str, Any], record: Any) -> bool:
    """True when every key of `pattern` matches the same key of `record`."""
    for key, wanted in pattern.items():
        value = record.get(key, _MISSING) if isinstance(record, Mapping) else _MISSING
        if isinstance(wanted, Mapping):
            if not isinstance(value, Mapping) or not matches(wanted, value):
                return False
        elif isinstance(wanted, list):
            if not any(_leaf_matches(entry, value) for entry in wanted):
                return False
        elif not _leaf_matches(wanted, value):
            return False
    return True


def _leaf_matches(entry: Any, value: Any) -> bool:
    if isinstance(entry, Mapping) and "exists" in entry:
        return (value is not _MISSING) == bool(entry["exists"])
    if isinstance(value, list):
        return any(_leaf_matches(entry, element) for element in value)
    if value is _MISSING:
        return False
    if isinstance(entry, Mapping):
        return _operator_matches(entry, value)
    return _same(entry, value)


def _operator_matches(entry: Mapping[str, Any], value: Any) -> bool:
    if "prefix" in entry:
        return isinstance(value, str) and value.startswith(str(entry["prefix"]))
    if "suffix" in entry:
        return isinstance(value, str) and value.endswith(str(entry["suffix"]))
    if "equals-ignore-case" in entry:
        wanted = entry["equals-ignore-case"]
        return isinstance(value, str) and value.casefold() == str(wanted).casefold()
    if "anything-but" in entry:
        excluded = entry["anything-but"]
        excluded = excluded if isinstance(excluded, list) else [excluded]
        return not any(_same(other, value) for other in excluded)
    if "numeric" in entry:
        return _numeric_matches(entry["numeric"], value)
    return False  # an operator this subset does not know matches nothing


def _numeric_matches(conditions: Any, value: Any) -> bool:
    if not _is_number(value) or not isinstance(conditions, list) or len(conditions) % 2:
        return False
    for name, bound in zip(conditions[::2], conditions[1::2], strict=True):
        compare = _COMPARISONS.get(name)
        if compare is None or not _is_number(bound) or not compare(value, bound):
            return False
    return True


def _same(entry: Any, value: Any) -> bool:
    """Equal and of the same JSON type (``1`` is not ``true``, ``"1"`` is not ``1``)."""
    if isinstance(entry, bool) or isinstance(value, bool):
        return isinstance(entry, bool) and isinstance(value, bool) and entry is value
    if _is_number(entry) and _is_number(value):
        return bool(entry == value)
    return type(entry) is type(value) and bool(entry == value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
