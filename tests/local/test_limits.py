"""Lambda's limits, enforced locally (T-LIMITS): payload sizes, JSON, variables, /tmp size.

FIDELITY 2.5.1-2.5.3 (request sizes), 1.3.4 (response size through the real runtime), 2.1.1 and
2.1.8 (variables, checked without any process), 2.2.7 (EphemeralStorage).
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from lambdakit.errors import FunctionConfigError
from lambdakit.local.environment_variables import check_environment
from lambdakit.local.invocation import (
    ASYNC_PAYLOAD_LIMIT,
    RESPONSE_LIMIT,
    SYNC_PAYLOAD_LIMIT,
    InvokeRejectedError,
)

from .local_runtime import function


def padded(size: int, action: str = "count") -> bytes:
    """A JSON event of exactly `size` bytes."""
    head = json.dumps({"action": action, "pad": ""}).encode()
    return head[:-2] + b"p" * (size - len(head)) + b'"}'


def test_padded_events_have_the_size_asked_for():
    assert len(padded(1000)) == 1000
    assert json.loads(padded(1000))["action"] == "count"


def test_a_sync_payload_over_6_mb_is_refused_413_2_5_1_2_5_3(cloud):
    with pytest.raises(InvokeRejectedError) as refused:
        cloud.invoke("main", padded(SYNC_PAYLOAD_LIMIT + 1))

    assert refused.value.status == 413
    assert refused.value.error_type == "RequestTooLargeException"


def test_a_sync_payload_of_exactly_6_mb_is_invoked_2_5_1(cloud):
    result = cloud.invoke("main", padded(SYNC_PAYLOAD_LIMIT))

    assert result.ok


def test_a_sync_payload_over_6_mb_through_boto3_is_request_too_large(lambda_client):
    with pytest.raises(ClientError) as refused:
        lambda_client.invoke(FunctionName="main", Payload=padded(SYNC_PAYLOAD_LIMIT + 1))

    assert refused.value.response["Error"]["Code"] == "RequestTooLargeException"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413


def test_an_async_payload_over_1_mb_is_refused_413_2_5_2(cloud):
    with pytest.raises(InvokeRejectedError) as refused:
        cloud.invoke("main", padded(ASYNC_PAYLOAD_LIMIT + 1), invocation_type="Event")

    assert refused.value.status == 413
    assert refused.value.error_type == "RequestTooLargeException"


def test_an_async_payload_of_exactly_1_mb_is_queued_2_5_2(cloud):
    assert cloud.local.invoke("main", padded(ASYNC_PAYLOAD_LIMIT), invocation_type="Event") is None
    cloud.local.drain(30)


def test_a_payload_that_is_not_json_is_refused_400(cloud, lambda_client):
    with pytest.raises(InvokeRejectedError) as refused:
        cloud.invoke("main", b"{not json")

    assert refused.value.status == 400
    assert refused.value.error_type == "InvalidRequestContentException"
    with pytest.raises(ClientError) as through_boto3:
        lambda_client.invoke(FunctionName="main", Payload=b"{not json")
    assert through_boto3.value.response["Error"]["Code"] == "InvalidRequestContentException"


def test_a_response_over_6291556_bytes_is_function_response_size_too_large_1_3_4(cloud):
    # The handler returns a string: JSON adds two quotes.
    result = cloud.invoke("big-response", {"action": "big_response", "bytes": RESPONSE_LIMIT - 1})

    assert result.function_error == "Unhandled"
    assert result.error_type == "Function.ResponseSizeTooLarge"
    assert result.json()["errorMessage"] == (
        f"Response payload size ({RESPONSE_LIMIT + 1} bytes) exceeded maximum allowed payload"
        f" size ({RESPONSE_LIMIT} bytes)."
    )
    assert cloud.invoke("big-response", {"action": "count"}).ok


def test_a_response_of_exactly_6291556_bytes_is_returned_1_3_4(cloud):
    result = cloud.invoke("big-response", {"action": "big_response", "bytes": RESPONSE_LIMIT - 2})

    assert result.ok
    assert len(result.payload) == RESPONSE_LIMIT


def test_variables_over_4_kb_are_refused_2_1_8():
    fits = function("f", environment={"BIG": "v" * 4000})
    too_big = function("f", environment={"BIG": "v" * 4096})

    check_environment(fits, "template.yaml")
    with pytest.raises(FunctionConfigError, match="4 KB"):
        check_environment(too_big, "template.yaml")


@pytest.mark.parametrize("key", ["AWS_REGION", "_HANDLER", "LAMBDA_TASK_ROOT", "AWS_ACCESS_KEY_ID"])
def test_a_reserved_variable_is_refused_2_1_1(key):
    with pytest.raises(FunctionConfigError, match=key):
        check_environment(function("f", environment={key: "mine"}), "template.yaml")


def test_writing_past_ephemeral_storage_fails_with_os_error_2_2_7(cloud):
    result = cloud.invoke(
        "tiny-tmp", {"action": "write_tmp", "name": "big.bin", "bytes": 2 * 1024 * 1024}
    )

    assert result.function_error == "Unhandled"
    assert result.error_type == "OSError"
    assert "No space left on device" in result.json()["errorMessage"]
    after = cloud.invoke("tiny-tmp", {"action": "write_tmp", "name": "small.bin", "bytes": 10})
    assert after.ok
