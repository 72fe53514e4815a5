"""Build settings from the project's ``[tool.lambdakit]`` table, checked and typed.

```toml
[tool.lambdakit]
keep = ["boto3"]                 # runtime-provided packages to ship anyway (pinned SDK)
runtime-provided = [...]         # replace the list of packages the Lambda runtime ships
prune-tests = true               # drop test suites inside third-party packages
prune-stubs = true               # drop type stubs
prune-build-files = true         # drop C headers and sources, Cython files, static libraries
prune = ["**/*.md"]              # more patterns to drop from dependencies
exclude = ["docs/"]              # patterns left out of the function's own code
compile = true                   # precompile bytecode with the runtime's own interpreter
sourceless = false               # ship .pyc without .py sources (smaller, no source lines)
strip = true                     # drop ELF symbol and debug sections the loader never reads
layers = "none"                  # or "auto": move shared dependencies into layers
```
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from lambdakit.errors import AppError
from lambdakit.packaging.prune import RUNTIME_PROVIDED, PruneConfig

_KNOWN = frozenset(
    {
        "keep",
        "runtime-provided",
        "prune-tests",
        "prune-stubs",
        "prune-build-files",
        "prune",
        "exclude",
        "compile",
        "sourceless",
        "strip",
        "layers",
        # read by other parts of lambdakit
        "functions",
        "stack-name",
        "region",
        "env-file",
    }
)


@dataclass(frozen=True)
class BuildConfig:
    """How to build every function of the app."""

    prune: PruneConfig = field(default_factory=PruneConfig)
    exclude: tuple[str, ...] = ()
    compile: bool = True
    sourceless: bool = False
    strip: bool = True
    """Drop symbol and debug sections from shared objects (`elf_strip`)."""
    layers: Literal["none", "auto"] = "none"

    def fingerprint(self) -> str:
        """What about these settings changes a built dependency tree (for cache keys)."""
        p = self.prune
        return repr(
            (
                sorted(p.runtime_provided),
                sorted(p.keep),
                p.tests,
                p.stubs,
                p.build_files,
                sorted(p.patterns),
                self.compile,
                self.sourceless,
                self.strip,
            )
        )


def build_config(table: Mapping[str, Any], *, where: str = "[tool.lambdakit]") -> BuildConfig:
    """Read `table` (the ``[tool.lambdakit]`` mapping); unknown keys and wrong types are errors."""
    unknown = sorted(set(table) - _KNOWN)
    if unknown:
        raise AppError(
            f"{where}: unknown setting {', '.join(unknown)}",
            hint=f"known settings: {', '.join(sorted(_KNOWN))}",
        )
    layers = table.get("layers", "none")
    if layers not in ("none", "auto"):
        raise AppError(f'{where}: layers must be "none" or "auto", not {layers!r}')
    return BuildConfig(
        prune=PruneConfig(
            runtime_provided=_strings(table, "runtime-provided", where, RUNTIME_PROVIDED),
            keep=_strings(table, "keep", where, ()),
            tests=_flag(table, "prune-tests", where, default=True),
            stubs=_flag(table, "prune-stubs", where, default=True),
            build_files=_flag(table, "prune-build-files", where, default=True),
            patterns=_strings(table, "prune", where, ()),
        ),
        exclude=_strings(table, "exclude", where, ()),
        compile=_flag(table, "compile", where, default=True),
        sourceless=_flag(table, "sourceless", where, default=False),
        strip=_flag(table, "strip", where, default=True),
        layers=layers,
    )


def _strings(
    table: Mapping[str, Any], key: str, where: str, default: tuple[str, ...]
) -> tuple[str, ...]:
    value = table.get(key)
    if value is None:
        return default
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise AppError(f"{where}: {key} must be a list of strings")
    return tuple(value)


def _flag(table: Mapping[str, Any], key: str, where: str, *, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise AppError(f"{where}: {key} must be true or false")
    return value
