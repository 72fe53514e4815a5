"""The local Lambda service on a background event loop, driven from ordinary (blocking) code.

`LocalLambda` owns one thread running asyncio: the Runtime API, the environments, and, when
asked, the Invoke API on a loopback port (so ``boto3.client("lambda", endpoint_url=...)``
works). The CLI, the test helpers and users' scripts call it without touching asyncio.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Coroutine, Sequence
from concurrent.futures import Future
from types import TracebackType
from typing import Any, TypeVar

from aiohttp import web

from lambdakit.local.destinations import DestinationSink
from lambdakit.local.function_spec import CodeProvider, LocalFunction
from lambdakit.local.invocation import Invocation, InvokeResult
from lambdakit.local.invoke_api import invoke_application
from lambdakit.local.lambda_service import InvocationType, LambdaOptions, LambdaService
from lambdakit.local.logs import LogPrinter

T = TypeVar("T")


def _new_loop() -> asyncio.AbstractEventLoop:
    """uvloop where it exists (about twice the requests per second), else asyncio's own loop."""
    try:
        import uvloop  # noqa: PLC0415 - optional: not built for Windows
    except ImportError:  # pragma: no cover - every CI platform has uvloop
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


class LocalLambda:
    """Start, invoke, serve and stop the local Lambda service from blocking code."""

    def __init__(
        self,
        functions: Sequence[LocalFunction],
        code: CodeProvider,
        *,
        options: LambdaOptions,
        printer: LogPrinter | None = None,
        sink: DestinationSink | None = None,
    ) -> None:
        self.printer = printer or LogPrinter()
        self.service = LambdaService(
            functions, code, printer=self.printer, options=options, sink=sink
        )
        self._loop = _new_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="lambdakit-local", daemon=True
        )
        self._runners: list[web.AppRunner] = []
        self._started = False

    def __enter__(self) -> LocalLambda:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    def start(self) -> LocalLambda:
        if not self._started:
            self._thread.start()
            self._started = True
            self.call(self.service.start())
        return self

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run `coroutine` on the service's loop and wait for its result."""
        future: Future[T] = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        return future.result(timeout)

    def invoke(
        self,
        name: str,
        payload: bytes | object = b"{}",
        *,
        qualifier: str | None = None,
        invocation_type: InvocationType = "RequestResponse",
        client_context: object | None = None,
    ) -> InvokeResult | None:
        """Invoke `name` (a name, id or ARN) with `payload` (bytes, or a value to send as JSON)."""
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        invocation = Invocation(
            payload=body,
            qualifier=qualifier,
            client_context=None if client_context is None else json.dumps(client_context),
        )
        return self.call(self.service.invoke(name, invocation, invocation_type))

    def serve(self, app: web.Application, *, host: str = "127.0.0.1", port: int = 0) -> int:
        """Serve `app` on the service's loop at `host`:`port` (0: any free port); the port."""
        return self.call(self._serve(app, host, port))

    def serve_invoke_api(self, *, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve the Invoke API; its endpoint URL for ``boto3.client("lambda", endpoint_url=)``."""
        bound = self.serve(invoke_application(self.service), host=host, port=port)
        return f"http://{host}:{bound}"

    async def _serve(self, app: web.Application, host: str, port: int) -> int:
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
            site = web.SockSite(runner, sock)
            await site.start()
        except BaseException:
            sock.close()
            await runner.cleanup()
            raise
        self._runners.append(runner)
        return int(sock.getsockname()[1])

    def drain(self, timeout: float | None = None) -> None:
        """Wait until every async invoke reached its end."""
        self.call(self.service.drain(timeout))

    def stop(self) -> None:
        """Stop serving, kill every environment, end the loop's thread."""
        if not self._started:
            return
        self._started = False
        try:
            self.call(self._stop(), timeout=30)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop.close()
            self.printer.close()

    async def _stop(self) -> None:
        for runner in self._runners:
            await runner.cleanup()
        self._runners = []
        await self.service.stop()
