"""HTTP load generator for the local bench: N concurrent clients for a fixed time, own process.

    python load.py --port P [--host 127.0.0.1] [--path /hello] [--clients 8] [--seconds 10]
                   [--close] [--pid-header x-handler-pid]

Built not to be the bottleneck: asyncio protocols over raw sockets (no stream objects, no HTTP
library), the request encoded once, and only the status line, ``Content-Length`` (or a
chunked body's end) and one optional header parsed. Keep-alive (default): each client sends its
next request on the same connection as soon as the previous answer is complete. ``--close``:
every request carries ``Connection: close`` and opens its own connection. Each request's
latency runs from writing the request (or, with ``--close``, from starting to connect) to the
last byte of its answer. Bounded: no new request starts after ``--seconds``, and an answer not
complete ``--grace`` seconds later counts as an error. Prints one JSON object on stdout:
requests, errors (non-200, broken or timed out), req/s, latency percentiles in ms, the distinct
values of ``--pid-header`` and how many 200s lacked it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

HEADER_END = b"\r\n\r\n"
CHUNKED_END = b"0\r\n\r\n"
RECONNECT_PAUSE = 0.01


@dataclass
class Tally:
    """Every answer of the run."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    pids: Counter[str] = field(default_factory=Counter)
    missing_pid: int = 0
    last_answer: float = 0.0


@dataclass(frozen=True)
class Plan:
    """What every client sends and until when."""

    request: bytes
    stop_at: float
    pid_header: bytes | None
    close: bool


def _parse(buffer: bytearray) -> tuple[int, bytes, int] | None:
    """(status, lowercased head, length of the whole answer) once `buffer` holds a full answer."""
    end = buffer.find(HEADER_END)
    if end < 0:
        return None
    head = bytes(buffer[:end]).lower()
    status = int(head[9:12])
    body_start = end + len(HEADER_END)
    at = head.find(b"\r\ncontent-length:")
    if at >= 0:
        stop = head.find(b"\r\n", at + 2)
        length = int(head[at + 17 : stop if stop >= 0 else len(head)])
        total = body_start + length
        return (status, head, total) if len(buffer) >= total else None
    if b"\r\ntransfer-encoding: chunked" in head:
        last = buffer.find(CHUNKED_END, body_start)
        return (status, head, last + len(CHUNKED_END)) if last >= 0 else None
    if status in (204, 304) or 100 <= status < 200:
        return status, head, body_start
    return None  # body until the connection closes: completed by `connection_lost`


