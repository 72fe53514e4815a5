"""The two pipes from a worker process: its output, and its reports of peak memory.

Both are read without blocking as data arrives (``add_reader``), and can be drained on demand:
an environment drains them when an invoke ends, so the invoke's log tail holds exactly the lines
it printed (the runtime flushes each write before it posts its answer), and the last memory
report is in before the REPORT line.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable

_READ_SIZE = 1 << 16


class WorkerPipes:
    """Output (stdout and stderr together) and memory reports (``<MB>`` or ``<MB> oom``)."""

    def __init__(self, on_output: Callable[[bytes], None]) -> None:
        self._on_output = on_output
        self.peak_mb = 0
        self.out_of_memory = False
        """The worker reported it passed its memory size (and then killed itself)."""
        self._output_read, self.output_write = os.pipe()
        self._memory_read, self.memory_write = os.pipe()
        self._open: list[int] = []

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """The worker has its ends: close ours of them and start reading."""
        self._close_write_ends()
        for fd in (self._output_read, self._memory_read):
            os.set_blocking(fd, False)
            loop.add_reader(fd, self._read, fd)
            self._open.append(fd)

    def drain(self) -> None:
        """Read everything written so far."""
        for fd in list(self._open):
            self._read(fd)

    def close(self) -> None:
        for fd in list(self._open):
            self._close(fd)
        self._close_write_ends()

    def _close_write_ends(self) -> None:
        for fd in (self.output_write, self.memory_write):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.output_write = self.memory_write = -1

    def _read(self, fd: int) -> None:
        while fd in self._open:
            try:
                data = os.read(fd, _READ_SIZE)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:
                self._close(fd)
                return
            if fd == self._output_read:
                self._on_output(data)
            else:
                self._on_memory(data)

    def _on_memory(self, data: bytes) -> None:
        for word in data.decode(errors="replace").split():
            if word == "oom":
                self.out_of_memory = True
            elif word.isdigit():
                self.peak_mb = max(self.peak_mb, int(word))

    def _close(self, fd: int) -> None:
        self._open.remove(fd)
        with contextlib.suppress(ValueError, RuntimeError):
            asyncio.get_running_loop().remove_reader(fd)
        with contextlib.suppress(OSError):
            os.close(fd)
