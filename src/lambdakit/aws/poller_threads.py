"""The threads of one poller (an SQS mapping's batches, a stream's shards): one stop signal,
started together, stopped together with a bounded join."""

from __future__ import annotations

import threading
from collections.abc import Callable


class PollerThreads:
    """Daemon threads that run until `stopping` is set."""

    def __init__(self) -> None:
        self.stopping = threading.Event()
        """Set by `stop`; the threads poll it and wait on it between calls."""
        self._threads: list[threading.Thread] = []

    @property
    def running(self) -> bool:
        return bool(self._threads)

    def start(self, target: Callable[..., None], name: str, *args: object) -> None:
        """Run ``target(*args)`` on a new thread (the first one clears an earlier stop)."""
        if not self._threads:
            self.stopping.clear()
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self, timeout: float) -> None:
        """Signal the threads and wait up to `timeout` seconds for each (an invoke may run on)."""
        self.stopping.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []
