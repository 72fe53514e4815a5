"""The function's own files: a code folder in, the sorted `FileEntry`s that ship, and their hash.

Stages: compile the patterns (`DEFAULT_EXCLUDES`, then the caller's excludes; `SECRET_PATTERNS`
apart) -> walk the folder with ``os.scandir``, pruning excluded folders as they are met -> one
`FileEntry` per file kept, named ``prefix + relative posix path``, executable when its mode has
an execute bit -> sorted by name. `code_hash` turns those entries into the key of a no-op rebuild.

Rules, in the order they apply to each path (relative to the folder, posix):

- Excludes are gitignore-like: ``*`` and ``?`` stay within one path part, ``[...]`` is a class,
  ``**`` crosses folders (``**/fixtures/**``); a pattern with a ``/`` before its end is anchored
  to the folder (``/tests/``, ``docs/api/``), one without matches a name at any depth (``*.md``);
  a trailing ``/`` matches folders only; ``!pattern`` re-includes what an earlier pattern
  excluded (the caller's ``!tests/`` ships tests), but nothing inside an excluded folder, which
  is never entered. Blank patterns and ``#`` comments are ignored.
- A folder holding a ``pyvenv.cfg`` is a virtualenv, whatever its name, and is skipped.
- `SECRET_PATTERNS` are checked after every other rule and no pattern re-includes them: a
  pattern with a trailing ``/`` names a folder (``.aws/``), any other names files only (so a
  package folder named ``credentials`` still ships; a file named ``credentials`` never does).
- Symlinks are followed when they point inside the folder (to a file or a folder, looked at
  under the link's name). A link that points outside the folder, a broken link and a link that
  loops back to one of its own parent folders are errors naming the link: what ships must come
  from the folder, and silently dropping a file the code imports would only move the failure
  to the cloud. Excluding the link (it is matched by its own name) is the way past the error.
- Sockets, pipes and devices are skipped: they are not files a function can ship.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lambdakit.errors import BuildError
from lambdakit.packaging.archive import FileEntry

DEFAULT_EXCLUDES: tuple[str, ...] = (
    # version control
    ".git/",
    ".hg/",
    ".svn/",
    # virtualenvs by their usual names (any folder holding a pyvenv.cfg is skipped too)
    ".venv/",
    "venv/",
    # bytecode and tool caches
    "__pycache__/",
    "*.pyc",
    "*.pyo",
    ".pytest_cache/",
    ".mypy_cache/",
    ".ruff_cache/",
    ".tox/",
    ".nox/",
    # tests: the top-level tests/ folder and test modules (a package named testing ships)
    "/tests/",
    "test_*.py",
    "*_test.py",
    "conftest.py",
    # local settings (SECRET_PATTERNS hold them out whatever the configuration says)
    ".env",
    ".env.*",
    "env.json",
    # build outputs and the state of other tools
    ".aws-sam/",
    ".lambdakit/",
    "cdk.out/",
    "node_modules/",
    "*.egg-info/",
    # editor and operating system litter
    ".DS_Store",
    ".idea/",
    ".vscode/",
)
"""Paths no function needs at run time; the caller's excludes come after, and may negate these."""

SECRET_PATTERNS: tuple[str, ...] = (
    ".env",
    ".env.*",
    "env.json",
    "*.pem",
    "*.key",
    "id_rsa*",
    ".aws/",
    "credentials",
)
"""Never packaged, whatever the configuration: files only, but ``.aws/`` which is a folder."""

_HASH_VERSION = b"lambdakit code v1\0"


def collect_code(
    folder: Path, *, excludes: Sequence[str] = (), prefix: str = ""
) -> list[FileEntry]:
    """The files of `folder` that ship, sorted by name, each named `prefix` + its relative path."""
    if isinstance(excludes, str):
        raise TypeError("excludes is a sequence of patterns, not one string")
    try:
        real_root = os.path.realpath(folder, strict=True)
    except OSError as exc:
        raise BuildError(
            f"code folder {folder} does not exist", hint="check the function's CodeUri"
        ) from exc
    if not Path(real_root).is_dir():
        raise BuildError(f"code folder {folder} is not a folder", hint="check its CodeUri")
    walker = _Walker(
        root=Path(folder),
        real_root=real_root,
        prefix=_normalized_prefix(prefix),
        excludes=_Rules.compile([*DEFAULT_EXCLUDES, *excludes]),
        secrets=_Rules.compile(SECRET_PATTERNS),
    )
    walker.walk(str(folder), "", (real_root,))
    return sorted(walker.found, key=lambda entry: entry.name)


def code_hash(entries: Sequence[FileEntry]) -> str:
    """sha256 over the entries sorted by name: each name, executable bit and content digest."""
    digest = hashlib.sha256(_HASH_VERSION)
    for entry in sorted(entries, key=lambda e: e.name):
        try:
            with entry.path.open("rb") as file:
                content = hashlib.file_digest(file, "sha256").digest()
        except OSError as exc:
            raise BuildError(f"cannot read {entry.path}: {exc.strerror or exc}") from exc
        name = entry.name.encode("utf-8", "surrogateescape")
        digest.update(len(name).to_bytes(4, "big") + name)
        digest.update(b"\x01" if entry.executable else b"\x00")
        digest.update(content)
    return digest.hexdigest()


def _normalized_prefix(prefix: str) -> str:
    stripped = prefix.strip("/")
    if not stripped:
        return ""
    if "\\" in stripped or {"", ".", ".."} & set(stripped.split("/")):
        raise BuildError(f"{prefix!r} cannot be a folder inside a package")
    return stripped + "/"