class Connection(asyncio.Protocol):
    """One client connection: sends, reads one answer, sends again (keep-alive) or closes."""

    def __init__(self, plan: Plan, tally: Tally, *, started: float | None = None) -> None:
        self.plan = plan
        self.tally = tally
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.sent_at = started
        self.finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self._send()

    def _send(self) -> None:
        if self.sent_at is None or not self.plan.close:
            self.sent_at = time.perf_counter()
        assert self.transport is not None
        self.transport.write(self.plan.request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            parsed = _parse(self.buffer)
            if parsed is None:
                return
            status, head, total = parsed
            del self.buffer[:total]
            now = time.perf_counter()
            self._record(status, head, now)
            self.sent_at = None
            if self.plan.close or b"\r\nconnection: close" in head or now >= self.plan.stop_at:
                self._end()
                return
            self._send()

    def _record(self, status: int, head: bytes, now: float) -> None:
        tally = self.tally
        assert self.sent_at is not None
        tally.latencies.append(now - self.sent_at)
        tally.statuses[status] += 1
        tally.last_answer = now
        if self.plan.pid_header is not None and status == 200:
            at = head.find(self.plan.pid_header)
            if at < 0:
                tally.missing_pid += 1
            else:
                start = at + len(self.plan.pid_header)
                stop = head.find(b"\r\n", start)
                tally.pids[head[start : stop if stop >= 0 else len(head)].strip().decode()] += 1

    def _end(self) -> None:
        if self.transport is not None:
            self.transport.close()
        if not self.finished.done():
            self.finished.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.sent_at is not None:
            end = self.buffer.find(HEADER_END)
            if self.buffer and end >= 0:  # an answer delimited by the connection's end
                self._record(
                    int(self.buffer[9:12]), bytes(self.buffer[:end]).lower(), time.perf_counter()
                )
            else:
                self.tally.failures["connection closed mid-answer"] += 1
            self.sent_at = None
        if not self.finished.done():
            self.finished.set_result(None)

    def abort(self) -> None:
        """The run is over: an unanswered request is a timeout."""
        if self.sent_at is not None:
            self.tally.failures["timed out"] += 1
            self.sent_at = None
        if self.transport is not None:
            self.transport.abort()
        if not self.finished.done():
            self.finished.set_result(None)


async def _client(host: str, port: int, plan: Plan, tally: Tally, live: set[Connection]) -> None:
    loop = asyncio.get_running_loop()
    while time.perf_counter() < plan.stop_at:
        started = time.perf_counter()
        connection = Connection(plan, tally, started=started)
        live.add(connection)
        try:
            await loop.create_connection(lambda c=connection: c, host, port)
            await connection.finished
        except OSError as error:
            tally.failures[f"connect: {error.strerror or error}"] += 1
            await asyncio.sleep(RECONNECT_PAUSE)
        finally:
            live.discard(connection)


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


async def run_load(
    host: str,
    port: int,
    path: str,
    *,
    clients: int,
    seconds: float,
    close: bool,
    pid_header: str | None,
    grace: float,
) -> dict[str, object]:
    """Drive the server and summarize every answer."""
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "User-Agent: lambdakit-bench/1"]
    lines += ["Accept: */*", *(["Connection: close"] if close else []), "", ""]
    tally = Tally()
    start = time.perf_counter()
    plan = Plan(
        request="\r\n".join(lines).encode(),
        stop_at=start + seconds,
        pid_header=f"\r\n{pid_header.lower()}:".encode() if pid_header else None,
        close=close,
    )
    live: set[Connection] = set()
    tasks = [asyncio.ensure_future(_client(host, port, plan, tally, live)) for _ in range(clients)]
    _done, pending = await asyncio.wait(tasks, timeout=seconds + grace)
    for connection in list(live):
        connection.abort()
    if pending:
        await asyncio.wait(pending, timeout=1.0)
        for task in pending:
            task.cancel()
    elapsed = max(tally.last_answer, plan.stop_at) - start if tally.latencies else seconds
    latencies = sorted(tally.latencies)
    ok = tally.statuses.get(200, 0)
    non_200 = sum(tally.statuses.values()) - ok
    return {
        "clients": clients,
        "keep_alive": not close,
        "seconds": elapsed,
        "requests": len(latencies),
        "ok": ok,
        "errors": non_200 + sum(tally.failures.values()),
        "statuses": {str(code): n for code, n in sorted(tally.statuses.items())},
        "failures": dict(tally.failures),
        "rps": ok / elapsed if elapsed > 0 else 0.0,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p90_ms": percentile(latencies, 0.90) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "max_ms": (latencies[-1] if latencies else float("nan")) * 1000,
        "pids": dict(tally.pids),
        "missing_pid": tally.missing_pid,
        "cpu_seconds": time.process_time(),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", default="/hello")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--grace", type=float, default=10.0, help="wait for the last answers")
    parser.add_argument("--close", action="store_true", help="Connection: close, one per request")
    parser.add_argument("--pid-header", help="header whose distinct values are counted")
    args = parser.parse_args(argv)
    summary = asyncio.run(
        run_load(
            args.host,
            args.port,
            args.path,
            clients=args.clients,
            seconds=args.seconds,
            close=args.close,
            pid_header=args.pid_header,
            grace=args.grace,
        )
    )
    sys.stdout.write(json.dumps(summary) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
