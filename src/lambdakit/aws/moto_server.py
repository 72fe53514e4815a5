"""A moto server in its own process on loopback: start it, wait until it answers, stop it.

moto's server cannot report the port it bound when given port 0, so `MotoServer` picks a free
port by binding a socket to port 0 and releasing it, then starts
``python -m moto.server -H 127.0.0.1 -p PORT``; should another process take the port in between,
it tries again with a new one. The server is ready once ``GET /moto-api/`` answers.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from types import TracebackType
from typing import IO, Self

from lambdakit.errors import LocalCloudError

HOST = "127.0.0.1"
_ATTEMPTS = 3
_POLL_SECONDS = 0.02
_STOP_GRACE_SECONDS = 5.0


def free_port(host: str = HOST) -> int:
    """A port nobody listens on right now (the OS's pick for port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


_TIED_TO_PARENT = """
import os, runpy, sys, threading
def _parent_gone():
    sys.stdin.buffer.read()
    os._exit(0)
threading.Thread(target=_parent_gone, daemon=True).start()
sys.argv[0] = "moto.server"
runpy.run_module("moto.server", run_name="__main__")
"""
"""moto's server, ended as soon as its parent goes away (its stdin, our pipe, reaches EOF):
even a parent killed with SIGKILL leaves no moto behind."""


class MotoServer:
    """moto's server in a child process, bound to 127.0.0.1; a context manager."""

    def __init__(self, *, port: int | None = None, ready_timeout: float = 15.0) -> None:
        self._requested_port = port
        self._ready_timeout = ready_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._port: int | None = None
        self.startup_seconds: float | None = None
        """How long the last `start` took until the server answered."""

    @property
    def url(self) -> str:
        """The endpoint URL for boto3's ``endpoint_url``, e.g. ``http://127.0.0.1:50321``."""
        if self._port is None:
            raise RuntimeError("the moto server is not running")
        return f"http://{HOST}:{self._port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> Self:
        """Start the server and wait until it answers; `LocalCloudError` when it cannot."""
        if self._process is not None:
            return self
        began = time.monotonic()
        attempts = 1 if self._requested_port is not None else _ATTEMPTS
        problem = ""
        for _ in range(attempts):
            port = self._requested_port if self._requested_port is not None else free_port()
            problem = self._try_start(port, began + self._ready_timeout)
            if not problem:
                self.startup_seconds = time.monotonic() - began
                return self
            if "in use" not in problem:
                break
        raise LocalCloudError(
            f"the local AWS services (moto) did not start: {problem}",
            hint="check that moto[server] is installed in lambdakit's environment"
            " and that loopback ports are free",
        )

    def _try_start(self, port: int, deadline: float) -> str:
        """Start on `port`: "" once it answers, else what went wrong (the process is gone)."""
        log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the server
        process = subprocess.Popen(
            [sys.executable, "-c", _TIED_TO_PARENT, "-H", HOST, "-p", str(port)],
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self._process, self._log, self._port = process, log, port
        while time.monotonic() < deadline:
            if process.poll() is not None:
                problem = f"it exited with code {process.returncode}: {self._log_tail()}"
                self.stop()
                return problem
            if _answers(self.url):
                return ""
            time.sleep(_POLL_SECONDS)
        self.stop()
        return f"no answer on {HOST}:{port} within {self._ready_timeout:g} s"

    def _log_tail(self) -> str:
        if self._log is None:
            return ""
        self._log.seek(0)
        lines = self._log.read().decode(errors="replace").strip().splitlines()
        return " / ".join(line.strip() for line in lines[-3:]) or "no output"

    def stop(self) -> None:
        """Terminate the server (kill it after 5 s); no process is left behind."""
        process, log = self._process, self._log
        self._process, self._log, self._port = None, None, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=_STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process is not None and process.stdin is not None:
            process.stdin.close()
        if log is not None:
            log.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):
            return True
    except urllib.error.HTTPError:
        return True  # it answered, just not with 200
    except OSError:
        return False
