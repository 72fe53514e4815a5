"""Read a ``requirements.txt`` (pip syntax) and the files it includes into a `Collected`.

Understood: comments, ``\\`` continuations, ``${VAR}`` expansion, ``-r``/``-c`` includes relative
to the including file (an include cycle is a `BuildError`), ``--index-url``/``-i``,
``--extra-index-url``, ``--find-links``/``-f`` (a local folder is made absolute), ``--no-index``.
``--hash`` options are dropped: a hash names one file, and the wheel lambdakit installs for the
function's platform is generally another file than the one hashed on a laptop (pins are kept, so
the versions stay exact). ``--pre``, ``--prefer-binary``, ``--only-binary``, ``--no-binary``,
``--require-hashes``, ``--trusted-host`` and ``--use-feature`` are ignored: lambdakit always
installs wheels for the target. Editable installs (``-e``), local paths and any other option are
a `BuildError`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from lambdakit.errors import BuildError
from lambdakit.packaging.requirements_lines import (
    LOCAL_PATH_HINT,
    Collected,
    display,
    requirement,
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


def read_requirements_file(path: Path) -> Collected:
    """The requirements, constraints and index options of `path` and of the files it includes."""
    collected = Collected(description=display(path))
    _read_requirements(path, collected, constraint=False, including=())
    return collected


def _read_requirements(
    path: Path, collected: Collected, *, constraint: bool, including: tuple[Path, ...]
) -> None:
    """Add the requirements (or constraints) of `path` and of the files it includes."""
    resolved = path.resolve()
    if resolved in including:
        chain = " -> ".join(display(p) for p in (*including, resolved))
        raise BuildError(f"requirements files include each other in a cycle: {chain}")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        where = f"{display(including[-1])}: " if including else ""
        raise BuildError(
            f"{where}cannot read requirements file {display(path)}: {exc.strerror or exc}"
        ) from exc
    for number, line in _logical_lines(text):
        where = f"{display(path)}:{number}"
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
            found = requirement(_strip_requirement_options(line, where), where)
            (collected.constraints if constraint else collected.lines).append(found)


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
    collected: Collected,
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
            hint=LOCAL_PATH_HINT,
        )
    else:
        raise BuildError(
            f"{where}: unsupported option {line!r}",
            hint="lambdakit reads -r, -c, --index-url, --extra-index-url, --find-links and "
            "--no-index from requirements files",
        )


def _strip_requirement_options(line: str, where: str) -> str:
    """The requirement without trailing per-requirement options (``--hash`` is dropped)."""
    text, *rest = _TRAILING_OPTIONS.split(line)
    for option in rest:
        if not option.startswith("--hash"):
            raise BuildError(
                f"{where}: unsupported per-requirement option {option!r}",
                hint="only --hash may follow a requirement (lambdakit drops it, see the docs)",
            )
    return text
