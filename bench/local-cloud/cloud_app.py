"""The bench's own app for S3/SQS delivery latency: ``bench/.tools/local-cloud/app``.

A bucket notifies `S3Probe` (ObjectCreated, async) and a queue feeds `SqsProbe` (event source
mapping, batch 10). Each handler's first statement reads ``time.time()``; it then writes one
file per invocation into `RECORD_DIR` (a folder outside the code folder, given in the template):
``<kind>-<pid>-<n>.txt`` with one ``<key or body> <start time>`` line per record. The bench
reads that folder to pair each put/send with the start of the handler that received it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent
REPO = BENCH.parent
TOOLS = BENCH / ".tools"
ROOT = TOOLS / "local-cloud"
APP = ROOT / "app"
RECORDS = ROOT / "records"
LOGS = ROOT / "logs"
EXAMPLE = REPO / "examples" / "object-counter"

HANDLER = '''"""Records when each record reached the handler (the bench's probe)."""

import itertools
import os
import time
from pathlib import Path

_RECORDS = Path(os.environ["RECORD_DIR"])
_COUNT = itertools.count()


def _write(kind, lines):
    name = f"{kind}-{os.getpid()}-{next(_COUNT)}"
    temporary = _RECORDS / f".{name}.tmp"
    temporary.write_text("".join(lines))
    temporary.rename(_RECORDS / f"{name}.txt")  # complete files only


def on_s3(event, context):
    started = time.time()
    records = event.get("Records", [])
    _write("s3", [f"{r['s3']['object']['key']} {started!r}\\n" for r in records])
    return {"records": len(records)}


def on_sqs(event, context):
    started = time.time()
    records = event.get("Records", [])
    _write("sqs", [f"{r['body']} {started!r}\\n" for r in records])
    return {"batchItemFailures": []}
'''

TEMPLATE = """AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Description: lambdakit bench (local-cloud) - records when S3 and SQS events reach a handler

Globals:
  Function:
    Runtime: {runtime}
    Timeout: 30
    MemorySize: 128
    Environment:
      Variables:
        RECORD_DIR: "{records}"

Resources:
  ProbeBucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: lambdakit-bench-probe

  ProbeQueue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 60

  S3Probe:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: probe/
      Handler: probe.on_s3
      Events:
        Created:
          Type: S3
          Properties:
            Bucket: !Ref ProbeBucket
            Events: s3:ObjectCreated:*

  SqsProbe:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: probe/
      Handler: probe.on_sqs
      Events:
        Messages:
          Type: SQS
          Properties:
            Queue: !GetAtt ProbeQueue.Arn
            BatchSize: 10
            FunctionResponseTypes:
              - ReportBatchItemFailures
"""


@dataclass(frozen=True)
class App:
    root: Path
    records: Path
    runtime: str


def host_runtime() -> str:
    return f"python{sys.version_info.major}.{sys.version_info.minor}"


def _write(path: Path, text: str) -> None:
    """Rewrite only on change (keeps lambdakit's build cache warm between runs)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def write_app() -> App:
    runtime = host_runtime()
    RECORDS.mkdir(parents=True, exist_ok=True)
    _write(APP / "template.yaml", TEMPLATE.format(runtime=runtime, records=RECORDS))
    _write(APP / "probe" / "probe.py", HANDLER)
    return App(root=APP, records=RECORDS, runtime=runtime)


def clear_records(records: Path = RECORDS) -> None:
    for path in records.iterdir():
        path.unlink()


def read_records(records: Path = RECORDS, prefix: str = "") -> dict[str, float]:
    """key or body → handler start time, over every complete file (first start wins)."""
    found: dict[str, float] = {}
    for path in records.glob(f"{prefix}*.txt"):
        try:
            text = path.read_text()
        except OSError:
            continue
        for line in text.splitlines():
            key, _, started = line.rpartition(" ")
            if key and key not in found:
                found[key] = float(started)
    return found
