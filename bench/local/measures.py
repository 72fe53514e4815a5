"""Every measurement of the local bench, each driving a real server through a separate process.

A measure starts what it needs (a server, the stub), runs a client script in its own process
(`load.py`, `invoke_client.py`, `coldstart.py`: each prints one JSON object) and stops every
server it started, errors included (`servers.Server`). A failed measure is kept as
``{"error": "..."}`` and the run goes on.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from apps import FUNCTION_ID, LOCAL, PID_HEADER, ROUTE, Apps
from servers import Server, free_port, listener_pid, parent_of
from tools import BenchError

HERE = Path(__file__).resolve().parent
HOST = "127.0.0.1"
LOGS = LOCAL / "logs"
CLIENT_TIMEOUT_SLACK = 60.0
TICKS = os.sysconf("SC_CLK_TCK")
BYTECODE_OFF = "PYTHONDONTWRITEBYTECODE"
ENV = {key: value for key, value in os.environ.items() if key != BYTECODE_OFF}
"""Every process the bench starts may write bytecode, as on a user's machine: with
PYTHONDONTWRITEBYTECODE set (and venvs installed without bytecode) each server start would
compile its whole import graph from source. The untimed first start of each tool writes it."""


@dataclass(frozen=True)
class Settings:
    """How long and how often each measure runs."""

    seconds: float
    warmup_seconds: float
    first_200_runs: int
    invokes: int
    cold_runs: int
    python: str
    chalice: Path

    @classmethod
    def make(cls, *, quick: bool, seconds: float | None, chalice: Path) -> Settings:
        return cls(
            seconds=seconds or (2.0 if quick else 10.0),
            warmup_seconds=1.0 if quick else 2.0,
            first_200_runs=2 if quick else 5,
            invokes=200 if quick else 1000,
            cold_runs=3 if quick else 10,
            python=sys.executable,
            chalice=chalice,
        )


def run_json(command: list[str], *, timeout: float, log: Path | None = None) -> dict[str, Any]:
    """Run a client script; the JSON object it printed."""
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, check=False, env=ENV
        )
    except subprocess.TimeoutExpired as error:
        raise BenchError(f"timed out after {timeout:.0f} s: {' '.join(command)}") from error
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(done.stderr)
    if done.returncode != 0:
        raise BenchError(f"exit {done.returncode}: {' '.join(command)}\n{done.stderr[-2000:]}")
    try:
        value = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError) as error:
        raise BenchError(f"no JSON from {' '.join(command)}: {done.stdout[-500:]}") from error
    if not isinstance(value, dict):
        raise BenchError(f"not a JSON object from {' '.join(command)}")
    return value


def guarded(action: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The measure's numbers, or ``{"error": ...}`` if it could not run."""
    try:
        return action()
    except (BenchError, OSError, subprocess.SubprocessError) as error:
        return {"error": " ".join(str(error).split())[-1500:]}


# -- the two servers ------------------------------------------------------------------------


def lambdakit_command(settings: Settings, app: Path, port: int) -> list[str]:
    """What a user types: ``lambdakit local`` (as ``python -m lambdakit``), ``--json``."""
    return [
        settings.python, "-m", "lambdakit", "local", "-t", str(app),
        "--port", str(port), "--services-port", "0", "--json",
    ]  # fmt: skip


def chalice_command(settings: Settings, port: int, *, autoreload: bool = True) -> list[str]:
    """What a user types: ``chalice local`` with its defaults (autoreload on), or without it."""
    command = [str(settings.chalice), "local", "--host", HOST, "--port", str(port)]
    return command if autoreload else [*command, "--no-autoreload"]


def _server(
    tool: str, settings: Settings, apps: Apps, port: int, log_name: str, *, autoreload: bool = True
) -> Server:
    log = LOGS / f"{log_name}.log"
    if tool == "lambdakit":
        command = lambdakit_command(settings, apps.lambdakit, port)
        return Server(command, cwd=apps.lambdakit, log=log, env=ENV, ready_line=True)
    command = chalice_command(settings, port, autoreload=autoreload)
    return Server(command, cwd=apps.chalice, log=log, env=ENV)


# -- time from the command to the first 200 --------------------------------------------------


@dataclass(frozen=True)
class StartVariant:
    """One way of starting a server for the first-200 measure."""

    key: str
    tool: str
    autoreload: bool = True


