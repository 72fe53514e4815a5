"""`lambdakit local`: the app's API and Lambda endpoints on this machine until Ctrl-C.

Stages: parse → `LocalCommandOptions` → load the app → bind both ports (a port in use fails
here) → the local Lambda service, whose functions' SDKs point at the services port → build and
prepare every function (build errors show now; environments still start on the first request,
a cold start as on Lambda) → serve, watch the code → announce (a summary, or one JSON line
with ``--json``) → wait for SIGINT/SIGTERM → stop everything (every worker is killed), exit 0.
Function logs go to stderr in every mode.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
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
@click.option("--no-reload", is_flag=True, help="Do not reload functions when their code changes.")
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
            as_json=as_json,
        )
    )


def run_local(options: LocalCommandOptions) -> None:
    import lambdakit  # noqa: PLC0415 - keep `lambdakit --help` fast
    from lambdakit.aws.moto_server import MotoServer  # noqa: PLC0415
    from lambdakit.local.logs import LogPrinter  # noqa: PLC0415
    from lambdakit.local.server import LocalServer, Ports  # noqa: PLC0415
    from lambdakit.local_cloud import (  # noqa: PLC0415
        EventWiring,
        destination_sink,
        event_invoker,
        start_resources,
    )
    from lambdakit.local_functions import BuiltCode  # noqa: PLC0415

    moto = MotoServer()
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(moto.stop)
        pool = cleanup.enter_context(
            concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="lambdakit-moto")
        )
        # moto takes a second to import: it starts first, then takes the app's resources
        # while the functions build.
        moto_started = pool.submit(moto.start)
        app = options.source.load()
        printer = LogPrinter(sys.stderr, log_file=options.log_file)
        cleanup.callback(printer.close)

        def warn(line: str) -> None:
            printer.platform("lambdakit", line)

        ports = Ports.bind(options.host, options.port, options.services_port)
        cleanup.callback(ports.close)
        code = BuiltCode(app, warn=warn)
        runnable = [fn.id for fn in app.functions if fn.runnable and fn.handler]
        starting = pool.submit(
            lambda: start_resources(app, ports.services_url, moto=moto_started.result())
        )
        _prepare(app, code, runnable, quiet=options.as_json)
        resources = starting.result()
        # Destinations go through the services endpoint, so a topic or bus feeding a function
        # triggers it as the functions' own calls do.
        sink = destination_sink(app, resources, ports.services_url)
        local = lambdakit.local_lambda(
            app,
            env_file=options.env_vars,
            options=lambdakit.LambdaOptions(
                state_dir=app.root / ".lambdakit" / "run",
                concurrency=options.concurrency,
                throttle=options.throttle,
                extra_environment={"AWS_ENDPOINT_URL": ports.services_url},
            ),
            printer=printer,
            warn=warn,
            code=code,
            resolve=resources.resolve,
            sink=sink,
        )
        sink.connect(event_invoker(local))
        events = EventWiring(app, local, resources, warn)
        server = LocalServer(
            local,
            ports,
            app.routes,
            stamp=code.stamp if options.reload else None,
            report=warn,
            upstream=resources.moto.url,
            observers=events.observers,
        )
        with _stop_signals() as stopping, server:
            events.start()
            try:
                _announce(app, server, options, resources.physical)
                while not stopping.wait(0.5):
                    pass
            finally:
                events.stop()


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
