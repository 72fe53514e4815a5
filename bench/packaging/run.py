"""Packaging benchmark: sam build vs naive pip vs lambdakit build on one three-function app.

    python bench/packaging/run.py [--quick] [--skip-sam] [--parts sam,pip,lambdakit]
                                  [--import-runs N] [--lambdakit PATH] [--json OUT]

Stages: set up the bench's tools under ``bench/.tools/`` (once); run each selected part on its
own fresh copies of ``bench/packaging/app/`` (`part_sam`, `part_pip`, `part_lambdakit`); save
each part's numbers under ``bench/.tools/work/results/`` so a later run that skips a part still
reports it (marked with its date); judge the issue's targets and print the tables (`report`).
See ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from measure import HOST_ARCH, Measure
from part_lambdakit import run_lambdakit
from part_pip import run_pip
from part_sam import run_sam
from report import render, targets
from results import PartResult, load
from rich.console import Console
from shell import BenchError
from tools import ensure_tools

QUIET_LOAD = 0.5
PARTS: dict[str, Callable[..., PartResult]] = {
    "sam": run_sam,
    "pip": run_pip,
    "lambdakit": run_lambdakit,
}


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip sam; 3 import runs")
    parser.add_argument("--skip-sam", action="store_true", help="skip sam (reuse its last numbers)")
    parser.add_argument("--parts", default="sam,pip,lambdakit", help="comma-separated parts to run")
    parser.add_argument("--import-runs", type=int, default=5, help="fresh runs per import timing")
    parser.add_argument("--lambdakit", type=Path, help="lambdakit executable (default: .venv's)")
    parser.add_argument("--json", type=Path, help="write every number to this file")
    return parser.parse_args(argv)


def _selected(args: argparse.Namespace) -> list[str]:
    chosen = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = sorted(set(chosen) - set(PARTS))
    if unknown:
        raise SystemExit(f"unknown part(s): {', '.join(unknown)} (known: {', '.join(PARTS)})")
    if args.quick or args.skip_sam:
        chosen = [p for p in chosen if p != "sam"]
    return chosen


def main(argv: list[str]) -> int:
    """Run the selected parts, print the tables, write JSON if asked."""
    args = _arguments(argv)
    selected = _selected(args)
    console = Console(stderr=True)
    start = time.perf_counter()
    try:
        tools = ensure_tools(
            need_sam="sam" in selected, need_pip="pip" in selected, lambdakit=args.lambdakit
        )
    except BenchError as error:
        console.print(f"[red]cannot set up the bench's tools:[/] {error}")
        return 1
    start_load = os.getloadavg()
    if start_load[0] > QUIET_LOAD:
        console.print(
            f"[yellow]load average {start_load[0]:.1f} at the start: other work skews times"
        )
    how = Measure(tools=tools, import_runs=3 if args.quick else args.import_runs)
    parts: dict[str, PartResult] = {}
    for name, run_part in PARTS.items():
        if name in selected:
            load_before = os.getloadavg()
            with console.status(f"running {name} ..."):
                parts[name] = run_part(tools, how)
            parts[name].extra["load_average"] = {"before": load_before, "after": os.getloadavg()}
            parts[name].save()
            console.print(f"{name}: done at {time.perf_counter() - start:.0f} s")
        elif (earlier := load(name)) is not None:
            parts[name] = earlier
    judged = targets(parts)
    render(parts, judged, how.import_runs)
    if args.json:
        numbers = {
            "host": {"machine": HOST_ARCH, "python": platform.python_version()},
            "python312": str(tools.python312),
            "import_runs": how.import_runs,
            "load_average_at_start": start_load,
            "seconds": time.perf_counter() - start,
            "parts": {name: asdict(part) for name, part in parts.items()},
            "targets": [asdict(t) for t in judged],
        }
        args.json.write_text(json.dumps(numbers, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
