"""The whole app on this machine (lambdakit's `local_cloud` fixture), read from cdk.out: S3
events are counted, GET /count answers, and failing work items end up in the dead-letter queue.

`local_cloud` starts the app of pyproject.toml's `lambdakit_template` once for the session. The
tests name resources and functions by construct path, without the stack's id (`Worker/Queue`;
`CounterStack/Worker/Queue` works too), rather than by the hashed logical ids CDK gives them
(`WorkerQueue9380F652`; `lambdakit inspect` lists both).
"""

import json

from lambdakit.testing import events

BUCKET = "WatchedBucket"
COUNT_API_FUNCTION = "Counter/ApiHandler"
QUEUE = "Worker/Queue"
DEAD_LETTER_QUEUE = "Worker/DeadLetterQueue"


def counts(local_cloud):
    response = local_cloud.get("/prod/count")  # the RestApi's stage, as in AWS
    assert response.status == 200, response.text
    return response.json()


def test_objects_put_and_deleted_are_counted_and_announced(local_cloud):
    s3 = local_cloud.client("s3")
    bucket = local_cloud.name(BUCKET)
    for key in ("reports/q1.csv", "reports/q2.csv", "photos/red flower.jpg"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x" * 100)
    s3.delete_object(Bucket=bucket, Key="reports/q1.csv")

    # S3 → counter Handler → Changes topic → worker Queue → worker Handler: asynchronous.
    def counted():
        now = counts(local_cloud)
        return now if now["objects"] == 2 and now["announcements_processed"] == 4 else None

    assert local_cloud.wait_for(counted, timeout=60) == {
        "objects": 2,
        "bytes_added": 300,
        "announcements_processed": 4,
    }


def test_the_count_function_answers_an_api_event(local_cloud):
    invoked = local_cloud.invoke(COUNT_API_FUNCTION, events.api("GET", "/count"))

    assert invoked.function_error is None, invoked.logs
    assert invoked.payload["statusCode"] == 200
    assert set(json.loads(invoked.payload["body"])) == {
        "objects",
        "bytes_added",
        "announcements_processed",
    }


def test_failing_work_items_go_to_the_dead_letter_queue(local_cloud):
    sqs = local_cloud.client("sqs")
    processed_before = counts(local_cloud)["announcements_processed"]
    items = [{"change": "created", "key": f"manual-{n}.txt"} for n in range(3)]
    items += [{"fail": True, "n": n} for n in range(2)]
    for item in items:
        sqs.send_message(QueueUrl=local_cloud.url(QUEUE), MessageBody=json.dumps(item))

    dead_letter_url = local_cloud.url(DEAD_LETTER_QUEUE)
    dead = []

    def both_failures_dead():
        received = sqs.receive_message(
            QueueUrl=dead_letter_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
        )
        dead.extend(json.loads(m["Body"]) for m in received.get("Messages", []))
        return len(dead) == 2

    # 3 receives (max_receive_count), 5 s apart (RetryDelaySeconds in pyproject.toml).
    local_cloud.wait_for(both_failures_dead, timeout=60)
    assert sorted(item["n"] for item in dead) == [0, 1]
    assert counts(local_cloud)["announcements_processed"] == processed_before + 3
