"""Read one function's declared dependencies into a normalized `RequirementsInput`.

Whatever the format, the result is the same: PEP 508 requirement lines in the user's order
(normalized by `packaging.requirements`, so spacing edits do not change the digest; duplicates
dropped), constraint lines, and the index options uv needs. Each format has its reader:

- ``requirements.txt`` (pip syntax, with ``-r``/``-c`` includes and index options):
  `requirements_txt`.
- PEP 735 ``[dependency-groups]``, Poetry ``[tool.poetry.group.<g>]`` and
  ``[project].dependencies`` of a ``pyproject.toml``: `requirements_pyproject`.

Both check each line with `requirements_lines.requirement`: editable installs and local paths
(``-e .``, ``./pkg``, ``file:``, Poetry ``path =``) are a `BuildError`, because lambdakit installs
wheels from an index, never a build of a local folder for the host. The hint says how to ship
such code instead.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from lambdakit.model import Dependencies, DependencyKind
from lambdakit.packaging.requirements_pyproject import read_group, read_project
from lambdakit.packaging.requirements_txt import read_requirements_file


@dataclass(frozen=True)
class RequirementsInput:
    """A function's third-party requirements, ready to hand to the resolver."""

    lines: tuple[str, ...]
    """PEP 508 requirement lines, normalized, in the user's order."""
    options: tuple[str, ...]
    """uv index options as command-line words: ``("--index-url", "https://…", "--no-index")``."""
    source: Path
    """The file the user edits (``requirements.txt`` or ``pyproject.toml``)."""
    description: str
    """Where the requirements are, for messages: ``src/api/requirements.txt``."""
    constraints: tuple[str, ...] = ()
    """PEP 508 lines from ``-c`` files: they limit versions without requiring anything."""

    @property
    def digest(self) -> str:
        """sha256 of the normalized content: changes exactly when the resolution input does."""
        parts = ["[requirements]", *self.lines, "[constraints]", *self.constraints]
        parts += ["[options]", *self.options]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def requirements_for(deps: Dependencies | None) -> RequirementsInput | None:
    """The normalized requirements of `deps`; None when there are no third-party dependencies."""
    if deps is None:
        return None
    if deps.kind is DependencyKind.REQUIREMENTS:
        found = read_requirements_file(deps.file)
    elif deps.kind is DependencyKind.PROJECT:
        found = read_project(deps.file)
    else:
        found = read_group(deps.file, deps.group)
    if not found.lines:
        return None
    return RequirementsInput(
        lines=tuple(dict.fromkeys(found.lines)),
        options=found.options,
        source=deps.file,
        description=found.description,
        constraints=tuple(dict.fromkeys(found.constraints)),
    )
