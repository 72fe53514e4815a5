"""The CLI contract: user errors are one line with a hint and an exit code; start-up stays light."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from lambdakit.cli.main import cli

FIXTURES = Path(__file__).parent.parent / "fixtures"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_a_template_syntax_error_is_one_line_with_file_line_column(tmp_path):
    bad = tmp_path / "template.yaml"
    bad.write_text("Resources:\n  Fn: [\n")
    code, out, err = run("inspect", "-t", str(bad))
    assert code == 1
    assert err.startswith(f"error: {bad}:3:")
    assert "Traceback" not in out + err


def test_no_app_in_the_folder_explains_where_it_looked(tmp_path):
    code, _, err = run("inspect", "-t", str(tmp_path))
    assert code == 1
    assert "no template.yaml" in err
    assert "hint: pass the template with -t PATH" in err


def test_bad_parameter_override_syntax_is_a_usage_error():
    code, _, err = run(
        "inspect", "-t", str(FIXTURES / "cfn/kitchen-sink"), "--parameter-overrides", "Stage"
    )
    assert code == 2
    assert "is not KEY=VALUE" in err


def test_an_override_for_an_undeclared_parameter_names_the_declared_ones():
    code, _, err = run(
        "inspect", "-t", str(FIXTURES / "cfn/kitchen-sink"), "--parameter-overrides", "Stag=prod"
    )
    assert code == 1
    assert "Stag" in err
    assert "hint: declared parameters: Stage" in err


def test_sam_cli_style_overrides_are_accepted():
    code, out, err = run(
        "inspect",
        "-t",
        str(FIXTURES / "cfn/kitchen-sink"),
        "--json",
        "--parameter-overrides",
        "ParameterKey=Stage,ParameterValue=prod BucketPrefix=zz",
    )
    assert code == 0, err
    stack = json.loads(out)["stacks"][0]
    values = {p["name"]: p["value"] for p in stack["parameters"]}
    assert values["Stage"] == "prod"
    assert values["BucketPrefix"] == "zz"


def test_help_imports_no_heavy_library():
    # GIVEN `lambdakit --help` WHEN it runs THEN the template and AWS libraries stay unloaded
    probe = (
        "import sys\n"
        "from lambdakit.cli.main import cli\n"
        "try:\n"
        "    cli(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('samtranslator', 'yaml', 'rich', 'boto3', 'botocore', "
        "'lambdakit.sources.discover') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert "HEAVY []" in out


def test_python_dash_m_runs_the_cli():
    result = subprocess.run(
        [sys.executable, "-m", "lambdakit", "--version"], capture_output=True, text=True, check=True
    )
    assert "lambdakit" in result.stdout
