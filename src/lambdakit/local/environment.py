"""One execution environment: a worker process running the function's runtime (awslambdaric).

Lifecycle, as Lambda's (FIDELITY 2.4): ``start`` spawns the process (init runs: imports, module
code) → each ``invoke`` dispatches one request through the environment's own Runtime API
endpoint and waits for the runtime's answer, the deadline, or the process's death → a timeout,
crash, out-of-memory, refused answer (too large) or overfull ``/tmp`` ends the process, and the
next invoke needs a new environment (``alive`` is False from the moment it is killed). The
process's output and its peak memory arrive on two pipes read without blocking, so each
invoke's log tail holds exactly the lines it printed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lambdakit.local.environment_variables import environment_for
from lambdakit.local.ephemeral_storage import MB, over_limit_error, used_bytes
from lambdakit.local.function_spec import LocalFunction, RunnableCode
from lambdakit.local.invocation import (
    Invocation,
    InvokeResult,
    error_type_of,
    exit_detail,
    platform_error,
    timeout_message,
)
from lambdakit.local.log_lines import (
    PlatformStatus,
    end_line,
    exit_error_line,
    init_report_line,
    report_line,
    shows_platform_lines,
    start_line,
    timeout_line,
)
from lambdakit.local.logs import LogPrinter, TailBuffer
from lambdakit.local.runtime_api import RuntimeApi, RuntimeChannel, RuntimeOutcome
from lambdakit.local.worker_command import SETTINGS_VARIABLE, worker_command, worker_settings
from lambdakit.local.worker_pipes import WorkerPipes

INIT_LIMIT_SECONDS = 10.0
"""The init phase's own limit (FIDELITY 2.4.2)."""


@dataclass(frozen=True)
class EnvironmentSettings:
    """What every environment of a run shares."""

    tmp_root: Path
    """Each environment gets a private folder under it, standing in for ``/tmp``."""
    extra_environment: dict[str, str] = field(default_factory=dict)
    """Variables added for the local cloud (e.g. ``AWS_ENDPOINT_URL``)."""


@dataclass
class _Death:
    returncode: int | None = None
    out_of_memory: bool = False


