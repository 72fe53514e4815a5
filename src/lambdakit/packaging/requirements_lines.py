"""What every requirements reader shares: checking one requirement line, and what a reader found.

`requirement` turns one requirement into a normalized PEP 508 line (normalized by
`packaging.requirements`, so spacing edits do not change the digest) and refuses local paths
with a `BuildError` whose hint says how to ship such code instead. `Collected` holds a reader's
findings in the user's order (requirements, constraints, index options); `requirements_for`
turns it into a `RequirementsInput`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from lambdakit.errors import BuildError

LOCAL_PATH_HINT = (
    "lambdakit installs wheels from a package index, it does not build local folders; put "
    "shared code in the function's code folder or in a layer, or build it into a wheel and "
    "point --find-links at the folder that holds it"
)


@dataclass
class Collected:
    """A reader's findings, in the user's order, duplicates included."""

    description: str
    """Where the requirements are, for messages: ``src/api/requirements.txt``."""
    lines: list[str] = field(default_factory=list)
    constraints: list[str] = field(default_factory=list)
    option_groups: list[tuple[str, ...]] = field(default_factory=list)

    def add_option(self, *words: str) -> None:
        """Add an option (its name and value, if any) unless it is already there."""
        if words not in self.option_groups:
            self.option_groups.append(words)

    @property
    def options(self) -> tuple[str, ...]:
        return tuple(word for group in self.option_groups for word in group)


def requirement(text: str, where: str) -> str:
    """`text` as a normalized PEP 508 line; local paths are a `BuildError`."""
    if text.startswith((".", "/", "~", "file:")) or _is_archive(text):
        raise BuildError(
            f"{where}: local path {text!r} cannot be installed for Lambda", hint=LOCAL_PATH_HINT
        )
    try:
        parsed = Requirement(text)
    except InvalidRequirement as exc:
        raise BuildError(
            f"{where}: not a valid requirement: {text!r} ({str(exc).splitlines()[0]})",
            hint="write requirements as PEP 508 lines, e.g. requests>=2.31",
        ) from exc
    if parsed.url is not None and (parsed.url.startswith("file:") or "://" not in parsed.url):
        raise BuildError(
            f"{where}: {parsed.name} points at a local path ({parsed.url})",
            hint=LOCAL_PATH_HINT,
        )
    return str(parsed)


def _is_archive(text: str) -> bool:
    return "://" not in text and text.endswith((".whl", ".zip", ".tar.gz", ".tgz"))


def display(path: Path) -> str:
    """`path` relative to the working folder when it is inside it, for messages."""
    try:
        return path.resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)
