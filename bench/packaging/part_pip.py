"""The naive baseline: ``pip install -r requirements.txt -t <folder>``, copy the code, zip it.

One copy of the app under ``bench/.tools/work/pip/``; pip is python3.12's own pip (from
``bench/.tools/pip-venv``) with ``PIP_CACHE_DIR`` at a fresh empty folder, so the first function
downloads everything and the next ones reuse what the first cached. pip installs for the machine
it runs on, so the arm64 function silently gets x86_64 wheels: the architecture check shows it.
"""

from __future__ import annotations

import functools
import os
import shutil
import time
from pathlib import Path

from artifact import zip_folder
from measure import Measure, measure
from project import FUNCTIONS, Function, fresh_copy, fresh_dir
from results import PartResult, Step
from shell import run
from tools import Tools

INSTALL_TIMEOUT = 600


def _build(
    tools: Tools, project: Path, function: Function, env: dict[str, str]
) -> dict[str, float]:
    """pip install into a folder, copy the code next to it, zip: seconds of install and zip."""
    target = project / ".build" / function.id
    source = project / function.folder
    pip = [tools.pip_python, "-m", "pip", "install", "-q", "-r", source / "requirements.txt"]
    installed = run([*pip, "-t", target], env=env, timeout=INSTALL_TIMEOUT)
    shutil.copytree(source, target, dirs_exist_ok=True)
    start = time.perf_counter()
    zip_folder(target, project / ".build" / f"{function.id}.zip")
    return {"install": installed.seconds, "zip": time.perf_counter() - start}


def run_pip(tools: Tools, how: Measure) -> PartResult:
    """All three functions the naive way, one after the other, from an empty pip cache."""
    result = PartResult("pip")
    result.extra["version"] = run([tools.pip_python, "-m", "pip", "--version"], timeout=60).stdout
    project = fresh_copy("pip")
    env = {
        **os.environ,
        "PIP_CACHE_DIR": str(fresh_dir("caches/pip")),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    for function in FUNCTIONS:
        ok, seconds = result.timed(
            f"pip-{function.id}",
            f"pip install -t + zip: {function.id}",
            functools.partial(_build, tools, project, function, env),
        )
        if ok and seconds:
            result.steps[
                -1
            ].note = f"install {seconds['install']:.1f} s, zip {seconds['zip']:.1f} s"
            result.extra.setdefault("seconds", {})[function.id] = seconds
            zipped = project / ".build" / f"{function.id}.zip"
            result.artifacts.append(measure(how, "pip", function, zipped))
    if all(s.seconds is not None for s in result.steps):
        total = sum(s.seconds or 0.0 for s in result.steps)
        result.steps.append(Step("pip-all", "pip install -t + zip: all three functions", total))
    return result
