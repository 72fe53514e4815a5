"""Starting and always stopping the two local servers, and finding out which process is which.

`Server` spawns a command in its own session (so Ctrl-C's signal can go to its whole process
group, as a terminal sends it) and stops it on exit from its ``with`` block, errors included:
SIGINT to the group, then SIGKILL to the group and to every descendant seen while it ran (an
execution environment runs in a session of its own) once `stop_timeout` is over. Whatever
outlived the SIGINT is recorded in `leftovers`, so a server that leaks processes is reported.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from tools import BenchError

POLL_SECONDS = 0.005
READY_TIMEOUT = 120.0
PROBE_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0
LISTEN = "0A"


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _alive(pid: int) -> bool:
    try:
        with Path(f"/proc/{pid}/stat").open() as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _parents() -> dict[int, int]:
    """pid → parent pid of every process visible in /proc."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents[int(entry.name)] = int(fields[1])
    return parents


def descendants(pid: int) -> set[int]:
    """Every living process below `pid`."""
    children: dict[int, list[int]] = {}
    for child, parent in _parents().items():
        children.setdefault(parent, []).append(child)
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def parent_of(pid: int) -> int | None:
    return _parents().get(pid)


def _listening_inode(port: int) -> str | None:
    wanted = f"{port:04X}"
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), Path(table).open() as lines:
            next(lines)
            for line in lines:
                fields = line.split()
                if fields[1].rsplit(":", 1)[1] == wanted and fields[3] == LISTEN:
                    return fields[9]
    return None


def listener_pid(port: int, candidates: set[int]) -> int | None:
    """Which of `candidates` holds the socket listening on `port` (None: none of them)."""
    inode = _listening_inode(port)
    if inode is None:
        return None
    target = f"socket:[{inode}]"
    for pid in sorted(candidates):
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    if str(fd.readlink()) == target:
                        return pid
    return None


def http_get_status(host: str, port: int, path: str, timeout: float) -> int | None:
    """The status of one ``GET path`` on a new connection; None when nobody answers."""
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n"
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(request.encode())
            head = b""
            while b"\r\n" not in head:
                chunk = sock.recv(4096)
                if not chunk:
                    return None
                head += chunk
    except OSError:
        return None
    try:
        return int(head.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return None


@dataclass
class Server:
    """One server process, stopped on leaving the ``with`` block."""

    command: list[str]
    cwd: Path
    log: Path
    env: dict[str, str] | None = None
    ready_line: bool = False
    """True: stdout is read for one JSON line (`read_json_line`), the rest copied to the log."""
    stop_timeout: float = STOP_TIMEOUT
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    seen: set[int] = field(default_factory=set)
    leftovers: list[int] = field(default_factory=list)
    stop_seconds: float | None = None
    killed: bool = False
    ready: dict[str, object] | None = None
    first_200: float | None = None
    ready_seconds: float | None = None
    """From the spawn to the complete ready line (only with `ready_line`)."""
    _bad_line: bytes = b""
    _line_read: threading.Event = field(default_factory=threading.Event)
    _copier: threading.Thread | None = None

    def __enter__(self) -> Server:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as log:
            self.started_at = time.perf_counter()
            self.process = subprocess.Popen(
                self.command,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE if self.ready_line else log,
                stderr=log,
                start_new_session=True,
            )
        if self.ready_line:
            self._copier = threading.Thread(target=self._read_stdout, daemon=True)
            self._copier.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def pid(self) -> int:
        if self.process is None:
            raise BenchError("server not started")
        return self.process.pid

    def remember_children(self) -> set[int]:
        """Note every process now below the server (to kill them if it cannot)."""
        found = descendants(self.pid)
        self.seen |= found
        return found

    def _read_stdout(self) -> None:
        """Thread: time and parse the first stdout line, then copy the rest to a log file.

        Reading all along means the server never blocks on a full pipe.
        """
        stdout = self.process.stdout if self.process is not None else None
        if stdout is None:
            return
        with contextlib.suppress(OSError, ValueError):
            line = stdout.readline()
            self.ready_seconds = time.perf_counter() - self.started_at
            try:
                value = json.loads(line) if line else None
            except ValueError:
                value = None
            if isinstance(value, dict):
                self.ready = value
            else:
                self._bad_line = line[:300]
            self._line_read.set()
            with self.log.with_suffix(".stdout").open("wb") as out:
                for chunk in iter(lambda: stdout.read1(65536), b""):
                    out.write(chunk)
        self._line_read.set()

    def read_json_line(self, timeout: float = READY_TIMEOUT) -> dict[str, object]:
        """The first stdout line, parsed as JSON (lambdakit's ``--json`` ready line)."""
        if not self.ready_line:
            raise BenchError("this server's stdout is not read")
        deadline = time.monotonic() + timeout
        while not self._line_read.wait(POLL_SECONDS * 10):
            if self.process is not None and self.process.poll() is not None:
                self._line_read.wait(1.0)
                break
            if time.monotonic() > deadline:
                raise BenchError(f"no ready line within {timeout:.0f} s: {self.tail()}")
        if self.ready is None:
            raise BenchError(f"no JSON ready line (got {self._bad_line!r}): {self.tail()}")
        return self.ready

    def wait_for_200(
        self, host: str, port: int, path: str, timeout: float = READY_TIMEOUT
    ) -> float:
        """Seconds from the spawn to the first 200 on `path` (polling every 5 ms)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise BenchError(f"exited {self.process.returncode}: {self.tail()}")
            status = http_get_status(host, port, path, PROBE_TIMEOUT)
            if status == 200:
                return time.perf_counter() - self.started_at
            time.sleep(POLL_SECONDS)
        raise BenchError(f"no 200 on {path} within {timeout:.0f} s: {self.tail()}")

    def tail(self, size: int = 1500) -> str:
        with contextlib.suppress(OSError):
            return self.log.read_bytes()[-size:].decode(errors="replace")
        return ""

    def stop(self) -> None:
        """SIGINT to the process group; SIGKILL to everything left after `stop_timeout`."""
        process = self.process
        if process is None or self.stop_seconds is not None:
            return
        with contextlib.suppress(OSError):
            self.remember_children()
        start = time.perf_counter()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(self.stop_timeout)
        except subprocess.TimeoutExpired:
            self.killed = True
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(self.stop_timeout)
        self.stop_seconds = time.perf_counter() - start
        deadline = time.monotonic() + self.stop_timeout
        while any(_alive(pid) for pid in self.seen) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.leftovers = sorted(pid for pid in self.seen if _alive(pid))
        for pid in self.leftovers:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        if self._copier is not None:
            self._copier.join(1.0)
        if process.stdout is not None and (self._copier is None or not self._copier.is_alive()):
            process.stdout.close()
