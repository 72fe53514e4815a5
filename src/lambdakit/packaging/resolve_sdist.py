"""Build the sdists a resolution fell back to, and accept only pure-Python wheels from them.

`build_pure_wheels` installs the pinned sdists with every compiler replaced by ``false``
(`uv.NO_NATIVE_BUILD`); `sdist_build_problem` then judges each built wheel on its own ``WHEEL``
tags and files (DESIGN style 7), never on uv's wording: it must be tagged
``<python>-none-any`` for the target and hold no ELF file. `install` runs the same check on
what it installs. A package that fails is a `NoCompatibleWheelError` from `no_compatible_wheel`,
which lists the ways out.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from packaging.tags import Tag, parse_tag
from packaging.utils import canonicalize_name

from lambdakit.errors import NoCompatibleWheelError
from lambdakit.packaging.elf import elf_machine
from lambdakit.packaging.requirements import RequirementsInput
from lambdakit.packaging.resolve_uv import (
    indent,
    mentions,
    no_binary_args,
    target_args,
    uv_reason,
)
from lambdakit.packaging.tags import Target
from lambdakit.packaging.uv import NO_NATIVE_BUILD, run_uv


def build_pure_wheels(
    reqs: RequirementsInput,
    target: Target,
    *,
    wanted: Sequence[tuple[str, str]],
    names: Sequence[str],
    workdir: Path,
    cache_dir: Path,
) -> None:
    """Build the sdists of the `wanted` (name, version) pins and insist on pure-Python wheels.

    `names` are the packages allowed from their sdist (``--no-binary``); compilers are disabled.
    """
    (workdir / "sdists.txt").write_text("".join(f"{name}=={version}\n" for name, version in wanted))
    built = workdir / "built"
    args = ["pip", "install", "--target", str(built), "--no-deps", "--link-mode", "copy"]
    args += [*target_args(target), *reqs.options, *no_binary_args(names), "-r", "sdists.txt"]
    result = run_uv(args, cwd=workdir, cache_dir=cache_dir, env=NO_NATIVE_BUILD)
    if result.returncode != 0:
        reason = uv_reason(result.stderr)
        name, version = next((pin for pin in wanted if mentions(reason, pin[0])), wanted[0])
        raise no_compatible_wheel(name, version, target, reason)
    for name, version in wanted:
        problem = sdist_build_problem(built, name, target)
        if problem is not None:
            raise no_compatible_wheel(name, version, target, problem)


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
        f"pure Python:\n{indent(reason)}",
        hint="ways out: " + "; ".join(ways),
    )
