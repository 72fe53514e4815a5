"""Judges issue 6's targets and prints the side-by-side table (pure over the measured numbers).

Times are medians over a scenario's samples; ratios are lambdakit / awscli, so below 1
lambdakit is faster or uploads less. Bytes are what each tool's moto server gained in S3.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.table import Table

VERDICTS = {True: "[green]met[/]", False: "[red]missed[/]", None: "[yellow]not measured[/]"}
SCENARIOS = (
    ("first", "first deploy"),
    ("no_change", "no-change deploy"),
    ("one_function", "one function's code changed"),
)
CHANGED, UNCHANGED = "OrdersFunction", "WorkerFunction"
SIDE_BY_SIDE = (
    "awscli = `aws cloudformation package` (zips each CodeUri folder, uploads the zips whose MD5"
    " is not in the bucket) + `aws cloudformation deploy` of that packaged template, its SAM"
    " expanded beforehand by the bench with aws-sam-translator (moto has no SAM transform; real"
    " AWS expands it server-side) — the expansion is not timed. awscli's bucket is made by the"
    " bench before the first deploy; lambdakit creates its own within its first deploy."
)


@dataclass(frozen=True)
class Row:
    """One line of the table: a measure for both tools, the issue's target and verdict."""

    measure: str
    lambdakit: float | None
    awscli: float | None
    unit: str
    target: str = ""
    met: bool | None = None
    note: str = ""

    def ratio(self) -> float | None:
        if self.lambdakit is None or not self.awscli:
            return None
        return self.lambdakit / self.awscli


def _ok(samples: Sequence[Mapping[str, Any]], tool: str) -> list[Mapping[str, Any]]:
    return [s[tool] for s in samples if "error" not in s[tool]]


def _median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def _seconds(parts: Sequence[Mapping[str, Any]], *path: str) -> float | None:
    values = []
    for part in parts:
        value: Any = part
        for key in path:
            value = value.get(key) if isinstance(value, Mapping) else None
        if isinstance(value, int | float):
            values.append(float(value))
    return _median(values)


def _list(values: Sequence[float | None], fmt: str) -> str:
    return ", ".join(format(v, fmt) if v is not None else "—" for v in values)


def _scenario_rows(key: str, label: str, samples: Sequence[Mapping[str, Any]]) -> list[Row]:
    ours, theirs = _ok(samples, "lambdakit"), _ok(samples, "awscli")
    lk_time = _seconds(ours, "seconds")
    aws_time = _seconds(theirs, "seconds")
    package = _seconds(theirs, "package", "seconds")
    deploy = _seconds(theirs, "deploy", "seconds")
    outcomes = sorted({str(t.get("deploy", {}).get("outcome")) for t in theirs})
    moto_notes = sorted(
        {str(t["deploy"]["note"]) for t in theirs if t.get("deploy", {}).get("note")}
    )
    n = len(samples)
    time_note = (
        f"{n} sample(s); lambdakit {_list([o.get('seconds') for o in ours], '.2f')} s"
        f" ({', '.join(sorted({str(o.get('outcome')) for o in ours}))});"
        f" awscli package {package or 0:.2f} s + deploy {deploy or 0:.2f} s"
        f" ({', '.join(outcomes)}{'; ' + '; '.join(moto_notes) if moto_notes else ''})"
    )
    time_target, time_met = "", None
    if key == "no_change":
        time_target = "≤ 3 s"
        time_met = None if lk_time is None else lk_time <= 3.0
    lk_bytes = _median([float(o["s3"]["bytes"]) for o in ours])
    aws_bytes = _median([float(t["s3"]["bytes"]) for t in theirs])
    bytes_target, bytes_met = "", None
    if key == "no_change":
        bytes_target = "0 B"
        bytes_met = bool(ours) and len(ours) == n and all(o["s3"]["bytes"] == 0 for o in ours)
    if key == "one_function":
        bytes_target = "only that function's archive"
        bytes_met = (
            bool(ours)
            and len(ours) == n
            and all(
                o["s3"]["objects"] == 1
                and (o.get("assets") or {}).get("uploaded") == 1
                and CHANGED in o.get("modified", [])
                and UNCHANGED not in o.get("modified", [])
                for o in ours
            )
        )
    self_reported = sorted({(o.get("assets") or {}).get("uploaded_bytes") for o in ours}, key=str)
    modified = sorted({", ".join(o.get("modified", [])) or "-" for o in ours})
    bytes_note = (
        f"objects: lambdakit {_list([o['s3']['objects'] for o in ours], 'd')},"
        f" awscli {_list([t['s3']['objects'] for t in theirs], 'd')};"
        f" lambdakit's own count {', '.join(map(str, self_reported))} B"
    )
    if key != "first":
        bytes_note += f"; lambdakit modified: {' | '.join(modified)}"
    return [
        Row(f"{label}: wall time", lk_time, aws_time, "s", time_target, time_met, time_note),
        Row(
            f"{label}: wall time vs awscli package alone",
            lk_time,
            package,
            "s",
            note="lambdakit's whole deploy against awscli's upload step only",
        ),
        Row(
            f"{label}: bytes uploaded",
            lk_bytes,
            aws_bytes,
            "B",
            bytes_target,
            bytes_met,
            bytes_note,
        ),
    ]


def rows(results: Mapping[str, Any]) -> list[Row]:
    out: list[Row] = []
    for key, label in SCENARIOS:
        samples = results.get(key) or []
        if samples:
            out.extend(_scenario_rows(key, label, samples))
    return out


def _shown(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "s":
        return f"{value:.2f} s"
    return f"{value:,.0f} B"


def _ratio(row: Row) -> str:
    ratio = row.ratio()
    if ratio is None:
        return "— (0 / 0)" if row.lambdakit == 0 and row.awscli == 0 else "—"
    return f"{ratio:.2f}"


def _failures(results: Mapping[str, Any]) -> list[str]:
    lines = []
    for key, _ in SCENARIOS:
        for index, sample in enumerate(results.get(key) or []):
            for tool in ("lambdakit", "awscli"):
                if "error" in sample[tool]:
                    lines.append(f"{key}[{index}] {tool}: {sample[tool]['error']}")
    return lines


def render(results: Mapping[str, Any], judged: list[Row], awscli: str) -> None:
    console = Console(width=240)
    table = Table(title="lambdakit deploy vs the AWS CLI on moto: shipping app (issue 6)")
    table.add_column("measure")
    table.add_column("lambdakit", justify="right")
    table.add_column("awscli", justify="right")
    table.add_column("lambdakit / awscli", justify="right")
    for column in ("target", "verdict", "note"):
        table.add_column(column)
    for row in judged:
        table.add_row(
            row.measure,
            _shown(row.lambdakit, row.unit),
            _shown(row.awscli, row.unit),
            _ratio(row),
            row.target,
            VERDICTS[row.met] if row.target else "",
            row.note,
        )
    console.print(table)
    console.print(f"{SIDE_BY_SIDE} ({awscli})")
    for line in _failures(results):
        console.print(f"[red]failed:[/] {line}")
