"""The `sam build` baseline: clean, --cached no-op, one-line edit, one added requirement.

Stages, all in one copy of the app under ``bench/.tools/work/sam/``:
1. ``sam build`` with an empty pip cache (``PIP_CACHE_DIR`` points at a fresh empty folder; the
   pip that sam's python workflow runs inherits it), then each ``.aws-sam/build/<Fn>`` folder
   zipped with zipfile's defaults (timed apart: sam itself makes folders, not zips);
2. ``sam build --cached`` once to fill sam's own cache (``.aws-sam/cache``), then timed:
   a no-op, a one-line edit of the api handler, and ``tabulate`` added to api's requirements;
3. a second copy with Etl switched to x86_64, ``sam build Etl``, for the import timing only.
"""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path

from artifact import folder_bytes, zip_folder
from measure import Measure, measure
from project import (
    FUNCTIONS,
    add_requirement,
    edit_one_line,
    fresh_copy,
    fresh_dir,
    make_etl_x86_twin,
)
from results import PartResult, Step
from shell import run
from tools import Tools

CLEAN_TIMEOUT = 600
CACHED_TIMEOUT = 300


def sam_env(tools: Tools, pip_cache: Path) -> dict[str, str]:
    """Environment for sam: python3.12 on PATH, its own HOME, telemetry off, this pip cache."""
    env = {
        **os.environ,
        "PATH": tools.path_with_python312(),
        "HOME": str(tools.sam_home),
        "SAM_CLI_TELEMETRY": "0",
        "PIP_CACHE_DIR": str(pip_cache),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    env.pop("VIRTUAL_ENV", None)
    return env


def _sam(tools: Tools, project: Path, env: dict[str, str], *args: str, timeout: float) -> None:
    run([tools.sam, "build", *args], cwd=project, env=env, timeout=timeout)


def _zip_all(project: Path, result: PartResult) -> dict[str, Path]:
    """Zip every built function folder; record their unzipped sizes; return the zips."""
    zips: dict[str, Path] = {}
    out = fresh_dir("sam-zips")
    for function in FUNCTIONS:
        folder = project / ".aws-sam" / "build" / function.id
        start = time.perf_counter()
        zips[function.id] = zip_folder(folder, out / f"{function.id}.zip")
        result.extra.setdefault("zip_seconds", {})[function.id] = time.perf_counter() - start
        result.extra.setdefault("folder_bytes", {})[function.id] = folder_bytes(folder)
    return zips


def _rebuilds(tools: Tools, project: Path, env: dict[str, str], result: PartResult) -> None:
    """The --cached steps: prime, no-op, one-line edit, added requirement."""

    def cached() -> None:
        _sam(tools, project, env, "--cached", timeout=CACHED_TIMEOUT)

    result.timed(
        "sam-cached-prime", "sam build --cached, first (warm pip cache; fills sam's)", cached
    )
    result.timed("sam-noop", "sam build --cached, nothing changed", cached)
    edit_one_line(project, 2)
    result.timed("sam-edit", "sam build --cached, one-line code edit", cached)
    add_requirement(project)
    result.timed("sam-add", "sam build --cached, one added requirement", cached)


def _etl_twin(tools: Tools, how: Measure, env: dict[str, str], result: PartResult) -> None:
    """Build Etl for x86_64 (warm pip cache) and time its import."""
    twin = fresh_copy("sam-twin")
    make_etl_x86_twin(twin)
    built, _ = result.timed(
        "sam-twin",
        "sam build Etl (x86_64 twin, warm pip cache)",
        lambda: _sam(tools, twin, env, "Etl", timeout=CLEAN_TIMEOUT),
    )
    if not built:
        return
    etl = next(f for f in FUNCTIONS if f.id == "Etl")
    zipped = zip_folder(twin / ".aws-sam" / "build" / "Etl", fresh_dir("sam-twin-zip") / "Etl.zip")
    twin_fn = dataclasses.replace(etl, architecture="x86_64")
    result.artifacts.append(measure(how, "sam", twin_fn, zipped, label="Etl@x86_64"))


def run_sam(tools: Tools, how: Measure) -> PartResult:
    """Every sam scenario; artifacts measured from the clean build."""
    result = PartResult("sam")
    result.extra["version"] = run([tools.sam, "--version"], timeout=120).stdout.strip()
    project = fresh_copy("sam")
    env = sam_env(tools, fresh_dir("caches/sam-pip"))
    built, _ = result.timed(
        "sam-clean",
        "sam build, clean, empty pip cache",
        lambda: _sam(tools, project, env, timeout=CLEAN_TIMEOUT),
    )
    if not built:
        return result
    _, zips = result.timed(
        "sam-zip", "zip sam's folders (zipfile default)", lambda: _zip_all(project, result)
    )
    clean, zipping = result.step("sam-clean"), result.step("sam-zip")
    if zips and clean and zipping and clean.seconds and zipping.seconds:
        both = clean.seconds + zipping.seconds
        result.steps.append(Step("sam-clean-zip", "sam build, clean, + zipping its folders", both))
    for function in FUNCTIONS:
        if zips:
            result.artifacts.append(measure(how, "sam", function, zips[function.id]))
    _rebuilds(tools, project, env, result)
    _etl_twin(tools, how, env, result)
    return result
