"""What one part of the benchmark measured (timed steps and artifacts), kept as JSON between runs.

Each part (sam, pip, lambdakit) saves its results to ``bench/.tools/work/results/<part>.json``;
a run that skips a part reports that part's last saved results, marked with their date.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from artifact import ZipFacts
from shell import BenchError
from tools import WORK

RESULTS = WORK / "results"
T = TypeVar("T")


@dataclass
class Step:
    """One timed scenario step; `seconds` is None when it failed (`error` says why)."""

    key: str
    label: str
    seconds: float | None
    error: str | None = None
    samples: list[float] = field(default_factory=list)
    note: str = ""


@dataclass
class ArtifactRow:
    """One function's artifact as one tool built it."""

    tool: str
    function: str
    architecture: str
    facts: ZipFacts | None
    import_seconds: float | None = None
    import_samples: list[float] = field(default_factory=list)
    note: str = ""


@dataclass
class PartResult:
    """Everything one part measured."""

    part: str
    when: str = field(default_factory=lambda: time.strftime("%Y-%m-%d %H:%M:%S"))
    steps: list[Step] = field(default_factory=list)
    artifacts: list[ArtifactRow] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    reused: bool = False

    def step(self, key: str) -> Step | None:
        """The step called `key`, if this part has it."""
        return next((s for s in self.steps if s.key == key), None)

    def timed(self, key: str, label: str, action: Callable[[], T]) -> tuple[bool, T | None]:
        """Run `action`, record its wall time as a step (or its error): (succeeded, its value)."""
        start = time.perf_counter()
        try:
            value = action()
        except BenchError as error:
            self.steps.append(Step(key, label, None, error=str(error)[-600:]))
            return False, None
        self.steps.append(Step(key, label, time.perf_counter() - start))
        return True, value

    def save(self) -> None:
        """Write to ``results/<part>.json``."""
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"{self.part}.json").write_text(json.dumps(asdict(self), indent=2))


def _facts(raw: dict[str, Any] | None) -> ZipFacts | None:
    return ZipFacts(**{**raw, "foreign": tuple(raw["foreign"])}) if raw else None


def load(part: str) -> PartResult | None:
    """The last saved results of `part`, marked as reused, or None."""
    path: Path = RESULTS / f"{part}.json"
    if not path.exists():
        return None
    raw = json.loads(path.read_text())
    artifacts = [ArtifactRow(**{**a, "facts": _facts(a["facts"])}) for a in raw["artifacts"]]
    steps = [Step(**s) for s in raw["steps"]]
    return PartResult(
        part=raw["part"],
        when=raw["when"],
        steps=steps,
        artifacts=artifacts,
        extra=raw["extra"],
        reused=True,
    )
