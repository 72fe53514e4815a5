"""The local Lambda service: which function a name means, and the Invoke semantics (FIDELITY §3).

Stages of one invoke: resolve the name (name, id, or ARN, with a qualifier) → check the request
(payload size, JSON) → by invocation type: ``RequestResponse`` runs it on the function's pool
and returns the result, ``Event`` queues it for the async invoker (retries, destinations),
``DryRun`` stops after the checks. Code for a function is prepared (built) on its first invoke,
off the event loop, and again after ``reload``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from lambdakit.local.async_invoke import AsyncInvoker
from lambdakit.local.destinations import DestinationSink, LoggingSink
from lambdakit.local.environment import Environment, EnvironmentSettings
from lambdakit.local.function_spec import CodeProvider, LocalFunction, RunnableCode
from lambdakit.local.invocation import (
    SYNC_PAYLOAD_LIMIT,
    Invocation,
    InvokeRejectedError,
    InvokeResult,
)
from lambdakit.local.logs import LogPrinter
from lambdakit.local.pool import FunctionPool
from lambdakit.local.runtime_api import RuntimeApi

InvocationType = Literal["RequestResponse", "Event", "DryRun"]


@dataclass(frozen=True)
class LambdaOptions:
    """How the local service runs functions."""

    state_dir: Path
    """Scratch space: each environment's private ``/tmp`` lives under it."""
    concurrency: int = 10
    """Environments per function when it has no reserved concurrency."""
    throttle: bool = False
    """Past the concurrency: refuse with 429 (True) or queue until one is free (False)."""
    idle_seconds: float = 600.0
    """Idle environments are stopped after this long."""
    time_scale: float = 1.0
    """Multiplies the async retry waits (60 s, 120 s...); tests use a small value."""
    extra_environment: dict[str, str] = field(default_factory=dict)


def not_found(arn: str) -> InvokeRejectedError:
    return InvokeRejectedError(404, "ResourceNotFoundException", f"Function not found: {arn}")


