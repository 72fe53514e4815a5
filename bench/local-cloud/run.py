"""Local cloud benchmark (issue 5): ``lambdakit local``'s start and its S3/SQS event delivery.

    python bench/local-cloud/run.py [--quick] [--samples N] [--messages N] [--json OUT]

Stages: `ready` starts ``lambdakit local`` on ``examples/object-counter`` (one untimed start to
warm the build cache, then 3 timed: median) and times the ``--json`` ready line and the first
200 on ``GET /count``; on the bench's own probe app (``cloud_app.py``, written under
``bench/.tools/local-cloud/app``) `s3` and `sqs` time a put_object / send_message to the start
of the handler that received it (sequential, after warm-up), and `drain` times 1,000 messages
sent with send_message_batch until the handler has seen every one. No other tool runs these
events without Docker (SAM emulates API Gateway only, LocalStack needs Docker), so the numbers
are judged against the issue's targets only. See ``bench/local-cloud/README.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(1, str(HERE.parent / "local"))  # reuse bench/local's Server (servers.py)

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from cloud_app import EXAMPLE, LOGS, REPO, App, clear_records, read_records, write_app  # noqa: E402
from cloud_report import render, rows  # noqa: E402
from rich.console import Console  # noqa: E402
from servers import Server  # noqa: E402
from tools import BenchError  # noqa: E402

BYTECODE_OFF = "PYTHONDONTWRITEBYTECODE"
ENV = {key: value for key, value in os.environ.items() if key != BYTECODE_OFF}
CLIENT_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}
POLL = 0.002
DRAIN_POLL = 0.05
DELIVERY_TIMEOUT = 30.0
WARMUP = 3


def _command(template: Path) -> list[str]:
    return [
        sys.executable, "-m", "lambdakit", "local", "-t", str(template),
        "--json", "--port", "0", "--services-port", "0",
    ]  # fmt: skip


def _server(template: Path, log: str) -> Server:
    return Server(_command(template), cwd=REPO, log=LOGS / log, env=ENV, ready_line=True)


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {}

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {
        "n": len(ordered),
        "p50_ms": statistics.median(ordered) * 1000,
        "p90_ms": at(0.90) * 1000,
        "p99_ms": at(0.99) * 1000,
        "min_ms": ordered[0] * 1000,
        "max_ms": ordered[-1] * 1000,
    }


def guarded(action: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """A measure's numbers, or {"error": ...}: one failing measure does not stop the others."""
    try:
        return action()
    except (BenchError, OSError, TimeoutError, ValueError, RuntimeError) as error:
        return {"error": f"{type(error).__name__}: {error}"}
    except Exception as error:
        return {"error": f"{type(error).__name__}: {error}"}


# -- ready ----------------------------------------------------------------------------------------


def _one_start(index: int) -> dict[str, Any]:
    with _server(EXAMPLE, f"ready-{index}.log") as server:
        ready = server.read_json_line()
        api = urlsplit(str(ready["api"]))
        first_200 = server.wait_for_200(api.hostname or "127.0.0.1", api.port or 80, "/count")
        server.remember_children()
    return {
        "ready_line_seconds": server.ready_seconds,
        "first_200_seconds": first_200,
        "stop_seconds": server.stop_seconds,
        "exit_code": server.process.returncode if server.process else None,
        "killed": server.killed,
        "processes_left_after_sigint": server.leftovers,
    }


def ready(runs: int) -> dict[str, Any]:
    warmup = _one_start(0)  # warms lambdakit's build cache and the bytecode
    timed = [_one_start(i + 1) for i in range(runs)]
    return {
        "warmup": warmup,
        "runs": timed,
        "ready_line_seconds": statistics.median(r["ready_line_seconds"] for r in timed),
        "first_200_seconds": statistics.median(r["first_200_seconds"] for r in timed),
    }


# -- delivery on the probe app -----------------------------------------------------------------


def _clients(services: str) -> tuple[Any, Any]:
    config = Config(retries={"max_attempts": 1}, max_pool_connections=4)
    session = boto3.session.Session(
        aws_access_key_id=CLIENT_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CLIENT_ENV["AWS_SECRET_ACCESS_KEY"],
        region_name=CLIENT_ENV["AWS_DEFAULT_REGION"],
    )
    s3 = session.client("s3", endpoint_url=services, config=config)
    sqs = session.client("sqs", endpoint_url=services, config=config)
    return s3, sqs


