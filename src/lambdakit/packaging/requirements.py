"""Read one function's declared dependencies into a normalized `RequirementsInput`.

Whatever the format, the result is the same: PEP 508 requirement lines in the user's order
(normalized by `packaging.requirements`, so spacing edits do not change the digest), constraint
lines, and the index options uv needs. Formats:

- ``requirements.txt`` (pip syntax): comments, ``\\`` continuations, ``${VAR}`` expansion,
  ``-r``/``-c`` includes relative to the including file, ``--index-url``/``-i``,
  ``--extra-index-url``, ``--find-links``/``-f`` (a local folder is made absolute), ``--no-index``.
  ``--hash`` options are dropped: a hash names one file, and the wheel lambdakit installs for
  the function's platform is generally another file than the one hashed on a laptop (pins are
  kept, so the versions stay exact). ``--pre``, ``--prefer-binary``, ``--only-binary``,
  ``--no-binary``, ``--require-hashes``, ``--trusted-host`` and ``--use-feature`` are ignored:
  lambdakit always installs wheels for the target.
- PEP 735 ``[dependency-groups]``, with ``{include-group = "..."}``.
- Poetry ``[tool.poetry.group.<g>.dependencies]`` (and ``include-groups``): ``^``, ``~`` and
  ``*`` constraints become PEP 440 ranges, ``python``/``platform``/``markers`` become environment
  markers, the ``python = ...`` entry is skipped, ``[[tool.poetry.source]]`` become extra indexes.
- ``[project].dependencies`` of the ``pyproject.toml`` in the code folder.

Editable installs and local paths (``-e .``, ``./pkg``, ``file:``, Poetry ``path =``) are a
`BuildError`: lambdakit installs wheels from an index, never a build of a local folder for the
host. The hint says how to ship such code instead.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from lambdakit.errors import BuildError
from lambdakit.model import Dependencies, DependencyKind


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
        found = _from_requirements_file(deps.file)
    elif deps.kind is DependencyKind.PROJECT:
        found = _from_project(deps.file)
    else:
        found = _from_group(deps.file, deps.group)
    return found if found.lines else None


# --------------------------------------------------------------------------- requirements.txt

_LOCAL_PATH_HINT = (
    "lambdakit installs wheels from a package index, it does not build local folders; put "
    "shared code in the function's code folder or in a layer, or build it into a wheel and "
    "point --find-links at the folder that holds it"
)
_COMMENT = re.compile(r"(^|\s+)#.*$")
_VARIABLE = re.compile(r"\$\{([A-Z0-9_]+)\}")
_TRAILING_OPTIONS = re.compile(r"\s+(?=--?[A-Za-z])")
_OPTION = re.compile(r"^(--[A-Za-z-]+|-[A-Za-z])(?:\s*=\s*|\s+)?(.*)$")
_WITH_VALUE = {
    "-r": "--requirement",
    "-c": "--constraint",
    "-i": "--index-url",
    "-f": "--find-links",
    "-e": "--editable",
}
_IGNORED_OPTIONS = frozenset(
    {
        "--pre",
        "--prefer-binary",
        "--only-binary",
        "--no-binary",
        "--require-hashes",
        "--trusted-host",
        "--use-feature",
    }
)


@dataclass
class _Collected:
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


def _from_requirements_file(path: Path) -> RequirementsInput:
    collected = _Collected()
    _read_requirements(path, collected, constraint=False, including=())
    return RequirementsInput(
        lines=tuple(dict.fromkeys(collected.lines)),
        options=collected.options,
        source=path,
        description=_display(path),
        constraints=tuple(dict.fromkeys(collected.constraints)),
    )


def _read_requirements(
    path: Path, collected: _Collected, *, constraint: bool, including: tuple[Path, ...]
) -> None:
    """Add the requirements (or constraints) of `path` and of the files it includes."""
    resolved = path.resolve()
    if resolved in including:
        chain = " -> ".join(_display(p) for p in (*including, resolved))
        raise BuildError(f"requirements files include each other in a cycle: {chain}")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        where = f"{_display(including[-1])}: " if including else ""
        raise BuildError(
            f"{where}cannot read requirements file {_display(path)}: {exc.strerror or exc}"
        ) from exc
    for number, line in _logical_lines(text):
        where = f"{_display(path)}:{number}"
        if line.startswith("-"):
            _apply_option(
                line,
                where=where,
                path=path,
                collected=collected,
                constraint=constraint,
                including=(*including, resolved),
            )
        else:
            requirement = _requirement(_strip_requirement_options(line, where), where)
            (collected.constraints if constraint else collected.lines).append(requirement)


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(first physical line number, content) with continuations joined, comments removed."""
    result: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        if raw.endswith("\\"):
            pending.append(raw[:-1])
            continue
        pending.append(raw)
        joined = _COMMENT.sub("", "".join(pending)).strip()
        pending = []
        if joined:
            result.append((start, _VARIABLE.sub(_expand_variable, joined)))
    if pending:
        joined = _COMMENT.sub("", "".join(pending)).strip()
        if joined:
            result.append((start, _VARIABLE.sub(_expand_variable, joined)))
    return result


