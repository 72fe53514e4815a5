"""The ``lambdakit`` pytest plugin: a project's tests get the app running through `local_cloud`
(a pytester run on a copy of hello-api), and its ini options are read as documented."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lambdakit.testing.plugin import parameter_overrides

pytest_plugins = ["pytester"]

HELLO_API = Path(__file__).parents[1] / "fixtures" / "sam" / "hello-api"

PROJECT_TEST = """
import json

import pytest

from lambdakit.testing import LocalCloud, events


def test_invoke_a_function_by_its_logical_id(local_cloud: LocalCloud):
    invoked = local_cloud.invoke("HelloFunction", events.api("GET", "/hello/ada"))
    assert invoked.ok, invoked.payload
    assert invoked.payload["statusCode"] == 200
    assert "START RequestId:" in invoked.logs  # FIDELITY 2.7.1


def test_invoke_by_physical_name_and_a_handled_failure(local_cloud: LocalCloud):
    name = local_cloud.name("EchoFunction")
    invoked = local_cloud.invoke(name, events.http_api("POST", "/echo", body={"x": 1}))
    assert invoked.payload == {"echo": json.dumps({"x": 1}), "routeKey": "POST /echo"}
    assert local_cloud.arn("EchoFunction").endswith(":function:" + name)
    failed = local_cloud.invoke("HelloFunction", [1, 2])  # event.get: AttributeError
    assert failed.function_error == "Unhandled"  # FIDELITY 2.6.2
    assert failed.payload["errorType"] == "AttributeError"  # FIDELITY 2.6.3


def test_routes_answer_on_the_api(local_cloud: LocalCloud):
    hello = local_cloud.get("/hello/grace")
    assert hello.status == 200
    assert hello.json()["message"] == "hello, grace"
    echo = local_cloud.request("POST", "/echo", body={"y": 2})
    assert echo.json() == {"echo": json.dumps({"y": 2}), "routeKey": "POST /echo"}
    assert local_cloud.get("/nowhere").status == 403  # FIDELITY 7.1.12 (no route: 403)


def test_names_of_resources_and_unknown_names(local_cloud: LocalCloud):
    assert local_cloud.resources == {
        "EchoFunction": local_cloud.name("EchoFunction"),
        "HelloFunction": local_cloud.name("HelloFunction"),
    }
    with pytest.raises(KeyError, match="HelloFunction"):
        local_cloud.invoke("Nope", {})
    with pytest.raises(KeyError, match="not a queue"):
        local_cloud.url("HelloFunction")


def test_session_and_logs(local_cloud: LocalCloud):
    assert local_cloud.session.region_name == local_cloud.region
    assert local_cloud.client("s3").list_buckets()["Buckets"] == []
    assert local_cloud.wait_for(lambda: "START RequestId:" in local_cloud.log_file.read_text())
"""


def _project(pytester: pytest.Pytester, ini: str) -> None:
    shutil.copytree(HELLO_API, pytester.path / "app")
    pytester.makeini(ini)
    pytester.makepyfile(test_app=PROJECT_TEST)


def test_a_project_tests_its_app_through_local_cloud(pytester: pytest.Pytester) -> None:
    """Invoke by logical id and name, a failed invoke, the API routes, names, boto3 and the log
    file; FIDELITY statements in the project's test."""
    _project(pytester, "[pytest]\nlambdakit_template = app/template.yaml\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=120)
    result.assert_outcomes(passed=5)


def test_the_template_fixture_can_be_overridden(pytester: pytest.Pytester) -> None:
    """Without the ini option the rootdir is the app; a conftest may choose another."""
    pytester.makeini("[pytest]\n")
    pytester.makepyfile(
        test_default="""
def test_default(local_cloud_template, pytestconfig):
    assert local_cloud_template == pytestconfig.rootpath
"""
    )
    assert pytester.runpytest("-p", "no:cacheprovider").ret == 0
    pytester.makeconftest(
        "import pytest\n\n"
        "@pytest.fixture(scope='session')\n"
        "def local_cloud_template(pytestconfig):\n"
        "    return pytestconfig.rootpath / 'app'\n"
    )
    pytester.makepyfile(
        test_default="""
def test_default(local_cloud_template, pytestconfig):
    assert local_cloud_template == pytestconfig.rootpath / 'app'
"""
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_parameter_overrides_take_pairs_on_one_or_many_lines() -> None:
    assert parameter_overrides(["A=1 B=x=y", "C="]) == {"A": "1", "B": "x=y", "C": ""}
    with pytest.raises(pytest.UsageError, match="Name=Value"):
        parameter_overrides(["oops"])
