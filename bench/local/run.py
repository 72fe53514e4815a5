"""Local runtime benchmark: ``lambdakit local`` vs ``chalice local`` on an equivalent hello app.

    python bench/local/run.py [--quick] [--seconds S] [--only lambdakit|chalice] [--json OUT]

Stages: write both hello apps under ``bench/.tools/local/`` and install Chalice into
``bench/.tools/chalice-venv`` (once); measure, one server at a time, each tool's time from the
command to the first 200 and its API under load (1 and 8 keep-alive clients, 8 clients with
``Connection: close``), and for lambdakit warm invokes through boto3 and an environment's cold
start; measure the floors (load generator and boto3 against a do-nothing stub); judge issue 4's
targets and print the table (`report`). See ``bench/local/README.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from apps import write_apps
from measures import (
    START_VARIANTS,
    Settings,
    api_and_invoke,
    cold_start,
    first_200,
    floors,
    guarded,
)
from report import render, rows
from rich.console import Console
from tools import BenchError, chalice_version, ensure_chalice

QUIET_LOAD = 0.5
TOOLS = ("lambdakit", "chalice")
T = TypeVar("T")


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 s loads, fewer runs (smoke run)")
    parser.add_argument("--seconds", type=float, help="seconds per load run (default 10, quick 2)")
    parser.add_argument("--only", choices=TOOLS, help="measure one tool only")
    parser.add_argument("--json", type=Path, help="write every number to this file")
    return parser.parse_args(argv)


LOADS: dict[str, dict[str, tuple[float, float, float]]] = {}
"""The load average before and after each step: other work on the machine skews the times."""


def _step(console: Console, start: float, label: str, action: Callable[[], T]) -> T:
    before = os.getloadavg()
    with console.status(f"{label} ..."):
        result = action()
    after = os.getloadavg()
    LOADS[label] = {"before": before, "after": after}
    console.print(f"{label}: done at {time.perf_counter() - start:.0f} s (load {after[0]:.1f})")
    return result


def _measure(
    tools: list[str], settings: Settings, console: Console, start: float
) -> dict[str, Any]:
    """Every measure of the selected tools, in an order that keeps the machine's state alike."""
    apps = write_apps()
    results: dict[str, Any] = {tool: {} for tool in tools}
    variants = [v for v in START_VARIANTS if v.tool in tools]
    starts = _step(
        console,
        start,
        "command → first 200",
        lambda: guarded(lambda: first_200(settings, apps, variants)),
    )
    for variant in variants:
        key = (
            "first_200"
            if variant.key == variant.tool
            else f"first_200_{variant.key.split('_', 1)[1]}"
        )
        results[variant.tool][key] = starts.get(variant.key, starts)
    for tool in tools:
        results[tool]["api"] = _step(
            console,
            start,
            f"{tool}: API and invokes",
            lambda t=tool: guarded(lambda: api_and_invoke(t, settings, apps)),
        )
    if "lambdakit" in tools:
        results["lambdakit"]["cold"] = _step(
            console,
            start,
            "lambdakit: environment cold start",
            lambda: guarded(lambda: cold_start(settings, apps)),
        )
    results["floor"] = _step(console, start, "floors", lambda: guarded(lambda: floors(settings)))
    return results


def main(argv: list[str]) -> int:
    """Measure both tools, print the table, write JSON if asked."""
    args = _arguments(argv)
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        # Started in the background by a shell without job control: take Ctrl-C (SIGINT) back,
        # for the bench and, reset to the default on exec, for the servers it starts.
        signal.signal(signal.SIGINT, signal.default_int_handler)
    console = Console(stderr=True)
    start = time.perf_counter()
    try:
        apps = write_apps()
        chalice = ensure_chalice()
    except BenchError as error:
        console.print(f"[red]cannot set up the bench's tools:[/] {error}")
        return 1
    settings = Settings.make(quick=args.quick, seconds=args.seconds, chalice=chalice)
    start_load = os.getloadavg()
    if start_load[0] > QUIET_LOAD:
        console.print(
            f"[yellow]load average {start_load[0]:.1f} at the start: other work skews times"
        )
    tools = [tool for tool in TOOLS if args.only in (None, tool)]
    results = _measure(tools, settings, console, start)
    judged = rows(results)
    render(results, judged, settings.seconds)
    if args.json:
        numbers = {
            "host": {
                "machine": platform.machine(),
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
            },
            "runtime": apps.runtime,
            "chalice": chalice_version(chalice),
            "settings": {k: str(v) for k, v in vars(settings).items()},
            "load_average_at_start": start_load,
            "load_average_at_end": os.getloadavg(),
            "load_average_per_step": LOADS,
            "seconds": time.perf_counter() - start,
            "results": results,
            "rows": [{**vars(row), "ratio": row.ratio()} for row in judged],
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(numbers, indent=2))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.stderr.write("interrupted: every server the bench started was stopped\n")
        sys.exit(130)