def _expand_variable(match: re.Match[str]) -> str:
    return os.environ.get(match[1], match[0])


def _apply_option(
    line: str,
    *,
    where: str,
    path: Path,
    collected: _Collected,
    constraint: bool,
    including: tuple[Path, ...],
) -> None:
    match = _OPTION.match(line)
    name = _WITH_VALUE.get(match[1], match[1]) if match else line
    value = match[2].strip() if match else ""
    if name in _IGNORED_OPTIONS or name == "--hash":
        return
    if name in ("--requirement", "--constraint") and value:
        _read_requirements(
            path.parent / value,
            collected,
            constraint=constraint or name == "--constraint",
            including=including,
        )
    elif name in ("--index-url", "--extra-index-url") and value:
        collected.add_option(name, value)
    elif name == "--find-links" and value:
        local = "://" not in value
        collected.add_option(name, str((path.parent / value).resolve()) if local else value)
    elif name == "--no-index":
        collected.add_option(name)
    elif name == "--editable":
        raise BuildError(
            f"{where}: editable install {value!r} cannot go into a Lambda zip",
            hint=_LOCAL_PATH_HINT,
        )
    else:
        raise BuildError(
            f"{where}: unsupported option {line!r}",
            hint="lambdakit reads -r, -c, --index-url, --extra-index-url, --find-links and "
            "--no-index from requirements files",
        )


def _strip_requirement_options(line: str, where: str) -> str:
    """The requirement without trailing per-requirement options (``--hash`` is dropped)."""
    requirement, *rest = _TRAILING_OPTIONS.split(line)
    for option in rest:
        if not option.startswith("--hash"):
            raise BuildError(
                f"{where}: unsupported per-requirement option {option!r}",
                hint="only --hash may follow a requirement (lambdakit drops it, see the docs)",
            )
    return requirement


def _requirement(text: str, where: str) -> str:
    """`text` as a normalized PEP 508 line; local paths are a `BuildError`."""
    if text.startswith((".", "/", "~", "file:")) or _is_archive(text):
        raise BuildError(
            f"{where}: local path {text!r} cannot be installed for Lambda", hint=_LOCAL_PATH_HINT
        )
    try:
        requirement = Requirement(text)
    except InvalidRequirement as exc:
        raise BuildError(
            f"{where}: not a valid requirement: {text!r} ({str(exc).splitlines()[0]})",
            hint="write requirements as PEP 508 lines, e.g. requests>=2.31",
        ) from exc
    if requirement.url is not None and (
        requirement.url.startswith("file:") or "://" not in requirement.url
    ):
        raise BuildError(
            f"{where}: {requirement.name} points at a local path ({requirement.url})",
            hint=_LOCAL_PATH_HINT,
        )
    return str(requirement)


def _is_archive(text: str) -> bool:
    return "://" not in text and text.endswith((".whl", ".zip", ".tar.gz", ".tgz"))


# --------------------------------------------------------------------------- pyproject.toml


def _from_project(path: Path) -> RequirementsInput:
    document = _read_toml(path)
    project = _table(document, "project")
    if "dependencies" in project.get("dynamic", []):
        raise BuildError(
            f"{_display(path)}: [project] dependencies are dynamic, so lambdakit cannot read them",
            hint="list them in [project] dependencies, or use a requirements.txt in the code "
            "folder",
        )
    entries = project.get("dependencies", [])
    where = f"{_display(path)} [project] dependencies"
    if not isinstance(entries, list):
        raise BuildError(f"{where}: must be a list of requirement strings")
    lines = [_requirement(str(entry), where) for entry in entries]
    return RequirementsInput(
        lines=tuple(dict.fromkeys(lines)), options=(), source=path, description=where
    )


