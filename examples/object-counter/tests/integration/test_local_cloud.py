"""The whole app on this machine (lambdakit's `local_cloud` fixture): S3 events are counted,
GET /count answers, and failing work items end up in the dead-letter queue.

`local_cloud` starts the app of pytest.ini's `lambdakit_template` once for the session: the
functions run in local workers, the bucket, table, topic and queues in a local AWS endpoint
(`local_cloud.client("s3")`), and events flow between them as in AWS.
"""

import json

from lambdakit.testing import events


def counts(local_cloud):
    response = local_cloud.get("/Prod/count")  # the REST API's stage, as in AWS
    assert response.status == 200, response.text
    return response.json()


def test_objects_put_and_deleted_are_counted_and_announced(local_cloud):
    s3 = local_cloud.client("s3")
    bucket = local_cloud.name("WatchedBucket")
    for key in ("reports/q1.csv", "reports/q2.csv", "photos/red flower.jpg"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x" * 100)
    s3.delete_object(Bucket=bucket, Key="reports/q1.csv")

    # S3 → CounterFunction → ChangesTopic → ChangesQueue → WorkerFunction: asynchronous.
    def counted():
        now = counts(local_cloud)
        return now if now["objects"] == 2 and now["announcements_processed"] == 4 else None

    assert local_cloud.wait_for(counted, timeout=60) == {
        "objects": 2,
        "bytes_added": 300,
        "announcements_processed": 4,
    }


def test_the_count_function_answers_an_api_event(local_cloud):
    invoked = local_cloud.invoke("CountApiFunction", events.api("GET", "/count"))

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
        sqs.send_message(QueueUrl=local_cloud.url("ChangesQueue"), MessageBody=json.dumps(item))

    dead_letter_url = local_cloud.url("ChangesDeadLetterQueue")
    dead = []

    def both_failures_dead():
        received = sqs.receive_message(
            QueueUrl=dead_letter_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
        )
        dead.extend(json.loads(m["Body"]) for m in received.get("Messages", []))
        return len(dead) == 2

    # 3 receives (maxReceiveCount), 5 s apart (RetryDelaySeconds in pytest.ini).
    local_cloud.wait_for(both_failures_dead, timeout=60)
    assert sorted(item["n"] for item in dead) == [0, 1]
    assert counts(local_cloud)["announcements_processed"] == processed_before + 3
