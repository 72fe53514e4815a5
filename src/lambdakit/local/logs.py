"""Where function logs go: the 4 KB tail of one invoke, and the emulator's prefixed console output.

`TailBuffer` keeps the last ``LOG_TAIL_BYTES`` of one invoke's log (platform lines and the
function's output) for ``X-Amz-Log-Result`` (FIDELITY 2.6.7), in bounded memory.

`LogPrinter` takes raw output chunks from worker processes, cuts them into lines, and prints
each complete line as ``[FunctionName] line`` to the console (coloured per function on a
terminal) and, uncoloured, to an optional log file. Lines are cut on ``\\n`` only: the runtime
joins the lines of an error report with ``\\r`` so that it stays one log event (FIDELITY 2.6.6),
and it is printed as it is. The platform's own lines are built in `lambdakit.local.log_lines`
and re-exported here, so that the runtime finds everything about logs in one place.
"""

from __future__ import annotations

import os
import sys
import threading
import zlib
from pathlib import Path
from typing import TextIO

from lambdakit.local.invocation import LOG_TAIL_BYTES
from lambdakit.local.log_lines import (
    end_line,
    exit_error_line,
    init_report_line,
    report_line,
    shows_platform_lines,
    start_line,
    timeout_line,
)

__all__ = [
    "MAX_LINE_BYTES",
    "LogPrinter",
    "TailBuffer",
    "end_line",
    "exit_error_line",
    "function_colour",
    "init_report_line",
    "report_line",
    "shows_platform_lines",
    "start_line",
    "timeout_line",
]

MAX_LINE_BYTES = 256 * 1024
"""An unfinished line longer than this is printed as it stands instead of held (bounded memory).

256 KB is the largest event CloudWatch Logs takes, so Lambda splits such a line too [INFERRED].
"""

_PALETTE = ("36", "35", "32", "33", "34", "96", "95", "92", "93", "94")
"""ANSI foreground colours: cyan, magenta, green, yellow, blue, then their bright variants."""
_RESET = "\x1b[0m"
_DIM = "\x1b[2m"


class TailBuffer:
    """The last `limit` bytes written to it; older bytes are dropped as new ones arrive."""

    def __init__(self, limit: int = LOG_TAIL_BYTES) -> None:
        self.limit = limit
        self._window = bytearray()
        self._lock = threading.Lock()

    def add(self, data: bytes) -> None:
        """Append raw output bytes."""
        with self._lock:
            if len(data) >= self.limit:
                self._window[:] = data[-self.limit :]
                return
            self._window += data
            if len(self._window) > 2 * self.limit:
                del self._window[: -self.limit]

    def add_line(self, line: str) -> None:
        """Append one platform line, followed by a newline."""
        self.add(line.encode() + b"\n")

    def value(self) -> bytes:
        """The last `limit` bytes written (fewer if less was written)."""
        with self._lock:
            return bytes(self._window[-self.limit :])


def function_colour(function_name: str) -> str:
    """The ANSI colour code of a function's prefix, the same on every run (CRC-32 of the name)."""
    return _PALETTE[zlib.crc32(function_name.encode()) % len(_PALETTE)]


def _stream_is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a stream without a file, or a closed one
        return False


class LogPrinter:
    """Prints the lines of every function's output, prefixed with its name; thread-safe.

    `color` None means colour when `stream` is a terminal and ``NO_COLOR`` is not set. `quiet`
    prints nothing to `stream` (for ``--json`` modes); `log_file` still gets every line.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        color: bool | None = None,
        log_file: Path | None = None,
        quiet: bool = False,
    ) -> None:
        self._stream = stream if stream is not None else sys.stderr
        if color is None:
            color = _stream_is_terminal(self._stream) and "NO_COLOR" not in os.environ
        self._color = color
        self._quiet = quiet
        self._file: TextIO | None = (
            log_file.open("a", encoding="utf-8", newline="") if log_file is not None else None
        )
        self._pending: dict[str, tuple[str, bytearray]] = {}
        """Unfinished last line per writer: the function it belongs to, and its bytes."""
        self._lock = threading.Lock()

    def write(self, function_name: str, data: bytes, *, source: str | None = None) -> None:
        """Take a chunk of a worker's output and print the lines it completes.

        Chunks may cut lines (and UTF-8 characters) anywhere; the unfinished end waits for the
        next chunk. `source` names the writer when several processes of one function print at
        once (one worker each), so that their unfinished lines are not joined; it defaults to
        `function_name`.
        """
        key = source if source is not None else function_name
        with self._lock:
            _, pending = self._pending.setdefault(key, (function_name, bytearray()))
            cut = data.rfind(b"\n")
            if cut >= 0:
                complete = bytes(pending) + data[:cut] if pending else data[:cut]
                pending[:] = data[cut + 1 :]
                self._emit_bytes(function_name, complete)
            else:
                pending += data
            if len(pending) > MAX_LINE_BYTES:
                self._emit_bytes(function_name, bytes(pending))
                pending.clear()

    def platform(self, function_name: str, line: str) -> None:
        """Print one platform line (START, REPORT...); a multi-line one gets a prefix per line.

        It does not print the function's unfinished output first: call `flush` for that.
        """
        with self._lock:
            self._emit(function_name, line.split("\n"), platform=True)

    def flush(self, function_name: str, *, source: str | None = None) -> None:
        """Print the unfinished last line of a function's (or a `source`'s) output, if any."""
        key = source if source is not None else function_name
        with self._lock:
            _, pending = self._pending.pop(key, (function_name, bytearray()))
            if pending:
                self._emit_bytes(function_name, bytes(pending))

    def close(self) -> None:
        """Print every unfinished line and close the log file (never the stream)."""
        with self._lock:
            for function_name, pending in self._pending.values():
                if pending:
                    self._emit_bytes(function_name, bytes(pending))
            self._pending.clear()
            if self._file is not None:
                self._file.close()
                self._file = None

    def _emit_bytes(self, function_name: str, data: bytes) -> None:
        if self._quiet and self._file is None:
            return
        # Decoding the whole block before splitting is safe: no UTF-8 sequence contains b"\n".
        self._emit(function_name, data.decode("utf-8", errors="replace").split("\n"))

    def _emit(self, function_name: str, lines: list[str], *, platform: bool = False) -> None:
        if any("\r" in line for line in lines):
            # An error report is one event joined with \r (FIDELITY 2.6.6); shown, it is lines.
            lines = [part for line in lines for part in line.split("\r")]
        plain = f"[{function_name}] "
        if self._file is not None:
            self._file.write(_block(plain, lines))
            self._file.flush()
        if self._quiet:
            return
        if self._color:
            colour = function_colour(function_name)
            prefix = f"\x1b[{colour}m{plain}{_RESET}"
            if platform:
                lines = [f"{_DIM}{line}{_RESET}" for line in lines]
        else:
            prefix = plain
        self._stream.write(_block(prefix, lines))
        self._stream.flush()


def _block(prefix: str, lines: list[str]) -> str:
    """`lines` each prefixed and newline-terminated, joined in one pass (no per-line f-strings)."""
    return prefix + ("\n" + prefix).join(lines) + "\n"