def _from_group(path: Path, group: str | None) -> RequirementsInput:
    document = _read_toml(path)
    if group is None:
        raise BuildError(f"{_display(path)}: a dependency group is required but none was named")
    pep735 = _named(_table(document, "dependency-groups"), group)
    if pep735 is not None:
        where = f"{_display(path)} [dependency-groups] {pep735}"
        lines = _pep735_group(_table(document, "dependency-groups"), pep735, path, ())
        return RequirementsInput(
            lines=tuple(dict.fromkeys(lines)), options=(), source=path, description=where
        )
    poetry_groups = _table(document, "tool", "poetry", "group")
    poetry = _named(poetry_groups, group)
    if poetry is None:
        raise BuildError(
            f"{_display(path)}: no dependency group {group!r} in [dependency-groups] or "
            "[tool.poetry.group]",
            hint="define the group, or fix the name configured for the function",
        )
    sources = _poetry_sources(document)
    collected = _Collected()
    _poetry_group(
        poetry_groups, poetry, path=path, sources=sources, collected=collected, including=()
    )
    return RequirementsInput(
        lines=tuple(dict.fromkeys(collected.lines)),
        options=collected.options,
        source=path,
        description=f"{_display(path)} [tool.poetry.group.{poetry}]",
    )


def _pep735_group(
    groups: dict[str, Any], name: str, path: Path, including: tuple[str, ...]
) -> list[str]:
    where = f"{_display(path)} [dependency-groups] {name}"
    if name in including:
        raise BuildError(f"{where}: groups include each other: {' -> '.join((*including, name))}")
    entries = groups[name]
    if not isinstance(entries, list):
        raise BuildError(f"{where}: a dependency group must be a list")
    lines: list[str] = []
    for entry in entries:
        if isinstance(entry, str):
            lines.append(_requirement(entry, where))
        elif isinstance(entry, dict) and set(entry) == {"include-group"}:
            included = _named(groups, str(entry["include-group"]))
            if included is None:
                raise BuildError(f"{where}: includes unknown group {entry['include-group']!r}")
            lines += _pep735_group(groups, included, path, (*including, name))
        else:
            raise BuildError(
                f"{where}: unsupported entry {entry!r}",
                hint='entries are requirement strings or {include-group = "name"}',
            )
    return lines


# --------------------------------------------------------------------------- Poetry


def _poetry_sources(document: dict[str, Any]) -> dict[str, tuple[str, bool]]:
    """Poetry source name -> (URL, explicit-only)."""
    sources = _table(document, "tool", "poetry").get("source", [])
    found: dict[str, tuple[str, bool]] = {}
    for source in sources if isinstance(sources, list) else []:
        if isinstance(source, dict) and "name" in source and "url" in source:
            explicit = source.get("priority") == "explicit"
            found[str(source["name"]).lower()] = (str(source["url"]), explicit)
    return found


def _poetry_group(
    groups: dict[str, Any],
    name: str,
    *,
    path: Path,
    sources: dict[str, tuple[str, bool]],
    collected: _Collected,
    including: tuple[str, ...],
) -> None:
    where = f"{_display(path)} [tool.poetry.group.{name}]"
    if name in including:
        raise BuildError(f"{where}: groups include each other: {' -> '.join((*including, name))}")
    for included in groups[name].get("include-groups", []):
        found = _named(groups, str(included))
        if found is None:
            raise BuildError(f"{where}: includes unknown group {included!r}")
        _poetry_group(
            groups,
            found,
            path=path,
            sources=sources,
            collected=collected,
            including=(*including, name),
        )
    for url, explicit in sources.values():
        if not explicit:
            collected.add_option("--extra-index-url", url)
    for package, spec in groups[name].get("dependencies", {}).items():
        if canonicalize_name(package) == "python":
            continue
        for constraint in spec if isinstance(spec, list) else [spec]:
            line, source = _poetry_requirement(package, constraint, f"{where} {package}")
            if line is None:
                continue
            collected.lines.append(line)
            if source is not None:
                if source.lower() not in sources:
                    raise BuildError(f"{where} {package}: unknown source {source!r}")
                collected.add_option("--extra-index-url", sources[source.lower()][0])


