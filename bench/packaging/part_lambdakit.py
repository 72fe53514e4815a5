"""lambdakit's side: cold cache, warm cache in a new project, no-op, one-line edit, new requirement.

Stages (``lambdakit build --json`` run in a copy of the app, artifacts read from
``.lambdakit/build/<Fn>.zip``):
1. cold: a fresh copy, ``LAMBDAKIT_CACHE_DIR`` and ``UV_CACHE_DIR`` at fresh empty folders;
2. warm: another fresh copy (a new project) on the caches the cold build filled; then a third
   copy built on new empty caches: the three builds' zips must be byte-identical (clean builds
   in different folders, one of them sharing nothing with the first);
3. in the warm project: no-op rebuilds and one-line edits (median of a few each), then one
   added requirement;
4. archiving: the etl artifact's files zipped by lambdakit's archiver vs zipfile's default
   (`archive_speed.py`, run with lambdakit's interpreter);
5. a copy with Etl switched to x86_64, ``lambdakit build Etl``, for the import timing only.
"""

from __future__ import annotations

import dataclasses
import json
import os
import statistics
from pathlib import Path
from typing import Any

from artifact import sha256
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
from shell import BenchError, run
from tools import WORK, Tools, tool_version

BUILD_TIMEOUT = 600
REBUILD_TIMEOUT = 120
REPEATS = 3
ARCHIVE_TIMEOUT = 300


def available(tools: Tools) -> bool:
    """Whether ``lambdakit build`` exists yet."""
    try:
        run([tools.lambdakit, "build", "--help"], timeout=60)
    except BenchError:
        return False
    return True


def lambdakit_env(tools: Tools, caches: Path) -> dict[str, str]:
    """The user's environment, python3.12 on PATH (as for sam), caches under `caches`."""
    env = {
        **os.environ,
        "PATH": tools.path_with_python312(),
        "LAMBDAKIT_CACHE_DIR": str(caches / "lambdakit"),
        "UV_CACHE_DIR": str(caches / "uv"),
    }
    env.pop("VIRTUAL_ENV", None)
    return env


def _build(tools: Tools, project: Path, env: dict[str, str], *names: str) -> dict[str, Any]:
    """``lambdakit build --json [names]`` in `project`; its JSON answer."""
    done = run(
        [tools.lambdakit, "build", "--json", *names], cwd=project, env=env, timeout=BUILD_TIMEOUT
    )
    try:
        answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError) as error:
        raise BenchError(f"lambdakit build printed no JSON: {done.stdout[-300:]!r}") from error
    return answer


def _zips(project: Path) -> dict[str, Path]:
    return {f.id: project / ".lambdakit" / "build" / f"{f.id}.zip" for f in FUNCTIONS}


def _repeated(
    result: PartResult, key: str, label: str, action: Any, *, prepare: Any = None
) -> None:
    """Time `action` `REPEATS` times (after `prepare(i)` each time); record the median."""
    samples = []
    for attempt in range(REPEATS):
        if prepare is not None:
            prepare(attempt)
        ok, _ = result.timed(key, label, action)
        step = result.steps.pop()
        if not ok:
            result.steps.append(step)
            return
        samples.append(step.seconds or 0.0)
    result.steps.append(Step(key, label, statistics.median(samples), samples=samples))


def _clean_builds(tools: Tools, how: Measure, caches: Path, result: PartResult) -> Path | None:
    """Cold then warm clean builds; measure the cold artifacts; compare them. The warm project."""
    env = lambdakit_env(tools, caches)
    cold = fresh_copy("lk-cold")
    ok, answer = result.timed(
        "lk-cold", "lambdakit build, empty cache", lambda: _build(tools, cold, env)
    )
    if not ok:
        return None
    result.extra["cold_answer"] = answer
    for function in FUNCTIONS:
        result.artifacts.append(measure(how, "lambdakit", function, _zips(cold)[function.id]))
    warm = fresh_copy("lk-warm")
    ok, _ = result.timed(
        "lk-warm", "lambdakit build, new project, warm cache", lambda: _build(tools, warm, env)
    )
    if not ok:
        return None
    again = fresh_copy("lk-cold-again")
    ok, _ = result.timed(
        "lk-cold-again",
        "lambdakit build, empty cache again (for the byte check)",
        lambda: _build(tools, again, lambdakit_env(tools, fresh_dir("caches/lambdakit-again"))),
    )
    if ok:
        _compare(result, {"cold": cold, "warm": warm, "cold again": again})
    return warm


def _compare(result: PartResult, projects: dict[str, Path]) -> None:
    """sha256 of every function's zip in each project; identical when each function's agree."""
    hashes = {
        f.id: {name: sha256(_zips(project)[f.id]) for name, project in projects.items()}
        for f in FUNCTIONS
    }
    result.extra["sha256"] = hashes
    result.extra["identical"] = all(len(set(h.values())) == 1 for h in hashes.values())


def _rebuilds(tools: Tools, project: Path, env: dict[str, str], result: PartResult) -> None:
    """No-op rebuilds, one-line edits, one added requirement, in the warm project."""
    _repeated(
        result, "lk-noop", "lambdakit build, nothing changed", lambda: _build(tools, project, env)
    )
    _repeated(
        result,
        "lk-edit",
        "lambdakit build, one-line code edit",
        lambda: _build(tools, project, env),
        prepare=lambda attempt: edit_one_line(project, attempt + 2),
    )
    add_requirement(project)
    result.timed(
        "lk-add", "lambdakit build, one added requirement", lambda: _build(tools, project, env)
    )


def _etl_twin(tools: Tools, how: Measure, env: dict[str, str], result: PartResult) -> None:
    twin = fresh_copy("lk-twin")
    make_etl_x86_twin(twin)
    ok, _ = result.timed(
        "lk-twin",
        "lambdakit build Etl (x86_64 twin, warm cache)",
        lambda: _build(tools, twin, env, "Etl"),
    )
    if ok:
        etl = next(f for f in FUNCTIONS if f.id == "Etl")
        x86 = dataclasses.replace(etl, architecture="x86_64")
        result.artifacts.append(
            measure(how, "lambdakit", x86, _zips(twin)["Etl"], label="Etl@x86_64")
        )


def _archive_speed(tools: Tools, artifact: Path, result: PartResult) -> None:
    """Time lambdakit's archiver against zipfile's default on the files of `artifact`."""
    script = Path(__file__).with_name("archive_speed.py")
    python = tools.lambdakit.parent / "python"
    try:
        done = run([python, script, artifact, WORK / "archive"], timeout=ARCHIVE_TIMEOUT)
        result.extra["archive"] = json.loads(done.stdout.strip().splitlines()[-1])
    except (BenchError, ValueError, IndexError) as error:
        result.extra["archive"] = {"error": str(error)[-600:]}


def run_lambdakit(tools: Tools, how: Measure) -> PartResult:
    """Every lambdakit scenario."""
    result = PartResult("lambdakit")
    if not available(tools):
        result.steps.append(
            Step("lk-cold", "lambdakit build", None, error="`lambdakit build` not available yet")
        )
        return result
    result.extra["version"] = tool_version([str(tools.lambdakit), "--version"])
    caches = fresh_dir("caches/lambdakit")
    warm = _clean_builds(tools, how, caches, result)
    if warm is None:
        return result
    _archive_speed(tools, _zips(WORK / "lk-cold")["Etl"], result)
    env = lambdakit_env(tools, caches)
    _rebuilds(tools, warm, env, result)
    _etl_twin(tools, how, env, result)
    return result
