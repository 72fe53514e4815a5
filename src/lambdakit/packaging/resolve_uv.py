"""The uv words that pick a Lambda target's wheels, and reading what uv says when it fails.

`target_args` and `no_binary_args` build the command-line options shared by ``uv pip compile``
and ``uv pip install``. `uv_reason` keeps uv's explanation (a failed build's captured log cut
down to its last error lines); `wheel_blockers` and `mentions` read package names out of it.
Those names are only ever candidates to try from their sdist, or the package to name in a
message: what is acceptable is decided on a built wheel's own tags (DESIGN style 7).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from packaging.utils import canonicalize_name

from lambdakit.packaging.interpreters import find_interpreter
from lambdakit.packaging.tags import Target
from lambdakit.packaging.uv import clean_output


def target_args(target: Target) -> list[str]:
    """uv options that select the target's wheels (shared by compile and install)."""
    major, minor = target.python
    args = ["--python-version", f"{major}.{minor}", "--python-platform", target.uv_platform]
    args += ["--only-binary", ":all:", "--no-config", "--color", "never"]
    interpreter = find_interpreter(target.python)
    if interpreter is not None:
        # Only runs builds of pure-Python sdists; without it uv warns and uses any Python.
        args += ["--python", str(interpreter)]
    return args


def no_binary_args(names: Iterable[str]) -> list[str]:
    return [word for name in names for word in ("--no-binary", name)]


def uv_reason(stderr: str) -> str:
    """uv's explanation, from its ``error:`` line on (warnings before it are noise here).

    A failed build's captured log is cut down to its last error lines.
    """
    lines = clean_output(stderr).splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("error:")), 0)
    return "\n".join(_condense_build_logs(lines[start:])) or "uv failed without saying why"


_LOG_INDENT = 6
"""uv indents a build's captured output by 9 spaces; its own cause lines by 2."""


def _condense_build_logs(lines: Sequence[str]) -> list[str]:
    kept: list[str] = []
    log_errors: list[str] | None = None
    for line in lines:
        stripped = line.strip()
        if stripped in ("[stdout]", "[stderr]"):
            log_errors = log_errors if log_errors is not None else []
            continue
        if log_errors is not None:
            if not stripped or len(line) - len(line.lstrip()) >= _LOG_INDENT:
                if stripped.lower().startswith("error"):
                    log_errors.append(line)
                continue
            kept += log_errors[-2:]
            log_errors = None
        kept.append(line)
    return kept + (log_errors or [])[-2:]


_BLOCKER_PATTERNS = (
    re.compile(r"Wheels are required for `([^`]+)`"),
    re.compile(r"only found wheels for `([^`]+)`"),
    re.compile(r"Wheels are available for `([^`]+)`"),
    re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)\S* (?:has|have) no (?:usable )?wheels"),
)


def wheel_blockers(reason: str) -> list[str]:
    """Names uv says it found no usable wheel for: candidates for an sdist build, no more."""
    found: dict[str, None] = {}
    for pattern in _BLOCKER_PATTERNS:
        for match in pattern.finditer(reason):
            found[canonicalize_name(match[1])] = None
    return list(found)


def mentions(text: str, name: str) -> bool:
    """Whether `text` names package `name` (any of ``-``, ``_``, ``.`` between its words)."""
    spelled = re.escape(name).replace(r"\-", "[-_.]")
    return re.search(rf"(?<![\w.-]){spelled}(?![\w-])", text, re.IGNORECASE) is not None


def indent(text: str) -> str:
    """`text` indented by two spaces, for quoting uv inside a message."""
    return "\n".join(f"  {line}" if line else "" for line in text.splitlines())
