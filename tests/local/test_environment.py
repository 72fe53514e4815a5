"""Inside a worker: awslambdaric's context, variables, sys.path and the read-only code folder.

Each test invokes the real runtime (awslambdaric in a worker process) and asserts on what the
handler saw from the inside (FIDELITY 1.2, 2.1, 2.2, 2.3; T-RAPI through the real runtime).
"""

from __future__ import annotations

import base64
import json
import os
import re
import urllib.request
from pathlib import Path

import pytest

from lambdakit.packaging.interpreters import find_interpreter

LOG_STREAM = re.compile(r"^\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}$")
CLIENT_CONTEXT = {
    "client": {"installation_id": "install-1", "app_title": "app"},
    "custom": {"tenant": "blue"},
    "env": {"platform": "test"},
}


def test_context_fields_come_from_the_invoke_and_the_function_2_3_1_to_2_3_6(lambda_client):
    header = base64.b64encode(json.dumps(CLIENT_CONTEXT).encode()).decode()

    response = lambda_client.invoke(
        FunctionName="main",
        Qualifier="$LATEST",
        Payload=json.dumps({"action": "context"}),
        ClientContext=header,
    )

    seen = json.loads(response["Payload"].read())
    assert seen["aws_request_id"] == response["ResponseMetadata"]["RequestId"]  # 2.3.3
    assert seen["invoked_function_arn"] == (  # 1.2.3: qualified when a qualifier was used
        "arn:aws:lambda:us-east-1:123456789012:function:main:$LATEST"
    )
    assert seen["function_name"] == "main"
    assert seen["function_version"] == "$LATEST"
    assert seen["memory_limit_in_mb"] == "128"  # 2.3.2: a str in awslambdaric
    assert seen["log_group_name"] == "/aws/lambda/main"  # 2.1.6
    assert LOG_STREAM.match(seen["log_stream_name"])  # 2.1.6
    assert 0 < seen["remaining_ms"] <= 2000  # 2.3.4: the 2 s timeout, counting down
    assert seen["identity"] == [None, None]  # 2.3.5
    assert seen["client_context"] == {  # 2.3.6
        "custom": {"tenant": "blue"},
        "env": {"platform": "test"},
        "installation_id": "install-1",
    }


def test_an_unqualified_invoke_reports_the_unqualified_arn_and_no_client_context_2_3_5(cloud):
    seen = cloud.invoke("main", {"action": "context"}).json()

    assert seen["invoked_function_arn"] == "arn:aws:lambda:us-east-1:123456789012:function:main"
    assert seen["client_context"] is None


def test_an_alias_invoke_reports_the_alias_arn_1_2_3(cloud):
    seen = cloud.invoke("alias-fn", {"action": "context"}, qualifier="live").json()

    assert seen["invoked_function_arn"].endswith(":function:alias-fn:live")


@pytest.fixture(scope="module")
def process(cloud) -> dict[str, object]:
    """What the main function's worker reports about its process."""
    return cloud.invoke("main", {"action": "process"}).json()


def test_reserved_and_default_variables_are_set_2_1_1_2_1_2(process, folders):
    environ = process["environ"]
    major, minor = process["version"]
    assert environ["_HANDLER"] == "handlers.handler"
    assert environ["AWS_REGION"] == "us-east-1"
    assert environ["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12"
    assert environ["AWS_LAMBDA_FUNCTION_NAME"] == "main"
    assert environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "128"
    assert environ["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert environ["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand"  # 2.1.5
    assert environ["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/main"
    assert LOG_STREAM.match(environ["AWS_LAMBDA_LOG_STREAM_NAME"])
    assert environ["AWS_LAMBDA_RUNTIME_API"].startswith("127.0.0.1:")  # 1.1.1
    assert environ["LAMBDA_TASK_ROOT"] == str(folders.main.resolve())
    assert Path(environ["LAMBDA_RUNTIME_DIR"]).is_dir()
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        assert environ[key]  # fake role credentials
    assert environ["TZ"] == "UTC"
    assert environ["LANG"] == "en_US.UTF-8"
    assert process["version"] == [major, minor]


def test_nothing_comes_from_the_host_environment_and_no_pythonpath_2_1_3(process):
    environ = process["environ"]
    assert "PYTHONPATH" not in environ
    assert "PYTEST_CURRENT_TEST" not in environ
    assert "VIRTUAL_ENV" not in environ
    assert "_X_AMZN_TRACE_ID" not in environ  # 1.4.10: no trace header, no variable


def test_sys_path_is_task_root_then_layers_then_stdlib_then_runtime_2_2_3_to_2_2_6(
    process, folders
):
    path = process["sys_path"]
    major, minor = process["version"]
    opt = folders.opt.resolve()
    runtime_dir = process["environ"]["LAMBDA_RUNTIME_DIR"]
    assert path[0] == str(folders.main.resolve())
    assert path[1] == f"{opt}/python/lib/python{major}.{minor}/site-packages"
    assert path[2] == f"{opt}/python"
    assert path[-1] == runtime_dir
    stdlib = path[3:-1]
    assert stdlib
    assert all(re.search(rf"python{major}\.?{minor}", entry) for entry in stdlib), stdlib
    assert not any("site-packages" in entry for entry in stdlib)
    assert process["layer_site"] == f"{path[1]}/layer_site.py"
    assert process["layer_top"] == f"{opt}/python/layer_top.py"
    assert process["boto3_file"].startswith(runtime_dir + "/")  # runtime-included boto3
    assert process["cwd"] == path[0]


def test_host_site_packages_are_not_importable(process):
    assert process["pytest_found"] is False  # pytest is in the dev venv, not the function


def test_a_python312_runtime_runs_on_python_312_when_installed(process):
    if find_interpreter((3, 12)) is None:
        pytest.skip("no Python 3.12 on this machine")
    assert process["version"] == [3, 12]
    assert process["environ"]["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12"


def test_the_code_folder_is_read_only_even_for_root(cloud, folders):
    seen = cloud.invoke("main", {"action": "write_task_root"}).json()

    assert seen["uid"] == os.getuid()
    assert seen["errors"] == dict.fromkeys(
        ("open", "append", "os_open", "mkdir", "remove", "rename"), seen["erofs"]
    )
    assert seen["erofs"] == 30
    assert sorted(p.name for p in folders.main.iterdir()) == ["handlers.py"]


def test_the_trace_header_becomes_x_amzn_trace_id_for_that_invoke_1_2_4_1_4_10(
    cloud, invoke_endpoint
):
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    request = urllib.request.Request(
        f"{invoke_endpoint}/2015-03-31/functions/main/invocations",
        data=json.dumps({"action": "process"}).encode(),
        headers={"X-Amzn-Trace-Id": trace},
        method="POST",
    )

    with urllib.request.urlopen(request, timeout=10) as response:
        traced = json.loads(response.read())
    untraced = cloud.invoke("main", {"action": "process"}).json()

    assert traced["environ"]["_X_AMZN_TRACE_ID"] == trace
    assert "_X_AMZN_TRACE_ID" not in untraced["environ"]  # removed again for the next invoke