START_VARIANTS = (
    StartVariant("lambdakit", "lambdakit"),
    StartVariant("chalice", "chalice"),
    StartVariant("chalice_no_autoreload", "chalice", autoreload=False),
)
"""``chalice local --no-autoreload`` is one process instead of a reloader and its server child;
lambdakit has no such switch."""


def _first_200_once(variant: StartVariant, settings: Settings, apps: Apps) -> Server:
    port = free_port()
    log_name = f"{variant.key}-first-200"
    with _server(
        variant.tool, settings, apps, port, log_name, autoreload=variant.autoreload
    ) as server:
        server.first_200 = server.wait_for_200(HOST, port, ROUTE)
        server.remember_children()
    return server


def first_200(settings: Settings, apps: Apps, variants: list[StartVariant]) -> dict[str, Any]:
    """Spawn → first 200 on the route, polled every 5 ms, per variant: the median of the runs.

    The variants take turns run after run, so a burst of other work on the machine hits them
    alike; the first round is untimed (it warms the disk cache, bytecode and lambdakit's build).
    """
    found: dict[str, dict[str, list[Any]]] = {
        v.key: {"samples": [], "ready": [], "stops": [], "leftovers": []} for v in variants
    }
    errors: dict[str, str] = {}
    for number in range(settings.first_200_runs + 1):
        for variant in variants:
            if variant.key in errors:
                continue
            try:
                server = _first_200_once(variant, settings, apps)
            except (BenchError, OSError) as error:
                errors[variant.key] = " ".join(str(error).split())[-1500:]
                continue
            seen = found[variant.key]
            if number and server.first_200 is not None:
                seen["samples"].append(server.first_200)
                if server.ready_seconds is not None:
                    seen["ready"].append(server.ready_seconds)
            if server.stop_seconds is not None:
                seen["stops"].append(server.stop_seconds)
            seen["leftovers"] += server.leftovers
    results: dict[str, Any] = {}
    for key, seen in found.items():
        if key in errors or not seen["samples"]:
            results[key] = {"error": errors.get(key, "no sample")}
            continue
        results[key] = {
            "seconds": statistics.median(seen["samples"]),
            "samples": seen["samples"],
            "ready_line_seconds": statistics.median(seen["ready"]) if seen["ready"] else None,
            "ready_line_samples": seen["ready"],
            "stop_seconds": seen["stops"],
            "processes_left_after_sigint": seen["leftovers"],
        }
    return results


# -- API load and invokes on one running server ------------------------------------------------


def _load(
    settings: Settings, port: int, *, clients: int, seconds: float, close: bool
) -> dict[str, Any]:
    command = [
        settings.python, str(HERE / "load.py"), "--host", HOST, "--port", str(port),
        "--path", ROUTE, "--clients", str(clients), "--seconds", str(seconds),
        "--pid-header", PID_HEADER, *(["--close"] if close else []),
    ]  # fmt: skip
    return run_json(command, timeout=seconds + CLIENT_TIMEOUT_SLACK)


def _ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


@contextmanager
def _cpu(server: Server, port: int, numbers: dict[str, Any]) -> Iterator[None]:
    """CPU seconds used while the block runs by the process serving the port and by the rest.

    The rest: every other process below the one started (lambdakit's environments; chalice's
    reloader parent is the started process itself, its server a child).
    """
    family = {server.pid, *server.remember_children()}
    listener = listener_pid(port, family) or server.pid
    before = {pid: _ticks(pid) for pid in family}
    start = time.perf_counter()
    yield
    wall = time.perf_counter() - start
    after = {pid: _ticks(pid) for pid in {server.pid, *server.remember_children()}}
    used = {pid: after[pid] - before.get(pid, 0) for pid in after}
    own = used.pop(listener, 0) / TICKS
    rest = sum(used.values()) / TICKS
    numbers["cpu"] = {
        "wall_seconds": wall,
        "listener_pid": listener,
        "listener_seconds": own,
        "others_seconds": rest,
        "listener_share": own / wall,
        "others_share": rest / wall,
    }


def _function_name(ready: dict[str, Any]) -> str:
    """The function to invoke, from the ready line's ``functions`` (names or objects)."""
    for entry in ready.get("functions") or []:
        if isinstance(entry, str):
            return entry
        if isinstance(entry, dict):
            for key in ("name", "function_name", "FunctionName", "physical_name", "id"):
                if isinstance(entry.get(key), str):
                    return str(entry[key])
    return FUNCTION_ID


