"""Build progress for people: a live line per unit on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
import threading
import time
from types import TracebackType

import click
from rich.console import Console
from rich.live import Live
from rich.table import Table


class PlainProgress:
    """One line per finished unit, on stderr (logs and CI)."""

    def update(self, unit: str, status: str) -> None:
        pass

    def finish(self, unit: str, summary: str, *, ok: bool) -> None:
        click.echo(f"{unit}: {summary}", err=True)


class LiveProgress:
    """A table with one row per unit that updates in place, on stderr."""

    def __init__(self) -> None:
        self._rows: dict[str, tuple[str, bool | None, float]] = {}
        self._lock = threading.Lock()
        self._live = Live(
            self._render(), console=Console(stderr=True), refresh_per_second=8, transient=False
        )

    def __enter__(self) -> LiveProgress:
        self._live.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._live.update(self._render())
        self._live.__exit__(kind, value, tb)

    def update(self, unit: str, status: str) -> None:
        with self._lock:
            started = self._rows.get(unit, ("", None, time.monotonic()))[2]
            self._rows[unit] = (status, None, started)
            self._live.update(self._render())

    def finish(self, unit: str, summary: str, *, ok: bool) -> None:
        with self._lock:
            started = self._rows.get(unit, ("", None, time.monotonic()))[2]
            self._rows[unit] = (f"{summary} ({time.monotonic() - started:.1f} s)", ok, started)
            self._live.update(self._render())

    def _render(self) -> Table:
        table = Table.grid(padding=(0, 2))
        for unit, (status, ok, _) in self._rows.items():
            mark = "[green]✓[/]" if ok else "[red]✗[/]" if ok is False else "[cyan]…[/]"
            table.add_row(mark, unit, status)
        return table


def progress_for(*, quiet: bool) -> PlainProgress | LiveProgress | None:
    """Live on a terminal, plain lines when not, nothing when `quiet` (``--json``)."""
    if quiet:
        return None
    return LiveProgress() if sys.stderr.isatty() else PlainProgress()
