"""What the caller gets when a function fails: errors, init errors, timeouts, crashes, OOM.

FIDELITY 2.6 (T-ERR), 1.4.4 and 2.6.4 (init errors), 2.4.8-2.4.10 and 2.4.4 (T-TIMEOUT,
crashes: the environment is reset and the next invoke runs a fresh init).
"""

from __future__ import annotations

import json
import re

import pytest

from lambdakit.local.invocation import LOG_TAIL_BYTES


def test_an_exception_is_unhandled_with_the_runtime_error_payload_2_6_1_to_2_6_3(cloud):
    result = cloud.invoke("main", {})  # no "action": KeyError('action')

    assert result.function_error == "Unhandled"
    assert result.error_type == "KeyError"
    error = result.json()
    assert set(error) == {"errorMessage", "errorType", "requestId", "stackTrace"}  # 1.4.6
    assert error["errorType"] == "KeyError"
    assert error["errorMessage"] == "'action'"
    assert error["requestId"] == result.request_id
    assert any("handlers.py" in frame for frame in error["stackTrace"])


def test_an_exception_through_boto3_is_status_200_with_function_error_2_6_1(lambda_client):
    response = lambda_client.invoke(FunctionName="main", Payload=b"{}")

    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    error = json.loads(response["Payload"].read())
    assert error["errorType"] == "KeyError"
    assert set(error) == {"errorMessage", "errorType", "requestId", "stackTrace"}


@pytest.mark.parametrize(
    ("name", "error_type", "message"),
    [
        ("syntax-error", "Runtime.UserCodeSyntaxError", "Syntax error in module 'app'"),
        (
            "missing-dep",
            "Runtime.ImportModuleError",
            "Unable to import module 'app': No module named 'lambdakit_absent_dependency'",
        ),
        ("malformed", "Runtime.MalformedHandlerName", "Bad handler 'handlers'"),
        ("no-handler", "Runtime.HandlerNotFound", "Handler 'missing' missing on module 'handlers'"),
    ],
)
def test_an_init_error_fails_every_invoke_the_same_way_1_4_4_2_6_4(
    cloud, name, error_type, message
):
    first = cloud.invoke(name, {"action": "count"})
    second = cloud.invoke(name, {"action": "count"})  # a new environment runs init again

    for result in (first, second):
        assert result.function_error == "Unhandled"
        assert result.error_type == error_type
        error = result.json()
        assert error["errorType"] == error_type
        assert error["errorMessage"].startswith(message)
    assert cloud.local.service.pool(cloud.local.service.resolve(name)[0].id).cold_starts == 2


def test_a_timeout_is_sandbox_timedout_and_the_next_invoke_runs_init_again_2_4_8_2_4_4(cloud):
    warm = cloud.invoke("sleepy", {"action": "sleep", "seconds": 0})
    assert warm.json()["count"] == 1

    result = cloud.invoke("sleepy", {"action": "sleep", "seconds": 5})

    assert result.function_error == "Unhandled"
    assert result.error_type == "Sandbox.Timedout"
    error = result.json()
    assert error["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in error["errorMessage"]
    after = cloud.invoke("sleepy", {"action": "sleep", "seconds": 0})
    assert after.ok
    assert after.json()["count"] == 1  # module state is gone: init ran again
    assert after.json()["pid"] != warm.json()["pid"]


def test_a_timeout_logs_the_timeout_line_after_report_2_4_9(cloud):
    result = cloud.invoke("sleepy", {"action": "sleep", "seconds": 5})

    lines = cloud.log_lines(result.request_id)
    report = next(i for i, line in enumerate(lines) if line.startswith("REPORT"))
    # The log line gives the time measured (Lambda's shows e.g. 31.01 s for a 31 s timeout).
    timed_out = re.search(
        f"{result.request_id} Task timed out after (\\d+\\.\\d\\d) seconds$", lines[report + 1]
    )
    assert timed_out is not None, lines[report + 1]
    assert float(timed_out.group(1)) >= 1.0
    assert "Status: timeout" in lines[report]


def test_a_crash_is_runtime_exit_error_and_the_next_invoke_works_2_4_10(cloud):
    result = cloud.invoke("crasher", {"action": "crash"})

    assert result.function_error == "Unhandled"
    assert result.error_type == "Runtime.ExitError"
    assert result.json() == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {result.request_id} Error: Runtime exited with error:"
        " exit status 1",
    }
    after = cloud.invoke("crasher", {"action": "count"})
    assert after.ok
    assert after.json()["count"] == 1


def test_past_its_memory_size_a_function_is_out_of_memory_and_the_next_invoke_works(cloud):
    result = cloud.invoke("hog", {"action": "allocate", "mb": 256})

    assert result.function_error == "Unhandled"
    assert result.error_type == "Runtime.OutOfMemory"
    assert result.max_memory_used_mb == 128
    lines = cloud.log_lines(result.request_id)
    assert any("Max Memory Used: 128 MB" in line for line in lines)
    after = cloud.invoke("hog", {"action": "allocate", "mb": 1})
    assert after.ok
    assert after.max_memory_used_mb < 128


def test_a_function_printing_10_mb_completes_with_a_4_kb_log_tail(cloud):
    result = cloud.invoke("shouter", {"action": "shout", "mb": 10})

    assert result.ok
    assert result.json() == {"printed": 10}
    assert 0 < len(result.log_tail) <= LOG_TAIL_BYTES
    assert result.log_tail.rstrip().splitlines()[-1].startswith(b"REPORT RequestId: ")
    after = cloud.invoke("shouter", {"action": "count"})
    assert after.ok
    assert after.json()["count"] == 2  # the same environment served it
