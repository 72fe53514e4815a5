"""Judges issue 4's targets and prints the side-by-side table (pure over the measured numbers).

Ratios read as "x faster for lambdakit": lambdakit/chalice for throughput, chalice/lambdakit
for latencies and times; above 1 lambdakit is ahead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.table import Table

VERDICTS = {True: "[green]met[/]", False: "[red]missed[/]", None: "[yellow]not measured[/]"}


@dataclass(frozen=True)
class Row:
    """One line of the table: a measure for both tools, the issue's baseline and target."""

    measure: str
    lambdakit: float | None
    chalice: float | None
    unit: str
    higher_is_better: bool
    baseline: str = ""
    target: str = ""
    met: bool | None = None
    note: str = ""
    lambdakit_text: str = ""
    chalice_text: str = ""

    def ratio(self) -> float | None:
        ours, theirs = self.lambdakit, self.chalice
        if not ours or not theirs:
            return None
        return ours / theirs if self.higher_is_better else theirs / ours


def _get(numbers: Mapping[str, Any], *path: str) -> Any:
    value: Any = numbers
    for key in path:
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value


def _num(numbers: Mapping[str, Any], *path: str) -> float | None:
    value = _get(numbers, *path)
    return float(value) if isinstance(value, int | float) else None


def _at_most(value: float | None, limit: float) -> bool | None:
    return None if value is None else value <= limit


def _at_least(value: float | None, limit: float) -> bool | None:
    return None if value is None else value >= limit


def _errors(numbers: Mapping[str, Any], key: str) -> str:
    run = _get(numbers, "api", key)
    if not isinstance(run, Mapping):
        return ""
    if "error" in run:
        return "failed"
    return f"{run.get('errors', 0)} errors / {run.get('requests', 0)}"


def _load_rows(ours: Mapping[str, Any], theirs: Mapping[str, Any]) -> list[Row]:
    rows = []
    scenarios = [
        ("keepalive_1", "API, 1 keep-alive client", "23 req/s", "", ""),
        ("keepalive_8", "API, 8 keep-alive clients", "180 req/s", "44 ms", "≥ 1,000 req/s"),
        ("close_8", "API, 8 clients, Connection: close", "900-1,000 req/s", "5.6 ms", ""),
    ]
    for key, label, rps_base, p50_base, rps_target in scenarios:
        rps = _num(ours, "api", key, "rps")
        note = f"lambdakit {_errors(ours, key)}; chalice {_errors(theirs, key)}"
        rows.append(
            Row(
                f"{label}: req/s",
                rps,
                _num(theirs, "api", key, "rps"),
                "req/s",
                higher_is_better=True,
                baseline=rps_base,
                target=rps_target,
                met=_at_least(rps, 1000) if rps_target else None,
                note=note,
            )
        )
        p50 = _num(ours, "api", key, "p50_ms")
        p50_target = "≤ 5 ms" if key == "keepalive_8" else ""
        rows.append(
            Row(
                f"{label}: p50",
                p50,
                _num(theirs, "api", key, "p50_ms"),
                "ms",
                higher_is_better=False,
                baseline=p50_base,
                target=p50_target,
                met=_at_most(p50, 5.0) if p50_target else None,
            )
        )
        rows.append(
            Row(
                f"{label}: p99",
                _num(ours, "api", key, "p99_ms"),
                _num(theirs, "api", key, "p99_ms"),
                "ms",
                higher_is_better=False,
            )
        )
    return rows


def _where_row(ours: Mapping[str, Any], theirs: Mapping[str, Any]) -> Row:
    def text(numbers: Mapping[str, Any]) -> str:
        where = _get(numbers, "api", "where")
        if not isinstance(where, Mapping):
            return "not measured"
        if where.get("own_environment"):
            return (
                f"yes: {where['requests']} requests, {where['distinct_handler_pids']} environment"
                " processes"
            )
        return (
            f"no: {where.get('in_server_process')} of {where.get('requests')} in the server's"
            f" process, {where.get('without_pid')} without a pid"
        )

    where = _get(ours, "api", "where")
    met = bool(where.get("own_environment")) if isinstance(where, Mapping) else None
    return Row(
        "every API request ran outside the server's process",
        None,
        None,
        "",
        higher_is_better=True,
        target="yes",
        met=met,
        lambdakit_text=text(ours),
        chalice_text=text(theirs),
        note="handler's os.getpid() (X-Handler-Pid) vs the pid listening on the port",
    )


def _invoke_rows(ours: Mapping[str, Any], floor: Mapping[str, Any]) -> list[Row]:
    boto3_floor = _num(floor, "invoke", "latency", "p50_ms")
    floor_note = f"boto3 against a do-nothing stub: p50 {boto3_floor:.2f} ms" if boto3_floor else ""
    duration = _num(ours, "api", "invoke_tail", "duration", "p50_ms")
    latency = _num(ours, "api", "invoke_tail", "latency", "p50_ms")
    overhead_note = ""
    if duration is not None and latency is not None:
        overhead_note = (
            f"with LogType=Tail: latency p50 {latency:.2f} ms, Duration p50 {duration:.2f} ms"
        )
        if boto3_floor:
            beyond = latency - duration - boto3_floor
            overhead_note += f"; minus the boto3 floor: {beyond:.2f} ms"
    p50 = _num(ours, "api", "invoke_tail", "overhead", "p50_ms")
    p99 = _num(ours, "api", "invoke_tail", "overhead", "p99_ms")
    return [
        Row(
            "warm invoke (boto3 Invoke): latency p50",
            _num(ours, "api", "invoke", "latency", "p50_ms"),
            None,
            "ms",
            higher_is_better=False,
            chalice_text="n/a (no Invoke API)",
            note=floor_note,
        ),
        Row(
            "warm invoke (boto3 Invoke): latency p99",
            _num(ours, "api", "invoke", "latency", "p99_ms"),
            None,
            "ms",
            higher_is_better=False,
            chalice_text="n/a",
        ),
        Row(
            "warm invoke overhead p50 (latency - Duration)",
            p50,
            None,
            "ms",
            higher_is_better=False,
            target="≤ 2 ms",
            met=_at_most(p50, 2.0),
            chalice_text="n/a",
            note=overhead_note,
        ),
        Row(
            "warm invoke overhead p99 (latency - Duration)",
            p99,
            None,
            "ms",
            higher_is_better=False,
            target="≤ 10 ms",
            met=_at_most(p99, 10.0),
            chalice_text="n/a",
        ),
    ]


