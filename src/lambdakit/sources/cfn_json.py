"""Parse a JSON document written as a string into a `Value`, keeping references symbolic.

Some properties take a JSON string (``RedrivePolicy``, SNS ``FilterPolicy``); templates often
build it with ``Fn::Sub`` so that it can name another resource:
``!Sub '{"deadLetterTargetArn": "${Dlq.Arn}", "maxReceiveCount": 5}'``. After resolution that is
a `Join` of text and symbols. `json_document` swaps each symbol for a placeholder, parses the
text, and puts the symbols back: a string that was only a placeholder becomes the symbol, a
string with text around placeholders becomes a `Join`.
"""

from __future__ import annotations

import json
import re
from typing import Any, cast

from lambdakit.errors import TemplateError
from lambdakit.model import Join, Value

_PLACEHOLDER = "@@lambdakit-symbol-{}@@"
_PLACEHOLDERS = re.compile(r"@@lambdakit-symbol-(\d+)@@")


def json_document(value: Value, where: str) -> Value:
    """`value` parsed when it is JSON text (plain or a `Join`), else `value` unchanged."""
    symbols: list[Value] = []
    if isinstance(value, str):
        text = value
    elif isinstance(value, Join):
        pieces: list[str] = []
        for part in value.parts:
            if isinstance(part, str | int | float) and not isinstance(part, bool):
                pieces.append(str(part))
            else:
                pieces.append(_PLACEHOLDER.format(len(symbols)))
                symbols.append(part)
        text = "".join(pieces)
    else:
        return value
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TemplateError(
            f"{where}: not valid JSON: {exc}",
            hint="write the policy as a YAML mapping instead of a JSON string",
        ) from exc
    return _restore(document, symbols)


def _restore(node: Any, symbols: list[Value]) -> Value:
    if isinstance(node, dict):
        return {str(k): _restore(v, symbols) for k, v in node.items()}
    if isinstance(node, list):
        return [_restore(v, symbols) for v in node]
    if not isinstance(node, str) or not symbols:
        return cast(Value, node)
    parts: list[Value] = []
    position = 0
    for match in _PLACEHOLDERS.finditer(node):
        if match.start() > position:
            parts.append(node[position : match.start()])
        parts.append(symbols[int(match[1])])
        position = match.end()
    if position < len(node):
        parts.append(node[position:])
    if len(parts) == 1:
        return parts[0]
    return Join(tuple(parts)) if parts else node
