"""An ``Event`` invoke of a failing function, retried and recorded for real (FIDELITY 3.4, 3.9).

The session's service runs with ``time_scale`` 0.001, so the 60 s retry wait is 60 ms; its
destination sink is a `RecordingSink`.
"""

from __future__ import annotations

ARN = "arn:aws:lambda:us-east-1:123456789012:function:async-fail"


def test_a_failing_event_is_retried_then_recorded_on_failure_3_4_3_9(cloud):
    assert cloud.local.invoke("async-fail", {"order": 7}, invocation_type="Event") is None
    cloud.local.drain(30)

    records = [
        record
        for record in cloud.sink.records("on-failure")
        if record["requestContext"]["functionArn"].startswith(ARN)
    ]
    assert len(records) == 1
    record = records[0]
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["requestContext"]["functionArn"] == f"{ARN}:$LATEST"
    assert record["requestPayload"] == {"order": 7}
    assert record["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    assert record["responsePayload"]["errorType"] == "KeyError"
    assert record["responsePayload"]["requestId"] == record["requestContext"]["requestId"]
