"""`lambdakit local` as a user runs it: a subprocess, its ready line, real requests, Ctrl-C.

The app is ``tests/fixtures/sam/hello-api`` (copied, so its build stays in the test's folder):
a REST route and an HTTP API route on functions that make no AWS call.
"""

from __future__ import annotations

import json
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3
import pytest
from click.testing import CliRunner

from lambdakit.cli.main import cli

HELLO_API = Path(__file__).parent.parent / "fixtures" / "sam" / "hello-api"
READY_TIMEOUT = 120


@pytest.fixture
def app(tmp_path):
    return Path(shutil.copytree(HELLO_API, tmp_path / "hello-api"))


def start(app, *extra):
    command = [sys.executable, "-m", "lambdakit", "local", "-t", str(app), *extra]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=app)


def ready_line(process):
    """The first stdout line, within READY_TIMEOUT seconds."""
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + READY_TIMEOUT
    while not selector.select(timeout=0.1):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"no ready line: {process.stderr.read().decode()}")
    return json.loads(process.stdout.readline())


def children(pid):
    """The live processes whose parent is `pid` (from /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and alive(int(entry.name)):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def alive(pid):
    try:
        state = Path("/proc", str(pid), "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def stop(process, sig=signal.SIGINT):
    process.send_signal(sig)
    try:
        _, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    return process.returncode, err.decode()


def get(url, data=None):
    with urllib.request.urlopen(url, data=data, timeout=30) as response:
        return response.status, json.loads(response.read())


def test_local_serves_the_api_and_lambda_then_stops_on_ctrl_c(app):
    process = start(app, "--json", "--port", "0", "--services-port", "0")
    try:
        ready = ready_line(process)
        # THEN the ready line names the endpoints (real ports), the functions and the routes
        assert set(ready) == {"api", "lambda", "services", "functions", "routes", "resources"}
        assert ready["services"] == ready["lambda"]
        assert not ready["api"].endswith(":0")
        assert not ready["lambda"].endswith(":0")
        assert {f["id"] for f in ready["functions"]} == {"HelloFunction", "EchoFunction"}
        assert {"method": "GET", "path": "/hello/{name}", "function": "HelloFunction"} in (
            ready["routes"]
        )
        # WHEN the REST route and the HTTP API route are requested
        status, body = get(f"{ready['api']}/hello/ada")
        assert status == 200
        assert body["message"] == "hello, ada"
        status, body = get(f"{ready['api']}/echo", data=b"ping")
        assert (status, body) == (200, {"echo": "ping", "routeKey": "POST /echo"})
        # AND a function is invoked through boto3 at the Lambda endpoint
        hello = next(f for f in ready["functions"] if f["id"] == "HelloFunction")
        client = boto3.client(
            "lambda",
            endpoint_url=ready["lambda"],
            region_name="us-east-1",
            aws_access_key_id="x",
            aws_secret_access_key="x",
        )
        response = client.invoke(
            FunctionName=hello["name"], Payload=json.dumps({"pathParameters": {"name": "bo"}})
        )
        payload = json.loads(response["Payload"].read())
        assert json.loads(payload["body"])["message"] == "hello, bo"
        workers = children(process.pid)
        assert workers, "the requests started worker processes"
    finally:
        code, err = stop(process)
    # THEN it exits 0 without a traceback, and no worker outlives it
    assert code == 0, err
    assert "Traceback" not in err
    assert "[HelloFunction] START RequestId:" in err  # function logs go to stderr
    assert not [pid for pid in workers if alive(pid)]


def test_sigterm_stops_it_too_and_without_json_a_summary_names_the_routes(app):
    process = start(app, "--port", "0", "--services-port", "0", "--no-reload")
    try:
        selector = selectors.DefaultSelector()
        selector.register(process.stdout, selectors.EVENT_READ)
        out = b""
        deadline = time.monotonic() + READY_TIMEOUT
        while b"Ctrl-C to stop" not in out:
            assert time.monotonic() < deadline and process.poll() is None, out
            if selector.select(timeout=0.1):
                out += process.stdout.read1(65536)
    finally:
        code, err = stop(process, signal.SIGTERM)
    text = out.decode()
    assert code == 0, err
    assert "/hello/{name}" in text
    assert "HelloFunction" in text
    assert "hot reload off" in text


def test_a_port_in_use_is_one_line_with_a_hint_and_exit_1(app):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["local", "-t", str(app), "--port", str(port)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: port {port} on 127.0.0.1 is already in use")
    assert "hint:" in result.stderr
    assert "--port" in result.stderr
    assert "Traceback" not in result.output
