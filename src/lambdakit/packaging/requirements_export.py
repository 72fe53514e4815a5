"""Export each function's dependency group as a ``requirements.txt`` in its code folder.

For users of other tools (SAM's builder, pip, IDEs): `lambdakit deps` writes, beside each
function's code, the requirement lines of the ``pyproject.toml`` group the function maps to.
`plan_exports` decides, from the app's functions, which files there are and what each says;
`export_state` compares one with the disk and `write_export` writes one atomically.

- Only functions whose dependencies come from a group are exported; one that owns a
  ``requirements.txt`` or a ``[project]`` has nothing to export.
- Functions sharing a code folder share its file: they must map to the same group.
- The file starts with a header naming the group (`lambdakit.generated_requirements`), then any
  index options, then the group's requirement lines in the order written (duplicates dropped).
- A hand-written ``requirements.txt`` is never overwritten: that is an `AppError`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from lambdakit.atomic_write import write_text_atomic
from lambdakit.errors import AppError
from lambdakit.generated_requirements import generated_header, is_generated
from lambdakit.model import Dependencies, DependencyKind, Function
from lambdakit.packaging.requirements_lines import display
from lambdakit.packaging.requirements_pyproject import read_group

REQUIREMENTS = "requirements.txt"


@dataclass(frozen=True)
class Export:
    """One ``requirements.txt`` to write: where, what, and for which functions."""

    path: Path
    text: str
    source: str
    """What it is exported from: ``pyproject.toml [dependency-groups] orders``."""
    functions: tuple[str, ...]
    """Ids of the functions whose code folder holds it."""


class ExportState(enum.Enum):
    """How an `Export` compares with the file on disk."""

    CURRENT = "current"
    STALE = "stale"
    MISSING = "missing"


def render_group(deps: Dependencies) -> tuple[str, str]:
    """(source description, file text) of the group `deps` names."""
    found = read_group(deps.file, deps.group)
    table = found.description.removeprefix(display(deps.file)).strip()
    source = f"{deps.file.name} {table}"
    lines = [
        generated_header(source),
        "# edit the group there, then run `lambdakit deps` again",
        *(" ".join(words) for words in found.option_groups),
        *dict.fromkeys(found.lines),
    ]
    return source, "".join(f"{line}\n" for line in lines)


def plan_exports(
    functions: Iterable[Function], folder_of: Callable[[Function], Path | None]
) -> tuple[Export, ...]:
    """The files to export for `functions`, sorted by path.

    `folder_of` gives a function's code folder in the project (None: nowhere to write, skipped).
    """
    by_folder: dict[Path, tuple[Dependencies, list[str]]] = {}
    for fn in functions:
        deps = fn.dependencies
        if deps is None or deps.kind is not DependencyKind.DEPENDENCY_GROUP:
            continue
        folder = folder_of(fn)
        if folder is None:
            continue
        folder = folder.resolve()
        if folder not in by_folder:
            by_folder[folder] = (deps, [fn.id])
            continue
        first, ids = by_folder[folder]
        if _group_key(first) != _group_key(deps):
            raise AppError(
                f"functions {ids[0]} and {fn.id} share the code folder {display(folder)} but map "
                f"to different dependency groups ({first.describe()} and {deps.describe()})",
                hint="give each function its own code folder, or map both to one group",
            )
        ids.append(fn.id)
    exports: list[Export] = []
    for folder, (deps, ids) in sorted(by_folder.items()):
        path = folder / REQUIREMENTS
        if path.exists() and not is_generated(path):
            raise AppError(
                f"{display(path)} was not written by `lambdakit deps`; it would be overwritten "
                f"with {deps.describe()} (functions: {', '.join(ids)})",
                hint="delete or rename that file if the group is what these functions use",
            )
        source, text = render_group(deps)
        exports.append(Export(path=path, text=text, source=source, functions=tuple(ids)))
    return tuple(exports)


def _group_key(deps: Dependencies) -> tuple[Path, str]:
    """Group names compare as PEP 735 says (case-insensitive, ``-``/``_``/``.`` runs equal)."""
    return deps.file.resolve(), canonicalize_name(deps.group or "")


def export_state(export: Export) -> ExportState:
    """Whether the file on disk says exactly what `export` would write."""
    try:
        current = export.path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ExportState.MISSING
    return ExportState.CURRENT if current == export.text else ExportState.STALE


def write_export(export: Export) -> None:
    """Write `export` atomically (readers see the old file or the new one)."""
    write_text_atomic(export.path, export.text)
