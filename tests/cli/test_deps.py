"""`lambdakit deps`: export each service's dependency group as a requirements.txt; `--check` for CI.

Runs on a copy of tests/fixtures/deps/two-services (a SAM app whose two functions map to the
groups `orders` and `billing` of the central pyproject.toml by their service folder's name).
No FIDELITY statement applies: this is a lambdakit project convention, not Lambda behaviour.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from lambdakit.cli.main import cli

FIXTURE = Path(__file__).parent.parent / "fixtures" / "deps" / "two-services"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURE, tmp_path / "two-services"))


def run(project: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["deps", "-t", str(project), *args])
    return result.exit_code, result.stdout, result.stderr


def test_writes_then_check_passes_then_a_group_edit_makes_it_fail(project):
    orders = project / "services/orders/runtime/requirements.txt"
    billing = project / "services/billing/runtime/requirements.txt"

    # WHEN nothing was exported yet THEN --check fails and writes nothing
    code, _, err = run(project, "--check")
    assert code == 1
    assert "2 requirements.txt file(s) missing or stale" in err
    assert not orders.exists() and not billing.exists()

    # WHEN deps runs THEN each runtime folder gets its group's lines under a header
    code, out, _ = run(project)
    assert code == 0, out
    assert "2 written" in out
    assert (
        orders.read_text()
        .splitlines()[0]
        .startswith(
            "# generated from pyproject.toml [dependency-groups] orders by `lambdakit deps`"
        )
    )
    assert billing.read_text().splitlines()[2:] == ["stripe>=8", "requests>=2.31"]

    # THEN --check passes, and a second run writes nothing
    assert run(project, "--check")[0] == 0
    code, out, _ = run(project)
    assert code == 0 and "0 written, 2 already up to date" in out

    # WHEN the orders group changes THEN --check exits 1 naming that file only, writing nothing
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"pydantic>=2"', '"pydantic>=2.7"'))
    before = orders.read_text()
    code, out, err = run(project, "--check")
    assert code == 1
    stale = [line for line in out.splitlines() if line.startswith("stale")]
    assert len(stale) == 1 and stale[0].endswith(
        "services/orders/runtime/requirements.txt  (pyproject.toml [dependency-groups] orders)"
    )
    assert orders.read_text() == before


def test_the_exported_file_does_not_take_over_from_the_group(project):
    # GIVEN exported files WHEN the group changes THEN the function still follows the group
    # (an exported requirements.txt is a copy, not a declaration: `find_dependencies` looks past it)
    run(project)
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"pydantic>=2"', '"pydantic>=2.7"'))

    code, out, _ = run(project, "--json")

    assert code == 0
    files = {Path(row["path"]).parts[-3]: row for row in json.loads(out)["files"]}
    assert files["orders"]["state"] == "written"
    assert files["billing"]["state"] == "current"
    assert files["orders"]["functions"] == ["OrdersFunction"]
    assert "pydantic>=2.7" in (project / "services/orders/runtime/requirements.txt").read_text()


def test_check_json_reports_missing_files(project):
    code, out, _ = run(project, "--check", "--json")

    assert code == 1
    report = json.loads(out)
    assert report["ok"] is False
    assert sorted(row["state"] for row in report["files"]) == ["missing", "missing"]


def test_a_function_with_its_own_requirements_txt_has_nothing_to_export(project):
    handwritten = project / "services/billing/runtime/requirements.txt"
    handwritten.write_text("stripe==8.0.0\n")

    code, out, _ = run(project, "--json")

    assert code == 0
    assert [Path(row["path"]).parts[-3] for row in json.loads(out)["files"]] == ["orders"]
    assert handwritten.read_text() == "stripe==8.0.0\n"
