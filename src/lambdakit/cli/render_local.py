"""Renders `lambdakit local`'s ready summary for people: endpoints, route URLs, functions."""

from __future__ import annotations

import shutil
import sys
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from lambdakit.model import App


def _console() -> Console:
    if sys.stdout.isatty():
        return Console(highlight=False)
    # Piped output (logs, CI): no colour, and wide enough that URLs stay on one line.
    width = max(140, shutil.get_terminal_size().columns)
    return Console(width=width, no_color=True, highlight=False)


def render_ready(app: App, document: dict[str, Any], *, reload: bool) -> None:
    """`document` is the ``--json`` ready line (`lambdakit.cli.local.ready_document`)."""
    console = _console()
    api, endpoint = document["api"], document["lambda"]
    console.print(Text.assemble((app.name, "bold"), " is running locally"))
    console.print(Text.assemble(("  API Gateway   ", "dim"), api))
    console.print(
        Text.assemble(
            ("  AWS endpoint  ", "dim"),
            endpoint,
            ("  Lambda Invoke API; the functions' AWS_ENDPOINT_URL", "dim"),
        )
    )
    if document["routes"]:
        table = Table("method", "url", "function", box=None, padding=(0, 2), pad_edge=False)
        for route in document["routes"]:
            path = route["path"]
            url = f"{api}/…" if path == "$default" else f"{api}{path}"
            table.add_row(route["method"], url, route["function"])
        console.print(table)
    names = ", ".join(f"{fn['id']} ({fn['runtime']})" for fn in document["functions"]) or "none"
    console.print(Text.assemble(("Functions: ", "dim"), names))
    how = "hot reload on" if reload else "hot reload off"
    console.print(Text(f"Environments start on the first request; {how}. Ctrl-C to stop.", "dim"))
