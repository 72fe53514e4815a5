"""One timed deploy step per tool against a moto server, and the bytes it put into S3.

- `lambdakit_deploy`: ``python -m lambdakit deploy -t APP --endpoint-url URL --yes --json``.
- `awscli_package` + `awscli_deploy`: ``aws cloudformation package`` (zips each ``CodeUri``
  folder, uploads the zips whose MD5 is not in the bucket yet) then ``aws cloudformation
  deploy`` (change set, execute, wait) of the packaged template after the bench expanded its
  SAM with `translate` (moto has no SAM transform; untimed, like the transform real AWS runs).

Bytes uploaded are counted the same way for both tools: every bucket of the tool's own moto
server is listed before and after the step (`snapshot`); objects that are new or whose ETag
changed count with their size (`uploaded`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}
STEP_TIMEOUT = 600
BYTECODE_OFF = "PYTHONDONTWRITEBYTECODE"
NO_UPDATES = "No updates are to be performed"
"""moto answers CreateChangeSet with this ValidationError when nothing changed (real AWS makes a
FAILED change set instead, which ``--no-fail-on-empty-changeset`` turns into exit 0)."""

Objects = dict[tuple[str, str], tuple[int, str]]
"""(bucket, key) -> (size, ETag)."""


def child_env(endpoint_url: str | None = None) -> dict[str, str]:
    """The environment of a tool's process: fake credentials, us-east-1, maybe an endpoint.

    Bytecode writing is left on (a user's shell does not say ``PYTHONDONTWRITEBYTECODE``), so
    the tools' imports are compiled once, by `warm_up`, not on every timed start.
    ``AWS_ENDPOINT_URL`` is how the AWS CLI reaches moto for S3 too: ``aws cloudformation
    package --endpoint-url`` gives the URL to the CloudFormation client only.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != BYTECODE_OFF}
    env.update(CREDENTIALS)
    if endpoint_url:
        env["AWS_ENDPOINT_URL"] = endpoint_url
    return env


def warm_up(log: Path) -> None:
    """Untimed: import lambdakit's deploy path once with bytecode on, so the first timed deploy
    does not pay the compile of modules no earlier bench imported."""
    modules = (
        "lambdakit.cli.main, lambdakit.cli.deploy, lambdakit.deploy_app, lambdakit.sources.sam"
    )
    run_timed([sys.executable, "-c", f"import {modules}"], env=child_env(), log=log, cwd=log.parent)


def snapshot(endpoint_url: str) -> Objects:
    """Every object of every bucket on the server, with its size and ETag."""
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=CREDENTIALS["AWS_DEFAULT_REGION"],
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )
    found: Objects = {}
    for bucket in s3.list_buckets().get("Buckets", []):
        name = bucket["Name"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=name):
            for item in page.get("Contents", []):
                found[(name, item["Key"])] = (int(item["Size"]), str(item["ETag"]))
    return found


def uploaded(before: Objects, after: Objects) -> dict[str, Any]:
    """Objects new or changed between two snapshots: their count, bytes and keys."""
    changed = {key: value for key, value in after.items() if before.get(key) != value}
    return {
        "objects": len(changed),
        "bytes": sum(size for size, _ in changed.values()),
        "keys": sorted(f"{bucket}/{key}" for bucket, key in changed),
    }


@dataclass(frozen=True)
class Ran:
    """A finished command: its wall time, exit code and output."""

    seconds: float
    exit_code: int
    stdout: str
    stderr: str


def run_timed(command: list[str], *, env: dict[str, str], log: Path, cwd: Path) -> Ran:
    """Run `command` to its end, timing spawn to exit; its output goes to `log` too."""
    started = time.perf_counter()
    try:
        done = subprocess.run(
            command, cwd=cwd, env=env, capture_output=True, text=True,
            timeout=STEP_TIMEOUT, check=False,
        )  # fmt: skip
        ran = Ran(time.perf_counter() - started, done.returncode, done.stdout, done.stderr)
    except subprocess.TimeoutExpired as error:
        out = error.stdout.decode() if isinstance(error.stdout, bytes) else (error.stdout or "")
        ran = Ran(time.perf_counter() - started, -1, out, f"timed out after {STEP_TIMEOUT} s")
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(
        f"$ {' '.join(command)}\nexit {ran.exit_code} in {ran.seconds:.3f} s\n"
        f"--- stdout\n{ran.stdout}\n--- stderr\n{ran.stderr}\n"
    )
    return ran


