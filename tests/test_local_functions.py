"""The app → local runtime wiring: physical names, env.json overrides (SAM's rules), checks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lambdakit import load_app
from lambdakit.errors import FunctionConfigError, UsageError
from lambdakit.local_functions import local_functions, physical_name, read_env_file

FIXTURE = Path(__file__).parent / "fixtures" / "sam" / "invoke"


@pytest.fixture
def app_dir(tmp_path: Path) -> Path:
    target = tmp_path / "app"
    shutil.copytree(FIXTURE, target)
    return target


def test_physical_names_are_stable_cloudformation_shaped_and_at_most_64_chars() -> None:
    name = physical_name("object-counter", "CounterFunction")
    assert name == physical_name("object-counter", "CounterFunction")
    assert name.startswith("object-counter-CounterFunction-")
    assert len(name.rsplit("-", 1)[1]) == 12
    assert name != physical_name("object-counter", "WorkerFunction")
    assert len(physical_name("s" * 200, "L" * 200)) <= 64


def test_functions_carry_the_templates_settings(app_dir: Path) -> None:
    functions = {fn.id: fn for fn in local_functions(load_app(app_dir))}
    echo = functions["EchoFunction"]
    assert (echo.handler, echo.runtime, echo.timeout_seconds) == ("app.echo", "python3.11", 3.0)
    assert echo.environment == {"GREETING": "hello", "STAGE": "prod"}
    assert echo.arn.endswith(f":function:{echo.name}")
    assert echo.log_group_name == f"/aws/lambda/{echo.name}"


def test_env_file_parameters_apply_to_all_then_the_functions_own_section(app_dir: Path) -> None:
    overrides = {"Parameters": {"STAGE": "dev"}, "EchoFunction": {"GREETING": "hi", "NEW": "x"}}
    warnings: list[str] = []
    functions = {
        fn.id: fn
        for fn in local_functions(load_app(app_dir), overrides=overrides, warn=warnings.append)
    }
    assert functions["EchoFunction"].environment == {"GREETING": "hi", "STAGE": "dev"}
    assert functions["FailFunction"].environment == {"GREETING": "hello", "STAGE": "dev"}
    assert len(warnings) == 1
    assert "NEW" in warnings[0]
    assert "ignored, as SAM does" in warnings[0]


def test_reading_env_files(tmp_path: Path) -> None:
    good = tmp_path / "env.json"
    good.write_text(json.dumps({"Fn": {"N": 3, "B": True, "S": "s"}}))
    assert read_env_file(good) == {"Fn": {"N": "3", "B": "true", "S": "s"}}
    bad = tmp_path / "bad.json"
    for text, message in [("{", "not valid JSON"), ('{"Fn": 1}', "an object of objects")]:
        bad.write_text(text)
        with pytest.raises(UsageError, match=message):
            read_env_file(bad)
    with pytest.raises(UsageError, match="cannot read"):
        read_env_file(tmp_path / "missing.json")


def test_variables_past_4_kb_after_overrides_are_refused(app_dir: Path) -> None:
    """T-LIMITS: the template's literal values are checked at load; env.json values here."""
    overrides = {"EchoFunction": {"GREETING": "x" * 4100}}
    with pytest.raises(FunctionConfigError, match="over Lambda's 4 KB limit"):
        local_functions(load_app(app_dir), overrides=overrides)
