"""The Invoke API over loopback HTTP, called by a real boto3 Lambda client (FIDELITY §3, 2.6.7).

Invocation types and their status codes (3.1-3.3), qualifiers and names (5.1), refusals as
boto3 raises them, and ``LogType=Tail`` (2.6.7).
"""

from __future__ import annotations

import base64
import json

import pytest
from botocore.exceptions import ClientError

ARN = "arn:aws:lambda:us-east-1:123456789012:function:main"
COUNT = json.dumps({"action": "count"})


def invoke(client, **parameters):
    """``client.invoke`` with the payload read (an unread stream would hold its connection)."""
    response = client.invoke(**parameters)
    response["Body"] = response.pop("Payload").read()
    return response


def test_request_response_is_200_with_the_executed_version_3_1_2_6_7(lambda_client):
    response = invoke(lambda_client, FunctionName="main", Payload=COUNT)

    assert response["StatusCode"] == 200
    assert response["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in response
    assert json.loads(response["Body"])["count"] >= 1


def test_event_is_202_with_an_empty_body_3_2(cloud, lambda_client):
    response = invoke(lambda_client, FunctionName="main", InvocationType="Event", Payload=COUNT)

    assert response["StatusCode"] == 202
    assert response["Body"] == b""
    cloud.local.drain(30)


def test_dry_run_is_204_and_runs_nothing_3_3(cloud, lambda_client):
    pool = cloud.local.service.pool("Logger")
    before = pool.cold_starts if pool is not None else 0

    response = invoke(lambda_client, FunctionName="logger", InvocationType="DryRun", Payload=COUNT)

    assert response["StatusCode"] == 204
    pool = cloud.local.service.pool("Logger")
    assert (pool.cold_starts if pool is not None else 0) == before


def test_an_unknown_function_is_resource_not_found_404(lambda_client):
    with pytest.raises(ClientError) as refused:
        invoke(lambda_client, FunctionName="nobody", Payload=COUNT)

    assert refused.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_qualifier_latest_is_served_and_an_unknown_qualifier_is_404_5_1(lambda_client):
    response = invoke(lambda_client, FunctionName="main", Qualifier="$LATEST", Payload=COUNT)
    assert response["StatusCode"] == 200

    with pytest.raises(ClientError) as refused:
        invoke(lambda_client, FunctionName="main", Qualifier="7", Payload=COUNT)
    assert refused.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_an_alias_qualifier_is_served(lambda_client):
    response = invoke(lambda_client, FunctionName="alias-fn", Qualifier="live", Payload=COUNT)

    assert response["StatusCode"] == 200


@pytest.mark.parametrize(
    "name", [ARN, f"{ARN}:$LATEST", "main:$LATEST", "123456789012:function:main", "Main"]
)
def test_a_function_is_found_by_arn_partial_arn_name_with_qualifier_or_id_5_1(lambda_client, name):
    response = invoke(lambda_client, FunctionName=name, Payload=COUNT)

    assert response["StatusCode"] == 200
    assert "FunctionError" not in response


def test_log_type_tail_returns_this_invokes_log_from_start_to_report_2_6_7(lambda_client):
    invoke(lambda_client, FunctionName="logger", Payload=COUNT)  # an earlier invoke's lines

    response = invoke(
        lambda_client,
        FunctionName="logger",
        Payload=json.dumps({"action": "shout", "mb": 0}),
        LogType="Tail",
    )

    request_id = response["ResponseMetadata"]["RequestId"]
    lines = base64.b64decode(response["LogResult"]).decode().splitlines()
    assert lines[0] == f"START RequestId: {request_id} Version: $LATEST"
    assert lines[-2] == f"END RequestId: {request_id}"
    assert lines[-1].startswith(f"REPORT RequestId: {request_id}\tDuration: ")


def test_without_log_type_there_is_no_log_result(lambda_client):
    response = invoke(lambda_client, FunctionName="main", Payload=COUNT)

    assert "LogResult" not in response
