"""`make demo`, part two: `lambdakit local` on object-counter, real requests, then Ctrl-C.

Starts ``lambdakit local --json`` on any free ports and waits for its ready line, which names
the endpoints and the local names of the app's resources. Then, as a user's script would, it
uploads and deletes objects in the watched bucket with boto3 against the local endpoint (S3
notifies the counter function, which counts them in DynamoDB), reads ``GET /count``, and stops
then sends work items straight to the worker's queue, two of them failing on purpose: the
worker reports those in ``batchItemFailures``, SQS delivers them again after the queue's
visibility timeout (2 s here, through the template's ``RetryDelaySeconds`` parameter), and after
3 receives they land in the dead-letter queue, which the demo reads. Last, it stops the server
with SIGINT (as Ctrl-C does). The server's log goes to this terminal's stderr.
"""

import json
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import boto3

APP = Path(__file__).parent / "object-counter"
READY_TIMEOUT = 180


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:  # 4xx/5xx answers are answers too
        return error.code, error.read().decode()


def wait_for_count(url, *, objects, announcements, seconds=30):
    """The counts once every change was counted and its announcement processed.

    S3 notifies the counter asynchronously; the counter announces each change on SNS, which
    delivers to the worker's SQS queue, which lambdakit polls: it takes a moment.
    """
    deadline = time.monotonic() + seconds
    while True:
        status, body = fetch(url)
        counts = json.loads(body) if status == 200 else {}
        wanted = {"objects": objects, "announcements_processed": announcements}
        if all(counts.get(key) == value for key, value in wanted.items()):
            return body
        if time.monotonic() > deadline:
            return f"{status} {body} (expected {wanted})"
        time.sleep(0.2)


def client(service, ready):
    return boto3.client(
        service,
        endpoint_url=ready["services"],
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def show_dead_letters(ready, url, *, began, seconds=30):
    """Send work items, two failing; wait until those two are in the DLQ and show them."""
    sqs = client("sqs", ready)
    queue = ready["resources"]["ChangesQueue"]["url"]
    dead_letters = ready["resources"]["ChangesDeadLetterQueue"]["url"]
    items = [{"item": 1}, {"item": 2, "fail": True}, {"item": 3}, {"item": 4, "fail": True}]
    for item in items:
        sqs.send_message(QueueUrl=queue, MessageBody=json.dumps(item))
    print(f"sent {len(items)} work items to the worker's queue, 2 of them failing on purpose")
    deadline = time.monotonic() + seconds
    received = []
    while len(received) < 2 and time.monotonic() < deadline:
        answer = sqs.receive_message(QueueUrl=dead_letters, MaxNumberOfMessages=10)
        for message in answer.get("Messages", []):
            received.append(message)
            sqs.delete_message(QueueUrl=dead_letters, ReceiptHandle=message["ReceiptHandle"])
        time.sleep(0.2)
    for message in received:
        print(f"dead-letter queue: {message['Body']} (after 3 receives)")
    if len(received) != 2:
        print(f"expected 2 messages in the dead-letter queue, found {len(received)}")
    print(f"GET {url} -> {wait_for_count(url, objects=2, announcements=6)}")
    print(f"all of it in {time.monotonic() - began:.1f} s")


def main():
    command = [sys.executable, "-m", "lambdakit", "local", "-t", str(APP), "--json"]
    command += ["--port", "0", "--services-port", "0"]
    command += ["--parameter-overrides", "RetryDelaySeconds=2"]
    print(f"$ lambdakit {' '.join(command[3:]).replace(str(APP), 'examples/object-counter')}")
    started = time.monotonic()
    server = subprocess.Popen(command, stdout=subprocess.PIPE)
    watchdog = threading.Timer(READY_TIMEOUT, server.kill)
    watchdog.start()
    try:
        line = server.stdout.readline()
        watchdog.cancel()
        if not line:
            print(f"lambdakit local exited ({server.wait()}) before it was ready")
            return 1
        ready = json.loads(line)
        print(f"ready in {time.monotonic() - started:.1f} s: {line.decode().strip()}")
        route = next(r for r in ready["routes"] if r["method"] == "GET")
        url = ready["api"] + route["path"]
        sent = time.monotonic()
        status, body = fetch(url)
        took = (time.monotonic() - sent) * 1000
        print(f"GET {url} -> {status} in {took:.0f} ms (cold start): {body}")
        bucket = next(r["name"] for r in ready["resources"].values() if r["kind"] == "bucket")
        s3 = client("s3", ready)
        for key in ("reports/q1.csv", "reports/q2.csv", "photos/red flower.jpg"):
            s3.put_object(Bucket=bucket, Key=key, Body=b"x" * 1000)
        s3.delete_object(Bucket=bucket, Key="reports/q1.csv")
        print(f"put 3 objects into s3://{bucket} and deleted 1, through {ready['lambda']}")
        counts = wait_for_count(url, objects=2, announcements=4)
        print(f"GET {url} -> {counts}")
        show_dead_letters(ready, url, began=started)
    finally:
        watchdog.cancel()
        if server.poll() is None:
            server.send_signal(signal.SIGINT)
        code = server.wait(60)
    print(f"lambdakit local stopped on SIGINT, exit {code}")
    return code


if __name__ == "__main__":
    sys.exit(main())
