"""Find where one function's third-party dependencies are declared.

The first rule that matches wins:

1. an explicit group: ``[tool.lambdakit.functions.<id>] dependency-group = "name"`` in the
   central ``pyproject.toml`` at the project root, or ``[functions.<id>]`` in ``lambdakit.toml``
   there (``lambdakit.toml`` is read first); `<id>` is the function id, its logical id or any
   other name the caller passes in `also_known_as`;
2. a ``requirements.txt`` in the code folder, unless `lambdakit deps` exported it from a group
   (`lambdakit.generated_requirements`): that one is a copy, and the group rules still decide;
3. a ``pyproject.toml`` with a ``[project]`` table in the code folder;
4. a group of the central ``pyproject.toml`` (PEP 735 ``[dependency-groups]`` or Poetry
   ``[tool.poetry.group.<name>.dependencies]``) named after the code folder's service: the
   code folder is ``…/services/<service>/runtime``, ``…/services/<service>`` or
   ``…/src/<service>``; any other folder is its own service;
5. nothing: the function has no declared third-party dependencies (None).

Group names compare as PEP 735 says (case-insensitive, runs of ``-``, ``_``, ``.`` equal).
Only the filesystem is read; nothing is installed or resolved here.

A CDK app's code arrives as a staged copy (``cdk.out/asset.<hash>``) that no longer says which
service it belongs to; `asset_source` finds the project folder it was copied from (same files,
same bytes, ignoring ``__pycache__`` and an exported ``requirements.txt``), so the rules above
can run on that folder.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any

from lambdakit.errors import AppError
from lambdakit.generated_requirements import is_generated
from lambdakit.model import Dependencies, DependencyKind
from lambdakit.toml_file import read_toml, table

PYPROJECT = "pyproject.toml"
LAMBDAKIT_TOML = "lambdakit.toml"
REQUIREMENTS = "requirements.txt"


def find_dependencies(
    code_dir: Path,
    *,
    function_id: str,
    project_root: Path | None,
    also_known_as: tuple[str, ...] = (),
) -> Dependencies | None:
    """Where the dependencies of the function whose code is in `code_dir` are declared."""
    names = (function_id, *also_known_as)
    if project_root is not None:
        explicit = _configured_group(project_root, names)
        if explicit is not None:
            return explicit
    requirements = code_dir / REQUIREMENTS
    if requirements.is_file() and not is_generated(requirements):
        return Dependencies(kind=DependencyKind.REQUIREMENTS, file=requirements)
    local_project = code_dir / PYPROJECT
    if local_project.is_file() and isinstance(
        read_toml(local_project, AppError).get("project"), dict
    ):
        return Dependencies(kind=DependencyKind.PROJECT, file=local_project)
    if project_root is not None:
        central = project_root / PYPROJECT
        if central.is_file():
            groups = dependency_groups(read_toml(central, AppError))
            wanted = _normalize(service_name(code_dir))
            for group in groups:
                if _normalize(group) == wanted:
                    return Dependencies(
                        kind=DependencyKind.DEPENDENCY_GROUP, file=central, group=group
                    )
    return None


def service_name(code_dir: Path) -> str:
    """The service a code folder belongs to, by the monorepo layouts lambdakit knows."""
    parts = code_dir.parts
    if len(parts) >= 3 and parts[-3] == "services" and parts[-1] == "runtime":
        return parts[-2]
    if len(parts) >= 2 and parts[-2] in ("services", "src"):
        return parts[-1]
    return code_dir.name


def dependency_groups(pyproject: dict[str, Any]) -> tuple[str, ...]:
    """Names of the PEP 735 and Poetry dependency groups of a parsed ``pyproject.toml``."""
    names: list[str] = []
    pep735 = pyproject.get("dependency-groups")
    if isinstance(pep735, dict):
        names.extend(str(name) for name in pep735)
    poetry_groups = table(pyproject, "tool", "poetry", "group")
    names.extend(
        str(name)
        for name, group in poetry_groups.items()
        if isinstance(group, dict) and isinstance(group.get("dependencies"), dict)
    )
    return tuple(dict.fromkeys(names))


def asset_source(asset_dir: Path, project_root: Path) -> Path | None:
    """The one service folder of the project that `asset_dir` (a staged CDK asset) copies."""
    asset = _files(asset_dir)
    if not asset:
        return None
    same_files = [
        folder
        for pattern in ("services/*/runtime", "services/*", "src/*")
        for folder in sorted(project_root.glob(pattern))
        if folder.is_dir() and _files(folder, limit=len(asset)) == asset
    ]
    if not same_files:
        return None
    wanted = _digests(asset_dir, asset)
    matches = [folder for folder in same_files if _digests(folder, asset) == wanted]
    return matches[0] if len(matches) == 1 else None


_NOT_COPIED = frozenset({"__pycache__", ".DS_Store", ".pytest_cache", ".mypy_cache"})


def _files(folder: Path, limit: int | None = None) -> frozenset[str]:
    """Relative paths of the files under `folder`; stops early past `limit` files."""
    found: set[str] = set()
    for current, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in _NOT_COPIED)
        for name in files:
            if name in _NOT_COPIED or name.endswith(".pyc"):
                continue
            if current == str(folder) and name == REQUIREMENTS and is_generated(folder / name):
                continue
            found.add((Path(current) / name).relative_to(folder).as_posix())
            if limit is not None and len(found) > limit:
                return frozenset(found)
    return frozenset(found)


def _digests(folder: Path, files: frozenset[str]) -> dict[str, str]:
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in files}


# --------------------------------------------------------------------------- explicit groups


def _configured_group(project_root: Path, names: tuple[str, ...]) -> Dependencies | None:
    """Rule 1: the group configured for the function, checked against the central pyproject."""
    found = _configured_group_name(project_root, names)
    if found is None:
        return None
    config_file, group = found
    central = project_root / PYPROJECT
    if not central.is_file():
        raise AppError(
            f"{config_file}: dependency-group {group!r} is configured, but {project_root} has "
            f"no {PYPROJECT} to define it",
            hint=f"add [dependency-groups] {group} = [...] to {central}",
        )
    groups = dependency_groups(read_toml(central, AppError))
    for name in groups:
        if _normalize(name) == _normalize(group):
            return Dependencies(kind=DependencyKind.DEPENDENCY_GROUP, file=central, group=name)
    known = ", ".join(groups) if groups else "none"
    raise AppError(
        f"{config_file}: dependency-group {group!r} is not a dependency group of {central}",
        hint=f"groups defined there: {known}; add [dependency-groups] {group} = [...] or fix "
        "the name",
    )


def _configured_group_name(project_root: Path, names: tuple[str, ...]) -> tuple[Path, str] | None:
    """(config file, group name) from lambdakit.toml, else from pyproject's [tool.lambdakit]."""
    candidates = (
        (project_root / LAMBDAKIT_TOML, ()),
        (project_root / PYPROJECT, ("tool", "lambdakit")),
    )
    for config_file, prefix in candidates:
        if not config_file.is_file():
            continue
        functions = table(read_toml(config_file, AppError), *prefix, "functions")
        for name in names:
            settings = functions.get(name)
            if not isinstance(settings, dict) or "dependency-group" not in settings:
                continue
            group = settings["dependency-group"]
            if not isinstance(group, str) or not group:
                raise AppError(
                    f"{config_file}: functions.{name}.dependency-group must be a group name, "
                    f"got {group!r}",
                    hint='write dependency-group = "<name of a [dependency-groups] entry>"',
                )
            return config_file, group
    return None


# --------------------------------------------------------------------------- TOML reading

_SEPARATORS = re.compile(r"[-_.]+")


def _normalize(name: str) -> str:
    return _SEPARATORS.sub("-", name).lower()
