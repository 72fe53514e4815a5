"""A path a template names relative to its own folder, refused when no file system could hold it."""

from __future__ import annotations

from pathlib import Path

from lambdakit.errors import TemplateError


def template_path(file: Path, value: str, *, where: str) -> Path:
    """`value` resolved against the folder of `file`; `where` names the property for errors."""
    if "\x00" in value:
        raise TemplateError(
            f"{file}: {where} {value!r} holds a NUL character, which no path can",
            hint="write the path relative to the template's folder",
        )
    return (file.parent / value).resolve()
