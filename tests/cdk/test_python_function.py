"""lambdakit.cdk: PythonFunction and PythonLayerVersion synthesized in-process with aws-cdk-lib.

The first synth of a process loads aws-cdk-lib into node (the slow part); the others reuse it.
Bundling goes through CDK's local hook only: the Docker image CDK is given
(`PLACEHOLDER_IMAGE`) exists in no registry, so a synth that reached Docker would fail.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

aws_cdk = pytest.importorskip("aws_cdk")
from aws_cdk import aws_lambda as lambda_  # noqa: E402 - only once aws_cdk is known to exist

from lambdakit.cdk import BundlingOptions, PythonFunction, PythonLayerVersion  # noqa: E402
from lambdakit.cdk.bundling import STATE_DIR_ENV  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("whole-app")]

HANDLER = "import idna\n\n\ndef handler(event, context):\n    return idna.encode('example.com')\n"


@pytest.fixture(autouse=True)
def state_dir(tmp_path, monkeypatch) -> Path:
    """Bundling locks and zips under the test's folder, not the current one."""
    state = tmp_path / "state"
    monkeypatch.setenv(STATE_DIR_ENV, str(state))
    return state


def make_project(root: Path, pin: str = "idna==3.7") -> Path:
    entry = root / "services" / "api" / "runtime"
    entry.mkdir(parents=True)
    (entry / "index.py").write_text(HANDLER)
    (entry / "requirements.txt").write_text(f"{pin}\n")
    (root / "README.md").write_text("not part of any asset\n")
    return entry


def synth(entry: Path, out: Path, *, bundle: bool = True, layer: Path | None = None) -> dict:
    """The stack's template; with `bundle` False CDK skips bundling (hashes only)."""
    context: dict = {"aws:cdk:enable-asset-metadata": True}  # as the CDK CLI synthesizes
    if not bundle:
        context["aws:cdk:bundling-stacks"] = []
    app = aws_cdk.App(outdir=str(out), context=context)
    stack = aws_cdk.Stack(app, "Demo")
    PythonFunction(
        stack,
        "Api",
        entry=str(entry),
        runtime=lambda_.Runtime.PYTHON_3_12,
        architecture=lambda_.Architecture.ARM_64,
        memory_size=256,
    )
    if layer is not None:
        PythonLayerVersion(
            stack,
            "Shared",
            entry=str(layer),
            compatible_runtimes=[lambda_.Runtime.PYTHON_3_12],
            compatible_architectures=[lambda_.Architecture.ARM_64],
        )
    app.synth()
    return json.loads((out / "Demo.template.json").read_text())


def resource(template: dict, kind: str) -> dict:
    (found,) = [r for r in template["Resources"].values() if r["Type"] == kind]
    return found


def asset_hash(template: dict, kind: str = "AWS::Lambda::Function") -> str:
    """The asset's hash, from the S3 key CDK gives it (``<hash>.zip``)."""
    properties = resource(template, kind)["Properties"]
    code = properties["Code"] if "Code" in properties else properties["Content"]
    return code["S3Key"].removesuffix(".zip")


def test_synth_bundles_the_handler_and_its_pinned_package_without_docker(tmp_path):
    """FIDELITY 2.2.1 (code at the root of /var/task), 2.2.2 (a layer's content under python/)."""
    entry = make_project(tmp_path / "project")
    layer = tmp_path / "layer"
    layer.mkdir()
    (layer / "shared.py").write_text("VALUE = 1\n")
    (layer / "requirements.txt").write_text("idna==3.7\n")

    template = synth(entry, tmp_path / "out", layer=layer)

    function = resource(template, "AWS::Lambda::Function")["Properties"]
    assert function["Handler"] == "index.handler"
    assert function["Runtime"] == "python3.12"
    assert function["Architectures"] == ["arm64"]
    assert function["MemorySize"] == 256
    asset = tmp_path / "out" / f"asset.{asset_hash(template)}"
    assert (asset / "index.py").read_text() == HANDLER
    assert (asset / "idna" / "core.py").is_file()
    assert list(asset.glob("idna-3.7.dist-info"))
    assert list((asset / "__pycache__").glob("index.cpython-312.pyc"))  # lambdakit compiled it
    layer_asset = tmp_path / "out" / f"asset.{asset_hash(template, 'AWS::Lambda::LayerVersion')}"
    assert (layer_asset / "python" / "shared.py").is_file()
    assert (layer_asset / "python" / "idna" / "core.py").is_file()
    assert not (layer_asset / "python" / "requirements.txt").exists()
    assert sorted(p.name for p in layer_asset.iterdir()) == ["python"]


def test_asset_hash_follows_the_pin_and_ignores_unrelated_files(tmp_path):
    entry = make_project(tmp_path / "project")
    first = asset_hash(synth(entry, tmp_path / "out1", bundle=False))

    (tmp_path / "project" / "README.md").write_text("edited\n")
    (entry / "__pycache__").mkdir()
    (entry / "__pycache__" / "index.cpython-312.pyc").write_bytes(b"stale")
    unrelated = asset_hash(synth(entry, tmp_path / "out2", bundle=False))

    (entry / "requirements.txt").write_text("idna==3.6\n")
    bumped = asset_hash(synth(entry, tmp_path / "out3", bundle=False))

    (entry / "requirements.txt").write_text("idna==3.7\n")
    (entry / "index.py").write_text(HANDLER + "# changed\n")
    code_changed = asset_hash(synth(entry, tmp_path / "out4", bundle=False))

    assert unrelated == first
    assert bumped != first
    assert code_changed not in (first, bumped)


def test_a_failed_bundle_is_an_error_naming_the_function_not_a_docker_run(tmp_path):
    entry = make_project(tmp_path / "project", pin="--no-index\nidna==3.7")

    with pytest.raises(Exception, match=r"lambdakit could not bundle Demo/Api") as caught:
        synth(entry, tmp_path / "out")

    assert "docker" not in str(caught.value).lower()


def test_bundling_options_exclude_files_from_the_hash_or_replace_it(tmp_path):
    entry = make_project(tmp_path / "project")
    (entry / "notes.txt").write_text("left out\n")

    def hashed(options: BundlingOptions, out: str) -> str:
        context = {"aws:cdk:bundling-stacks": []}
        app = aws_cdk.App(outdir=str(tmp_path / out), context=context)
        stack = aws_cdk.Stack(app, "Demo")
        PythonFunction(
            stack, "Api", entry=entry, runtime=lambda_.Runtime.PYTHON_3_12, bundling=options
        )
        return asset_hash(app.synth().get_stack_by_name("Demo").template)

    excluding = BundlingOptions(asset_excludes=["notes.txt"], quiet=True)
    before = hashed(excluding, "out1")
    (entry / "notes.txt").write_text("edited, still left out\n")

    assert hashed(excluding, "out2") == before
    assert hashed(BundlingOptions(), "out3") != before
    fixed = BundlingOptions(asset_hash="fixed", quiet=True)
    before_edit = hashed(fixed, "out4")
    (entry / "index.py").write_text(HANDLER + "# changed\n")
    assert hashed(fixed, "out5") == before_edit  # the user's hash decides alone
