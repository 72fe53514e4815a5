"""The whole app on this machine: its API, its functions, its AWS services and its events.

`LocalApp` is what ``lambdakit local`` and the ``local_cloud`` pytest fixture run. Stages of
`LocalApp.start`: moto starts in a thread (its import takes a second; with a state dir it
starts from the saved data) while the app loads, both ports are bound (a port in use fails
here) and every function builds → the app's resources are created in moto → the local Lambda
service, whose functions' SDKs point at the services port → the API and services endpoints
serve, code edits reload → the event wiring starts (S3, SNS, SQS, schedules, EventBridge,
streams). A template edit reloads the whole app but moto (`reload_template`): the new model
is loaded and built first, new resources are created next to the old ones and their data, and
only then is the old app swapped for the new one on the same ports; a template with an error
is reported and the running app kept. `stop` ends everything, every process included.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

import lambdakit
from lambdakit.aws.moto_server import MotoServer
from lambdakit.errors import LambdakitError
from lambdakit.local.logs import LogPrinter
from lambdakit.local.physical_names import PhysicalResource
from lambdakit.local.runner import LocalLambda
from lambdakit.local.server import LocalServer, Ports
from lambdakit.local_cloud import (
    CloudResources,
    EventWiring,
    destination_sink,
    event_invoker,
    start_resources,
)
from lambdakit.local_functions import BuiltCode
from lambdakit.model import App

Prepare = Callable[[App, BuiltCode, list[str]], None]
"""Build the app's runnable functions (their ids) and take their runnable copies."""

STATE_FILE = "moto.pickle"
_WATCH_SECONDS = 0.5


@dataclass(frozen=True)
class LocalAppOptions:
    """How ``lambdakit local`` runs the app (the command's options)."""

    host: str = "127.0.0.1"
    port: int = 0
    """API Gateway port; 0 picks a free one."""
    services_port: int = 0
    """The local AWS endpoint's port; 0 picks a free one."""
    env_vars: Path | None = None
    """SAM env.json overrides of the functions' variables."""
    concurrency: int = 10
    throttle: bool = False
    log_file: Path | None = None
    reload: bool = True
    """Reload functions whose code changed, and the app when its template changed."""
    state_dir: Path | None = None
    """Keep the AWS services' data here across runs; None starts empty each time."""
    time_scale: float = 1.0
    """Multiplies the waits of async retries (tests use a small value)."""


def build_quietly(app: App, code: BuiltCode, function_ids: list[str]) -> None:
    """The default `Prepare`: an incremental build without a progress display."""
    if function_ids:
        lambdakit.build(app, lambdakit.BuildOptions(names=tuple(function_ids)))
    for function_id in function_ids:
        code.prepare(function_id)


@dataclass
class _Running:
    """One generation of the app: what a template reload replaces."""

    app: App
    resources: CloudResources
    local: LocalLambda
    server: LocalServer
    events: EventWiring


