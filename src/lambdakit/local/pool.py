"""The warm execution environments of one function (FIDELITY 2.4.6, 2.4.7).

An invoke takes an idle environment (the most recently used, so module state stays warm), or
starts a new one while the function is under its concurrency (its reserved concurrency, else
the run's default), or waits for one in arrival order — or, when the run throttles, is refused
with 429 ``TooManyRequestsException``. One environment serves one invoke at a time. Dead
environments (crash, timeout, out of memory) are dropped; after a code change every environment
is replaced (idle ones now, busy ones when their invoke ends); idle ones are reaped after a while.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import time
from collections.abc import Awaitable, Callable

from lambdakit.local.environment import Environment
from lambdakit.local.function_spec import LocalFunction, RunnableCode
from lambdakit.local.invocation import Invocation, InvokeRejectedError, InvokeResult

EnvironmentFactory = Callable[[LocalFunction, RunnableCode, int], Environment]


def throttled() -> InvokeRejectedError:
    """The 429 a sync invoke gets when no environment may start (FIDELITY 2.4.7)."""
    return InvokeRejectedError(
        429,
        "TooManyRequestsException",
        "Rate Exceeded.",
        reason="ReservedFunctionConcurrentInvocationLimitExceeded",
    )


class FunctionPool:
    """Environments of one function, at most `limit` of them, each busy with one invoke."""

    def __init__(
        self,
        function: LocalFunction,
        *,
        code: Callable[[], Awaitable[RunnableCode]],
        factory: EnvironmentFactory,
        limit: int,
        throttle: bool = False,
    ) -> None:
        self.function = function
        self.limit = limit
        self._code = code
        self._factory = factory
        self._throttle = throttle
        self._idle: list[Environment] = []
        self._count = 0
        self._numbers = 0
        self._generation = 0
        self._generations: dict[Environment, int] = {}
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        self._closed = False
        self.cold_starts = 0

    @property
    def size(self) -> int:
        """Environments that exist or are starting."""
        return self._count

    async def invoke(self, invocation: Invocation) -> InvokeResult:
        environment = await self._acquire()
        try:
            return await environment.invoke(invocation)
        finally:
            self._release(environment)

    async def _acquire(self) -> Environment:
        while True:
            if self._closed:
                raise InvokeRejectedError(
                    503, "ServiceException", "The local Lambda service stopped."
                )
            while self._idle:
                environment = self._idle.pop()
                if environment.alive and self._generations.get(environment) == self._generation:
                    return environment
                await self._drop(environment)
            if self._count < self.limit:
                return await self._start()
            if self._throttle:
                raise throttled()
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            finally:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)

    async def _start(self) -> Environment:
        self._count += 1
        generation = self._generation
        try:
            code = await self._code()
            self._numbers += 1
            environment = self._factory(self.function, code, self._numbers)
            await environment.start()
        except BaseException:
            self._count -= 1
            self._wake()
            raise
        self._generations[environment] = generation
        self.cold_starts += 1
        return environment

    def _release(self, environment: Environment) -> None:
        current = self._generations.get(environment) == self._generation
        if environment.alive and current and not self._closed:
            self._idle.append(environment)
            self._wake()
        else:
            asyncio.get_running_loop().create_task(self._drop(environment))

    async def _drop(self, environment: Environment) -> None:
        if self._generations.pop(environment, None) is None:
            return
        self._count -= 1
        self._wake()
        await environment.stop()

    def _wake(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    async def recycle(self) -> None:
        """New code: idle environments go now, busy ones when their invoke ends."""
        self._generation += 1
        idle, self._idle = self._idle, []
        for environment in idle:
            await self._drop(environment)

    async def reap(self, idle_seconds: float) -> int:
        """Stop environments idle for longer than `idle_seconds`; how many were stopped."""
        now = time.monotonic()
        stale = [env for env in self._idle if now - env.idle_since > idle_seconds]
        self._idle = [env for env in self._idle if env not in stale]
        for environment in stale:
            await self._drop(environment)
        return len(stale)

    async def close(self) -> None:
        self._closed = True
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        environments = list(self._generations)
        self._idle = []
        await asyncio.gather(*(self._drop(env) for env in environments))