def _start_rows(ours: Mapping[str, Any], theirs: Mapping[str, Any]) -> list[Row]:
    beyond = _num(ours, "cold", "beyond_import_p50_ms")
    init, bare = _num(ours, "cold", "init_p50_ms"), _num(ours, "cold", "bare_p50_ms")
    cold_note = (
        f"init p50 {init:.1f} ms - bare interpreter + import p50 {bare:.1f} ms"
        if init is not None and bare is not None
        else ""
    )
    first = _num(ours, "first_200", "seconds")
    ready = _num(ours, "first_200", "ready_line_seconds")
    return [
        Row(
            "environment cold start beyond the handler's import",
            beyond,
            None,
            "ms",
            higher_is_better=False,
            target="≤ 150 ms",
            met=_at_most(beyond, 150.0),
            chalice_text="n/a (runs in-process)",
            note=cold_note,
        ),
        Row(
            "command → first 200 (median)",
            first,
            _num(theirs, "first_200", "seconds"),
            "s",
            higher_is_better=False,
            baseline="0.77 s",
            target="≤ 1 s",
            met=_at_most(first, 1.0),
            note=(f"lambdakit's ready line at {ready:.2f} s; " if ready is not None else "")
            + "chalice local with its defaults (autoreload: a reloader and a server child)",
        ),
        Row(
            "command → first 200, chalice --no-autoreload",
            first,
            _num(theirs, "first_200_no_autoreload", "seconds"),
            "s",
            higher_is_better=False,
            note="the same lambdakit runs; chalice as one process",
        ),
    ]


def rows(results: Mapping[str, Any]) -> list[Row]:
    """Every line of the table, targets judged."""
    ours, theirs = results.get("lambdakit", {}), results.get("chalice", {})
    floor = results.get("floor", {})
    return [
        *_start_rows(ours, theirs),
        *_load_rows(ours, theirs),
        _where_row(ours, theirs),
        *_invoke_rows(ours, floor),
    ]


def _shown(value: float | None, unit: str, text: str) -> str:
    if text:
        return text
    if value is None:
        return "—"
    if unit == "req/s":
        return f"{value:,.0f} req/s"
    if unit == "s":
        return f"{value:.2f} s"
    return f"{value:.2f} ms"


def _failures(results: Mapping[str, Any]) -> list[str]:
    lines = []
    for tool in ("lambdakit", "chalice", "floor"):
        for measure, numbers in (results.get(tool) or {}).items():
            if isinstance(numbers, Mapping) and "error" in numbers:
                lines.append(f"{tool} {measure}: {numbers['error']}")
    return lines


def render(results: Mapping[str, Any], judged: list[Row], seconds: float) -> None:
    """Print the side-by-side table, the floors and any failure."""
    console = Console(width=240)
    table = Table(title=f"lambdakit local vs chalice local (hello app, {seconds:g} s per load)")
    for column in ("measure", "lambdakit", "chalice local", "x faster", "issue's chalice"):
        table.add_column(column, justify="left" if column == "measure" else "right")
    for column in ("target", "verdict", "note"):
        table.add_column(column)
    for row in judged:
        ratio = row.ratio()
        table.add_row(
            row.measure,
            _shown(row.lambdakit, row.unit, row.lambdakit_text),
            _shown(row.chalice, row.unit, row.chalice_text),
            f"{ratio:.1f}x" if ratio else "",
            row.baseline,
            row.target,
            VERDICTS[row.met] if row.target else "",
            row.note,
        )
    console.print(table)
    floor = results.get("floor") or {}
    if "error" not in floor and floor:
        console.print(
            "Floors (a do-nothing stub server): load generator"
            f" {_num(floor, 'keepalive_8', 'rps') or 0:,.0f} req/s at 8 keep-alive clients,"
            f" {_num(floor, 'close_8', 'rps') or 0:,.0f} req/s with Connection: close;"
            f" boto3 Invoke p50 {_num(floor, 'invoke', 'latency', 'p50_ms') or 0:.2f} ms"
        )
    for tool in ("lambdakit", "chalice"):
        cpu = _get(results, tool, "api", "keepalive_8", "cpu")
        if isinstance(cpu, Mapping):
            load = _get(results, tool, "api", "keepalive_8")
            console.print(
                f"{tool}, 8 keep-alive clients, CPU: the process serving the port"
                f" {cpu['listener_share']:.0%} of a core, its other processes"
                f" {cpu['others_share']:.0%}, the load generator"
                f" {load['cpu_seconds'] / cpu['wall_seconds']:.0%}"
            )
        left = _get(results, tool, "api", "processes_left_after_sigint")
        if left:
            console.print(f"[red]{tool}: {len(left)} processes outlived SIGINT: {left}[/]")
    for line in _failures(results):
        console.print(f"[red]failed:[/] {line}")
