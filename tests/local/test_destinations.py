"""Invocation records (FIDELITY 3.9), DLQ messages (3.10), delivery rules (3.8) and the sinks."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from lambdakit.local.destinations import (
    FAILURE_DETAIL_TYPE,
    SUCCESS_DETAIL_TYPE,
    DeliveryError,
    InvocationRecord,
    LoggingSink,
    dead_letter_message,
    delivery_problem,
    failure_message,
    lambda_timestamp,
    record_json,
    success_message,
)
from lambdakit.local.invocation import InvokeRejectedError
from lambdakit.model import Destination, GetAtt
from lambdakit.testing.destinations import RecordingSink

WHEN = datetime(2019, 11, 14, 18, 16, 5, 568123, tzinfo=UTC)
ARN = "arn:aws:lambda:us-east-2:123456789012:function:my-function:$LATEST"
ERROR = {"errorMessage": "RequestId: e4b46cbf Process exited before completing request"}
QUEUE = Destination(arn="arn:aws:sqs:us-east-2:123456789012:failures", kind="sqs")


def failed(**changes):
    values = {
        "request_id": "e4b46cbf-b738-xmpl-8880-a18cdf61200e",
        "function_arn": ARN,
        "condition": "RetriesExhausted",
        "approximate_invoke_count": 3,
        "request_payload": b'{"ORDER_IDS": ["9e07af03-ce31-4ff3-xmpl-36dce652cb4f"]}',
        "timestamp": WHEN,
        "function_error": "Unhandled",
        "response_payload": json.dumps(ERROR).encode(),
    }
    return InvocationRecord(**(values | changes))


def succeeded(**changes):
    values = {"condition": "Success", "approximate_invoke_count": 1, "function_error": None}
    return failed(**(values | {"response_payload": b'{"status": "done"}'} | changes))


def run(coroutine):
    return asyncio.run(coroutine)


# --- the record (3.9) -----------------------------------------------------------------------


def test_failure_record_has_the_documented_shape_3_9():
    assert record_json(failed()) == {
        "version": "1.0",
        "timestamp": "2019-11-14T18:16:05.568Z",
        "requestContext": {
            "requestId": "e4b46cbf-b738-xmpl-8880-a18cdf61200e",
            "functionArn": ARN,
            "condition": "RetriesExhausted",
            "approximateInvokeCount": 3,
        },
        "requestPayload": {"ORDER_IDS": ["9e07af03-ce31-4ff3-xmpl-36dce652cb4f"]},
        "responseContext": {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": "Unhandled",
        },
        "responsePayload": ERROR,
    }


def test_success_record_has_no_function_error_and_carries_the_response_3_9():
    document = record_json(succeeded())
    assert document["requestContext"]["condition"] == "Success"
    assert document["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert document["responsePayload"] == {"status": "done"}


def test_a_payload_that_is_not_json_is_embedded_as_text():
    document = record_json(succeeded(request_payload=b"plain text", response_payload=b"ok?"))
    assert document["requestPayload"] == "plain text"
    assert document["responsePayload"] == "ok?"


def test_timestamp_is_utc_with_milliseconds_and_z():
    plus_two = timezone(timedelta(hours=2))
    assert lambda_timestamp(datetime(2024, 1, 2, 5, 4, 5, 9000, tzinfo=plus_two)) == (
        "2024-01-02T03:04:05.009Z"
    )


def test_records_for_eventbridge_carry_detail_type_and_source_3_9():
    assert success_message(succeeded()).detail_type == SUCCESS_DETAIL_TYPE
    assert SUCCESS_DETAIL_TYPE == "Lambda Function Invocation Result - Success"
    failure = failure_message(failed())
    assert (failure.kind, failure.detail_type, failure.source) == (
        "on-failure",
        "Lambda Function Invocation Result - Failure",
        "lambda",
    )
    assert failure.detail_type == FAILURE_DETAIL_TYPE
    assert json.loads(failure.body) == record_json(failed())


# --- the dead-letter message (3.10) ---------------------------------------------------------


def test_dead_letter_message_is_the_original_event_with_three_attributes_3_10():
    message = dead_letter_message(failed())
    assert message.kind == "dead-letter"
    assert message.body == '{"ORDER_IDS": ["9e07af03-ce31-4ff3-xmpl-36dce652cb4f"]}'
    assert message.attributes == {
        "RequestID": ("String", "e4b46cbf-b738-xmpl-8880-a18cdf61200e"),
        "ErrorCode": ("Number", "200"),
        "ErrorMessage": ("String", ERROR["errorMessage"]),
    }
    assert message.detail_type is None


def test_dead_letter_error_message_keeps_the_first_kilobyte_3_10():
    long = {"errorMessage": "é" * 1000, "errorType": "ValueError"}  # 2000 bytes in UTF-8
    message = dead_letter_message(failed(response_payload=json.dumps(long).encode()))
    text = message.attributes["ErrorMessage"][1]
    assert text == "é" * 512
    assert len(text.encode()) == 1024


def test_dead_letter_error_code_is_the_status_of_a_throttle():
    throttle = b'{"errorType": "TooManyRequestsException", "errorMessage": "Rate Exceeded."}'
    message = dead_letter_message(
        failed(status_code=429, function_error=None, response_payload=throttle)
    )
    assert message.attributes["ErrorCode"] == ("Number", "429")
    assert message.attributes["ErrorMessage"] == ("String", "Rate Exceeded.")


# --- what Lambda refuses to deliver (3.8) ---------------------------------------------------


@pytest.mark.parametrize(
    ("destination", "message", "refused"),
    [
        (QUEUE, failure_message(failed()), False),
        (Destination(arn="arn:aws:sqs:r:1:q.fifo", kind="sqs"), failure_message(failed()), True),
        (Destination(arn="arn:aws:sns:r:1:t.fifo", kind="sns"), success_message(succeeded()), True),
        (Destination(arn="arn:aws:s3:::bucket", kind="s3"), failure_message(failed()), False),
        (Destination(arn="arn:aws:s3:::bucket", kind="s3"), success_message(succeeded()), True),
        (Destination(arn="arn:aws:foo:r:1:x", kind="unknown"), failure_message(failed()), True),
    ],
)
def test_delivery_rules_3_8(destination, message, refused):
    assert (delivery_problem(destination, message) is not None) is refused


def test_a_function_is_a_destination_but_never_a_dead_letter_queue_3_8_3_10():
    function = Destination(arn="arn:aws:lambda:r:1:function:f", kind="lambda")
    assert delivery_problem(function, failure_message(failed())) is None
    assert delivery_problem(function, dead_letter_message(failed())) is not None


# --- LoggingSink ----------------------------------------------------------------------------


class AsyncTargets:
    """The `invoke_async` a LoggingSink calls for Lambda destinations."""

    def __init__(self, reject=None):
        self.calls = []
        self.reject = reject

    async def __call__(self, target, payload):
        if self.reject is not None:
            raise self.reject
        self.calls.append((target, payload))


def test_logging_sink_reports_a_queue_delivery_as_one_line():
    lines, targets = [], AsyncTargets()
    message = failure_message(failed())
    run(LoggingSink(lines.append, targets).deliver(QUEUE, message))
    assert lines == [
        f"destination {QUEUE.arn} is not connected to a local service; record: {message.body}"
    ]
    assert targets.calls == []


def test_logging_sink_reports_a_dead_letter_message_with_its_attributes():
    lines = []
    run(LoggingSink(lines.append, AsyncTargets()).deliver(QUEUE, dead_letter_message(failed())))
    (line,) = lines
    assert line.startswith(f"dead-letter queue {QUEUE.arn} is not connected to a local service")
    assert '"ErrorCode": "200"' in line


def test_logging_sink_invokes_a_lambda_destination_asynchronously():
    targets = AsyncTargets()
    function = Destination(arn="arn:aws:lambda:us-east-1:1:function:audit", kind="lambda")
    message = success_message(succeeded())
    run(LoggingSink(print, targets).deliver(function, message))
    assert targets.calls == [(function.arn, message.body.encode())]


def test_logging_sink_names_a_symbolic_lambda_destination_by_its_resource_id():
    targets = AsyncTargets()
    function = Destination(arn=GetAtt("Audit", "Arn"), kind="lambda", resource="Audit")
    run(LoggingSink(print, targets).deliver(function, success_message(succeeded())))
    assert targets.calls[0][0] == "Audit"


def test_logging_sink_turns_a_rejected_lambda_invoke_into_a_delivery_error():
    gone = InvokeRejectedError(404, "ResourceNotFoundException", "Function not found: audit")
    function = Destination(arn="arn:aws:lambda:us-east-1:1:function:audit", kind="lambda")
    with pytest.raises(DeliveryError, match="ResourceNotFoundException"):
        run(
            LoggingSink(print, AsyncTargets(reject=gone)).deliver(
                function, failure_message(failed())
            )
        )


def test_logging_sink_refuses_a_fifo_queue_3_8():
    lines = []
    fifo = Destination(arn="arn:aws:sqs:us-east-1:1:orders.fifo", kind="sqs")
    with pytest.raises(DeliveryError, match="FIFO"):
        run(LoggingSink(lines.append, AsyncTargets()).deliver(fifo, failure_message(failed())))
    assert lines == []


# --- RecordingSink --------------------------------------------------------------------------


def test_recording_sink_keeps_deliveries_and_decodes_records():
    sink = RecordingSink()
    run(sink.deliver(QUEUE, failure_message(failed())))
    run(sink.deliver(QUEUE, dead_letter_message(failed())))
    assert [message.kind for _, message in sink.deliveries] == ["on-failure", "dead-letter"]
    assert sink.records("on-failure") == [record_json(failed())]
    assert len(sink.messages("dead-letter", to=QUEUE.arn)) == 1
    assert sink.messages(to="arn:aws:sqs:us-east-2:123456789012:other") == []


def test_recording_sink_fails_for_the_addresses_it_is_told_to():
    sink = RecordingSink(failing=[QUEUE.arn])
    with pytest.raises(DeliveryError, match="unreachable"):
        run(sink.deliver(QUEUE, failure_message(failed())))
    assert sink.deliveries == []
    assert [reason for _, _, reason in sink.refused] == [f"{QUEUE.arn} is unreachable"]
