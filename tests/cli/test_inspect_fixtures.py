"""`lambdakit inspect` gives a readable picture and valid JSON for every fixture and example."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from lambdakit.cli.main import cli

ROOT = Path(__file__).parent.parent.parent
APPS = sorted(
    {
        p.parent
        for pattern in ("tests/fixtures/*/*/template.*", "examples/*/template.yaml")
        for p in ROOT.glob(pattern)
    }
    | {p.parent for p in ROOT.glob("examples/*/cdk.json")}
)


@pytest.mark.parametrize("app", APPS, ids=lambda p: str(p.relative_to(ROOT)))
def test_inspect_renders_every_function_and_resource(app):
    result = CliRunner().invoke(cli, ["inspect", "-t", str(app)])
    assert result.exit_code == 0, result.stderr
    data = json.loads(CliRunner().invoke(cli, ["inspect", "-t", str(app), "--json"]).stdout)
    assert data["schema"] == "lambdakit.inspect/1"
    # every function, route target and emulated resource appears in the readable picture
    for fn in data["functions"]:
        assert fn["id"].split("/")[-1][:20] in result.stdout
    for res in data["resources"]:
        assert res["logicalId"][:20] in result.stdout
    for key in ("app", "stacks", "functions", "layers", "routes", "eventSources", "resources"):
        assert key in data
    for event in data["eventSources"]:
        assert event["function"] in {f["id"] for f in data["functions"]}


def test_there_are_fixtures_of_every_kind():
    kinds = {p.relative_to(ROOT).parts[2] for p in APPS if p.parts[-3] == "fixtures"}
    assert {"cfn", "sam"} <= kinds
    assert (ROOT / "examples/object-counter-cdk") in APPS
    assert (ROOT / "examples/object-counter") in APPS
