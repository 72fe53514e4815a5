"""Read a function's dependencies from the tables of a ``pyproject.toml`` into a `Collected`.

- ``[project].dependencies`` (dynamic dependencies are a `BuildError`: they cannot be read).
- PEP 735 ``[dependency-groups]``, with ``{include-group = "..."}``.
- Poetry ``[tool.poetry.group.<g>.dependencies]`` (and ``include-groups``): ``^``, ``~`` and
  ``*`` constraints become PEP 440 ranges, ``python``/``platform``/``markers`` become environment
  markers, the ``python = ...`` entry is skipped, optional dependencies are left out,
  ``[[tool.poetry.source]]`` become extra indexes (``priority = "explicit"`` ones only for the
  packages that name them).

Group names match by PEP 735 normalization; an include cycle, an unknown group or source, and a
Poetry ``path =`` dependency are a `BuildError`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from lambdakit.errors import BuildError
from lambdakit.packaging.requirements_lines import (
    LOCAL_PATH_HINT,
    Collected,
    display,
    requirement,
)
from lambdakit.toml_file import read_toml, table


def read_project(path: Path) -> Collected:
    """The ``[project].dependencies`` of the ``pyproject.toml`` at `path`."""
    document = read_toml(path, BuildError, shown=display(path))
    project = table(document, "project")
    if "dependencies" in project.get("dynamic", []):
        raise BuildError(
            f"{display(path)}: [project] dependencies are dynamic, so lambdakit cannot read them",
            hint="list them in [project] dependencies, or use a requirements.txt in the code "
            "folder",
        )
    entries = project.get("dependencies", [])
    where = f"{display(path)} [project] dependencies"
    if not isinstance(entries, list):
        raise BuildError(f"{where}: must be a list of requirement strings")
    return Collected(description=where, lines=[requirement(str(entry), where) for entry in entries])


def read_group(path: Path, group: str | None) -> Collected:
    """Dependency group `group` of `path`: PEP 735 first, then Poetry."""
    document = read_toml(path, BuildError, shown=display(path))
    if group is None:
        raise BuildError(f"{display(path)}: a dependency group is required but none was named")
    pep735 = _named(table(document, "dependency-groups"), group)
    if pep735 is not None:
        where = f"{display(path)} [dependency-groups] {pep735}"
        lines = _pep735_group(table(document, "dependency-groups"), pep735, path, ())
        return Collected(description=where, lines=lines)
    poetry_groups = table(document, "tool", "poetry", "group")
    poetry = _named(poetry_groups, group)
    if poetry is None:
        raise BuildError(
            f"{display(path)}: no dependency group {group!r} in [dependency-groups] or "
            "[tool.poetry.group]",
            hint="define the group, or fix the name configured for the function",
        )
    sources = _poetry_sources(document)
    collected = Collected(description=f"{display(path)} [tool.poetry.group.{poetry}]")
    _poetry_group(
        poetry_groups, poetry, path=path, sources=sources, collected=collected, including=()
    )
    return collected


def _pep735_group(
    groups: dict[str, Any], name: str, path: Path, including: tuple[str, ...]
) -> list[str]:
    where = f"{display(path)} [dependency-groups] {name}"
    if name in including:
        raise BuildError(f"{where}: groups include each other: {' -> '.join((*including, name))}")
    entries = groups[name]
    if not isinstance(entries, list):
        raise BuildError(f"{where}: a dependency group must be a list")
    lines: list[str] = []
    for entry in entries:
        if isinstance(entry, str):
            lines.append(requirement(entry, where))
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
    sources = table(document, "tool", "poetry").get("source", [])
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
    collected: Collected,
    including: tuple[str, ...],
) -> None:
    where = f"{display(path)} [tool.poetry.group.{name}]"
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
        return requirement(f"{name}{_poetry_constraint(spec, where)}", where), None
    if not isinstance(spec, dict):
        raise BuildError(f"{where}: unsupported dependency specification {spec!r}")
    if "path" in spec:
        raise BuildError(
            f"{where}: local path {spec['path']!r} cannot be installed for Lambda",
            hint=LOCAL_PATH_HINT,
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
    return requirement(line.strip(), where), str(source) if source else None


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