# --- patterns ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pattern:
    """One gitignore-like pattern, compiled."""

    regex: re.Pattern[str]
    anchored: bool
    dir_only: bool
    negated: bool

    def matches(self, path: str, is_dir: bool) -> bool:
        if self.dir_only and not is_dir:
            return False
        subject = path if self.anchored else path.rpartition("/")[2]
        return self.regex.fullmatch(subject) is not None


@dataclass(frozen=True)
class _Rules:
    """An ordered list of patterns: the last one matching a path decides."""

    patterns: tuple[_Pattern, ...]

    @classmethod
    def compile(cls, patterns: Sequence[str]) -> _Rules:
        compiled = (_compile(pattern) for pattern in patterns)
        return cls(tuple(pattern for pattern in compiled if pattern is not None))

    def excluded(self, path: str, is_dir: bool) -> bool:
        result = False
        for pattern in self.patterns:
            if pattern.negated == result and pattern.matches(path, is_dir):
                result = not result
        return result

    def secret(self, path: str, is_dir: bool) -> bool:
        """Whether a secret pattern names `path`: folder patterns name folders, others files."""
        return any(
            pattern.dir_only == is_dir and pattern.matches(path, is_dir)
            for pattern in self.patterns
        )


def _compile(pattern: str) -> _Pattern | None:
    text = pattern.strip()
    if not text or text.startswith("#"):
        return None
    negated = text.startswith("!")
    text = text.removeprefix("!")
    dir_only = text.endswith("/")
    text = text.rstrip("/")
    anchored = "/" in text
    text = text.lstrip("/")
    if not text:
        raise BuildError(f"exclude pattern {pattern!r} names no path")
    return _Pattern(re.compile(_translate(text)), anchored, dir_only, negated)


def _translate(glob: str) -> str:
    """A glob as a regular expression: ``*`` and ``?`` stop at ``/``; ``**`` does not."""
    parts: list[str] = []
    at = 0
    while at < len(glob):
        if glob.startswith("**/", at):
            parts.append("(?:.*/)?")
            at += 3
        elif glob.startswith("/**", at) and at + 3 == len(glob):
            parts.append("/.*")
            at += 3
        elif glob.startswith("**", at):
            parts.append(".*")
            at += 2
        else:
            part, at = _translate_one(glob, at)
            parts.append(part)
    return "".join(parts)


def _translate_one(glob: str, at: int) -> tuple[str, int]:
    char = glob[at]
    if char == "*":
        return "[^/]*", at + 1
    if char == "?":
        return "[^/]", at + 1
    if char == "\\" and at + 1 < len(glob):
        return re.escape(glob[at + 1]), at + 2
    end = glob.find("]", at + 2) if char == "[" else -1
    if end < 0:
        return re.escape(char), at + 1
    body = glob[at + 1 : end]
    negated = body.startswith("!")
    body = re.sub(r"([\\^\[])", r"\\\1", body.removeprefix("!"))
    return f"[{'^/' if negated else ''}{body}]", end + 1


# --- walk -------------------------------------------------------------------------------------


@dataclass
class _Walker:
    root: Path
    real_root: str
    prefix: str
    excludes: _Rules
    secrets: _Rules
    found: list[FileEntry] = field(default_factory=list)

    def walk(self, directory: str, relative: str, chain: tuple[str, ...]) -> None:
        """Collect the files under `directory`: ``relative`` to the root (empty or ending in
        ``/``), reached through the real folders `chain` (the root's first, its own last)."""
        try:
            with os.scandir(directory) as scan:
                children = list(scan)
        except OSError as exc:
            raise BuildError(f"cannot read folder {directory}: {exc.strerror or exc}") from exc
        if relative and any(child.name == "pyvenv.cfg" for child in children):
            return
        for child in children:
            path = relative + child.name
            is_dir = child.is_dir()
            if self.excludes.excluded(path, is_dir) or self.secrets.secret(path, is_dir):
                continue
            real = self._real_target(child, path, chain) if child.is_symlink() else None
            if is_dir:
                real = real or f"{chain[-1]}{os.sep}{child.name}"
                self.walk(child.path, path + "/", (*chain, real))
            elif child.is_file():
                self._add(child, path)

    def _add(self, child: os.DirEntry[str], path: str) -> None:
        try:
            mode = child.stat().st_mode
        except OSError as exc:  # pragma: no cover - vanished between scandir and stat
            raise BuildError(f"cannot read {child.path}: {exc.strerror or exc}") from exc
        if stat.S_ISREG(mode):
            executable = bool(mode & 0o111)
            self.found.append(FileEntry(self.prefix + path, Path(child.path), executable))

    def _real_target(self, child: os.DirEntry[str], path: str, chain: tuple[str, ...]) -> str:
        """Where a symlink leads, checked: inside the folder, existing, not a loop."""
        target = os.path.realpath(child.path)
        shown = f"{self.root / path} -> {Path(child.path).readlink()}"
        if not Path(target).exists():
            raise BuildError(
                f"broken symlink {shown}",
                hint="remove the link, fix its target, or exclude it",
            )
        if os.path.commonpath([self.real_root, target]) != self.real_root:
            raise BuildError(
                f"symlink {shown} points outside the code folder {self.root}",
                hint="copy what it points to into the folder, or exclude the link",
            )
        if target in chain:
            raise BuildError(
                f"symlink {shown} loops back to a folder that contains it",
                hint="remove the link or exclude it",
            )
        return target