def _poetry_requirement(name: str, spec: Any, where: str) -> tuple[str | None, str | None]:
    """(PEP 508 line or None for an optional dependency, Poetry source name) of one entry."""
    if isinstance(spec, str):
        return _requirement(f"{name}{_poetry_constraint(spec, where)}", where), None
    if not isinstance(spec, dict):
        raise BuildError(f"{where}: unsupported dependency specification {spec!r}")
    if "path" in spec:
        raise BuildError(
            f"{where}: local path {spec['path']!r} cannot be installed for Lambda",
            hint=_LOCAL_PATH_HINT,
        )
    if spec.get("optional"):
        return None, None
    extras = spec.get("extras", [])
    head = f"{name}[{','.join(extras)}]" if extras else name
    if "url" in spec or "git" in spec:
        head += f" @ {_poetry_url(spec)} "
    else:
        head += _poetry_constraint(str(spec.get("version", "*")), where)
    markers = [f"({spec['markers']})"] if "markers" in spec else []
    if "python" in spec:
        markers += _python_markers(str(spec["python"]), where)
    if "platform" in spec:
        markers.append(f'sys_platform == "{spec["platform"]}"')
    line = head + ("; " + " and ".join(markers) if markers else "")
    source = spec.get("source")
    return _requirement(line.strip(), where), str(source) if source else None


def _poetry_url(spec: dict[str, Any]) -> str:
    if "url" in spec:
        return str(spec["url"])
    url = str(spec["git"])
    url = url if url.startswith("git+") else f"git+{url}"
    revision = spec.get("rev") or spec.get("tag") or spec.get("branch")
    return f"{url}@{revision}" if revision else url


_ATOM = re.compile(r"\s*(\^|~=|~|===|==|!=|>=|<=|>|<|=)?\s*([^\s,<>=!~^|]+)\s*")


def _poetry_constraint(text: str, where: str) -> str:
    """A Poetry version constraint as a PEP 440 specifier string ("" for any version)."""
    if "||" in text or "|" in text:
        raise BuildError(
            f"{where}: the constraint {text!r} has alternatives ('||'), which PEP 440 cannot say",
            hint="write one range, e.g. >=1.2,<3",
        )
    clauses: list[str] = []
    for part in text.split(","):
        position = 0
        while position < len(part.strip()):
            match = _ATOM.match(part.strip(), position)
            if match is None or match.end() == position:
                raise BuildError(f"{where}: cannot read the version constraint {text!r}")
            clauses += _poetry_atom(match[1], match[2], where)
            position = match.end()
    specifier = ",".join(clauses)
    try:
        SpecifierSet(specifier)
    except InvalidSpecifier as exc:
        raise BuildError(f"{where}: cannot translate the version constraint {text!r}") from exc
    return specifier


def _poetry_atom(operator: str | None, version: str, where: str) -> list[str]:
    if version == "*":
        return []
    if operator in ("^", "~"):
        try:
            release = list(Version(version).release)
        except InvalidVersion as exc:
            raise BuildError(f"{where}: {operator}{version} is not a valid version") from exc
        if operator == "^":
            nonzero = [i for i, part in enumerate(release) if part != 0]
            bump = nonzero[0] if nonzero else len(release) - 1
        else:
            bump = 1 if len(release) >= 2 else 0
        upper = [*release[:bump], release[bump] + 1]
        return [f">={version}", "<" + ".".join(str(part) for part in upper)]
    if operator in (None, "="):
        return [f"=={version}"]
    return [f"{operator}{version}"]


def _python_markers(text: str, where: str) -> list[str]:
    specifier = _poetry_constraint(text, where)
    return [
        f'python_full_version {clause.operator} "{clause.version}"'
        for clause in sorted(SpecifierSet(specifier), key=str)
    ]


# --------------------------------------------------------------------------- helpers


def _named(groups: dict[str, Any], wanted: str) -> str | None:
    """The key of `groups` equal to `wanted` by PEP 735 normalization, if any."""
    for name in groups:
        if canonicalize_name(name) == canonicalize_name(wanted):
            return name
    return None


def _display(path: Path) -> str:
    """`path` relative to the working folder when it is inside it, for messages."""
    try:
        return path.resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise BuildError(f"{_display(path)}: not valid TOML: {exc}") from exc
    except OSError as exc:
        raise BuildError(f"{_display(path)}: cannot be read: {exc.strerror or exc}") from exc


def _table(document: dict[str, Any], *keys: str) -> dict[str, Any]:
    node: Any = document
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}
