"""`lambdakit local` with its AWS services: resources in moto, events delivered, destinations.

Each test runs the command as a user does (a subprocess on free ports) and talks to it with
boto3 through the services endpoint its ready line names.
"""

from __future__ import annotations

import json
import shutil
import time
import urllib.request
from pathlib import Path

import boto3
import pytest

from tests.cli.test_local import ready_line, start, stop

# Whole apps with many worker processes: these run one after another on one xdist worker
# (`--dist loadgroup` in the Makefile), so two of them never compete for the same two cores.
pytestmark = pytest.mark.xdist_group("whole-app")

FIXTURES = Path(__file__).parent.parent / "fixtures" / "sam"
EXAMPLE = Path(__file__).parents[2] / "examples" / "object-counter"


def client(service, ready):
    return boto3.client(
        service,
        endpoint_url=ready["services"],
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def eventually(probe, seconds=30.0):
    """The first truthy answer of `probe` within `seconds` (events arrive asynchronously)."""
    deadline = time.monotonic() + seconds
    while True:
        answer = probe()
        if answer or time.monotonic() > deadline:
            return answer
        time.sleep(0.2)


def test_a_failed_async_invoke_lands_in_its_on_failure_queue_3_9(tmp_path):
    app = Path(shutil.copytree(FIXTURES / "destinations", tmp_path / "destinations"))
    process = start(app, "--json", "--port", "0", "--services-port", "0", "--no-reload")
    try:
        ready = ready_line(process)
        queue = ready["resources"]["FailuresQueue"]
        client("lambda", ready).invoke(
            FunctionName="FailingFunction", InvocationType="Event", Payload=b'{"order": 7}'
        )
        sqs = client("sqs", ready)

        def record():
            messages = sqs.receive_message(QueueUrl=queue["url"], WaitTimeSeconds=1)
            return messages.get("Messages")

        messages = eventually(record)
    finally:
        code, err = stop(process)
    assert code == 0, err
    assert messages, err
    body = json.loads(messages[0]["Body"])
    assert body["requestContext"]["condition"] == "RetriesExhausted"
    assert body["requestContext"]["approximateInvokeCount"] == 1
    assert body["requestPayload"] == {"order": 7}
    assert body["responseContext"]["functionError"] == "Unhandled"
    assert body["responsePayload"]["errorType"] == "RuntimeError"


def test_the_object_counter_counts_objects_and_processes_announcements(tmp_path):
    """S3 → counter (DynamoDB, SNS) → SQS → worker, and GET /count reads it all back."""
    app = Path(shutil.copytree(EXAMPLE, tmp_path / "object-counter"))
    process = start(app, "--json", "--port", "0", "--services-port", "0", "--no-reload")
    try:
        ready = ready_line(process)
        bucket = ready["resources"]["WatchedBucket"]["name"]
        s3 = client("s3", ready)
        for key in ("a.txt", "b/c d.txt", "e.txt"):
            s3.put_object(Bucket=bucket, Key=key, Body=b"12345")
        s3.delete_object(Bucket=bucket, Key="a.txt")
        url = ready["api"] + "/count"

        def counted():
            with urllib.request.urlopen(url, timeout=30) as response:
                counts = json.loads(response.read())
            done = counts["objects"] == 2 and counts["announcements_processed"] == 4
            return counts if done else None

        counts = eventually(counted, seconds=60)
    finally:
        code, err = stop(process)
    assert code == 0, err
    assert counts == {"objects": 2, "bytes_added": 15, "announcements_processed": 4}, err
