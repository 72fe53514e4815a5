"""Reading resolved property values as the types CloudFormation documents for them.

CloudFormation is lenient: ``MemorySize: "256"`` (a string, often from a parameter) is a number,
``Enabled: "true"`` a boolean. These functions accept what CloudFormation accepts and raise a
`TemplateError` naming the resource and property for anything else. A symbolic value (known only
after deployment) yields `None`, so callers fall back to the documented default.
"""

from __future__ import annotations

from lambdakit.errors import TemplateError
from lambdakit.model import Value, is_symbolic


def as_int(value: Value, where: str) -> int | None:
    """An integer property: int, or a string of digits. None when absent or symbolic."""
    if value is None or is_symbolic(value):
        return None
    if isinstance(value, bool):
        raise TemplateError(f"{where}: expected a number, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise TemplateError(f"{where}: expected a whole number, got {value!r}")


def as_bool(value: Value, where: str) -> bool | None:
    """A boolean property: true/false, or the strings "true"/"false" in any case."""
    if value is None or is_symbolic(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise TemplateError(f"{where}: expected true or false, got {value!r}")


def as_str(value: Value, where: str) -> str | None:
    """A string property; numbers are accepted as their text. None when absent or symbolic."""
    if value is None or is_symbolic(value):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise TemplateError(f"{where}: expected a string, got {type(value).__name__}")


def as_str_list(value: Value, where: str) -> tuple[str, ...]:
    """A list of strings; a single string counts as a list of one. Symbolic items are skipped."""
    if value is None or (is_symbolic(value) and not isinstance(value, list)):
        return ()
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for i, item in enumerate(items):
        text = as_str(item, f"{where}[{i}]")
        if text is not None:
            out.append(text)
    return tuple(out)
