"""Deploy benchmark (issue 6): ``lambdakit deploy`` against moto, side by side with the AWS CLI.

    python bench/deploy/run.py [--runs N] [--quick] [--json OUT]

The app is ``tests/fixtures/sam/shipping`` (SAM: two functions with their own code folders, a
table, two queues, a bucket), copied fresh to ``bench/.tools/deploy/app`` each run. Each tool
deploys to its own moto server (`MotoServer`): first deploy, then ``--runs`` deploys with no
change, then ``--runs`` deploys each after a one-line edit of ``src/orders/orders.py``; wall time
and bytes uploaded to S3, lambdakit first then the AWS CLI in each sample. The AWS CLI
(``awscli`` from PyPI, installed once into ``bench/.tools/awscli-venv``) runs ``aws
cloudformation package`` then ``aws cloudformation deploy`` (see ``steps.py``). Ratios are
lambdakit / awscli: below 1 lambdakit is faster or uploads less. See ``bench/deploy/README.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(1, str(HERE.parent / "local"))  # reuse bench/local's apps.py and tools.py

import boto3  # noqa: E402
from apps import REPO, TOOLS  # noqa: E402
from awscli_tool import awscli_version, ensure_awscli  # noqa: E402
from deploy_report import render, rows  # noqa: E402
from rich.console import Console  # noqa: E402
from steps import (  # noqa: E402
    CREDENTIALS,
    awscli_deploy,
    awscli_package,
    lambdakit_deploy,
    snapshot,
    translate,
    uploaded,
    warm_up,
)

from lambdakit.aws.moto_server import MotoServer  # noqa: E402

FIXTURE = REPO / "tests" / "fixtures" / "sam" / "shipping"
WORK = TOOLS / "deploy"
APP = WORK / "app"
TEMPLATE = APP / "template.yaml"
EDITED = APP / "src" / "orders" / "orders.py"
SCRATCH = WORK / "awscli"
LOGS = WORK / "logs"
STACK = "shipping"
BUCKET = "awscli-bench-artifacts"
BUSY = 0.5
"""A load average above this at the start gets a warning."""


def guarded(action: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """A step's numbers, or {"error": ...}: one failing step does not stop the others."""
    try:
        return action()
    except Exception as error:
        return {"error": f"{type(error).__name__}: {error}"}


def fresh_app() -> None:
    """A fresh copy of the fixture (no build folders), so the first deploy builds from nothing."""
    shutil.rmtree(WORK, ignore_errors=True)
    ignore = shutil.ignore_patterns(".lambdakit", ".aws-sam", "__pycache__")
    shutil.copytree(FIXTURE, APP, ignore=ignore)
    SCRATCH.mkdir(parents=True)
    LOGS.mkdir(parents=True)


def edit(index: int) -> None:
    """One line appended to the orders function's code: only its archive changes."""
    with EDITED.open("a") as code:
        code.write(f"\nBENCH_EDIT = {index}\n")


def make_bucket(endpoint_url: str) -> None:
    """The artifacts bucket ``aws cloudformation package`` needs (a script's prerequisite)."""
    boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=CREDENTIALS["AWS_DEFAULT_REGION"],
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    ).create_bucket(Bucket=BUCKET)


class Bench:
    """The two tools, each with its own moto server."""

    def __init__(self, aws: Path, lambdakit_url: str, awscli_url: str) -> None:
        self.aws = aws
        self.lambdakit_url = lambdakit_url
        self.awscli_url = awscli_url

    def lambdakit(self, label: str) -> dict[str, Any]:
        log = LOGS / f"lambdakit-{label}.log"
        return guarded(lambda: lambdakit_deploy(TEMPLATE, STACK, self.lambdakit_url, log))

    def awscli(self, label: str) -> dict[str, Any]:
        return guarded(lambda: self._awscli(label))

    def _awscli(self, label: str) -> dict[str, Any]:
        before = snapshot(self.awscli_url)
        packaged = SCRATCH / f"packaged-{label}.json"
        package = awscli_package(
            self.aws,
            TEMPLATE,
            BUCKET,
            packaged,
            endpoint_url=self.awscli_url,
            log=LOGS / f"awscli-package-{label}.log",
        )
        result: dict[str, Any] = {"package": package}
        if "error" in package:
            result["error"] = f"package: {package['error']}"
            return result
        expanded = SCRATCH / f"expanded-{label}.json"
        result["translate_seconds"] = translate(packaged, TEMPLATE, expanded, STACK)
        deploy = awscli_deploy(
            self.aws, expanded, STACK, self.awscli_url, LOGS / f"awscli-deploy-{label}.log"
        )
        result["deploy"] = deploy
        result["seconds"] = package["seconds"] + deploy["seconds"]
        result["s3"] = uploaded(before, snapshot(self.awscli_url))
        if "error" in deploy:
            result["error"] = f"deploy: {deploy['error']}"
        return result

    def sample(self, label: str) -> dict[str, Any]:
        return {"lambdakit": self.lambdakit(label), "awscli": self.awscli(label)}


def scenarios(bench: Bench, runs: int, console: Console, start: float) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with console.status("first deploy ..."):
        results["first"] = [bench.sample("first")]
    console.print(f"first deploy: done at {time.perf_counter() - start:.0f} s")
    with console.status("deploys with no change ..."):
        results["no_change"] = [bench.sample(f"no-change-{i + 1}") for i in range(runs)]
    console.print(f"no-change deploys: done at {time.perf_counter() - start:.0f} s")
    samples = []
    with console.status("deploys after a one-line edit of the orders function ..."):
        for i in range(runs):
            edit(i + 1)
            samples.append(bench.sample(f"one-function-{i + 1}"))
    results["one_function"] = samples
    console.print(f"one-function deploys: done at {time.perf_counter() - start:.0f} s")
    return results


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="no-change and edit samples")
    parser.add_argument("--quick", action="store_true", help="one sample each (smoke run)")
    parser.add_argument("--json", type=Path, help="write every number to this file")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = _arguments(argv)
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    console = Console(stderr=True)
    runs = 1 if args.quick else max(1, args.runs)
    with console.status("awscli: installing into bench/.tools/awscli-venv (first run only) ..."):
        aws = ensure_awscli()
    version = awscli_version(aws)
    start = time.perf_counter()
    start_load = os.getloadavg()
    if start_load[0] > BUSY:
        console.print(
            f"[yellow]load average {start_load[0]:.2f} at the start: other work moves the"
            " times; run on a quiet machine[/]"
        )
    fresh_app()
    warm_up(LOGS / "warm-up.log")
    with MotoServer() as ours, MotoServer() as theirs:
        make_bucket(theirs.url)
        results = scenarios(Bench(aws, ours.url, theirs.url), runs, console, start)
    judged = rows(results)
    render(results, judged, version)
    if args.json:
        numbers = {
            "host": {
                "machine": platform.machine(),
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
            },
            "app": str(FIXTURE.relative_to(REPO)),
            "settings": {"runs": runs, "stack": STACK, "awscli_bucket": BUCKET},
            "side_by_side": version,
            "load_average_at_start": start_load,
            "load_average_at_end": os.getloadavg(),
            "seconds": time.perf_counter() - start,
            "results": results,
            "rows": [{**vars(row), "ratio": row.ratio()} for row in judged],
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(numbers, indent=2))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.stderr.write("interrupted: the moto servers the bench started were stopped\n")
        sys.exit(130)
