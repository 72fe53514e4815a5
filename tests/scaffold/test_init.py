"""`lambdakit init`: the templates are listed, a non-empty folder is refused unless ``--force``,
and every template's project passes its own tests and `lambdakit build` right after init.

The projects' local-cloud tests exercise the REST API (FIDELITY 4.1.1, 4.1.2), S3 → Lambda
(FIDELITY 4.3.1) and SQS partial batch failures with redrive (FIDELITY 4.5.6, 4.5.7) end to end.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lambdakit.cli.main import cli
from lambdakit.scaffold.render import UnknownPlaceholderError, placeholders, render

# Whole apps with many worker processes: one after another on one xdist worker.
pytestmark = pytest.mark.xdist_group("whole-app")

SUITE_TIMEOUT = 300
"""A cold machine installs aws-lambda-powertools first; the build cache makes reruns quick."""
EXAMPLE = Path(__file__).parents[2] / "examples" / "object-counter"


def lambdakit(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _environment() -> dict[str, str]:
    """Ours, minus what pytest and xdist tell their own processes, and no bytecode written."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    environment["PYTHONDONTWRITEBYTECODE"] = "1"
    return environment


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=cwd,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=SUITE_TIMEOUT,
        check=False,
    )


def test_render_replaces_placeholders_and_refuses_unknown_ones() -> None:
    assert render("Runtime: {{runtime}} ({{ name }}) ${Keep}", {"runtime": "py", "name": "n"}) == (
        "Runtime: py (n) ${Keep}"
    )
    assert placeholders("{{a}} {{b}} {c}") == {"a", "b"}
    with pytest.raises(UnknownPlaceholderError):
        render("{{nope}}", {})


def test_list_names_every_template() -> None:
    result = lambdakit("init", "--list")

    assert result.exit_code == 0
    names = [line.split()[0] for line in result.output.splitlines()]
    assert names == ["api", "object-counter"]


def test_a_non_empty_folder_is_refused_unless_forced(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")

    refused = lambdakit("init", "api", str(tmp_path), "--name", "shop")

    assert refused.exit_code == 2
    assert "not empty" in refused.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]

    forced = lambdakit("init", "api", str(tmp_path), "--name", "shop", "--force")

    assert forced.exit_code == 0, forced.output
    assert (tmp_path / "keep.txt").read_text() == "mine"
    assert (tmp_path / "template.yaml").is_file()


def test_options_are_rendered_into_the_project(tmp_path: Path) -> None:
    result = lambdakit(
        "init", "api", str(tmp_path / "Shop API"), "--runtime", "python3.13", "--arch", "arm64"
    )

    assert result.exit_code == 0, result.output
    template = (tmp_path / "Shop API" / "template.yaml").read_text()
    assert "Runtime: python3.13" in template
    assert "- arm64" in template
    assert "POWERTOOLS_SERVICE_NAME: shop-api" in template  # the folder's name, made valid
    assert "{{" not in template
    assert (tmp_path / "Shop API" / ".gitignore").is_file()


def test_an_invalid_name_or_template_is_refused(tmp_path: Path) -> None:
    assert lambdakit("init", "api", str(tmp_path / "a"), "--name", "Bad_Name").exit_code == 2
    assert lambdakit("init", "nope", str(tmp_path / "b")).exit_code == 2
    assert not (tmp_path / "a").exists()


def test_object_counter_is_the_example_with_the_name_substituted(tmp_path: Path) -> None:
    result = lambdakit("init", "object-counter", str(tmp_path / "oc"), "--name", "tallies")

    assert result.exit_code == 0, result.output
    written = {p.relative_to(tmp_path / "oc") for p in (tmp_path / "oc").rglob("*") if p.is_file()}
    expected = {
        p.relative_to(EXAMPLE)
        for p in EXAMPLE.rglob("*")
        if p.is_file()
        and not {".lambdakit", "__pycache__"} & set(p.relative_to(EXAMPLE).parts)
        and p.suffix != ".pyc"
    }
    assert written == expected
    template = (tmp_path / "oc" / "template.yaml").read_text()
    assert "Default: tallies" in template
    assert "object-counter" not in template
    assert (tmp_path / "oc" / "src" / "counter" / "counter.py").read_bytes() == (
        EXAMPLE / "src" / "counter" / "counter.py"
    ).read_bytes()


@pytest.mark.parametrize(
    ("template", "options"),
    [("api", ["--arch", "arm64"]), ("object-counter", [])],
)
def test_the_generated_project_passes_its_tests_and_builds(
    tmp_path: Path, template: str, options: list[str]
) -> None:
    project = tmp_path / "project"
    generated = lambdakit("init", template, str(project), "--name", "demo-app", *options)
    assert generated.exit_code == 0, generated.output

    tests = _run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
        ],
        project,
    )
    assert tests.returncode == 0, f"{template} tests:\n{tests.stdout}\n{tests.stderr}"
    assert " passed" in tests.stdout

    built = _run([sys.executable, "-m", "lambdakit", "build", "--json"], project)
    assert built.returncode == 0, f"{template} build:\n{built.stdout}\n{built.stderr}"
    assert sorted((project / ".lambdakit" / "build").glob("*.zip"))
