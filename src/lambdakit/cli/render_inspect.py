"""Renders the app model for people: one rich table per part of the app."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from lambdakit.model import (
    App,
    EventBridgeEvent,
    EventSource,
    Function,
    Queue,
    Resource,
    Route,
    S3Event,
    ScheduleEvent,
    SnsEvent,
    SqsEvent,
    StreamEvent,
    Topic,
    render_value,
)
from lambdakit.model import (
    Table as DynamoTable,
)


def _console() -> Console:
    if sys.stdout.isatty():
        return Console()
    # Piped output: no colour, and wide enough that tables stay readable in logs.
    return Console(width=max(140, shutil.get_terminal_size().columns), no_color=True)


def _rel(app: App, path: Path) -> str:
    try:
        return str(path.relative_to(app.root)) or "."
    except ValueError:
        return str(path)


def render_app(app: App) -> None:
    console = _console()
    stacks = ", ".join(f"{s.name} ({_rel(app, s.template_file)})" for s in app.stacks)
    console.print(
        Text.assemble(
            (app.name, "bold"), f"  {app.source.value} app  ", ("stacks: ", "dim"), stacks
        )
    )
    for title, table in (
        ("Functions", _functions(app)),
        ("Routes", _routes(app)),
        ("Event sources", _events(app)),
        ("Resources", _resources(app)),
        ("Not emulated locally", _not_emulated(app)),
        ("Outputs", _outputs(app)),
    ):
        if table.row_count:
            table.title = title
            table.title_justify = "left"
            table.title_style = "bold"
            console.print(table)
    for warning in app.warnings:
        console.print(f"[yellow]warning:[/] {warning}")


def _functions(app: App) -> Table:
    table = Table("function", "runtime", "memory/timeout", "handler", "code", "dependencies")
    for fn in app.functions:
        table.add_row(
            _name(fn.id, fn.origin.name),
            _runtime(fn),
            f"{fn.memory_mb} MB / {fn.timeout_seconds} s",
            fn.handler or "-",
            _code(app, fn),
            _rel(app, fn.dependencies.file)
            + (f" [{fn.dependencies.group}]" if fn.dependencies.group else "")
            if fn.dependencies
            else "-",
        )
    return table


def _name(ident: str, origin: str) -> str:
    return (
        ident
        if origin in (ident, ident.rsplit("/", maxsplit=1)[-1])
        else f"{ident}\n[dim]{origin}[/]"
    )


def _runtime(fn: Function) -> str:
    runtime = f"{fn.runtime or 'image'} {fn.architecture.value}"
    reason = fn.not_runnable_reason
    return f"{runtime}\n[yellow]{reason}[/]" if reason else runtime


def _code(app: App, fn: Function) -> str:
    path = getattr(fn.code, "path", None)
    return _rel(app, path) if isinstance(path, Path) else fn.code.describe()


def _routes(app: App) -> Table:
    table = Table("method", "path", "function", "api", "notes")
    for route in app.routes:
        table.add_row(route.method, route.path, route.function, _api(route), _route_notes(route))
    return table


def _api(route: Route) -> str:
    stage = f" stage {route.stage}" if route.stage else ""
    return f"{route.api} ({route.api_kind.value}, payload {route.payload_version}){stage}"


def _route_notes(route: Route) -> str:
    notes = []
    if route.authorizer:
        notes.append(f"auth: {route.authorizer.type} {route.authorizer.name}")
    if route.cors:
        notes.append("cors: " + (", ".join(route.cors.allow_origins) or "on"))
    return "; ".join(notes)


def _events(app: App) -> Table:
    table = Table("kind", "source", "function", "details")
    for event in app.event_sources:
        source = event.source or render_value(event.source_arn)
        detail = _event_detail(event)
        if not event.enabled:
            detail = f"disabled; {detail}"
        table.add_row(event.kind.value, source, event.function, detail)
    return table


def _event_detail(event: EventSource) -> str:  # noqa: PLR0911 - one line per kind of source
    if isinstance(event, S3Event):
        filters = [
            f"prefix {event.prefix}" if event.prefix else "",
            f"suffix {event.suffix}" if event.suffix else "",
        ]
        return ", ".join(event.events) + "".join(f"; {f}" for f in filters if f)
    if isinstance(event, SnsEvent):
        return "filter policy" if event.filter_policy else ""
    if isinstance(event, SqsEvent):
        extra = "; ReportBatchItemFailures" if event.report_batch_item_failures else ""
        return f"batch {event.batch_size}, window {event.batching_window_seconds} s{extra}"
    if isinstance(event, ScheduleEvent):
        return f"{event.expression} (rule {event.rule})"
    if isinstance(event, EventBridgeEvent):
        return f"rule {event.rule} on bus {render_value(event.bus)}"
    if isinstance(event, StreamEvent):
        parts = [f"batch {event.batch_size}", event.starting_position]
        if event.bisect_on_error:
            parts.append("bisect")
        if event.on_failure:
            parts.append(
                f"on failure -> {event.on_failure.resource or render_value(event.on_failure.arn)}"
            )
        return ", ".join(parts)
    return ""


def _resources(app: App) -> Table:
    table = Table("kind", "resource", "name", "details")
    for res in app.resources:
        if res.emulated:
            table.add_row(
                res.kind.value,
                _name(res.logical_id, res.origin.name),
                render_value(res.name) if res.name else "(generated)",
                _resource_detail(res),
            )
    return table


def _resource_detail(res: Resource) -> str:
    if isinstance(res, DynamoTable):
        keys = ", ".join(f"{k.name} {k.key_type}" for k in res.keys)
        extra = f"; stream {res.stream_view_type}" if res.stream_view_type else ""
        return f"keys {keys}; {len(res.indexes)} index(es){extra}"
    if isinstance(res, Queue):
        parts = ["FIFO"] if res.fifo else []
        parts.append(f"visibility {res.visibility_timeout_seconds} s")
        if res.redrive:
            redrive = res.redrive
            dlq = redrive.dead_letter_queue or render_value(redrive.dead_letter_arn)
            parts.append(f"DLQ {dlq} after {redrive.max_receive_count} receives")
        return ", ".join(parts)
    if isinstance(res, Topic):
        return ", ".join(
            f"{s.protocol} -> {s.resource or render_value(s.endpoint)}" for s in res.subscriptions
        )
    return ""


def _not_emulated(app: App) -> Table:
    table = Table("resource", "type")
    for res in app.not_emulated:
        table.add_row(_name(res.logical_id, res.origin.name), res.type)
    return table


def _outputs(app: App) -> Table:
    table = Table("output", "value", "description")
    for out in app.outputs:
        table.add_row(out.name, render_value(out.value), out.description or "")
    return table
