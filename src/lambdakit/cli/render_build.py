"""Renders size reports for people: one row per function and layer, and its biggest packages."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from lambdakit.packaging.report import SizeRow
from lambdakit.packaging.sizes import human_size


def render_sizes(rows: Sequence[SizeRow]) -> None:
    console = Console()
    table = Table("artifact", "zipped", "unzipped (+layers)", "of 250 MB", "pruned", "biggest")
    for row in rows:
        share = f"{row.unzipped_share:.0%}"
        table.add_row(
            f"{row.id}" + (" (layer)" if row.kind == "layer" else ""),
            human_size(row.zipped) + ("" if row.direct_upload else " [yellow](S3 upload)[/]"),
            human_size(row.unzipped_with_layers),
            f"[red]{share}[/]" if row.over_limit else share,
            human_size(row.pruned),
            ", ".join(f"{p.name} {human_size(p.size)}" for p in row.biggest[:3]),
        )
    console.print(table)