def _tail(text: str, size: int = 600) -> str:
    return text.strip()[-size:]


def lambdakit_deploy(
    template: Path, stack_name: str, endpoint_url: str, log: Path
) -> dict[str, Any]:
    """``lambdakit deploy --json``: time, its own asset counts, the modified resources."""
    command = [
        sys.executable, "-m", "lambdakit", "deploy", "-t", str(template),
        "--stack-name", stack_name, "--endpoint-url", endpoint_url, "--yes", "--json",
    ]  # fmt: skip
    before = snapshot(endpoint_url)
    ran = run_timed(command, env=child_env(), log=log, cwd=template.parent)
    result: dict[str, Any] = {
        "seconds": ran.seconds,
        "exit_code": ran.exit_code,
        "s3": uploaded(before, snapshot(endpoint_url)),
    }
    try:
        document = json.loads(ran.stdout)
    except json.JSONDecodeError:
        result["error"] = f"exit {ran.exit_code}, no JSON: {_tail(ran.stderr or ran.stdout)}"
        return result
    changes = document.get("changes") or {}
    result.update(
        outcome=document.get("outcome"),
        status=document.get("status"),
        assets=document.get("assets"),
        modified=sorted(str(c.get("logical_id")) for c in changes.get("modified") or []),
        added=len(changes.get("added") or []),
    )
    if ran.exit_code != 0:
        result["error"] = f"exit {ran.exit_code}: {_tail(ran.stderr)}"
    return result


def awscli_package(
    aws: Path, template: Path, bucket: str, out: Path, *, endpoint_url: str, log: Path
) -> dict[str, Any]:
    """``aws cloudformation package --use-json``: time and the bytes it uploaded."""
    command = [
        str(aws), "cloudformation", "package", "--template-file", str(template),
        "--s3-bucket", bucket, "--output-template-file", str(out), "--use-json",
        "--endpoint-url", endpoint_url,
    ]  # fmt: skip
    before = snapshot(endpoint_url)
    ran = run_timed(command, env=child_env(endpoint_url), log=log, cwd=template.parent)
    result: dict[str, Any] = {
        "seconds": ran.seconds,
        "exit_code": ran.exit_code,
        "s3": uploaded(before, snapshot(endpoint_url)),
    }
    if ran.exit_code != 0:
        result["error"] = f"exit {ran.exit_code}: {_tail(ran.stderr)}"
    return result


def translate(packaged: Path, template: Path, out: Path, stack_name: str) -> float:
    """Expand the packaged template's SAM with lambdakit's translator; returns its seconds."""
    from lambdakit.sources import sam  # noqa: PLC0415 - the bench's process only

    started = time.perf_counter()
    source = json.loads(packaged.read_text())
    expanded = dict(
        sam.translate(source, file=template, parameter_values={}, stack_name=stack_name).template
    )
    expanded.pop("Transform", None)
    out.write_text(json.dumps(expanded, indent=1))
    return time.perf_counter() - started


def awscli_deploy(
    aws: Path, template: Path, stack_name: str, endpoint_url: str, log: Path
) -> dict[str, Any]:
    """``aws cloudformation deploy`` of an expanded template: time and outcome."""
    command = [
        str(aws), "cloudformation", "deploy", "--template-file", str(template),
        "--stack-name", stack_name, "--capabilities", "CAPABILITY_IAM",
        "--no-fail-on-empty-changeset", "--endpoint-url", endpoint_url,
    ]  # fmt: skip
    ran = run_timed(command, env=child_env(endpoint_url), log=log, cwd=template.parent)
    result: dict[str, Any] = {"seconds": ran.seconds, "exit_code": ran.exit_code}
    if ran.exit_code == 0 and "No changes to deploy" in ran.stdout:
        result["outcome"] = "no changes"
    elif ran.exit_code == 0:
        result["outcome"] = "deployed"
    elif NO_UPDATES in ran.stderr:
        result["outcome"] = "no changes"
        result["note"] = f"exit {ran.exit_code}: moto's ValidationError '{NO_UPDATES}'"
    else:
        result["outcome"] = "failed"
        result["error"] = f"exit {ran.exit_code}: {_tail(ran.stderr)}"
    return result
