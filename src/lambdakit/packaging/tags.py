"""Which wheels a Lambda runtime can load: a pure, table-driven function of runtime and arch.

A `Target` is the pair (Python version, architecture) a function runs on. From the platform
table below (FIDELITY 6.2-6.6) it derives the glibc of the runtime's operating system, the
acceptable platform tags (``manylinux_2_34_x86_64`` down to ``manylinux_2_5_x86_64`` with the
legacy ``manylinux1/2010/2014`` aliases; never ``linux_*``, which are builds for one host), the
full ordered tag list built with `packaging.tags`, and the ``--python-platform`` value uv
resolves with. Nothing here runs a tool or reads its output (DESIGN style 7), except
`Target.host_can_run`, which asks whether this machine can execute code for the target.
"""

from __future__ import annotations

import functools
import platform
from dataclasses import dataclass

from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import InvalidWheelFilename, parse_wheel_filename

from lambdakit.errors import BuildError
from lambdakit.model import Architecture, Function, Runtime
from lambdakit.packaging.interpreters import find_interpreter

AMAZON_LINUX_2023 = "Amazon Linux 2023"
AMAZON_LINUX_2 = "Amazon Linux 2"

_FIRST_AL2023_PYTHON = (3, 12)
"""python3.12 and newer run on Amazon Linux 2023 (glibc 2.34); older ones on Amazon Linux 2."""

GLIBC = {AMAZON_LINUX_2023: (2, 34), AMAZON_LINUX_2: (2, 26)}

MACHINE = {Architecture.X86_64: "x86_64", Architecture.ARM64: "aarch64"}
"""Lambda architecture -> the machine name used in wheel tags and ELF headers."""

_OLDEST_MANYLINUX = {"x86_64": 5, "aarch64": 17}
"""The first glibc minor with a manylinux tag for the machine (aarch64 starts at 2014/2_17)."""

_LEGACY_ALIASES = {
    (17, "x86_64"): "manylinux2014_x86_64",
    (17, "aarch64"): "manylinux2014_aarch64",
    (12, "x86_64"): "manylinux2010_x86_64",
    (5, "x86_64"): "manylinux1_x86_64",
}
"""PEP 599/571/513 names for manylinux_2_17, _2_12 and _2_5."""

UV_MANYLINUX = (17, 28, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40)
"""glibc minors (2.x) that uv's ``--python-platform <machine>-manylinux_2_x`` accepts."""

_HOST_MACHINE = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}


@dataclass(frozen=True)
class Target:
    """The platform a function runs on: CPython version and Lambda architecture."""

    python: tuple[int, int]
    architecture: Architecture

    @classmethod
    def for_function(cls, fn: Function) -> Target:
        """The target of `fn`; `BuildError` unless it runs on a supported Python runtime."""
        if fn.runtime is None or not fn.runtime.supported:
            reason = fn.not_runnable_reason or f"runtime {fn.runtime} is not supported"
            raise BuildError(
                f"{fn.origin}: cannot build {fn.id}: {reason}",
                hint="lambdakit builds zip functions on python3.9 to python3.13",
            )
        return cls.for_runtime(fn.runtime, fn.architecture)

    @classmethod
    def for_runtime(cls, runtime: Runtime, architecture: Architecture) -> Target:
        """The target of a runtime name such as ``python3.12`` on `architecture`."""
        version = runtime.python_version
        if version is None or not runtime.supported:
            raise BuildError(
                f"runtime {runtime} is not a Python runtime lambdakit builds",
                hint="use python3.9 to python3.13",
            )
        return cls(version, architecture)

    @property
    def os_name(self) -> str:
        """The operating system of the Lambda runtime (FIDELITY 6.2)."""
        return AMAZON_LINUX_2023 if self.python >= _FIRST_AL2023_PYTHON else AMAZON_LINUX_2

    @property
    def glibc(self) -> tuple[int, int]:
        """The glibc version of the runtime's operating system (FIDELITY 6.4)."""
        return GLIBC[self.os_name]

    @property
    def machine(self) -> str:
        """``x86_64`` or ``aarch64``: the name in wheel tags and ELF headers."""
        return MACHINE[self.architecture]

    @property
    def uv_platform(self) -> str:
        """uv's ``--python-platform``: the newest manylinux uv knows that the glibc can load."""
        minor = max(m for m in UV_MANYLINUX if m <= self.glibc[1])
        return f"{self.machine}-manylinux_2_{minor}"

    @property
    def key(self) -> str:
        """``cp312-manylinux_2_34_x86_64``: identifies the target in cache keys and file names."""
        major, minor = self.python
        return f"cp{major}{minor}-manylinux_{self.glibc[0]}_{self.glibc[1]}_{self.machine}"

    def __str__(self) -> str:
        """``python3.12 arm64 (Amazon Linux 2023, manylinux_2_34_aarch64)``, for messages."""
        major, minor = self.python
        resolved_as = self.uv_platform.replace(f"{self.machine}-", "") + f"_{self.machine}"
        return f"python{major}.{minor} {self.architecture.value} ({self.os_name}, {resolved_as})"

    def platform_tags(self) -> list[str]:
        """Acceptable platform tags, most specific first, ending with ``any``."""
        return [*_manylinux_tags(self.glibc[1], self.machine), "any"]

    def supported_tags(self) -> list[Tag]:
        """Every wheel tag the runtime accepts, in `packaging.tags` priority order."""
        return list(_supported_tags(self))

    def wheel_compatible(self, filename: str) -> bool:
        """True when the wheel `filename` installs on this target."""
        try:
            _name, _version, _build, tags = parse_wheel_filename(filename)
        except InvalidWheelFilename:
            return False
        return not tags.isdisjoint(_supported_tag_set(self))

    def host_can_run(self) -> bool:
        """True when this machine can execute code built for the target.

        It must be Linux on the same machine type, with a CPython of the target's version
        (found by `find_interpreter`).
        """
        host = _HOST_MACHINE.get(platform.machine().lower())
        return (
            platform.system() == "Linux"
            and host == self.machine
            and find_interpreter(self.python) is not None
        )


def _manylinux_tags(glibc_minor: int, machine: str) -> list[str]:
    """``manylinux_2_<glibc_minor>_<machine>`` down to the oldest, each legacy alias after its twin.

    The same order `packaging.tags` uses for the running host, computed for a given glibc.
    """
    tags: list[str] = []
    for minor in range(glibc_minor, _OLDEST_MANYLINUX[machine] - 1, -1):
        tags.append(f"manylinux_2_{minor}_{machine}")
        alias = _LEGACY_ALIASES.get((minor, machine))
        if alias is not None:
            tags.append(alias)
    return tags


@functools.cache
def _supported_tags(target: Target) -> tuple[Tag, ...]:
    platforms = _manylinux_tags(target.glibc[1], target.machine)
    major, minor = target.python
    interpreter = f"cp{major}{minor}"
    return (
        *cpython_tags(target.python, abis=[interpreter], platforms=platforms),
        *compatible_tags(target.python, interpreter, platforms=platforms),
    )


@functools.cache
def _supported_tag_set(target: Target) -> frozenset[Tag]:
    return frozenset(_supported_tags(target))