def _invokes(settings: Settings, endpoint: str, function: str, *, tail: bool) -> dict[str, Any]:
    command = [
        settings.python, str(HERE / "invoke_client.py"), "--endpoint", endpoint,
        "--function", function, "--count", str(settings.invokes), "--warmup", "50",
        *(["--tail"] if tail else []),
    ]  # fmt: skip
    return run_json(command, timeout=settings.invokes + CLIENT_TIMEOUT_SLACK)


def _where_handlers_ran(server: Server, port: int, loads: list[dict[str, Any]]) -> dict[str, Any]:
    """Which processes answered: never the server's own (the process listening on the port)?"""
    family = {server.pid, *server.remember_children()}
    listener = listener_pid(port, family)
    pids: dict[str, int] = {}
    missing = 0
    for load in loads:
        for pid, count in (load.get("pids") or {}).items():
            pids[pid] = pids.get(pid, 0) + count
        missing += int(load.get("missing_pid") or 0)
    numeric = {int(pid) for pid in pids if pid.isdigit()}
    in_server = sum(
        n for pid, n in pids.items() if pid.isdigit() and int(pid) in {listener, server.pid}
    )
    children = {pid for pid in numeric if parent_of(pid) == server.pid}
    return {
        "server_pid": server.pid,
        "listener_pid": listener,
        "requests": sum(pids.values()) + missing,
        "without_pid": missing,
        "in_server_process": in_server,
        "distinct_handler_pids": len(pids),
        "handler_pids_children_of_server": len(children),
        "own_environment": missing == 0 and in_server == 0 and bool(pids),
    }


def api_and_invoke(tool: str, settings: Settings, apps: Apps) -> dict[str, Any]:
    """One server: warm-up, API at 1 and 8 keep-alive clients and 8 closing; then invokes."""
    numbers: dict[str, Any] = {}
    port = free_port() if tool == "chalice" else 0
    with _server(tool, settings, apps, port, f"{tool}-api") as server:
        if tool == "lambdakit":
            ready = server.read_json_line()
            numbers["ready_line"] = ready
            port = urlsplit(str(ready["api"])).port or 0
        server.wait_for_200(HOST, port, ROUTE)
        numbers["warmup"] = _load(
            settings, port, clients=8, seconds=settings.warmup_seconds, close=False
        )
        scenarios = {"keepalive_1": (1, False), "keepalive_8": (8, False), "close_8": (8, True)}
        for key, (clients, close) in scenarios.items():
            result: dict[str, Any] = {}
            with _cpu(server, port, result):
                result.update(
                    _load(settings, port, clients=clients, seconds=settings.seconds, close=close)
                )
            numbers[key] = result
        loads = [numbers[key] for key in scenarios]
        numbers["where"] = _where_handlers_ran(server, port, loads)
        if tool == "lambdakit":
            endpoint = str(numbers["ready_line"]["lambda"])
            function = _function_name(numbers["ready_line"])
            numbers["invoke"] = guarded(lambda: _invokes(settings, endpoint, function, tail=False))
            numbers["invoke_tail"] = guarded(
                lambda: _invokes(settings, endpoint, function, tail=True)
            )
        server.remember_children()
    numbers["stop_seconds"] = server.stop_seconds
    numbers["killed"] = server.killed
    numbers["processes_left_after_sigint"] = server.leftovers
    return numbers


# -- floors: the same clients against a server that does nothing ------------------------------


def floors(settings: Settings) -> dict[str, Any]:
    """The load generator's ceiling and boto3's own cost, against `stub.py`."""
    command = [settings.python, str(HERE / "stub.py")]
    with Server(command, cwd=HERE, log=LOGS / "stub.log", env=ENV, ready_line=True) as stub:
        port = int(stub.read_json_line()["port"])
        seconds = min(settings.seconds, 3.0)
        return {
            "keepalive_8": _load(settings, port, clients=8, seconds=seconds, close=False),
            "close_8": _load(settings, port, clients=8, seconds=seconds, close=True),
            "invoke": _invokes(settings, f"http://{HOST}:{port}", FUNCTION_ID, tail=False),
        }


# -- environment cold start -------------------------------------------------------------------


def cold_start(settings: Settings, apps: Apps) -> dict[str, Any]:
    """`coldstart.py` on the hello app: init duration vs the bare interpreter's import."""
    command = [
        settings.python, str(HERE / "coldstart.py"), "--app", str(apps.lambdakit),
        "--function", FUNCTION_ID, "--runs", str(settings.cold_runs),
        "--state", str(LOCAL / "state"),
    ]  # fmt: skip
    return run_json(command, timeout=300, log=LOGS / "coldstart.log")
