"""What ``lambdakit deploy``/``diff``/``destroy`` show while they work, and their results.

`TerminalReporter` is the executor's `DeployReporter`: phases and stack events as lines on
stderr (a rich upload bar on a terminal), the change set as a readable diff; silent with
``--json``, where the result document is printed on stdout at the end instead.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

from lambdakit.deploy.changeset import ChangeSummary, render_lines, to_json
from lambdakit.deploy.executor import DeployResult, DestroyResult
from lambdakit.deploy.instructions import StackEvent, StackOutput
from lambdakit.packaging.sizes import human_size

_FAILED = "FAILED"


class TerminalReporter:
    """Live deploy progress on stderr; thread-safe (uploads report from their threads)."""

    def __init__(self, *, quiet: bool = False) -> None:
        self.quiet = quiet
        self._console = Console(stderr=True, highlight=False)
        self._lock = threading.Lock()
        self._bar: Progress | None = None
        self._task: Any = None

    def phase(self, name: str) -> None:
        self._close_bar()
        self._line(f"[bold]{name}[/bold]")

    def upload_started(self, total_bytes: int, count: int) -> None:
        if count == 0:
            self._line("assets: all already uploaded")
            return
        self._line(f"assets: uploading {count} ({human_size(total_bytes)})")
        if self.quiet or not self._console.is_terminal:
            return
        self._bar = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=self._console,
            transient=True,
        )
        self._bar.start()
        self._task = self._bar.add_task("upload", total=total_bytes)

    def uploaded(self, size: int) -> None:
        with self._lock:
            if self._bar is not None:
                self._bar.advance(self._task, size)

    def change_set(self, summary: ChangeSummary) -> None:
        self._close_bar()
        for line in render_lines(summary):
            self._line(_colour(line))

    def event(self, event: StackEvent) -> None:
        colour = "red" if _FAILED in event.status else "green" if "COMPLETE" in event.status else ""
        status = f"[{colour}]{event.status}[/{colour}]" if colour else event.status
        reason = f"  {event.reason}" if event.reason and _FAILED in event.status else ""
        when = event.timestamp.strftime("%H:%M:%S")
        self._line(f"{when} {status} {event.resource_type} {event.logical_id}{reason}")

    def done(self, result: DeployResult | DestroyResult) -> None:
        self._close_bar()

    def _line(self, markup: str) -> None:
        if not self.quiet:
            with self._lock:
                self._console.print(markup)

    def _close_bar(self) -> None:
        with self._lock:
            if self._bar is not None:
                self._bar.stop()
                self._bar = None


def _colour(line: str) -> str:
    stripped = line.lstrip()
    for mark, colour in (("+", "green"), ("~", "yellow"), ("-", "red")):
        if stripped.startswith(mark):
            return f"[{colour}]{line}[/{colour}]"
    return line


def print_outputs(outputs: Sequence[StackOutput]) -> None:
    """The outputs on stdout, one ``Key: value`` line each (the API URL first)."""
    for output in outputs:
        click.echo(f"{output.key}: {output.value}")


def outputs_json(outputs: Sequence[StackOutput]) -> list[dict[str, Any]]:
    return [
        {"key": o.key, "value": o.value} | ({"description": o.description} if o.description else {})
        for o in outputs
    ]


def deploy_json(result: DeployResult) -> dict[str, Any]:
    """``lambdakit deploy --json``: the final state."""
    return {
        "stack_name": result.stack_name,
        "outcome": result.outcome,
        "status": result.status,
        "recreated": result.recreated,
        "assets": {
            "uploaded": result.uploaded_count,
            "uploaded_bytes": result.uploaded_bytes,
            "skipped": result.skipped_count,
            "skipped_bytes": result.skipped_bytes,
            "bucket_created": result.bucket_created,
        },
        "changes": to_json(result.change_set) if result.change_set else None,
        "outputs": outputs_json(result.outputs),
    }


def destroy_json(result: DestroyResult) -> dict[str, Any]:
    return {
        "stack_name": result.stack_name,
        "existed": result.existed,
        "deleted": result.deleted,
        "retained": [
            {
                "logical_id": r.logical_id,
                "type": r.resource_type,
                "physical_id": r.physical_id,
                "deletion_policy": r.deletion_policy,
            }
            for r in result.retained
        ],
    }
