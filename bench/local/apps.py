"""The two equivalent hello apps the local bench serves, written under ``bench/.tools/local/``.

- ``lambdakit-app/``: a SAM template, REST API ``GET /hello`` → ``hello/app.py``'s handler, the
  runtime matching the Python that runs the bench, no dependencies.
- ``chalice-app/``: ``app.py`` with ``@app.route("/hello")`` and ``.chalice/config.json``.

Both answer ``{"hello": "world"}`` with the handler's process id in an ``X-Handler-Pid`` header,
so the bench can tell where each request ran. Files are rewritten only when their text changed,
so lambdakit's incremental build stays warm between runs.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent
REPO = BENCH.parent
TOOLS = BENCH / ".tools"
LOCAL = TOOLS / "local"
PID_HEADER = "X-Handler-Pid"
ROUTE = "/hello"
FUNCTION_ID = "HelloFunction"
HANDLER_MODULE = "app"

HANDLER = f'''"""Hello: the smallest REST API handler, telling which process ran it."""

import os

BODY = '{{"hello": "world"}}'


def handler(event, context):
    return {{
        "statusCode": 200,
        "headers": {{"Content-Type": "application/json", "{PID_HEADER}": str(os.getpid())}},
        "body": BODY,
    }}
'''

TEMPLATE = """AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Description: lambdakit local bench - hello
Resources:
  {function_id}:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: hello/
      Handler: {module}.handler
      Runtime: {runtime}
      MemorySize: 128
      Timeout: 10
      Events:
        Hello:
          Type: Api
          Properties:
            Path: {route}
            Method: get
"""

CHALICE_APP = f'''"""Hello: the same app as the SAM one, the way Chalice writes it."""

import os

from chalice import Chalice, Response

app = Chalice(app_name="hello")


@app.route("{ROUTE}")
def hello():
    return Response(body={{"hello": "world"}}, headers={{"{PID_HEADER}": str(os.getpid())}})
'''

CHALICE_CONFIG = {"version": "2.0", "app_name": "hello", "stages": {"dev": {}}}


@dataclass(frozen=True)
class Apps:
    """Where each app lives."""

    lambdakit: Path
    chalice: Path
    runtime: str


def host_runtime() -> str:
    """The Lambda runtime matching the Python that runs the bench (``python3.11``...)."""
    return f"python{sys.version_info[0]}.{sys.version_info[1]}"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def write_apps(root: Path = LOCAL) -> Apps:
    """Write (or refresh) both apps under `root`."""
    runtime = host_runtime()
    ours, theirs = root / "lambdakit-app", root / "chalice-app"
    template = TEMPLATE.format(
        function_id=FUNCTION_ID, module=HANDLER_MODULE, runtime=runtime, route=ROUTE
    )
    _write(ours / "template.yaml", template)
    _write(ours / "hello" / f"{HANDLER_MODULE}.py", HANDLER)
    _write(theirs / "app.py", CHALICE_APP)
    _write(theirs / "requirements.txt", "")
    _write(theirs / ".chalice" / "config.json", json.dumps(CHALICE_CONFIG, indent=2) + "\n")
    return Apps(lambdakit=ours, chalice=theirs, runtime=runtime)