def _wait_for(app: App, prefix: str, key: str, timeout: float = DELIVERY_TIMEOUT) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        started = read_records(app.records, prefix).get(key)
        if started is not None:
            return started
        time.sleep(POLL)
    raise BenchError(f"{key} never reached the {prefix} handler within {timeout:.0f} s")


def _latencies(app: App, prefix: str, samples: int, send: Callable[[str], None]) -> dict[str, Any]:
    clear_records(app.records)
    for i in range(WARMUP):
        send(f"warm-{i}")
        _wait_for(app, prefix, f"warm-{i}")
    latencies, call_seconds = [], []
    for i in range(samples):
        key = f"lat-{i}"
        sent = time.time()
        send(key)
        call_seconds.append(time.time() - sent)
        latencies.append(_wait_for(app, prefix, key) - sent)
    return {
        "latency": _percentiles(latencies),
        "api_call": _percentiles(call_seconds),
        "samples_s": latencies,
    }


def drain(app: App, sqs: Any, queue_url: str, messages: int, timeout: float) -> dict[str, Any]:
    clear_records(app.records)
    bodies = [f"drain-{i}" for i in range(messages)]
    sent_at = time.time()
    batch_seconds = []
    for first in range(0, messages, 10):
        entries = [
            {"Id": str(j), "MessageBody": body} for j, body in enumerate(bodies[first : first + 10])
        ]
        before = time.time()
        answer = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        batch_seconds.append(time.time() - before)
        if answer.get("Failed"):
            raise BenchError(f"send_message_batch failed: {answer['Failed'][:2]}")
    sent_all = time.time()
    progress: list[tuple[float, int]] = []
    seen: dict[str, float] = {}
    deadline = time.monotonic() + timeout
    last_mark = 0.0
    while time.monotonic() < deadline:
        seen = read_records(app.records, "sqs")
        now = time.time() - sent_at
        if now - last_mark >= 1.0:
            progress.append((round(now, 2), len(seen)))
            last_mark = now
        if len(seen) >= messages:
            break
        time.sleep(DRAIN_POLL)
    done = time.time()
    handled = [seen[b] for b in bodies if b in seen]
    invocations = len(list(app.records.glob("sqs*.txt")))
    lines = sum(len(p.read_text().splitlines()) for p in app.records.glob("sqs*.txt"))
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    return {
        "messages": messages,
        "handled": len(handled),
        "complete": len(handled) == messages,
        "send_seconds": sent_all - sent_at,
        "send_batch_call": _percentiles(batch_seconds),
        "send_batch_call_ms": [s * 1000 for s in batch_seconds],
        "drain_seconds": (max(handled) - sent_at) if handled else None,
        "observed_seconds": done - sent_at,
        "after_last_send_seconds": (max(handled) - sent_all) if handled else None,
        "first_handler_start_seconds": (min(handled) - sent_at) if handled else None,
        "messages_per_second": (len(handled) / (max(handled) - sent_at)) if handled else None,
        "invocations": invocations,
        "records_received": lines,
        "redelivered": lines - len(handled),
        "latency_from_batch_start": _percentiles([t - sent_at for t in handled]),
        "progress": progress,
        "queue_after": {k: attributes.get(k) for k in (
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")},
    }  # fmt: skip


def moto_floor(sqs: Any, messages: int, timeout: float) -> dict[str, Any]:
    """The same 1,000 messages through a queue nobody polls, received and deleted by the bench.

    What moto's SQS costs by itself (sends, then receive 10 + delete_message_batch until empty,
    one client, no invokes): the floor under the drain.
    """
    queue_url = sqs.create_queue(QueueName=f"bench-floor-{int(time.time())}")["QueueUrl"]
    batch_seconds, receive_seconds, delete_seconds = [], [], []
    started = time.time()
    for first in range(0, messages, 10):
        entries = [{"Id": str(j), "MessageBody": f"floor-{first + j}"} for j in range(10)]
        before = time.time()
        sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        batch_seconds.append(time.time() - before)
    sent = time.time()
    received = 0
    deadline = time.monotonic() + timeout
    while received < messages and time.monotonic() < deadline:
        before = time.time()
        answer = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
            AttributeNames=["All"], MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )  # fmt: skip
        receive_seconds.append(time.time() - before)
        found = answer.get("Messages", [])
        if not found:
            continue
        received += len(found)
        entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(found)]
        before = time.time()
        sqs.delete_message_batch(QueueUrl=queue_url, Entries=entries)
        delete_seconds.append(time.time() - before)
    done = time.time()
    sqs.delete_queue(QueueUrl=queue_url)
    return {
        "messages": messages,
        "received": received,
        "send_seconds": sent - started,
        "receive_delete_seconds": done - sent,
        "total_seconds": done - started,
        "send_batch_call": _percentiles(batch_seconds),
        "receive_call": _percentiles(receive_seconds),
        "delete_batch_call": _percentiles(delete_seconds),
        "send_batch_first_10_ms": [s * 1000 for s in batch_seconds[:10]],
        "send_batch_last_10_ms": [s * 1000 for s in batch_seconds[-10:]],
        "receive_first_10_ms": [s * 1000 for s in receive_seconds[:10]],
        "receive_last_10_ms": [s * 1000 for s in receive_seconds[-10:]],
    }


