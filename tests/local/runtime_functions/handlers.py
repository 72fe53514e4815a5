"""A function for the local runtime's tests: the event's ``action`` picks what it does.

Copied into a temporary code folder by ``tests/local/conftest.py``; it runs inside a worker
process under awslambdaric, so it imports only the standard library. An event without
``action`` raises ``KeyError('action')`` (T-ERR).
"""

from __future__ import annotations

import errno
import importlib.util
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COUNT = 0
"""Invokes this process served; a new environment starts again at 1 (T-REUSE, T-TIMEOUT)."""


def handler(event, context):
    global COUNT  # noqa: PLW0603 - module state is the subject of the reuse tests
    COUNT += 1
    return ACTIONS[event["action"]](event, context)


def count(event, context):
    return {"count": COUNT, "pid": os.getpid()}


def describe_context(event, context):
    client = context.client_context
    return {
        "aws_request_id": context.aws_request_id,
        "invoked_function_arn": context.invoked_function_arn,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "identity": [
            context.identity.cognito_identity_id,
            context.identity.cognito_identity_pool_id,
        ],
        "client_context": None
        if client is None
        else {
            "custom": client.custom,
            "env": client.env,
            "installation_id": client.client.installation_id,
        },
    }


def describe_process(event, context):
    return {
        "environ": dict(os.environ),
        "sys_path": sys.path,
        "version": list(sys.version_info[:2]),
        "pytest_found": importlib.util.find_spec("pytest") is not None,
        "boto3_file": importlib.util.find_spec("boto3").origin,
        "layer_top": importlib.util.find_spec("layer_top").origin,
        "layer_site": importlib.util.find_spec("layer_site").origin,
        "uid": os.getuid(),
        "cwd": str(Path.cwd()),
    }


def sleep(event, context):
    start = time.monotonic()
    time.sleep(event["seconds"])
    return {"pid": os.getpid(), "start": start, "end": time.monotonic(), "count": COUNT}


def crash(event, context):
    os._exit(1)


def allocate(event, context):
    hog = b"x" * (event["mb"] * 1024 * 1024)
    return {"allocated": len(hog)}


def shout(event, context):
    line = "y" * 1023 + "\n"
    for _ in range(event["mb"] * 1024):
        sys.stdout.write(line)
    return {"printed": event["mb"]}


def write_tmp(event, context):
    path = Path(tempfile.gettempdir(), event["name"])
    path.write_bytes(b"z" * event.get("bytes", 5))
    return {"tmp": str(path)}


def read_tmp(event, context):
    path = Path(tempfile.gettempdir(), event["name"])
    return {"exists": path.exists(), "tmpdir": tempfile.gettempdir()}


def write_task_root(event, context):
    root = Path(os.environ["LAMBDA_TASK_ROOT"])
    attempts = {
        "open": lambda: (root / "new.txt").open("w"),
        "append": lambda: (root / "handlers.py").open("a"),
        "os_open": lambda: os.open(root / "raw.txt", os.O_WRONLY | os.O_CREAT),
        "mkdir": (root / "folder").mkdir,
        "remove": (root / "handlers.py").unlink,
        "rename": lambda: (root / "handlers.py").rename(root / "moved.py"),
    }
    errors = {}
    for name, attempt in attempts.items():
        try:
            attempt()
        except OSError as error:
            errors[name] = error.errno
        else:
            errors[name] = None
    return {"errors": errors, "erofs": errno.EROFS, "uid": os.getuid()}


def big_response(event, context):
    return "r" * event["bytes"]


def spawn(event, context):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    return {"pid": os.getpid(), "child": child.pid}


def log(event, context):
    logging.getLogger().warning("logged %s", event["text"])
    return {"logged": True}


ACTIONS = {
    "count": count,
    "log": log,
    "context": describe_context,
    "process": describe_process,
    "sleep": sleep,
    "crash": crash,
    "allocate": allocate,
    "shout": shout,
    "write_tmp": write_tmp,
    "read_tmp": read_tmp,
    "write_task_root": write_task_root,
    "big_response": big_response,
    "spawn": spawn,
}