class Environment:
    """A worker process and its Runtime API endpoint; serves one invoke at a time."""

    def __init__(
        self,
        function: LocalFunction,
        code: RunnableCode,
        *,
        api: RuntimeApi,
        printer: LogPrinter,
        settings: EnvironmentSettings,
        number: int,
    ) -> None:
        self.function = function
        self.code = code
        self.number = number
        self._api = api
        self._printer = printer
        self._settings = settings
        self._tmp = settings.tmp_root / f"{function.name}-{number}-{os.getpid()}"
        self._channel: RuntimeChannel | None = None
        self._process: asyncio.subprocess.Process | None = None
        self._exited: asyncio.Future[_Death] | None = None
        self._waiting: asyncio.Task[None] | None = None
        self._death = _Death()
        self._pipes: WorkerPipes | None = None
        self._tail: TailBuffer | None = None
        self._spawned_at = 0.0
        self._initialized = False
        self._retired = False
        self.invocations = 0
        self.idle_since = time.monotonic()

    @property
    def alive(self) -> bool:
        """The worker runs and may serve again (False as soon as it is told to die)."""
        return not self._retired and self._exited is not None and not self._exited.done()

    async def start(self) -> None:
        """Spawn the worker; its init runs now and is awaited by the first invoke."""
        loop = asyncio.get_running_loop()
        self._channel = await self._api.open()
        shutil.rmtree(self._tmp, ignore_errors=True)
        self._tmp.mkdir(parents=True)
        pipes = self._pipes = WorkerPipes(self._on_output)
        env = environment_for(
            self.function,
            self.code,
            runtime_api=self._channel.address,
            tmp=self._tmp,
            extra=self._settings.extra_environment,
        )
        env[SETTINGS_VARIABLE] = worker_settings(self.function, self.code, pipes.memory_write)
        self._spawned_at = time.perf_counter()
        try:
            self._process = await asyncio.create_subprocess_exec(
                *worker_command(self.function, self.code),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=pipes.output_write,
                stderr=pipes.output_write,
                pass_fds=(pipes.memory_write,),
                env=env,
                cwd=self.code.task_root,
                start_new_session=True,
            )
        except BaseException:
            pipes.close()
            await self._api.close(self._channel)
            raise
        pipes.attach(loop)
        self._exited = loop.create_future()
        self._waiting = loop.create_task(self._wait_exit(self._process, self._exited))

    async def _wait_exit(
        self, process: asyncio.subprocess.Process, exited: asyncio.Future[_Death]
    ) -> None:
        self._death.returncode = await process.wait()
        self._drain()
        if not exited.done():
            exited.set_result(self._death)

    def _drain(self) -> None:
        if self._pipes is not None:
            self._pipes.drain()
            self._death.out_of_memory = self._pipes.out_of_memory

    def _on_output(self, data: bytes) -> None:
        self._printer.write(self.function.id, data)
        if self._tail is not None:
            self._tail.add(data)

    # -- invoking ----------------------------------------------------------------------------

    async def invoke(self, invocation: Invocation) -> InvokeResult:
        """Run one invoke to its end: a response, an error, a timeout, or the process's death."""
        if self._channel is None or self._exited is None:
            raise RuntimeError("Environment.start() was not called")
        self.invocations += 1
        self._tail = TailBuffer()
        try:
            return await self._invoke(self._channel, self._exited, invocation)
        finally:
            self._tail = None
            self.idle_since = time.monotonic()

    async def _invoke(
        self, channel: RuntimeChannel, exited: asyncio.Future[_Death], invocation: Invocation
    ) -> InvokeResult:
        function = self.function
        request_id = invocation.request_id
        init_ms: float | None = None
        if not self._initialized:
            limit = INIT_LIMIT_SECONDS + function.timeout_seconds
            ready = await _first(channel.ready, exited, limit)
            self._initialized = True
            init_ms = ((channel.ready_at or time.perf_counter()) - self._spawned_at) * 1000
            if ready is not channel.ready or channel.ready.result() is not None:
                return await self._failed_init(channel, exited, invocation, init_ms)
        self._platform(start_line(request_id, "$LATEST", fmt=function.log_format, now=_now()))
        started = time.perf_counter()
        deadline_ms = int(time.time() * 1000 + function.timeout_seconds * 1000)
        outcome = channel.dispatch(
            invocation,
            deadline_ms=deadline_ms,
            invoked_arn=function.qualified_arn(invocation.qualifier),
        )
        done = await _first(outcome, exited, function.timeout_seconds)
        duration_ms = (time.perf_counter() - started) * 1000
        self._drain()
        status: PlatformStatus
        platform_failure = False
        if done is outcome:
            result = self._answered(outcome.result(), request_id)
            status = "success" if result.ok else "error"
            platform_failure = outcome.result().platform
            if platform_failure:
                # The platform refused the runtime's answer (e.g. too large): Lambda resets the
                # environment, and awslambdaric exits anyway (FIDELITY 1.3.4, 2.4.4).
                self._retire()
        elif done is exited:
            result = self._died(exited.result(), request_id)
            status, platform_failure = "error", True
        else:
            await self.stop()
            result = InvokeResult(
                request_id=request_id,
                payload=platform_error(
                    request_id, "Sandbox.Timedout", timeout_message(function.timeout_seconds)
                ),
                function_error="Unhandled",
                error_type="Sandbox.Timedout",
            )
            status = "timeout"
        result = self._check_tmp(result)
        self._printer.flush(function.id)
        now = _now()
        end = end_line(request_id, fmt=function.log_format, now=now, status=status)
        self._platform(  # END and REPORT in one write
            end
            + "\n"
            + report_line(
                request_id,
                duration_ms=duration_ms,
                memory_size_mb=function.memory_mb,
                max_memory_used_mb=self._max_memory(result),
                init_duration_ms=init_ms,
                fmt=function.log_format,
                now=now,
                status=status,
                error_type=result.error_type if platform_failure else None,
            )
        )
        if status == "timeout":
            self._platform(timeout_line(request_id, duration_ms / 1000, now=_now()), always=True)
        return self._finish(result, duration_ms, init_ms)

    def _answered(self, outcome: RuntimeOutcome, request_id: str) -> InvokeResult:
        if outcome.error_type is None:
            return InvokeResult(
                request_id=request_id, payload=outcome.payload, content_type=outcome.content_type
            )
        return InvokeResult(
            request_id=request_id,
            payload=outcome.payload,
            function_error="Unhandled",
            error_type=error_type_of(outcome.payload) or outcome.error_type,
        )

    def _died(self, death: _Death, request_id: str) -> InvokeResult:
        detail = exit_detail(death.returncode)
        error_type = "Runtime.OutOfMemory" if death.out_of_memory else "Runtime.ExitError"
        self._platform(exit_error_line(request_id, detail, error_type), always=True)
        return InvokeResult(
            request_id=request_id,
            payload=platform_error(request_id, error_type, detail),
            function_error="Unhandled",
            error_type=error_type,
        )

    async def _failed_init(
        self,
        channel: RuntimeChannel,
        exited: asyncio.Future[_Death],
        invocation: Invocation,
        init_ms: float,
    ) -> InvokeResult:
        request_id = invocation.request_id
        outcome = channel.ready.result() if channel.ready.done() else None
        if outcome is not None:
            await _first(exited, exited, 2.0)
            payload, error_type = outcome.payload, error_type_of(outcome.payload)
            error_type = error_type or outcome.error_type or "Runtime.Unknown"
            status: PlatformStatus = "error"
        elif exited.done():
            death = exited.result()
            error_type = "Runtime.OutOfMemory" if death.out_of_memory else "Runtime.ExitError"
            payload = platform_error(request_id, error_type, exit_detail(death.returncode))
            status = "error"
        else:
            error_type = "Sandbox.Timedout"
            seconds = INIT_LIMIT_SECONDS + self.function.timeout_seconds
            payload = platform_error(request_id, error_type, timeout_message(seconds))
            status = "timeout"
        await self.stop()
        self._drain()
        self._platform(
            init_report_line(
                duration_ms=init_ms,
                fmt=self.function.log_format,
                now=_now(),
                status=status,
                error_type=error_type,
            ),
            always=True,
        )
        result = InvokeResult(
            request_id=request_id,
            payload=payload,
            function_error="Unhandled",
            error_type=error_type,
        )
        return self._finish(result, 0.0, init_ms)

    def _finish(
        self, result: InvokeResult, duration_ms: float, init_ms: float | None
    ) -> InvokeResult:
        tail = self._tail.value() if self._tail is not None else b""
        return InvokeResult(
            request_id=result.request_id,
            payload=result.payload,
            function_error=result.function_error,
            error_type=result.error_type,
            content_type=result.content_type,
            log_tail=tail,
            duration_ms=duration_ms,
            init_duration_ms=init_ms,
            max_memory_used_mb=self._max_memory(result),
        )

    def _max_memory(self, result: InvokeResult) -> int:
        if result.error_type == "Runtime.OutOfMemory":
            return self.function.memory_mb
        return min(self._pipes.peak_mb if self._pipes else 0, self.function.memory_mb)

    def _check_tmp(self, result: InvokeResult) -> InvokeResult:
        """Past its EphemeralStorage the function's writes would have failed (FIDELITY 2.2.7)."""
        limit_mb = self.function.ephemeral_storage_mb
        used = used_bytes(self._tmp)
        if used <= limit_mb * MB:
            return result
        self._retire()
        message, payload = over_limit_error(used, limit_mb)
        self._platform(f"RequestId: {result.request_id} Error: {message}", always=True)
        return InvokeResult(
            request_id=result.request_id,
            payload=payload,
            function_error="Unhandled",
            error_type="OSError",
        )

    def _retire(self) -> None:
        """Kill the worker and its children; from now on the environment is not `alive`."""
        self._retired = True
        if self._process is not None and self._process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._process.pid, signal.SIGKILL)

    def _platform(self, line: str, *, always: bool = False) -> None:
        if not line:
            return
        shown = always or shows_platform_lines(
            self.function.log_format, self.function.system_log_level
        )
        data = (line + "\n").encode()
        if self._tail is not None:
            self._tail.add(data)
        if shown:
            self._printer.platform(self.function.id, line)

    async def stop(self) -> None:
        """Kill the worker (and anything it started) and release its endpoint."""
        self._retire()
        if self._exited is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._exited), 5.0)
        if self._pipes is not None:
            self._pipes.close()
        if self._channel is not None:
            await self._api.close(self._channel)
        self._printer.flush(self.function.id)
        shutil.rmtree(self._tmp, ignore_errors=True)


async def _first(
    a: asyncio.Future[Any], b: asyncio.Future[_Death], timeout: float
) -> asyncio.Future[Any] | None:
    """Whichever of `a` and `b` finishes first within `timeout` seconds, else None."""
    done, _ = await asyncio.wait({a, b}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    if a in done:
        return a
    return b if b in done else None


def _now() -> datetime:
    return datetime.now(UTC)
