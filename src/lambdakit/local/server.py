"""The app on local ports: API Gateway, the local AWS endpoint, hot reload, one start and one stop.

Stages: `Ports.bind` takes both ports first, in the caller's thread (a port in use is a user
error before anything runs, and port 0 becomes a real port), so the caller can give functions
the endpoint URL (``AWS_ENDPOINT_URL``) when it makes its `LocalLambda` → `LocalServer.start`
starts the service, serves the gateway and the services endpoint on the bound sockets, then
watches the code → `LocalServer.stop` stops watching, stops serving (requests still in flight
are cancelled), and stops the service, which kills every worker.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Callable, Sequence
from types import TracebackType

from aiohttp import web

from lambdakit.errors import LocalCloudError
from lambdakit.local.edge_calls import EdgeObserver
from lambdakit.local.gateway_server import gateway_application
from lambdakit.local.reload import DEFAULT_INTERVAL_SECONDS, CodeWatcher
from lambdakit.local.runner import LocalLambda
from lambdakit.local.services_endpoint import services_application
from lambdakit.model.http import Route


def _listen(host: str, port: int, what: str, option: str) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family, backlog=128)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise LocalCloudError(
                f"port {port} on {host} is already in use ({what})",
                hint=f"stop what listens there, or choose another port with {option}"
                " (0 picks a free one)",
            ) from None
        raise LocalCloudError(
            f"cannot listen on {host}:{port} ({what}): {error.strerror or error}",
            hint=f"check --host and {option}",
        ) from None


def url_of(sock: socket.socket) -> str:
    """``http://host:port`` of a listening socket (IPv6 hosts in brackets)."""
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class Ports:
    """The two listening sockets of ``lambdakit local``, bound before anything else starts."""

    def __init__(self, api: socket.socket, services: socket.socket) -> None:
        self.api = api
        self.services = services

    @classmethod
    def bind(cls, host: str, api_port: int, services_port: int) -> Ports:
        """Listen on `api_port` and `services_port` of `host` (0: any free port)."""
        api = _listen(host, api_port, "API Gateway", "--port")
        try:
            services = _listen(host, services_port, "the local AWS endpoint", "--services-port")
        except BaseException:
            api.close()
            raise
        return cls(api, services)

    @property
    def api_url(self) -> str:
        return url_of(self.api)

    @property
    def services_url(self) -> str:
        return url_of(self.services)

    def close(self) -> None:
        """Close both sockets (serving them keeps them open until `LocalServer.stop`)."""
        self.api.close()
        self.services.close()


class LocalServer:
    """Serves `routes` and the local AWS endpoint of `local` on `ports`, reloading changed code.

    `stamp` fingerprints one function's code (``BuiltCode.stamp``); None turns hot reload off.
    `report` takes the server's own lines (reloads, gateway errors). `upstream` (the moto
    server's URL) gets every services-port request that is not for Lambda; None answers those
    with ``UnknownOperationException``.
    """

    def __init__(
        self,
        local: LocalLambda,
        ports: Ports,
        routes: Sequence[Route],
        *,
        stamp: Callable[[str], str] | None = None,
        report: Callable[[str], None] | None = None,
        reload_interval: float = DEFAULT_INTERVAL_SECONDS,
        upstream: str | None = None,
        observers: Sequence[EdgeObserver] = (),
    ) -> None:
        self.local = local
        self.upstream = upstream
        self.observers = tuple(observers)
        self.ports = ports
        self.routes = tuple(routes)
        self._report = report if report is not None else _silent
        self._watcher = (
            CodeWatcher(
                local.service,
                list(local.service.functions),
                stamp,
                report=self._report,
                interval=reload_interval,
            )
            if stamp is not None
            else None
        )
        self._runners: list[web.AppRunner] = []

    @property
    def api_url(self) -> str:
        return self.ports.api_url

    @property
    def services_url(self) -> str:
        return self.ports.services_url

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> LocalServer:
        """Start the service, serve both ports, start watching; returns when all is ready."""
        self.local.start()
        try:
            self.local.call(self._start())
        except BaseException:
            self.stop()
            raise
        return self

    async def _start(self) -> None:
        service = self.local.service
        for route in self.routes:
            if route.function not in service.functions:
                self._report(
                    f"{route.method} {route.path}: {route.function} cannot run locally"
                    " (see `lambdakit inspect`); its requests get 500"
                )
        gateway = gateway_application(self.routes, service, report=self._report)
        await self._serve(gateway, self.ports.api)
        await self._serve(
            services_application(service, upstream=self.upstream, observers=self.observers),
            self.ports.services,
        )
        if self._watcher is not None:
            await self._watcher.start()

    async def _serve(self, app: web.Application, sock: socket.socket) -> None:
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0)
        await runner.setup()
        self._runners.append(runner)
        await web.SockSite(runner, sock).start()

    def stop(self) -> None:
        """Stop watching and serving, then the service (every worker is killed)."""
        try:
            if self.local.loop.is_running():
                self.local.call(self._stop(), timeout=30)
        finally:
            self.local.stop()
            self.ports.close()

    async def _stop(self) -> None:
        if self._watcher is not None:
            await self._watcher.stop()
        runners, self._runners = self._runners, []
        for runner in runners:
            await runner.cleanup()


def _silent(line: str) -> None:
    """The report of a caller that wants none."""
