"""Judges issue 5's targets and prints the table (pure over the measured numbers)."""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.table import Table

VERDICTS = {True: "[green]met[/]", False: "[red]missed[/]", None: "[yellow]not measured[/]"}
NO_PEER = (
    "No side-by-side tool: nothing else runs S3/SQS → Lambda locally without Docker"
    " (SAM local emulates API Gateway only; LocalStack needs Docker). Judged against issue 5's"
    " targets only."
)


@dataclass(frozen=True)
class Row:
    measure: str
    value: float | None
    unit: str
    target: str = ""
    met: bool | None = None
    note: str = ""


def _get(numbers: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(numbers, Mapping) or key not in numbers:
            return None
        numbers = numbers[key]
    return numbers


def _num(numbers: Any, *path: str) -> float | None:
    value = _get(numbers, *path)
    return float(value) if isinstance(value, int | float) else None


def _at_most(value: float | None, limit: float) -> bool | None:
    return None if value is None else value <= limit


def rows(results: Mapping[str, Any]) -> list[Row]:
    ready = results.get("ready", {})
    delivery = results.get("delivery", {})
    first = _num(ready, "first_200_seconds")
    line = _num(ready, "ready_line_seconds")
    runs = _get(ready, "runs") or []
    out = [
        Row(
            "ready: command → first 200 on GET /count (median)",
            first,
            "s",
            "≤ 3 s",
            _at_most(first, 3.0),
            "examples/object-counter, warm build cache; runs "
            + ", ".join(f"{r['first_200_seconds']:.2f}" for r in runs),
        ),
        Row("ready: command → --json ready line (median)", line, "s"),
    ]
    for kind, label in (("s3", "S3 put_object"), ("sqs", "SQS send_message")):
        p50 = _num(delivery, kind, "latency", "p50_ms")
        n = _num(delivery, kind, "latency", "n")
        call = _num(delivery, kind, "api_call", "p50_ms")
        note = f"{n:.0f} sequential samples; the API call itself p50 {call:.1f} ms" if n else ""
        out.append(
            Row(f"{label} → handler start p50", p50, "ms", "≤ 300 ms", _at_most(p50, 300.0), note)
        )
        out.append(
            Row(f"{label} → handler start p99", _num(delivery, kind, "latency", "p99_ms"), "ms")
        )
    drain = _get(delivery, "drain") or {}
    seconds = _num(drain, "drain_seconds")
    note = ""
    if seconds is not None:
        note = (
            f"{drain['handled']}/{drain['messages']} handled in {drain['invocations']} invokes"
            f" ({drain['redelivered']} redelivered); sending took {drain['send_seconds']:.2f} s"
            f" (batch call p50 {drain['send_batch_call']['p50_ms']:.1f} ms,"
            f" max {drain['send_batch_call']['max_ms']:.1f} ms)"
        )
    out.append(
        Row(
            f"SQS drain of {drain.get('messages', 1000):,} messages"
            " (send start → last handler start)",
            seconds,
            "s",
            note=note,
        )
    )
    out.append(Row("SQS drain rate", _num(drain, "messages_per_second"), "msg/s"))
    floor = _get(delivery, "moto_floor") or {}
    total = _num(floor, "total_seconds")
    floor_note = ""
    if total is not None:
        floor_note = (
            f"send {floor['send_seconds']:.2f} s"
            f" + receive/delete {floor['receive_delete_seconds']:.2f} s;"
            f" send_message_batch p50 {floor['send_batch_call']['p50_ms']:.1f} ms,"
            f" receive p50 {floor['receive_call']['p50_ms']:.1f} ms,"
            f" delete_message_batch p50 {floor['delete_batch_call']['p50_ms']:.1f} ms"
        )
    out.append(Row(
        "floor: same messages, unpolled queue, sent + received + deleted by the bench (moto alone)",
        total, "s", note=floor_note,
    ))  # fmt: skip
    return out


def _shown(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "msg/s":
        return f"{value:,.0f} msg/s"
    return f"{value:.1f} ms"


def _failures(results: Mapping[str, Any]) -> list[str]:
    lines = []
    for path in (
        ("ready",),
        ("delivery",),
        ("delivery", "s3"),
        ("delivery", "sqs"),
        ("delivery", "drain"),
        ("delivery", "moto_floor"),
    ):
        value = _get(results, *path)
        if isinstance(value, Mapping) and "error" in value:
            lines.append(f"{'/'.join(path)}: {value['error']}")
    return lines


def render(results: Mapping[str, Any], judged: list[Row]) -> None:
    console = Console(width=240)
    table = Table(title="lambdakit local: start and S3/SQS event delivery (issue 5)")
    table.add_column("measure")
    table.add_column("lambdakit", justify="right")
    for column in ("target", "verdict", "note"):
        table.add_column(column)
    for row in judged:
        table.add_row(
            row.measure,
            _shown(row.value, row.unit),
            row.target,
            VERDICTS[row.met] if row.target else "",
            row.note,
        )
    console.print(table)
    console.print(NO_PEER)
    floor = _get(results, "delivery", "moto_floor")
    if isinstance(floor, Mapping) and "error" not in floor:
        console.print(
            "moto's SQS alone (unpolled queue): send_message_batch"
            f" {statistics.median(floor['send_batch_first_10_ms']):.0f} ms near empty →"
            f" {statistics.median(floor['send_batch_last_10_ms']):.0f} ms with"
            f" ~{floor['messages']:,} queued; receive_message"
            f" {statistics.median(floor['receive_first_10_ms']):.0f} ms with"
            f" ~{floor['messages']:,} queued →"
            f" {statistics.median(floor['receive_last_10_ms']):.0f} ms"
            " near empty: each call's cost grows with the queue's length"
        )
    for path in (("ready", "runs"),):
        for run in _get(results, *path) or []:
            if run.get("processes_left_after_sigint") or run.get("exit_code") not in (0, None):
                console.print(
                    f"[red]ready run: exit {run.get('exit_code')},"
                    f" left after SIGINT {run.get('processes_left_after_sigint')}[/]"
                )
    left = _get(results, "delivery", "processes_left_after_sigint")
    code = _get(results, "delivery", "exit_code")
    if left or code not in (0, None):
        console.print(f"[red]probe app server: exit {code}, processes left after SIGINT {left}[/]")
    for line in _failures(results):
        console.print(f"[red]failed:[/] {line}")
