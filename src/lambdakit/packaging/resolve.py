"""Pin a function's requirements for its Lambda target with uv, from wheels only.

Stages:

1. Write the requirements (and constraints) into a scratch folder under fixed names, so uv's
   annotations never contain a machine-specific path.
2. ``uv pip compile --only-binary :all:`` for the target's Python version and manylinux
   platform (`Target.uv_platform`). Nothing is built for the host, and nothing falls back to
   compiling.
3. If that fails, uv's explanation names the packages it found no usable wheel for. Those are
   only candidates: each is allowed from its source distribution (``--no-binary <name>``) and
   the resolution runs again. Then the candidates are built, with every compiler replaced by
   ``false`` (`uv.NO_NATIVE_BUILD`), and a candidate is accepted only if the wheel it built is
   tagged ``py3-none-any`` for the target and holds no ELF file: the decision is made on the
   built wheel's own tags (DESIGN style 7), never on uv's wording. Anything else is a
   `NoCompatibleWheelError` with the ways out; a conflict or a typo is a
   `DependencyResolutionError` that shows uv's reason.
4. Parse the pins and uv's ``# via`` annotations; render the lock text (the index options, a
   ``--no-binary`` line per package built from its sdist, then uv's output).
5. Ask PyPI for each pin's newest release; a pin is reported in `Lock.older_than_latest` when
   that release has no wheel the target accepts and the user's own requirements allow it.
   This lookup never fails a build.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import re
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.tags import Tag, parse_tag
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from lambdakit.atomic_write import write_text_atomic
from lambdakit.errors import BuildError, DependencyResolutionError, NoCompatibleWheelError
from lambdakit.packaging.cache import cache_root
from lambdakit.packaging.elf import elf_machine
from lambdakit.packaging.interpreters import find_interpreter
from lambdakit.packaging.requirements import RequirementsInput
from lambdakit.packaging.tags import Target
from lambdakit.packaging.uv import NO_NATIVE_BUILD, clean_output, run_uv

REQUIREMENTS_IN = "requirements.in"
CONSTRAINTS_IN = "constraints.txt"
_MAX_SDIST_PACKAGES = 8
_VALUE_OPTIONS = frozenset({"--index-url", "--extra-index-url", "--find-links"})
_PYPI_JSON = "https://pypi.org/pypi/{name}/json"
_LATEST_TTL_SECONDS = 24 * 3600
_PYPI_TIMEOUT_SECONDS = 10
_LOOKUP_THREADS = 8


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
            _build_pure_wheels(
                reqs, target, pins=pins, names=from_sdist, workdir=workdir, cache_dir=cache_dir
            )
    return Lock(
        text=_render(reqs, target, compiled, from_sdist),
        pins=pins,
        built_from_sdist=from_sdist,
        older_than_latest=_older_than_latest(reqs, target, pins, from_sdist),
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
        blockers = [name for name in _wheel_blockers(reason) if name not in from_sdist]
        if blockers and len(from_sdist) + len(blockers) <= _MAX_SDIST_PACKAGES:
            from_sdist += blockers
            continue
        stuck = [name for name in from_sdist if _mentions(reason, name)]
        if stuck:
            both = f"{first_reason}\n\nWith its source distribution allowed:\n{reason}"
            raise no_compatible_wheel(stuck[0], None, target, both)
        break
    raise DependencyResolutionError(
        f"cannot resolve the dependencies in {reqs.description} for {target}:\n" + _indent(reason),
        hint=f"fix the requirement uv names above in {reqs.source}",
    )


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


def _wheel_blockers(reason: str) -> list[str]:
    """Names uv says it found no usable wheel for: candidates for an sdist build, no more."""
    found: dict[str, None] = {}
    for pattern in _BLOCKER_PATTERNS:
        for match in pattern.finditer(reason):
            found[canonicalize_name(match[1])] = None
    return list(found)


def _mentions(text: str, name: str) -> bool:
    spelled = re.escape(name).replace(r"\-", "[-_.]")
    return re.search(rf"(?<![\w.-]){spelled}(?![\w-])", text, re.IGNORECASE) is not None


# --------------------------------------------------------------------------- sdist builds


def _build_pure_wheels(
    reqs: RequirementsInput,
    target: Target,
    *,
    pins: Sequence[Pin],
    names: Sequence[str],
    workdir: Path,
    cache_dir: Path,
) -> None:
    """Build the sdists of `names` (compilers disabled) and insist on pure-Python wheels."""
    wanted = [pin for pin in pins if pin.name in names]
    (workdir / "sdists.txt").write_text("".join(f"{p.name}=={p.version}\n" for p in wanted))
    built = workdir / "built"
    args = ["pip", "install", "--target", str(built), "--no-deps", "--link-mode", "copy"]
    args += [*target_args(target), *reqs.options, *no_binary_args(names), "-r", "sdists.txt"]
    result = run_uv(args, cwd=workdir, cache_dir=cache_dir, env=NO_NATIVE_BUILD)
    if result.returncode != 0:
        reason = uv_reason(result.stderr)
        failed = next((p for p in wanted if _mentions(reason, p.name)), wanted[0])
        raise no_compatible_wheel(failed.name, failed.version, target, reason)
    for pin in wanted:
        problem = sdist_build_problem(built, pin.name, target)
        if problem is not None:
            raise no_compatible_wheel(pin.name, pin.version, target, problem)


def sdist_build_problem(root: Path, name: str, target: Target) -> str | None:
    """Why the wheel built from `name`'s sdist and installed under `root` is unfit, or None.

    Fit means: its ``WHEEL`` tags are all ``<python>-none-any`` and include one the target
    accepts, and none of its files is an ELF binary.
    """
    dist_info = _dist_info(root, name)
    if dist_info is None:
        return f"the build of {name} installed no {name} package"
    tags = _wheel_tags(dist_info / "WHEEL")
    if not tags or any(tag.abi != "none" or tag.platform != "any" for tag in tags):
        shown = ", ".join(sorted(str(tag) for tag in tags)) or "none"
        return f"its source distribution builds a platform-specific wheel (tags: {shown})"
    if tags.isdisjoint(target.supported_tags()):
        return f"the wheel built from its sdist ({', '.join(map(str, tags))}) is not for {target}"
    for relative in _record_paths(dist_info / "RECORD"):
        machine = elf_machine(root / relative)
        if machine is not None:
            return f"the wheel built from its sdist contains native code ({relative}, {machine})"
    return None


def _dist_info(root: Path, name: str) -> Path | None:
    for candidate in sorted(root.glob("*.dist-info")):
        distribution = candidate.name.removesuffix(".dist-info").rsplit("-", 1)[0]
        if canonicalize_name(distribution) == name:
            return candidate
    return None


def _wheel_tags(wheel_file: Path) -> frozenset[Tag]:
    try:
        lines = wheel_file.read_text(encoding="utf-8").splitlines()
    except OSError:
        return frozenset()
    tags: set[Tag] = set()
    for line in lines:
        key, _, value = line.partition(":")
        if key.strip() == "Tag" and value.strip():
            tags |= parse_tag(value.strip())
    return frozenset(tags)


def _record_paths(record: Path) -> list[str]:
    try:
        with record.open(newline="", encoding="utf-8") as fh:
            return [row[0] for row in csv.reader(fh) if row and not row[0].startswith("..")]
    except OSError:
        return []


def no_compatible_wheel(
    name: str, version: str | None, target: Target, reason: str
) -> NoCompatibleWheelError:
    """The error for a package with no wheel for `target` and no pure-Python sdist."""
    package = f"{name}=={version}" if version else name
    platform = target.uv_platform.removeprefix(f"{target.machine}-") + f"_{target.machine}"
    other = "x86_64" if target.architecture.value == "arm64" else "arm64"
    ways = [
        f"require a version of {name} that publishes {platform} wheels "
        f"(see https://pypi.org/project/{name}/#files)",
        f"build the function for {other} if {name} has wheels there",
    ]
    if target.python < (3, 12):
        ways.append("move to python3.12+ (Amazon Linux 2023 loads manylinux_2_28/2_34 wheels)")
    ways.append(f"ship {name} in a layer or a container image built on {target.os_name}")
    return NoCompatibleWheelError(
        f"{package} has no wheel for {target}, and no source distribution that builds as "
        f"pure Python:\n{_indent(reason)}",
        hint="ways out: " + "; ".join(ways),
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


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" if line else "" for line in text.splitlines())


# --------------------------------------------------------------------------- older than latest


def _older_than_latest(
    reqs: RequirementsInput, target: Target, pins: Sequence[Pin], from_sdist: Sequence[str]
) -> tuple[tuple[str, str, str], ...]:
    """Pins held back because the newest release has no wheel the target accepts."""
    if not _index_is_pypi(reqs.options):
        return ()
    limits = _user_limits((*reqs.lines, *reqs.constraints))
    candidates = [pin for pin in pins if pin.name not in from_sdist and "://" not in pin.version]
    with ThreadPoolExecutor(max_workers=_LOOKUP_THREADS) as pool:
        latest = list(pool.map(_latest_release, [pin.name for pin in candidates]))
    found: list[tuple[str, str, str]] = []
    for pin, release in zip(candidates, latest, strict=True):
        if release is None or not _newer(release[0], pin.version):
            continue
        version, files = release
        limit = limits.get(pin.name)
        if limit is not None and not limit.contains(version, prereleases=True):
            continue  # the user's own requirement keeps it back, not wheel availability
        if not any(target.wheel_compatible(name) for name in files if name.endswith(".whl")):
            found.append((pin.name, pin.version, version))
    return tuple(found)


def _index_is_pypi(options: Sequence[str]) -> bool:
    if "--index-url" in options or "--no-index" in options:
        return False
    return not any(os.environ.get(v) for v in ("UV_INDEX_URL", "UV_DEFAULT_INDEX", "UV_NO_INDEX"))


def _user_limits(lines: Iterable[str]) -> dict[str, SpecifierSet]:
    limits: dict[str, SpecifierSet] = {}
    for line in lines:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        limits[name] = limits.get(name, SpecifierSet()) & requirement.specifier
    return limits


def _newer(latest: str, pinned: str) -> bool:
    try:
        return Version(latest) > Version(pinned)
    except InvalidVersion:
        return False


@cache
def _latest_release(name: str) -> tuple[str, tuple[str, ...]] | None:
    """(newest version, its file names) from PyPI's JSON API; None when PyPI cannot say.

    Answers are remembered on disk for a day: a project's JSON can be megabytes (it lists every
    release), and re-resolving after one added requirement should ask only about the new one.
    """
    memory = cache_root() / "pypi-latest" / f"{name}.json"
    try:
        remembered = json.loads(memory.read_text())
        if time.time() - float(remembered["fetched"]) < _LATEST_TTL_SECONDS:
            return str(remembered["version"]), tuple(remembered["files"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    request = urllib.request.Request(
        _PYPI_JSON.format(name=name),
        headers={"Accept": "application/json", "User-Agent": "lambdakit"},
    )
    try:
        with urllib.request.urlopen(request, timeout=_PYPI_TIMEOUT_SECONDS) as response:
            document = json.load(response)
        files = tuple(str(f["filename"]) for f in document.get("urls", []) if not f.get("yanked"))
        version = str(document["info"]["version"])
    except (OSError, urllib.error.URLError, ValueError, KeyError, TypeError):
        return None
    with contextlib.suppress(OSError):
        write_text_atomic(
            memory, json.dumps({"fetched": time.time(), "version": version, "files": files})
        )
    return version, files
