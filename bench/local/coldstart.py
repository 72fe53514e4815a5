"""Cold start of one execution environment vs the bare interpreter importing the handler.

    python coldstart.py --app DIR --function ID [--runs 10] [--state DIR]

Interleaved, `--runs` times each:

- **environment**: a fresh ``lambdakit.local_lambda(app)`` (a new service, so a new
  environment) invokes the function once; its ``init_duration_ms`` is lambdakit's own measure
  from spawning the worker to the runtime asking for its first event (interpreter, bootstrap,
  awslambdaric, the handler's import, the Runtime API handshake). A second invoke gives the warm
  ``duration_ms``.
- **bare**: the same interpreter on the same code folder (``lambdakit.local_copy``), run as
  ``python -I -S -B -X utf8 -c "import app"``, timed from the spawn to the line it writes once the
  import is done; the line carries the import's own time, measured inside.

Prints one JSON object on stdout: every sample and the medians; environment - bare is the
cold start beyond the handler's own import.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import lambdakit

BARE = (
    "import sys, time\n"
    "sys.path.insert(0, {task!r})\n"
    "t = time.perf_counter()\n"
    "import {module}\n"
    "sys.stdout.write(repr(time.perf_counter() - t) + '\\n')\n"
    "sys.stdout.flush()\n"
)
TIMEOUT = 60


def bare_start(interpreter: str, task_root: Path, module: str) -> tuple[float, float]:
    """(spawn → handler imported, the import alone), in ms."""
    code = BARE.format(task=str(task_root), module=module)
    command = [interpreter, "-I", "-S", "-B", "-X", "utf8", "-c", code]
    start = time.perf_counter()
    with subprocess.Popen(command, cwd=task_root, stdout=subprocess.PIPE) as process:
        assert process.stdout is not None
        line = process.stdout.readline()
        spawned_to_imported = (time.perf_counter() - start) * 1000
        process.wait(TIMEOUT)
    return spawned_to_imported, float(line) * 1000


def environment_start(app: Any, function: str, state: Path) -> dict[str, float | None]:
    """A new service, one cold invoke and one warm one."""
    options = lambdakit.LambdaOptions(state_dir=state)
    with lambdakit.local_lambda(app, options=options) as service:
        start = time.perf_counter()
        cold = service.invoke(function, {})
        cold_ms = (time.perf_counter() - start) * 1000
        warm = service.invoke(function, {})
    if cold is None or warm is None or not cold.ok or not warm.ok:
        raise RuntimeError(f"invoke failed: {cold!r} {warm!r}")
    return {
        "init_ms": cold.init_duration_ms,
        "cold_duration_ms": cold.duration_ms,
        "cold_invoke_ms": cold_ms,
        "warm_duration_ms": warm.duration_ms,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", type=Path, required=True)
    parser.add_argument("--function", required=True)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--state", type=Path, default=None)
    args = parser.parse_args(argv)
    app = lambdakit.load_app(args.app)
    copy = lambdakit.local_copy(app, args.function)
    interpreter = str(copy.interpreter or sys.executable)
    handler = app.function(args.function).handler or "app.handler"
    module = handler.rsplit(".", 1)[0]
    state = args.state or args.app / ".lambdakit" / "bench-state"
    environment_start(app, args.function, state)  # untimed: the build and the disk caches warm
    bare_start(interpreter, copy.task_root, module)
    environments: list[dict[str, float | None]] = []
    bare: list[tuple[float, float]] = []
    for _ in range(args.runs):
        bare.append(bare_start(interpreter, copy.task_root, module))
        environments.append(environment_start(app, args.function, state))
    inits = [float(e["init_ms"]) for e in environments if e["init_ms"] is not None]
    bare_ms = [b[0] for b in bare]
    summary = {
        "runs": args.runs,
        "interpreter": interpreter,
        "task_root": str(copy.task_root),
        "environment": environments,
        "bare": [{"spawn_to_imported_ms": b[0], "import_ms": b[1]} for b in bare],
        "init_p50_ms": statistics.median(inits) if inits else None,
        "bare_p50_ms": statistics.median(bare_ms),
        "import_p50_ms": statistics.median(b[1] for b in bare),
        "warm_duration_p50_ms": statistics.median(
            float(e["warm_duration_ms"] or 0.0) for e in environments
        ),
        "cold_invoke_p50_ms": statistics.median(
            float(e["cold_invoke_ms"] or 0.0) for e in environments
        ),
    }
    if inits:
        summary["beyond_import_p50_ms"] = summary["init_p50_ms"] - summary["bare_p50_ms"]
    sys.stdout.write(json.dumps(summary) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
