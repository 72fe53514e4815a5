"""Hot reload: watch each function's code fingerprint and recycle its environments when it changes.

Every `interval` seconds, on the service's loop: compute every function's stamp (a cheap,
stat-based fingerprint from the code provider; it walks folders, so it runs in an executor) →
compare with the last one seen → for each changed function, ``service.reload(function_id)``
(its environments are replaced; the next invoke prepares, i.e. rebuilds, its code) and one
report line ``reloaded <function>: code changed``. A stamp that cannot be computed (a folder
removed mid-edit) is reported once and skipped until it can be again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from typing import Protocol

from lambdakit.errors import LambdakitError

DEFAULT_INTERVAL_SECONDS = 0.5


class Reloadable(Protocol):
    """What the watcher needs of the Lambda service (`LambdaService` is one)."""

    async def reload(self, function_id: str) -> None: ...


class CodeWatcher:
    """Polls the stamps of `function_ids` and reloads the functions whose stamp changed."""

    def __init__(
        self,
        service: Reloadable,
        function_ids: Sequence[str],
        stamp: Callable[[str], str],
        *,
        report: Callable[[str], None],
        interval: float = DEFAULT_INTERVAL_SECONDS,
    ) -> None:
        self._service = service
        self._ids = tuple(function_ids)
        self._stamp = stamp
        self._report = report
        self.interval = interval
        self._seen: dict[str, str] = {}
        self._failing: dict[str, str] = {}
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Take the current stamps, then poll in the background until `stop`."""
        if self._task is not None:
            return
        stamps, _ = await self._stamps()
        self._seen = stamps
        self._task = asyncio.get_running_loop().create_task(self._poll())

    async def stop(self) -> None:
        """Stop polling (an unfinished check is abandoned)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def check(self) -> list[str]:
        """One pass: reload every function whose stamp changed; the ids reloaded."""
        stamps, errors = await self._stamps()
        for function_id, message in errors.items():
            if self._failing.get(function_id) != message:
                self._report(f"cannot watch {function_id}: {message}")
        self._failing = errors
        reloaded = []
        for function_id, stamp in stamps.items():
            previous = self._seen.get(function_id)
            self._seen[function_id] = stamp
            if previous is not None and previous != stamp:
                await self._service.reload(function_id)
                self._report(f"reloaded {function_id}: code changed")
                reloaded.append(function_id)
        return reloaded

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.check()

    async def _stamps(self) -> tuple[dict[str, str], dict[str, str]]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, self._stamps_now)

    def _stamps_now(self) -> tuple[dict[str, str], dict[str, str]]:
        stamps: dict[str, str] = {}
        errors: dict[str, str] = {}
        for function_id in self._ids:
            try:
                stamps[function_id] = self._stamp(function_id)
            except LambdakitError as error:
                errors[function_id] = error.message
            except OSError as error:
                errors[function_id] = f"{error.filename or ''}: {error.strerror or error}"
        return stamps, errors
