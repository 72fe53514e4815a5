"""Pin a function's requirements for its Lambda target with uv, from wheels only.

Stages:

1. Write the requirements (and constraints) into a scratch folder under fixed names, so uv's
   annotations never contain a machine-specific path.
2. ``uv pip compile --only-binary :all:`` for the target's Python version and manylinux
   platform (`Target.uv_platform`, options from `resolve_uv.target_args`). Nothing is built for
   the host, and nothing falls back to compiling.
3. If that fails, uv's explanation names the packages it found no usable wheel for
   (`resolve_uv.wheel_blockers`). Those are only candidates: each is allowed from its source
   distribution (``--no-binary <name>``) and the resolution runs again. Then the candidates are
   built, with every compiler replaced by ``false`` (`uv.NO_NATIVE_BUILD`), and a candidate is
   accepted only if the wheel it built is tagged ``py3-none-any`` for the target and holds no
   ELF file (`resolve_sdist`): the decision is made on the built wheel's own tags (DESIGN
   style 7), never on uv's wording. Anything else is a `NoCompatibleWheelError` with the ways
   out; a conflict or a typo is a `DependencyResolutionError` that shows uv's reason.
4. Parse the pins and uv's ``# via`` annotations; render the lock text (the index options, a
   ``--no-binary`` line per package built from its sdist, then uv's output).
5. Ask PyPI for each pin's newest release (`resolve_latest`); a pin is reported in
   `Lock.older_than_latest` when that release has no wheel the target accepts and the user's
   own requirements allow it. This lookup never fails a build.

`install` imports the uv options and the sdist check from here as well.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from lambdakit.errors import BuildError, DependencyResolutionError
from lambdakit.packaging.requirements import RequirementsInput
from lambdakit.packaging.resolve_latest import older_than_latest
from lambdakit.packaging.resolve_sdist import (
    build_pure_wheels,
    no_compatible_wheel,
    sdist_build_problem,
)
from lambdakit.packaging.resolve_uv import (
    indent,
    mentions,
    no_binary_args,
    target_args,
    uv_reason,
    wheel_blockers,
)
from lambdakit.packaging.tags import Target
from lambdakit.packaging.uv import NO_NATIVE_BUILD, run_uv

__all__ = [
    "CONSTRAINTS_IN",
    "REQUIREMENTS_IN",
    "Lock",
    "Pin",
    "no_binary_args",
    "no_compatible_wheel",
    "resolve",
    "sdist_build_problem",
    "target_args",
    "uv_reason",
]

REQUIREMENTS_IN = "requirements.in"
CONSTRAINTS_IN = "constraints.txt"
_MAX_SDIST_PACKAGES = 8
_VALUE_OPTIONS = frozenset({"--index-url", "--extra-index-url", "--find-links"})


@dataclass(frozen=True)
class Pin:
    """One pinned package of a lock."""

    name: str
    """Canonical name (PEP 503)."""
    version: str
    """The pinned version; the URL for a direct URL requirement."""
    via: tuple[str, ...]
    """Canonical names of the packages that require it; "" means the function requires it."""


@dataclass(frozen=True)
class Lock:
    """The exact set of wheels a function gets on its target."""

    text: str
    """The lock file (``.lambdakit/locks/<function>.txt``) that `install` consumes."""
    pins: tuple[Pin, ...]
    built_from_sdist: tuple[str, ...]
    """Pure-Python packages built from their sdist into a ``py3-none-any`` wheel."""
    older_than_latest: tuple[tuple[str, str, str], ...]
    """(name, pinned, latest) where the latest release has no wheel for the target."""

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()


def resolve(reqs: RequirementsInput, target: Target, *, cache_dir: Path) -> Lock:
    """Pin `reqs` for `target` (wheels only; pure-Python sdists built as ``py3-none-any``)."""
    with tempfile.TemporaryDirectory(prefix="lambdakit-resolve-") as scratch:
        workdir = Path(scratch)
        (workdir / REQUIREMENTS_IN).write_text("".join(f"{line}\n" for line in reqs.lines))
        if reqs.constraints:
            (workdir / CONSTRAINTS_IN).write_text("".join(f"{line}\n" for line in reqs.constraints))
        compiled, from_sdist = _compile(reqs, target, workdir, cache_dir)
        pins = _parse_pins(compiled)
        if from_sdist:
            build_pure_wheels(
                reqs,
                target,
                wanted=[(pin.name, pin.version) for pin in pins if pin.name in from_sdist],
                names=from_sdist,
                workdir=workdir,
                cache_dir=cache_dir,
            )
    return Lock(
        text=_render(reqs, target, compiled, from_sdist),
        pins=pins,
        built_from_sdist=from_sdist,
        older_than_latest=older_than_latest(
            reqs, target, [(pin.name, pin.version) for pin in pins], from_sdist
        ),
    )


# --------------------------------------------------------------------------- uv pip compile


def _compile(
    reqs: RequirementsInput, target: Target, workdir: Path, cache_dir: Path
) -> tuple[str, tuple[str, ...]]:
    """uv's pinned output, and the packages that had to come from their sdist."""
    from_sdist: list[str] = []
    reason = first_reason = ""
    for _attempt in range(_MAX_SDIST_PACKAGES + 1):
        args = ["pip", "compile", REQUIREMENTS_IN]
        if reqs.constraints:
            args += ["--constraints", CONSTRAINTS_IN]
        args += [*target_args(target), "--no-header", "--annotation-style", "split"]
        args += [*reqs.options, *no_binary_args(from_sdist)]
        result = run_uv(args, cwd=workdir, cache_dir=cache_dir, env=NO_NATIVE_BUILD)
        if result.returncode == 0:
            return result.stdout, tuple(sorted(from_sdist))
        reason = uv_reason(result.stderr)
        first_reason = first_reason or reason
        blockers = [name for name in wheel_blockers(reason) if name not in from_sdist]
        if blockers and len(from_sdist) + len(blockers) <= _MAX_SDIST_PACKAGES:
            from_sdist += blockers
            continue
        stuck = [name for name in from_sdist if mentions(reason, name)]
        if stuck:
            both = f"{first_reason}\n\nWith its source distribution allowed:\n{reason}"
            raise no_compatible_wheel(stuck[0], None, target, both)
        break
    raise DependencyResolutionError(
        f"cannot resolve the dependencies in {reqs.description} for {target}:\n" + indent(reason),
        hint=f"fix the requirement uv names above in {reqs.source}",
    )