class LambdaService:
    """Every function of the app, each with its pool of environments, behind one invoke call."""

    def __init__(
        self,
        functions: Sequence[LocalFunction],
        code: CodeProvider,
        *,
        printer: LogPrinter,
        options: LambdaOptions,
        sink: DestinationSink | None = None,
    ) -> None:
        self.functions = {fn.id: fn for fn in functions}
        self.printer = printer
        self.options = options
        self._provider = code
        self._names = _name_index(functions)
        self._api = RuntimeApi()
        self._settings = EnvironmentSettings(
            tmp_root=options.state_dir / "tmp", extra_environment=options.extra_environment
        )
        self._pools: dict[str, FunctionPool] = {}
        self._code: dict[str, RunnableCode] = {}
        self._code_locks: dict[str, asyncio.Lock] = {}
        self._sink = sink
        self._async: AsyncInvoker | None = None
        self._reaper: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._api.start()
        sink = self._sink or LoggingSink(report=self._report, invoke_async=self._invoke_async_arn)
        self._async = AsyncInvoker(
            invoke=self._run, sink=sink, report=self._report, time_scale=self.options.time_scale
        )
        self._reaper = asyncio.get_running_loop().create_task(self._reap_forever())

    async def stop(self) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reaper
        if self._async is not None:
            await self._async.close()
        await asyncio.gather(*(pool.close() for pool in self._pools.values()))
        await self._api.stop()

    # -- names ---------------------------------------------------------------------------

    def resolve(self, name: str, qualifier: str | None = None) -> tuple[LocalFunction, str | None]:
        """The function `name` (a name, id or ARN, maybe ``:qualifier``) means; its qualifier."""
        base, from_name = _split_qualifier(name)
        function = self._names.get(base)
        if from_name and qualifier and from_name != qualifier:
            raise InvokeRejectedError(
                400,
                "InvalidParameterValueException",
                "The derived qualifier from the function name does not match the specified"
                " qualifier.",
            )
        wanted = qualifier or from_name
        if function is None:
            raise not_found(_display_arn(base, wanted))
        if wanted not in (None, "$LATEST", function.alias):
            raise not_found(function.qualified_arn(wanted))
        return function, wanted

    # -- invoking ------------------------------------------------------------------------

    async def invoke(
        self,
        name: str,
        invocation: Invocation,
        invocation_type: InvocationType = "RequestResponse",
        *,
        trusted: bool = False,
    ) -> InvokeResult | None:
        """Invoke as the Invoke API does; None for ``Event`` and ``DryRun`` (202/204).

        `trusted`: the payload is JSON lambdakit itself encoded (an API Gateway event), so it
        is not parsed again to check it.
        """
        function, qualifier = self.resolve(name, invocation.qualifier)
        invocation = _checked(invocation, qualifier, parse=not trusted)
        if invocation_type == "DryRun":
            return None
        if invocation_type == "Event":
            if self._async is None:
                raise RuntimeError("LambdaService.start() was not called")
            await self._async.submit(function, invocation)
            return None
        if len(invocation.payload) > SYNC_PAYLOAD_LIMIT:
            raise InvokeRejectedError(
                413,
                "RequestTooLargeException",
                f"Request must be smaller than {SYNC_PAYLOAD_LIMIT} bytes for the InvokeFunction"
                " operation",
            )
        return await self._run(function, invocation)

    async def _run(self, function: LocalFunction, invocation: Invocation) -> InvokeResult:
        return await self._pool(function).invoke(invocation)

    async def _invoke_async_arn(self, name: str, payload: bytes) -> None:
        await self.invoke(name, Invocation(payload=payload), "Event")

    async def drain(self, timeout: float | None = None) -> None:
        """Wait until every queued async event reached its end."""
        if self._async is not None:
            await self._async.drain(timeout)

    def _pool(self, function: LocalFunction) -> FunctionPool:
        pool = self._pools.get(function.id)
        if pool is None:
            reserved = function.reserved_concurrency
            pool = FunctionPool(
                function,
                code=lambda: self._prepared(function.id),
                factory=self._environment,
                limit=reserved if reserved is not None else self.options.concurrency,
                throttle=self.options.throttle or reserved == 0,
            )
            self._pools[function.id] = pool
        return pool

    def _environment(self, function: LocalFunction, code: RunnableCode, number: int) -> Environment:
        return Environment(
            function,
            code,
            api=self._api,
            printer=self.printer,
            settings=self._settings,
            number=number,
        )

    async def _prepared(self, function_id: str) -> RunnableCode:
        lock = self._code_locks.setdefault(function_id, asyncio.Lock())
        async with lock:
            code = self._code.get(function_id)
            if code is None:
                loop = asyncio.get_running_loop()
                code = await loop.run_in_executor(None, self._provider.prepare, function_id)
                self._code[function_id] = code
            return code

    async def reload(self, function_id: str) -> None:
        """The function's code changed: prepare it again and replace its environments."""
        self._code.pop(function_id, None)
        pool = self._pools.get(function_id)
        if pool is not None:
            await pool.recycle()

    def pool(self, function_id: str) -> FunctionPool | None:
        return self._pools.get(function_id)

    async def _reap_forever(self) -> None:
        period = min(30.0, max(0.05, self.options.idle_seconds / 4))
        while True:
            await asyncio.sleep(period)
            for pool in list(self._pools.values()):
                await pool.reap(self.options.idle_seconds)

    def _report(self, line: str) -> None:
        self.printer.platform("lambdakit", line)


def _checked(invocation: Invocation, qualifier: str | None, *, parse: bool) -> Invocation:
    payload = invocation.payload or b"{}"
    if parse and invocation.content_type == "application/json":
        try:
            json.loads(payload)
        except ValueError as error:
            raise InvokeRejectedError(
                400,
                "InvalidRequestContentException",
                f"Could not parse request body into json: {error}",
            ) from None
    return Invocation(
        payload=payload,
        request_id=invocation.request_id,
        content_type=invocation.content_type,
        qualifier=qualifier,
        client_context=invocation.client_context,
        cognito_identity=invocation.cognito_identity,
        trace_id=invocation.trace_id,
    )


def _name_index(functions: Sequence[LocalFunction]) -> dict[str, LocalFunction]:
    index: dict[str, LocalFunction] = {}
    short: dict[str, list[LocalFunction]] = {}
    for fn in functions:
        short.setdefault(fn.id.rsplit("/", 1)[-1], []).append(fn)
    for key, fns in short.items():
        if len(fns) == 1:
            index[key] = fns[0]
    for fn in functions:
        index[fn.id] = fn
        index[fn.name] = fn
    return index


def _split_qualifier(name: str) -> tuple[str, str | None]:
    """``arn:aws:lambda:r:a:function:NAME:QUAL`` / ``a:function:NAME`` / ``NAME:QUAL`` → parts."""
    parts = name.split(":")
    if "function" in parts:
        rest = parts[parts.index("function") + 1 :]
        return rest[0], (rest[1] if len(rest) > 1 else None)
    if len(parts) == 2:
        return parts[0], parts[1]
    return name, None


def _display_arn(name: str, qualifier: str | None) -> str:
    arn = f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn
