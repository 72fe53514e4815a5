"""The benchmark app: its functions, a fresh copy of it per scenario, the edits scenarios make."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from shell import BenchError
from tools import APP, WORK


@dataclass(frozen=True)
class Function:
    """One function of the app as the template declares it."""

    id: str
    folder: str
    architecture: str
    module: str = "app"


FUNCTIONS = (
    Function("Api", "api", "x86_64"),
    Function("Etl", "etl", "arm64"),
    Function("Counter", "counter", "x86_64"),
)
EDIT_FILE = Path("api/app.py")
EDIT_LINE = 'VERSION = "{}"\n'
ADDED_REQUIREMENT = "tabulate"


def fresh_dir(name: str) -> Path:
    """An empty folder `bench/.tools/work/<name>` (removed first if it exists)."""
    path = WORK / name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def fresh_copy(name: str) -> Path:
    """A pristine copy of the app in `bench/.tools/work/<name>`."""
    path = WORK / name
    shutil.rmtree(path, ignore_errors=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(
        APP, path, ignore=shutil.ignore_patterns("__pycache__", ".aws-sam", ".lambdakit")
    )
    return path


def _replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    if text.count(old) != 1:
        raise BenchError(f"{path}: expected exactly one {old!r}")
    path.write_text(text.replace(old, new))


def edit_one_line(project: Path, version: int) -> None:
    """Change the api handler's VERSION line (`version` - 1 to `version`): a one-line code edit."""
    target = project / EDIT_FILE
    _replace_once(target, EDIT_LINE.format(version - 1), EDIT_LINE.format(version))


def add_requirement(project: Path) -> None:
    """Add one small requirement to the api function."""
    requirements = project / "api" / "requirements.txt"
    requirements.write_text(requirements.read_text() + f"{ADDED_REQUIREMENT}\n")


def make_etl_x86_twin(project: Path) -> None:
    """Switch Etl to x86_64 so its artifact can be imported on this host (for import timing)."""
    _replace_once(project / "template.yaml", "- arm64\n", "- x86_64\n")
