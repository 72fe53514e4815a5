"""Warm invokes through boto3's Lambda client, one at a time, in a process of their own.

    python invoke_client.py --endpoint URL --function NAME [--count 1000] [--warmup 50] [--tail]

After `--warmup` untimed invokes, times `--count` sequential ``Invoke`` calls (request built,
signed, sent, answer parsed and its payload read: what a test or a script waits for). With
``--tail`` each call asks for ``LogType=Tail`` and the REPORT line's ``Duration`` (the time the
local service says the function ran) is paired with the call's latency: latency - Duration is
the invoke's overhead outside the function. Prints one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import re
import sys
import time
from typing import Any

import boto3
from botocore.config import Config

DURATION = re.compile(rb"(?<!Billed )Duration: ([0-9.]+) ms")


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def _stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50_ms": percentile(ordered, 0.50),
        "p90_ms": percentile(ordered, 0.90),
        "p99_ms": percentile(ordered, 0.99),
        "max_ms": ordered[-1] if ordered else float("nan"),
        "mean_ms": sum(ordered) / len(ordered) if ordered else float("nan"),
    }


def _client(endpoint: str) -> Any:
    config = Config(
        retries={"total_max_attempts": 1},
        connect_timeout=10,
        read_timeout=60,
        max_pool_connections=1,
    )
    return boto3.client(
        "lambda",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=config,
    )


def run(endpoint: str, function: str, *, count: int, warmup: int, tail: bool) -> dict[str, Any]:
    """Invoke `function` `warmup` + `count` times; summarize the timed ones."""
    client = _client(endpoint)
    extra = {"LogType": "Tail"} if tail else {}
    latencies: list[float] = []
    durations: list[float] = []
    overheads: list[float] = []
    errors: dict[str, int] = {}
    first_error = ""
    for number in range(warmup + count):
        start = time.perf_counter()
        try:
            answer = client.invoke(FunctionName=function, Payload=b"{}", **extra)
            answer["Payload"].read()
        except Exception as error:  # every failure is counted, the run goes on
            kind = type(error).__name__
            errors[kind] = errors.get(kind, 0) + 1
            first_error = first_error or f"{kind}: {error}"
            continue
        elapsed_ms = (time.perf_counter() - start) * 1000
        if number < warmup:
            continue
        if answer.get("FunctionError"):
            errors["FunctionError"] = errors.get("FunctionError", 0) + 1
            continue
        latencies.append(elapsed_ms)
        if tail:
            found = DURATION.search(base64.b64decode(answer.get("LogResult", "")))
            if found:
                durations.append(float(found.group(1)))
                overheads.append(elapsed_ms - float(found.group(1)))
    return {
        "count": count,
        "ok": len(latencies),
        "errors": errors,
        "first_error": first_error,
        "tail": tail,
        "latency": _stats(latencies),
        "duration": _stats(durations) if tail else None,
        "overhead": _stats(overheads) if tail else None,
        "with_duration": len(durations),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--function", required=True)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--tail", action="store_true", help="LogType=Tail: pair with Duration")
    args = parser.parse_args(argv)
    summary = run(
        args.endpoint, args.function, count=args.count, warmup=args.warmup, tail=args.tail
    )
    sys.stdout.write(json.dumps(summary) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