def delivery(app: App, samples: int, messages: int, drain_timeout: float) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with _server(app.root, "probe.log") as server:
        ready_line = server.read_json_line()
        results["ready_seconds"] = server.ready_seconds
        services = str(ready_line["services"])
        resources: dict[str, Any] = ready_line["resources"]  # type: ignore[assignment]
        bucket = resources["ProbeBucket"]["name"]
        queue_url = resources["ProbeQueue"]["url"]
        s3, sqs = _clients(services)
        results["s3"] = guarded(
            lambda: _latencies(
                app, "s3", samples, lambda k: s3.put_object(Bucket=bucket, Key=k, Body=b"x")
            )
        )
        results["sqs"] = guarded(
            lambda: _latencies(
                app, "sqs", samples, lambda k: sqs.send_message(QueueUrl=queue_url, MessageBody=k)
            )
        )
        results["drain"] = guarded(lambda: drain(app, sqs, queue_url, messages, drain_timeout))
        results["moto_floor"] = guarded(lambda: moto_floor(sqs, messages, drain_timeout))
        server.remember_children()
    results["stop_seconds"] = server.stop_seconds
    results["exit_code"] = server.process.returncode if server.process else None
    results["processes_left_after_sigint"] = server.leftovers
    return results


# -- main ---------------------------------------------------------------------------------------


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples (smoke run)")
    parser.add_argument("--samples", type=int, help="S3/SQS latency samples (default 100)")
    parser.add_argument("--messages", type=int, default=1000, help="messages to drain")
    parser.add_argument("--ready-runs", type=int, default=3, help="timed starts (median)")
    parser.add_argument("--drain-timeout", type=float, default=600.0, help="seconds")
    parser.add_argument("--json", type=Path, help="write every number to this file")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = _arguments(argv)
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    console = Console(stderr=True)
    samples = args.samples or (20 if args.quick else 100)
    start = time.perf_counter()
    start_load = os.getloadavg()
    app = write_app()
    results: dict[str, Any] = {}
    with console.status("ready: lambdakit local on examples/object-counter ..."):
        results["ready"] = guarded(lambda: ready(args.ready_runs))
    console.print(f"ready: done at {time.perf_counter() - start:.0f} s")
    with console.status("S3 / SQS delivery and drain on the probe app ..."):
        results["delivery"] = guarded(
            lambda: delivery(app, samples, args.messages, args.drain_timeout)
        )
    console.print(f"delivery: done at {time.perf_counter() - start:.0f} s")
    judged = rows(results)
    render(results, judged)
    if args.json:
        numbers = {
            "host": {
                "machine": platform.machine(),
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
            },
            "runtime": app.runtime,
            "settings": {"samples": samples, "messages": args.messages,
                         "ready_runs": args.ready_runs, "warmup": WARMUP},
            "side_by_side": None,
            "side_by_side_note": "no other tool runs S3/SQS events without Docker",
            "load_average_at_start": start_load,
            "load_average_at_end": os.getloadavg(),
            "seconds": time.perf_counter() - start,
            "results": results,
            "rows": [vars(row) for row in judged],
        }  # fmt: skip
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(numbers, indent=2))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.stderr.write("interrupted: every server the bench started was stopped\n")
        sys.exit(130)
