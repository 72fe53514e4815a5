"""Render one template file's text: ``{{name}}``-style placeholders replaced by their values.

Pure text in, text out. A placeholder the values do not name is an error (a typo in a template
must not ship), and the rendered text keeps everything else byte for byte.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")


class UnknownPlaceholderError(KeyError):
    """The template names a placeholder that has no value."""


def placeholders(text: str) -> set[str]:
    """The placeholder names `text` uses."""
    return {match.group(1) for match in PLACEHOLDER.finditer(text)}


def render(text: str, values: Mapping[str, str]) -> str:
    """`text` with each ``{{key}}`` replaced by ``values[key]``."""

    def value(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            raise UnknownPlaceholderError(key)
        return values[key]

    return PLACEHOLDER.sub(value, text)
