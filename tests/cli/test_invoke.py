"""`lambdakit invoke`: one local invoke, response on stdout, logs on stderr, exit 1 on error."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURE = Path(__file__).parents[1] / "fixtures" / "sam" / "invoke"


@pytest.fixture(scope="module")
def app_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("invoke") / "app"
    shutil.copytree(FIXTURE, target)
    return target


def _invoke(
    app_dir: Path, *args: str, stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "lambdakit", "invoke", "-t", str(app_dir), *args],
        input=stdin,
        capture_output=True,
        timeout=120,
        check=False,
    )


def test_the_response_goes_to_stdout_and_the_logs_to_stderr(app_dir: Path) -> None:
    event = app_dir / "event.json"
    event.write_text(json.dumps({"name": "lambdakit"}))
    done = _invoke(app_dir, "EchoFunction", "-e", str(event))
    assert done.returncode == 0, done.stderr.decode()
    response = json.loads(done.stdout)
    assert response["event"] == {"name": "lambdakit"}
    assert response["greeting"] == "hello"
    logs = done.stderr.decode()
    assert "START RequestId:" in logs
    assert "echoing ['name']" in logs
    assert "REPORT RequestId:" in logs
    assert "Init Duration:" in logs  # FIDELITY 2.7.1: the first invoke of an environment


def test_the_event_can_come_from_stdin_and_env_vars_override_declared_variables(
    app_dir: Path,
) -> None:
    env = app_dir / "env.json"
    env.write_text(
        json.dumps({"Parameters": {"STAGE": "dev"}, "EchoFunction": {"GREETING": "hi", "X": "1"}})
    )
    done = _invoke(app_dir, "EchoFunction", "-e", "-", "--env-vars", str(env), stdin=b'{"a": 1}')
    assert done.returncode == 0, done.stderr.decode()
    response = json.loads(done.stdout)
    assert (response["greeting"], response["stage"], response["event"]) == ("hi", "dev", {"a": 1})
    assert "sets X for EchoFunction, which the template does not declare" in done.stderr.decode()


def test_a_function_error_prints_lambdas_error_payload_and_exits_1(app_dir: Path) -> None:
    done = _invoke(app_dir, "FailFunction", "--json")
    assert done.returncode == 1
    result = json.loads(done.stdout)
    assert result["functionError"] == "Unhandled"
    assert result["payload"]["errorType"] == "ValueError"
    assert set(result["payload"]) == {"errorMessage", "errorType", "requestId", "stackTrace"}
    assert "[ERROR] ValueError: no good" in done.stderr.decode()


def test_bad_input_is_one_line_without_a_traceback(app_dir: Path) -> None:
    (app_dir / "broken.json").write_text("{not json")
    cases = [
        (("EchoFunction", "-e", str(app_dir / "broken.json")), "the event is not valid JSON"),
        (("EchoFunction", "-e", str(app_dir / "missing.json")), "cannot read the event file"),
        (("NoSuchFunction",), "no function 'NoSuchFunction'"),
        (("EchoFunction", "--qualifier", "7"), "ResourceNotFoundException"),
    ]
    for args, message in cases:
        done = _invoke(app_dir, *args)
        errors = done.stderr.decode()
        assert done.returncode in (1, 2), errors
        assert message in errors
        assert "Traceback" not in errors
