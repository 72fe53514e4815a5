"""Remembers SAM translations by content, so an unchanged template skips the transform.

Importing and running aws-sam-translator costs over a second; a no-op `lambdakit build` must not.
The key covers everything the translation depends on: the template document, parameter values,
region, account, stack name, the template's path, the content of local ``DefinitionUri`` files
and the translator's version. Only successful translations whose code locations are local
folders or inline source are stored (errors always come from a real translation).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from lambdakit.atomic_write import write_text_atomic
from lambdakit.cache_location import cache_root
from lambdakit.model import Code, InlineCode, LocalCode
from lambdakit.sources.sam import SamTranslation

FORMAT = "1"


def cache_dir() -> Path:
    """Where translations are remembered: ``sam/`` under lambdakit's cache."""
    return cache_root() / "sam"


def cached_translate(
    translate: Callable[[], SamTranslation],
    *,
    template: Mapping[str, Any],
    file: Path,
    inputs: Mapping[str, Any],
) -> SamTranslation:
    """`translate()`, or its stored result for the same inputs."""
    key = _key(template, file, inputs)
    path = cache_dir() / f"{key}.json"
    stored = _load(path)
    if stored is not None:
        return stored
    result = translate()
    _store(path, result)
    return result


def _key(template: Mapping[str, Any], file: Path, inputs: Mapping[str, Any]) -> str:
    h = hashlib.sha256()
    for part in (
        FORMAT,
        _version("aws-sam-translator"),
        _version("lambdakit"),
        str(file),
        json.dumps(template, sort_keys=True, default=str),
        json.dumps(dict(inputs), sort_keys=True, default=str),
    ):
        h.update(part.encode())
        h.update(b"\0")
    for definition in sorted(_definition_files(template, file.parent)):
        h.update(str(definition).encode())
        try:
            h.update(definition.read_bytes())
        except OSError:
            h.update(b"<missing>")
    return h.hexdigest()


def _definition_files(template: Mapping[str, Any], base: Path) -> set[Path]:
    """Local files named by ``DefinitionUri`` anywhere in the template."""
    found: set[Path] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if (
                    key == "DefinitionUri"
                    and isinstance(value, str)
                    and "://" not in value
                    and "\x00" not in value  # refused with a clear error by the translation
                ):
                    found.add((base / value).resolve())
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(template)
    return found


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"


def _load(path: Path) -> SamTranslation | None:
    try:
        data = json.loads(path.read_text())
        code: dict[str, Code] = {}
        for logical_id, spec in data["code"].items():
            code[logical_id] = (
                LocalCode(Path(spec["path"]))
                if spec["kind"] == "local"
                else InlineCode(spec["source"])
            )
        return SamTranslation(template=data["template"], origins=data["origins"], code=code)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _store(path: Path, result: SamTranslation) -> None:
    code: dict[str, dict[str, str]] = {}
    for logical_id, location in result.code.items():
        if isinstance(location, LocalCode):
            code[logical_id] = {"kind": "local", "path": str(location.path)}
        elif isinstance(location, InlineCode):
            code[logical_id] = {"kind": "inline", "source": location.source}
        else:
            return  # symbolic S3 or image locations: not worth a serializer; translate next time
    with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
        write_text_atomic(
            path, json.dumps({"template": result.template, "origins": result.origins, "code": code})
        )