# --------------------------------------------------------------------------- the lock


def _parse_pins(compiled: str) -> tuple[Pin, ...]:
    """Pins and their ``# via`` annotations from uv's requirements output (either style)."""
    pins: list[Pin] = []
    current: tuple[str, str] | None = None
    via: set[str] = set()
    for line in compiled.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not line[0].isspace() and not stripped.startswith(("#", "-")):
            if current is not None:
                pins.append(Pin(current[0], current[1], tuple(sorted(via))))
            requirement, _, comment = line.partition(" #")
            current, via = _pinned(requirement.strip()), set()
            stripped = "#" + comment if comment else ""
        if current is None or not stripped.startswith("#"):
            continue
        entries = _VIA.sub("", stripped.lstrip("#").strip()).strip()
        via |= {e for e in (_dependent(part) for part in entries.split(",")) if e is not None}
    if current is not None:
        pins.append(Pin(current[0], current[1], tuple(sorted(via))))
    return tuple(pins)


_VIA = re.compile(r"^via\b")


def _pinned(text: str) -> tuple[str, str]:
    try:
        requirement = Requirement(text)
    except InvalidRequirement as exc:
        raise BuildError(f"uv printed a pin lambdakit cannot read: {text!r}") from exc
    if requirement.url:
        return canonicalize_name(requirement.name), requirement.url
    versions = [spec.version for spec in requirement.specifier]
    return canonicalize_name(requirement.name), versions[0] if versions else ""


def _dependent(entry: str) -> str | None:
    """The empty string for the function's own requirements, a canonical name, or None."""
    entry = entry.strip()
    if not entry:
        return None
    if entry.startswith("-r "):
        return ""
    if entry.startswith("-"):
        return None
    return canonicalize_name(entry.split()[0])


def _render(
    reqs: RequirementsInput, target: Target, compiled: str, from_sdist: Sequence[str]
) -> str:
    header = [
        f"# lambdakit lock for {target.key}: exact wheels, installed with --no-deps.",
        "# Generated from the function's requirements: edit those, not this file.",
    ]
    options = _option_lines(reqs.options)
    sdists = [f"--no-binary {name}" for name in from_sdist]
    body = compiled.strip("\n")
    return "\n".join([*header, *options, *sdists, *([body] if body else [])]) + "\n"


def _option_lines(options: Sequence[str]) -> list[str]:
    lines: list[str] = []
    words = iter(options)
    for word in words:
        lines.append(f"{word} {next(words, '')}".strip() if word in _VALUE_OPTIONS else word)
    return lines
