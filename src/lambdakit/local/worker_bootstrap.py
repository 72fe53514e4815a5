"""Start-up of one execution environment's runtime: run inside the worker, before awslambdaric.

Run as ``python -I -S -X utf8 worker_bootstrap.py HANDLER`` (isolated: no host site-packages,
no ``.pth`` start-up hooks, no ``PYTHON*`` variables). It imports only the standard library and
awslambdaric, never lambdakit. It:

1. builds ``sys.path`` as Lambda's has it (FIDELITY 2.2.3 to 2.2.6): the code folder first, then
   the layers (``/opt/python/lib/python3.X/site-packages``, ``/opt/python``), the standard
   library, and last the runtime's own packages (awslambdaric, boto3);
2. makes the code folder and the layers read-only, as Lambda's ``/var/task`` and ``/opt`` are:
   writes there raise ``OSError(EROFS)`` (an audit hook, so it holds even for root);
3. watches its own peak memory (every 10 ms, and before each answer to an invoke): reports it to
   the emulator and, past the function's memory size, kills itself as Lambda's sandbox would
   (FIDELITY 2.4.4);
4. hands over to awslambdaric's own main loop (FIDELITY 1.4).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import resource
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_PATH_EVENTS = {
    "os.mkdir": 0,
    "os.remove": 0,
    "os.rmdir": 0,
    "os.rename": 0,
    "os.chmod": 0,
    "os.chown": 0,
    "os.truncate": 0,
    "os.utime": 0,
    "os.link": 1,
    "os.symlink": 1,
    "shutil.rmtree": 0,
}


def _read_only(roots: Iterable[str]) -> Callable[[str, tuple[Any, ...]], None]:
    """An audit hook refusing writes under `roots` with EROFS, as a read-only mount does."""
    bare = frozenset(roots)
    prefixes = tuple(os.path.join(root, "") for root in bare)

    def inside(path: Any) -> bool:
        if isinstance(path, int) or path is None:
            return False
        text = os.fsdecode(path)
        full = os.path.abspath(text)
        return full in bare or full.startswith(prefixes)

    def refuse(path: Any) -> None:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(path))

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event == "open":
            path, _mode, flags = args
            if flags & _WRITE_FLAGS and inside(path):
                refuse(path)
            return
        index = _PATH_EVENTS.get(event)
        if index is not None and args and inside(args[index]):
            refuse(args[index])

    return hook


def _peak_memory() -> Callable[[], int]:
    """A reader of this process's peak resident memory in MB, counted from its own start.

    On Linux ``ru_maxrss`` also counts what the parent had resident before ``exec`` (the
    kernel keeps the larger of the two), so a worker spawned by a big emulator would look big
    at once; ``VmHWM`` in ``/proc/self/status`` is the peak of this program's memory alone.
    """
    try:
        status = os.open("/proc/self/status", os.O_RDONLY)
    except OSError:
        per_mb = 1024 * 1024 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes or KiB
        return lambda: int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) // per_mb

    def vm_hwm() -> int:
        os.lseek(status, 0, os.SEEK_SET)
        for line in os.read(status, 1 << 14).splitlines():
            if line.startswith(b"VmHWM:"):
                return int(line.split()[1]) // 1024  # kB
        return 0

    return vm_hwm


class _MemoryWatch:
    """Reports peak RSS (MB) to the emulator; past `limit_mb`, dies as the sandbox would."""

    def __init__(self, limit_mb: int, report_fd: int) -> None:
        self._limit_mb = limit_mb
        self._report_fd = report_fd
        self._peak = _peak_memory()
        self._reported = 0
        self._lock = threading.Lock()

    def check(self) -> None:
        with self._lock:
            peak_mb = self._peak()
            if peak_mb <= self._reported:
                return
            self._reported = peak_mb
            line = f"{peak_mb}\n" if peak_mb <= self._limit_mb else f"{peak_mb} oom\n"
            with contextlib.suppress(OSError):
                os.write(self._report_fd, line.encode())
            if peak_mb > self._limit_mb:
                os.kill(os.getpid(), signal.SIGKILL)

    def watch(self) -> None:
        """Check every 10 ms, for ever (a daemon thread)."""
        while True:
            self.check()
            time.sleep(0.01)

    def guard_answers(self) -> None:
        """Check once more right before the runtime answers an invoke.

        A handler that allocates past the limit and returns at once could otherwise answer
        before the watching thread looks; the sandbox would have killed it mid-invoke.
        """
        from awslambdaric.lambda_runtime_client import LambdaRuntimeClient

        for name in ("post_invocation_result", "post_invocation_error"):
            answer = getattr(LambdaRuntimeClient, name)
            setattr(LambdaRuntimeClient, name, self._checked(answer))

    def _checked(self, answer: Callable[..., Any]) -> Callable[..., Any]:
        def checked(*args: Any, **kwargs: Any) -> Any:
            self.check()
            return answer(*args, **kwargs)

        return checked


def _poll_on_the_main_thread() -> None:
    """Wait for ``/next`` on the main thread, as awslambdaric does before python3.12.

    For python3.12+ it waits in a new thread each time, so the main thread can take signals
    while the sandbox is frozen. No signal reaches a local worker but SIGKILL, and a thread per
    invoke costs a third of the worker's time per invoke; the handler sees no difference.
    """
    from awslambdaric.lambda_config import LambdaConfigProvider

    LambdaConfigProvider.SUPPORTED_THREADPOLLING_ENVS = set()


def main() -> None:
    config = json.loads(os.environ.pop("_LAMBDAKIT_WORKER"))
    sys.path[:0] = config["path_front"]
    sys.path.extend(config["path_back"])
    sys.addaudithook(_read_only(config["read_only"]))
    if config.get("memory_fd") is not None:
        memory = _MemoryWatch(config["memory_limit_mb"], config["memory_fd"])
        threading.Thread(target=memory.watch, name="lambdakit-memory", daemon=True).start()
        memory.guard_answers()
    sys.argv = ["awslambdaric", *sys.argv[1:]]
    _poll_on_the_main_thread()
    from awslambdaric.__main__ import main as run_runtime

    run_runtime(sys.argv)


if __name__ == "__main__":
    main()
