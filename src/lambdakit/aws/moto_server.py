"""A moto server in its own process on loopback: start it, wait until it answers, stop it.

moto's server cannot report the port it bound when given port 0, so `MotoServer` picks a free
port by binding a socket to port 0 and releasing it, then starts
``python -m moto.server -H 127.0.0.1 -p PORT``; should another process take the port in between,
it tries again with a new one. The server is ready once ``GET /moto-api/`` answers.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from lambdakit.errors import LocalCloudError

HOST = "127.0.0.1"
_ATTEMPTS = 3
_POLL_SECONDS = 0.02
_STOP_GRACE_SECONDS = 5.0
_SAVE_GRACE_SECONDS = 60.0
_STATE_MARK = "lambdakit-state:"


def free_port(host: str = HOST) -> int:
    """A port nobody listens on right now (the OS's pick for port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


_TIED_TO_PARENT = """
import os, sys, threading
from pathlib import Path
STATE = os.environ.get("LAMBDAKIT_MOTO_STATE")
ENDING = threading.Lock()
def _end():
    ENDING.acquire()
    if STATE:
        from lambdakit.aws.moto_state import save_state
        try:
            save_state(Path(STATE))
        except Exception as error:
            print(f"lambdakit-state: not saved to {STATE}: {error!r}", flush=True)
            os._exit(3)
    os._exit(0)
def _parent_gone():
    sys.stdin.buffer.read()
    _end()
if STATE:
    from lambdakit.aws.moto_state import load_state
    problem = load_state(Path(STATE))
    if problem:
        print(f"lambdakit-state: {problem}", flush=True)
threading.Thread(target=_parent_gone, daemon=True).start()
from lambdakit.aws import moto_atomic_writes, moto_speedups
moto_speedups.apply()
moto_atomic_writes.apply()
from moto.server import main
try:
    main(sys.argv[1:])  # SIGTERM ends it with SystemExit
finally:
    _end()
"""
"""moto's server, ended as soon as its parent goes away (its stdin, our pipe, reaches EOF):
even a parent killed with SIGKILL leaves no moto behind. With ``LAMBDAKIT_MOTO_STATE`` set it
starts from that file and writes its data back to it when it ends (`moto_state`); problems are
printed on lines starting ``lambdakit-state:``."""


class MotoServer:
    """moto's server in a child process, bound to 127.0.0.1; a context manager."""

    def __init__(
        self,
        *,
        port: int | None = None,
        ready_timeout: float = 15.0,
        state_file: Path | None = None,
        report: Callable[[str], None] | None = None,
    ) -> None:
        """`state_file`: start from the data saved there and save back into it on `stop`.
        `report` gets a line when that file cannot be read or written."""
        self._requested_port = port
        self.state_file = state_file
        self._report = report or (lambda line: None)
        self._ready_timeout = ready_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._log_seen = 0
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
                self._report_state_lines()
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
        environment = dict(os.environ)
        environment.pop("LAMBDAKIT_MOTO_STATE", None)
        if self.state_file is not None:
            environment["LAMBDAKIT_MOTO_STATE"] = str(self.state_file)
        process = subprocess.Popen(
            [sys.executable, "-c", _TIED_TO_PARENT, "-H", HOST, "-p", str(port)],
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=environment,
        )
        if self._log is not None:
            self._log.close()
        self._process, self._log, self._port, self._log_seen = process, log, port, 0
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
        """Terminate the server (kill it after 5 s, or 60 s while it saves its state); no
        process is left behind."""
        process = self._process
        self._process, self._port = None, None
        if process is not None and process.poll() is None:
            process.terminate()
            grace = _STOP_GRACE_SECONDS if self.state_file is None else _SAVE_GRACE_SECONDS
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                if self.state_file is not None:
                    self._report(f"the local AWS data was not saved to {self.state_file}")
        if process is not None and process.stdin is not None:
            process.stdin.close()
        self._report_state_lines()
        if self._log is not None:
            self._log.close()
            self._log = None

    def _report_state_lines(self) -> None:
        """Hand `report` the server's ``lambdakit-state:`` lines printed since the last call."""
        if self._log is None or self.state_file is None:
            return
        self._log.seek(self._log_seen)
        text = self._log.read()
        self._log_seen += len(text)
        for line in text.decode(errors="replace").splitlines():
            if line.startswith(_STATE_MARK):
                self._report(line.removeprefix(_STATE_MARK).strip())

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
