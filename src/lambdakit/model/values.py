"""Symbolic values: what a template says that only deployment can know.

`Ref`, `GetAtt`, `Join` and `Unresolved` stand for a physical name, an attribute, a built string
or an expression only CloudFormation evaluates; `Value` is anything a template property can hold.
The helpers ask whether a value is symbolic, what it depends on, and how to show it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias


@dataclass(frozen=True)
class Ref:
    """The physical id of a resource of the app (a name, URL or ARN, by resource type)."""

    logical_id: str


@dataclass(frozen=True)
class GetAtt:
    """An attribute of a resource of the app, known once the resource exists."""

    logical_id: str
    attribute: str


@dataclass(frozen=True)
class Join:
    """A string built from parts, some symbolic (what `Fn::Sub` and `Fn::Join` become)."""

    parts: tuple[Value, ...]


@dataclass(frozen=True)
class Unresolved:
    """A CloudFormation expression that only CloudFormation can evaluate, kept verbatim.

    `reason` says why it stayed symbolic (e.g. "Fn::ImportValue from another stack").
    """

    expression: Any
    reason: str


Symbol: TypeAlias = Ref | GetAtt | Join | Unresolved
Scalar: TypeAlias = str | int | float | bool | None
Value: TypeAlias = Scalar | Symbol | list["Value"] | dict[str, "Value"]


def is_symbolic(value: Value) -> bool:
    """True when `value` (or anything inside it) is known only after deployment."""
    if isinstance(value, Ref | GetAtt | Join | Unresolved):
        return True
    if isinstance(value, list):
        return any(is_symbolic(v) for v in value)
    if isinstance(value, dict):
        return any(is_symbolic(v) for v in value.values())
    return False


def referenced_ids(value: Value) -> frozenset[str]:
    """Logical ids of the app's resources that `value` depends on."""
    found: set[str] = set()

    def walk(v: Value) -> None:
        if isinstance(v, Ref | GetAtt):
            found.add(v.logical_id)
        elif isinstance(v, Join):
            for part in v.parts:
                walk(part)
        elif isinstance(v, list):
            for item in v:
                walk(item)
        elif isinstance(v, dict):
            for item in v.values():
                walk(item)

    walk(value)
    return frozenset(found)


def render_value(value: Value) -> str:  # noqa: PLR0911 - one branch per kind of value
    """A short human form: `!Ref Table`, `!GetAtt Queue.Arn`, `arn:...:${Table}`."""
    if isinstance(value, Ref):
        return f"!Ref {value.logical_id}"
    if isinstance(value, GetAtt):
        return f"!GetAtt {value.logical_id}.{value.attribute}"
    if isinstance(value, Join):
        return "".join(
            p if isinstance(p, str) else "${" + render_value(p).removeprefix("!Ref ") + "}"
            for p in value.parts
        )
    if isinstance(value, Unresolved):
        return f"<{value.reason}>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, list):
        return "[" + ", ".join(render_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {render_value(v)}" for k, v in value.items()) + "}"
    return str(value)