class LocalApp:
    """The app served on this machine until `stop`; a context manager."""

    def __init__(
        self,
        load: Callable[[], App],
        options: LocalAppOptions | None = None,
        *,
        printer: LogPrinter | None = None,
        prepare: Prepare = build_quietly,
    ) -> None:
        self.options = options or LocalAppOptions()
        self._load = load
        self._prepare = prepare
        self._own_printer = printer is None
        self.printer = printer or LogPrinter(sys.stderr, log_file=self.options.log_file)
        self.moto = MotoServer(state_file=self._state_file(), report=self.warn)
        self._running: _Running | None = None
        self._lock = threading.RLock()
        self._watch_stop = threading.Event()
        self._watcher: threading.Thread | None = None
        self._template_stamp: dict[Path, int] = {}
        self.reloads = 0
        """How many template edits were applied."""

    def _state_file(self) -> Path | None:
        state_dir = self.options.state_dir
        return None if state_dir is None else state_dir / STATE_FILE

    def warn(self, line: str) -> None:
        self.printer.platform("lambdakit", line)

    # ------------------------------------------------------------------ the running app

    @property
    def running(self) -> _Running:
        if self._running is None:
            raise RuntimeError("the local app is not running")
        return self._running

    @property
    def app(self) -> App:
        return self.running.app

    @property
    def local(self) -> LocalLambda:
        return self.running.local

    @property
    def server(self) -> LocalServer:
        return self.running.server

    @property
    def physical(self) -> Mapping[str, PhysicalResource]:
        """Logical id → the resource's local name, ARN (and URL for queues)."""
        return self.running.resources.physical

    @property
    def api_url(self) -> str:
        return self.running.server.api_url

    @property
    def services_url(self) -> str:
        return self.running.server.services_url

    # ------------------------------------------------------------------ start and stop

    def start(self) -> Self:
        """Serve the app; returns once the first request can be served."""
        with contextlib.ExitStack() as undo:
            undo.callback(self._stop_all)
            with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="moto") as pool:
                moto_started = pool.submit(self.moto.start)
                app = self._load()
                ports = Ports.bind(self.options.host, self.options.port, self.options.services_port)
                undo.callback(ports.close)
                code = BuiltCode(app, warn=self.warn)
                resources = pool.submit(
                    lambda: start_resources(app, ports.services_url, moto=moto_started.result())
                )
                self._prepare(app, code, _runnable(app))
                self._running = self._launch(app, code, resources.result(), ports)
            self._stamp_templates()
            if self.options.reload:
                self._watcher = threading.Thread(
                    target=self._watch_templates, name="lambdakit-template-watch", daemon=True
                )
                self._watcher.start()
            undo.pop_all()
        return self

    def _launch(
        self, app: App, code: BuiltCode, resources: CloudResources, ports: Ports
    ) -> _Running:
        """Start the service, the servers and the event wiring of `app` on `ports`."""
        # Destinations go through the services endpoint, so a topic or bus feeding a function
        # triggers it as the functions' own calls do.
        sink = destination_sink(app, resources, ports.services_url)
        local = lambdakit.local_lambda(
            app,
            env_file=self.options.env_vars,
            options=lambdakit.LambdaOptions(
                state_dir=app.root / ".lambdakit" / "run",
                concurrency=self.options.concurrency,
                throttle=self.options.throttle,
                time_scale=self.options.time_scale,
                extra_environment={"AWS_ENDPOINT_URL": ports.services_url},
            ),
            printer=self.printer,
            warn=self.warn,
            code=code,
            resolve=resources.resolve,
            sink=sink,
        )
        sink.connect(event_invoker(local))
        events = EventWiring(app, local, resources, self.warn, sink=sink)
        server = LocalServer(
            local,
            ports,
            app.routes,
            stamp=code.stamp if self.options.reload else None,
            report=self.warn,
            upstream=resources.moto.url,
            observers=events.observers,
        )
        server.start()
        try:
            events.start()
        except BaseException:
            server.stop()
            raise
        return _Running(app, resources, local, server, events)

    def stop(self) -> None:
        """Stop the events, the servers, every worker and moto (saving its data if asked)."""
        self._watch_stop.set()
        if self._watcher is not None and self._watcher is not threading.current_thread():
            self._watcher.join(timeout=30)
        self._stop_all()

    def _stop_all(self) -> None:
        with self._lock:
            running, self._running = self._running, None
            try:
                if running is not None:
                    _halt(running)
            finally:
                self.moto.stop()
                if self._own_printer:
                    self.printer.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ template reload

    def reload_template(self) -> bool:
        """Load the app again and swap it in; False (and a notice) when it cannot be."""
        with self._lock:
            old = self._running
            if old is None:
                return False
            try:
                app = self._load()
                code = BuiltCode(app, warn=self.warn)
                self._prepare(app, code, _runnable(app))
                resources = start_resources(app, old.server.services_url, moto=self.moto)
            except LambdakitError as error:
                self.warn(
                    f"the template changed but cannot be used: {error}; still running the last one"
                )
                return False
            api_port, services_port = _port(old.server.api_url), _port(old.server.services_url)
            _halt(old)
            self._running = None
            ports = Ports.bind(self.options.host, api_port, services_port)
            try:
                self._running = self._launch(app, code, resources, ports)
            except BaseException:
                ports.close()
                raise
            self.reloads += 1
            added = sorted(set(resources.physical) - set(old.resources.physical))
            self.warn(
                "the template changed: app reloaded"
                + (f"; new: {', '.join(added)}" if added else "")
                + "; the services' data is kept"
            )
            return True

    def _template_files(self) -> list[Path]:
        running = self._running
        return [stack.template_file for stack in running.app.stacks] if running else []

    def _stamps(self) -> dict[Path, int]:
        stamps = {}
        for path in self._template_files():
            try:
                stamps[path] = path.stat().st_mtime_ns
            except OSError:
                stamps[path] = -1
        return stamps

    def _stamp_templates(self) -> None:
        self._template_stamp = self._stamps()

    def _watch_templates(self) -> None:
        while not self._watch_stop.wait(_WATCH_SECONDS):
            if self._stamps() == self._template_stamp:
                continue
            try:
                self.reload_template()
            except Exception as error:  # the watcher must outlive one bad reload
                self.warn(f"reloading the template failed: {error!r}")
            self._stamp_templates()


def _runnable(app: App) -> list[str]:
    return [fn.id for fn in app.functions if fn.runnable and fn.handler]


def _halt(running: _Running) -> None:
    """Stop one generation of the app (not moto): events, then servers and workers."""
    try:
        running.events.stop()
    finally:
        running.server.stop()


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])
