"""`lambdakit local`: the whole app on this machine (API, functions, AWS services) until Ctrl-C.

Stages: parse → `LocalCommandOptions` → `LocalApp` (lambdakit.local_app) starts moto, loads
the app, binds both ports (a port in use fails here), builds every function with a progress
display (`_prepare`; build errors show now, environments still start on the first request, a
cold start as on Lambda), creates the resources, serves and wires the events → announce (a
summary, or one JSON line with ``--json``) → wait for SIGINT/SIGTERM → stop everything (every
worker and moto; with ``--state-dir`` moto's data is saved first), exit 0. Function logs go
to stderr in every mode.
"""

from __future__ import annotations

import contextlib
import faulthandler
import functools
import json
import signal
import sys
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from lambdakit.cli.app_options import AppSource, app_options

if TYPE_CHECKING:
    from lambdakit.local.physical_names import PhysicalResource
    from lambdakit.local.server import LocalServer
    from lambdakit.local_functions import BuiltCode
    from lambdakit.model import App


_STOP_HANG_SECONDS = 30.0


@dataclass(frozen=True)
class LocalCommandOptions:
    source: AppSource
    host: str
    port: int
    services_port: int
    env_vars: Path | None
    concurrency: int
    throttle: bool
    log_file: Path | None
    reload: bool
    state_dir: Path | None
    as_json: bool


@click.command("local")
@app_options
@click.option(
    "--port",
    default=3000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="API Gateway port (0: any free port).",
)
@click.option(
    "--services-port",
    default=4566,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Local AWS endpoint: Lambda's API here, every other service by moto (0: any port).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--env-vars",
    type=click.Path(path_type=Path),
    help='SAM env.json: {"LogicalId": {"VAR": "v"}, "Parameters": {"VAR": "v"}}.',
)
@click.option(
    "--concurrency",
    default=10,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="Environments per function (without reserved concurrency).",
)
@click.option("--throttle", is_flag=True, help="Past the concurrency, answer 429 (not queue).")
@click.option("--log-file", type=click.Path(path_type=Path), help="Also append the logs here.")
@click.option(
    "--no-reload",
    is_flag=True,
    help="Do not reload functions when their code changes, nor the app when its template does.",
)
@click.option(
    "--state-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Keep the buckets', tables' and queues' data here across runs (default: fresh).",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the endpoints as one JSON line once ready."
)
def local_command(
    *,
    source: AppSource,
    port: int,
    services_port: int,
    host: str,
    env_vars: Path | None,
    concurrency: int,
    throttle: bool,
    log_file: Path | None,
    no_reload: bool,
    state_dir: Path | None,
    as_json: bool,
) -> None:
    """Serve the app's API (--port) and its AWS services (--services-port) until Ctrl-C."""
    run_local(
        LocalCommandOptions(
            source=source,
            host=host,
            port=port,
            services_port=services_port,
            env_vars=env_vars,
            concurrency=concurrency,
            throttle=throttle,
            log_file=log_file,
            reload=not no_reload,
            state_dir=state_dir,
            as_json=as_json,
        )
    )


def run_local(options: LocalCommandOptions) -> None:
    from lambdakit.local.logs import LogPrinter  # noqa: PLC0415 - keep `lambdakit --help` fast
    from lambdakit.local_app import LocalApp, LocalAppOptions  # noqa: PLC0415

    printer = LogPrinter(sys.stderr, log_file=options.log_file)
    local_app = LocalApp(
        options.source.load,
        LocalAppOptions(
            host=options.host,
            port=options.port,
            services_port=options.services_port,
            env_vars=options.env_vars,
            concurrency=options.concurrency,
            throttle=options.throttle,
            log_file=options.log_file,
            reload=options.reload,
            state_dir=options.state_dir,
        ),
        printer=printer,
        prepare=functools.partial(_prepare, quiet=options.as_json),
    )
    try:
        with _stop_signals() as stopping, local_app:
            _announce(local_app.app, local_app.server, options, local_app.physical)
            while not stopping.wait(0.5):
                pass
            # Stopping takes seconds; should it hang, the threads' stacks show where.
            faulthandler.dump_traceback_later(_STOP_HANG_SECONDS)
    finally:
        faulthandler.cancel_dump_traceback_later()
        printer.close()


def _prepare(app: App, code: BuiltCode, function_ids: list[str], *, quiet: bool) -> None:
    """Build every function (with progress), then take its runnable copy."""
    import lambdakit  # noqa: PLC0415
    from lambdakit.cli.progress import LiveProgress, progress_for  # noqa: PLC0415

    if not function_ids:
        return
    progress = progress_for(quiet=quiet)
    live = progress if isinstance(progress, LiveProgress) else contextlib.nullcontext()
    with live:
        lambdakit.build(app, lambdakit.BuildOptions(names=tuple(function_ids), progress=progress))
    for function_id in function_ids:
        code.prepare(function_id)


@contextlib.contextmanager
def _stop_signals() -> Iterator[threading.Event]:
    """An event SIGINT and SIGTERM set (instead of raising), for the duration of the block."""
    stopping = threading.Event()

    def on_signal(number: int, frame: object) -> None:
        stopping.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stopping
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def ready_document(
    server: LocalServer, physical: Mapping[str, PhysicalResource] | None = None
) -> dict[str, Any]:
    """The ``--json`` ready line: endpoints, functions, routes and the resources' local names."""
    from lambdakit.model import ResourceKind  # noqa: PLC0415 - keep `lambdakit --help` fast

    functions = server.local.service.functions.values()
    resources = {
        logical_id: {"kind": record.kind.value, "name": record.name, "arn": record.arn}
        | ({"url": record.url} if record.url else {})
        for logical_id, record in (physical or {}).items()
        if record.kind is not ResourceKind.OTHER
    }
    return {
        "api": server.api_url,
        "lambda": server.services_url,
        "services": server.services_url,
        "functions": [{"id": fn.id, "name": fn.name, "runtime": fn.runtime} for fn in functions],
        "routes": [
            {"method": route.method, "path": route.path, "function": route.function}
            for route in server.routes
        ],
        "resources": resources,
    }


def _announce(
    app: App,
    server: LocalServer,
    options: LocalCommandOptions,
    physical: Mapping[str, PhysicalResource],
) -> None:
    document = ready_document(server, physical)
    if options.as_json:
        click.echo(json.dumps(document))
        return
    from lambdakit.cli.render_local import render_ready  # noqa: PLC0415

    render_ready(app, document, reload=options.reload)
