"""Tests of reading cloud assemblies and of running CDK apps (lambdakit.sources.cdk).

Hand-written assemblies live in tests/fixtures/cdk/; `fake-app` stands in for a CDK app to test
how `synth` runs one without Node.js. The real synth of examples/object-counter-cdk runs once
per test run (tests marked slow).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from lambdakit.errors import CdkError
from lambdakit.model import AssetCode
from lambdakit.sources.cdk import AssemblyStack, is_assembly, is_cdk_app, read_assembly, synth

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cdk"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXAMPLE = EXAMPLES / "object-counter-cdk"

HANDLER_HASH = "3128389bb1c21bafeaa7b6e627026558f2845a3817f88436925b1ed9f845973e"
REPORTER_HASH = "c49fea7425fa7f8699897a97c159c6690267d9003bb78c53fafa8fc15c325d84"
LAYER_HASH = "dac1d7cfa95021764849fd102524e141488c5e3a90f861dbb5a12d9ac8584f85"
TEMPLATE_HASH = "5cde0f1298f41f7d1c8b907a36992a7a513225a2615bd6e307bf1a9149b06b40"
PROD_FN_HASH = "7c662fa0dd5ca68f70416c6a5910fb739befa7481041cf6debc952df9ad28678"


def copy_fixture(name: str, tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURES / name, tmp_path / name))


def only_stack(cdk_out: Path) -> AssemblyStack:
    stacks = read_assembly(cdk_out)
    assert len(stacks) == 1
    return stacks[0]


# --------------------------------------------------------------------------- detection


def test_is_assembly_recognizes_a_cloud_assembly(tmp_path):
    assert is_assembly(FIXTURES / "single-stack")
    assert is_assembly(FIXTURES / "stage" / "assembly-Prod")
    assert is_assembly(FIXTURES / "bad-manifest")  # damaged, but reading it says why
    assert not is_assembly(tmp_path)
    (tmp_path / "manifest.json").write_text('{"name": "a web app", "icons": []}')
    assert not is_assembly(tmp_path)


def test_is_cdk_app_needs_a_cdk_json_with_an_app_command(tmp_path):
    assert is_cdk_app(EXAMPLE)
    assert is_cdk_app(FIXTURES / "fake-app")
    assert not is_cdk_app(tmp_path)
    (tmp_path / "cdk.json").write_text('{"context": {}}')
    assert not is_cdk_app(tmp_path)


# --------------------------------------------------------------------------- one stack


def test_single_stack_is_read_with_its_name_environment_and_template():
    stack = only_stack(FIXTURES / "single-stack")

    assert stack.name == "object-counter"  # properties.stackName
    assert stack.artifact_id == "CounterStack"
    assert stack.template_file == FIXTURES / "single-stack" / "CounterStack.template.json"
    assert "Handler886CB40B" in stack.template["Resources"]
    assert (stack.region, stack.account) == (None, None)  # aws://unknown-account/unknown-region
    assert stack.dependencies == ()


def test_function_with_asset_metadata_maps_to_its_staged_folder():
    stack = only_stack(FIXTURES / "single-stack")

    code = stack.code["Handler886CB40B"]

    assert code == AssetCode(
        path=FIXTURES / "single-stack" / f"asset.{HANDLER_HASH}", asset_hash=HANDLER_HASH
    )
    assert code.path.is_absolute()
    assert (code.path / "index.py").is_file()


def test_function_without_asset_metadata_maps_through_its_s3_key():
    # GIVEN a function with no Metadata at all, whose S3Key is an object key of the asset manifest
    stack = only_stack(FIXTURES / "single-stack")

    # THEN its code is the staged zip, and its construct path comes from the manifest's metadata
    assert stack.code["Reporter6B8A5F0D"] == AssetCode(
        path=FIXTURES / "single-stack" / f"asset.{REPORTER_HASH}.zip", asset_hash=REPORTER_HASH
    )
    assert stack.construct_paths["Reporter6B8A5F0D"] == "CounterStack/Reporter/Resource"


def test_layer_content_maps_to_its_staged_folder():
    stack = only_stack(FIXTURES / "single-stack")

    assert stack.code["DepsLayerF7DF9BF7"] == AssetCode(
        path=FIXTURES / "single-stack" / f"asset.{LAYER_HASH}", asset_hash=LAYER_HASH
    )


def test_inline_and_s3_code_are_not_assets():
    stack = only_stack(FIXTURES / "single-stack")

    assert set(stack.code) == {"Handler886CB40B", "Reporter6B8A5F0D", "DepsLayerF7DF9BF7"}
    notifications_handler = "BucketNotificationsHandler050a0587b7544547bf325f094a3db8347ECC3691"
    assert notifications_handler not in stack.code  # Code.ZipFile
    assert "Prebuilt5E6F7A8B" not in stack.code  # a bucket and key of the user's


def test_every_file_asset_of_the_stack_is_listed_by_hash():
    stack = only_stack(FIXTURES / "single-stack")
    root = FIXTURES / "single-stack"

    assert stack.assets == {
        HANDLER_HASH: root / f"asset.{HANDLER_HASH}",
        REPORTER_HASH: root / f"asset.{REPORTER_HASH}.zip",
        LAYER_HASH: root / f"asset.{LAYER_HASH}",
        TEMPLATE_HASH: root / "CounterStack.template.json",
    }


def test_construct_paths_come_from_the_template_metadata():
    stack = only_stack(FIXTURES / "single-stack")

    assert stack.construct_paths["Handler886CB40B"] == "CounterStack/Handler/Resource"
    assert stack.construct_paths["BucketNotifications8F2E257D"] == (
        "CounterStack/Bucket/Notifications/Resource"
    )


def test_bucket_notifications_stay_in_the_template_as_cdk_writes_them():
    # CDK configures bucket notifications through a custom resource, not the bucket's
    # NotificationConfiguration: events are extracted from it downstream, from the template.
    stack = only_stack(FIXTURES / "single-stack")

    resource = stack.template["Resources"]["BucketNotifications8F2E257D"]
    config = resource["Properties"]["NotificationConfiguration"]

    assert resource["Type"] == "Custom::S3BucketNotifications"
    assert resource["Properties"]["BucketName"] == {"Ref": "Bucket83908E77"}
    assert [c["Events"] for c in config["LambdaFunctionConfigurations"]] == [
        ["s3:ObjectCreated:*"],
        ["s3:ObjectRemoved:Delete"],
    ]
    assert config["QueueConfigurations"][0]["QueueArn"] == {"Fn::GetAtt": ["InboxA8E05DC3", "Arn"]}


def test_a_relative_assembly_path_gives_absolute_paths(monkeypatch):
    monkeypatch.chdir(FIXTURES)

    stack = only_stack(Path("single-stack"))

    assert stack.template_file.is_absolute()
    assert all(path.is_absolute() for path in stack.assets.values())


# --------------------------------------------------------------------------- stages


def test_stage_stacks_are_read_from_the_nested_assembly_dependencies_first():
    # GIVEN a stage whose manifest lists Api (which imports Shared's queue URL) before Shared
    stacks = read_assembly(FIXTURES / "stage")

    # THEN both come back, Shared first, with ids made unique by the stage's path
    assert [s.artifact_id for s in stacks] == ["Prod/Shared", "Prod/Api"]
    assert [s.name for s in stacks] == ["Prod-Shared", "Prod-Api"]
    assert stacks[1].dependencies == ("Prod/Shared",)
    assert stacks[0].dependencies == ()


def test_stage_stacks_have_their_environment_and_cross_stack_import():
    shared, api = read_assembly(FIXTURES / "stage")

    assert (api.region, api.account) == ("eu-west-1", "111111111111")
    assert api.template_file == FIXTURES / "stage/assembly-Prod/ProdApi2466CF1F.template.json"
    function = api.template["Resources"]["Fn9270CBC0"]
    export = shared.template["Outputs"]["ExportsOutputRefQueue4A7E3555425E8BD3"]["Export"]["Name"]
    assert function["Properties"]["Environment"]["Variables"]["QUEUE_URL"] == {
        "Fn::ImportValue": export
    }


def test_stage_assets_are_staged_in_the_top_assembly_folder():
    _, api = read_assembly(FIXTURES / "stage")

    assert api.code["Fn9270CBC0"] == AssetCode(
        path=FIXTURES / "stage" / f"asset.{PROD_FN_HASH}", asset_hash=PROD_FN_HASH
    )
    assert api.construct_paths["Fn9270CBC0"] == "Prod/Api/Fn/Resource"


def test_a_stack_without_display_name_is_prefixed_with_its_stage(tmp_path):
    stage = copy_fixture("stage", tmp_path)
    manifest_file = stage / "assembly-Prod" / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    for artifact in manifest["artifacts"].values():
        artifact.pop("displayName", None)
    manifest_file.write_text(json.dumps(manifest))

    stacks = read_assembly(stage)

    assert [s.artifact_id for s in stacks] == ["Prod/ProdShared93D7F332", "Prod/ProdApi2466CF1F"]
    assert stacks[1].dependencies == ("Prod/ProdShared93D7F332",)


# --------------------------------------------------------------------------- other synthesizers


def test_legacy_asset_metadata_maps_a_function_to_its_asset(tmp_path):
    # GIVEN an assembly of the legacy synthesizer: no asset manifest, assets in the stack metadata
    legacy_hash = "a" * 64
    (tmp_path / f"asset.{legacy_hash}").mkdir()
    template = {
        "Resources": {
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Code": {"S3Bucket": {"Ref": "AssetParametersBucket"}}},
                "Metadata": {
                    "aws:asset:path": f"asset.{legacy_hash}",
                    "aws:asset:property": "Code",
                },
            }
        }
    }
    (tmp_path / "Legacy.template.json").write_text(json.dumps(template))
    asset = {"path": f"asset.{legacy_hash}", "id": legacy_hash, "packaging": "zip"}
    asset["sourceHash"] = legacy_hash
    manifest = {
        "version": "21.0.0",
        "artifacts": {
            "Legacy": {
                "type": "aws:cloudformation:stack",
                "environment": "aws://123456789012/us-west-2",
                "properties": {"templateFile": "Legacy.template.json"},
                "metadata": {
                    "/Legacy": [{"type": "aws:cdk:asset", "data": asset}],
                    "/Legacy/Fn/Resource": [{"type": "aws:cdk:logicalId", "data": "Fn"}],
                },
            }
        },
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))

    stack = only_stack(tmp_path)

    assert stack.code["Fn"] == AssetCode(
        path=tmp_path / f"asset.{legacy_hash}", asset_hash=legacy_hash
    )
    assert stack.construct_paths == {"Fn": "Legacy/Fn/Resource"}
    assert (stack.name, stack.region, stack.account) == ("Legacy", "us-west-2", "123456789012")


# --------------------------------------------------------------------------- errors


def test_missing_staged_asset_names_the_function_and_the_folder():
    with pytest.raises(CdkError) as caught:
        read_assembly(FIXTURES / "missing-asset")

    message = str(caught.value)
    assert "Broken/Fn/Resource" in message
    assert str(FIXTURES / "missing-asset" / "asset.") in message
    assert "\n" not in message
    assert "lambdakit synth" in (caught.value.hint or "")


def test_invalid_manifest_names_the_file_and_where():
    with pytest.raises(CdkError) as caught:
        read_assembly(FIXTURES / "bad-manifest")

    message = str(caught.value)
    assert message.startswith(f"{FIXTURES / 'bad-manifest' / 'manifest.json'}:")
    assert "not valid JSON" in message
    assert "lambdakit synth" in (caught.value.hint or "")


def test_a_folder_without_manifest_is_not_an_assembly(tmp_path):
    with pytest.raises(CdkError, match=r"no manifest\.json") as caught:
        read_assembly(tmp_path)

    assert "lambdakit synth" in (caught.value.hint or "")


def test_missing_template_is_named(tmp_path):
    assembly = copy_fixture("single-stack", tmp_path)
    (assembly / "CounterStack.template.json").unlink()

    with pytest.raises(CdkError, match=r"CounterStack\.template\.json: the .* template is missing"):
        read_assembly(assembly)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[1, 2]", "not a JSON object"),
        ('{"Resources": [', "not valid JSON"),
        ('{"Resources": []}', "not an object"),
    ],
)
def test_invalid_template_is_named(tmp_path, text, problem):
    assembly = copy_fixture("single-stack", tmp_path)
    (assembly / "CounterStack.template.json").write_text(text)

    with pytest.raises(CdkError, match=problem) as caught:
        read_assembly(assembly)

    assert str(assembly / "CounterStack.template.json") in str(caught.value)


def test_invalid_asset_manifest_is_named(tmp_path):
    assembly = copy_fixture("single-stack", tmp_path)
    (assembly / "CounterStack.assets.json").write_text("{")

    with pytest.raises(CdkError, match=r"CounterStack\.assets\.json:1:2: the asset manifest"):
        read_assembly(assembly)


def test_stacks_depending_on_each_other_are_an_error(tmp_path):
    stage = copy_fixture("stage", tmp_path)
    manifest_file = stage / "assembly-Prod" / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    manifest["artifacts"]["ProdShared93D7F332"]["dependencies"].append("ProdApi2466CF1F")
    manifest_file.write_text(json.dumps(manifest))

    with pytest.raises(CdkError, match="cycle: Prod/Api -> Prod/Shared -> Prod/Api"):
        read_assembly(stage)


# --------------------------------------------------------------------------- synth (fake app)


def seen(out: Path) -> dict:
    return json.loads((out / "seen.json").read_text())


def test_synth_runs_the_app_in_its_folder_with_the_cli_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    monkeypatch.delenv("CDK_DEFAULT_REGION", raising=False)
    monkeypatch.setenv("CDK_DEFAULT_ACCOUNT", "123456789012")
    out = tmp_path / "assembly"

    result = synth(FIXTURES / "fake-app", out_dir=out, context={"overridden": "command line"})

    assert result == out
    got = seen(out)
    assert got["cwd"] == str(FIXTURES / "fake-app")
    assert got["env"]["CDK_OUTDIR"] == str(out)
    assert got["env"]["CDK_DEFAULT_REGION"] == "eu-central-1"
    assert got["env"]["CDK_DEFAULT_ACCOUNT"] == "123456789012"
    assert got["context"] == {
        "from-context-cache": "cdk.context.json",
        "from-cdk-json": "cdk.json",
        "overridden": "command line",
        "aws:cdk:enable-path-metadata": True,
        "aws:cdk:enable-asset-metadata": True,
        "aws:cdk:version-reporting": True,
        "aws:cdk:bundling-stacks": ["**"],
    }
    assert is_assembly(out)


def test_synth_writes_to_the_output_of_cdk_json_by_default(tmp_path):
    app = copy_fixture("fake-app", tmp_path)

    assert synth(app) == app / "out"
    assert (app / "out" / "manifest.json").is_file()


def test_synth_honours_the_cli_settings_of_cdk_json(tmp_path):
    app = copy_fixture("fake-app", tmp_path)
    settings = json.loads((app / "cdk.json").read_text())
    settings |= {"versionReporting": False, "pathMetadata": False, "bundlingStacks": ["Prod/*"]}
    settings["build"] = "echo built > build-ran.txt"
    (app / "cdk.json").write_text(json.dumps(settings))

    out = synth(app)

    context = seen(out)["context"]
    assert "aws:cdk:enable-path-metadata" not in context
    assert "aws:cdk:version-reporting" not in context
    assert context["aws:cdk:disable-version-reporting"] is True
    assert context["aws:cdk:bundling-stacks"] == ["Prod/*"]
    assert (app / "build-ran.txt").read_text().strip() == "built"


def test_synth_passes_a_large_context_through_a_file(tmp_path):
    big = {f"key{i}": "x" * 1000 for i in range(150)}

    out = synth(FIXTURES / "fake-app", out_dir=tmp_path / "out", context=big)

    got = seen(out)
    assert got["overflow"] is True
    assert got["context"]["key149"] == "x" * 1000


def test_synth_finds_python_in_the_virtual_environment_lambdakit_runs_in(tmp_path, monkeypatch):
    # GIVEN lambdakit run from a venv that is not activated: python3 on PATH is another one
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)

    out = synth(FIXTURES / "fake-app", out_dir=tmp_path / "out")

    assert seen(out)["prefix"] == sys.prefix


def test_synth_prefers_the_apps_own_venv(tmp_path, monkeypatch):
    app = copy_fixture("fake-app", tmp_path)
    bin_dir = app / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python3").write_text('#!/bin/sh\necho "the app venv python" >&2\nexit 9\n')
    (bin_dir / "python3").chmod(0o755)

    with pytest.raises(CdkError, match="the app venv python"):
        synth(app)


def test_synth_failure_shows_the_last_lines_of_stderr(tmp_path):
    with pytest.raises(CdkError) as caught:
        synth(FIXTURES / "fake-app", out_dir=tmp_path / "out", context={"fail": "yes"})

    message = str(caught.value)
    assert "`python3 app.py` failed" in message
    assert "exit code 3" in message
    assert message.endswith("stderr line 30")
    assert "stderr line 11\n" in message
    assert "stderr line 10\n" not in message  # only the last 20 lines
    assert caught.value.hint


def test_synth_of_an_app_that_writes_no_assembly_is_an_error(tmp_path):
    with pytest.raises(CdkError, match="wrote no cloud assembly") as caught:
        synth(FIXTURES / "fake-app", out_dir=tmp_path / "out", context={"no-synth": "yes"})

    assert "app.synth()" in (caught.value.hint or "")


def test_synth_of_a_stale_assembly_is_an_error(tmp_path):
    out = synth(FIXTURES / "fake-app", out_dir=tmp_path / "out")

    with pytest.raises(CdkError, match="wrote no cloud assembly"):
        synth(FIXTURES / "fake-app", out_dir=out, context={"no-synth": "yes"})


def test_synth_with_an_unknown_command_says_so(tmp_path):
    (tmp_path / "cdk.json").write_text('{"app": "no-such-command-lambdakit app.py"}')

    with pytest.raises(CdkError, match="exit code 127") as caught:
        synth(tmp_path)

    assert "no-such-command-lambdakit" in (caught.value.hint or "")


@pytest.mark.parametrize(
    ("cdk_json", "problem"),
    [
        (None, "has no cdk.json"),
        ('{"context": {}}', "`app` must be a command line"),
        ("{", "not valid JSON"),
    ],
)
def test_synth_needs_a_cdk_json_with_an_app(tmp_path, cdk_json, problem):
    if cdk_json is not None:
        (tmp_path / "cdk.json").write_text(cdk_json)

    with pytest.raises(CdkError, match=problem):
        synth(tmp_path)


# --------------------------------------------------------------------------- the examples


def test_committed_example_assembly_reads_without_node():
    stack = only_stack(EXAMPLE / "cdk.out")

    assert (stack.name, stack.artifact_id) == ("object-counter", "CounterStack")
    functions = {
        stack.construct_paths[logical_id]: code
        for logical_id, code in stack.code.items()
        if stack.template["Resources"][logical_id]["Type"] == "AWS::Lambda::Function"
    }
    assert set(functions) == {
        "CounterStack/Counter/Handler/Resource",
        "CounterStack/Counter/ApiHandler/Resource",
        "CounterStack/Worker/Handler/Resource",
    }
    counter = functions["CounterStack/Counter/Handler/Resource"]
    # two functions share one asset: the counter's runtime folder
    assert functions["CounterStack/Counter/ApiHandler/Resource"] == counter
    assert (counter.path / "handler.py").is_file()
    assert (counter.path / "adapters" / "ports" / "counts.py").is_file()
    assert not list(counter.path.rglob("__pycache__"))
    worker = functions["CounterStack/Worker/Handler/Resource"]
    assert (worker.path / "adapters" / "fake.py").is_file()


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


@pytest.fixture(scope="module")
def fresh_synth(tmp_path_factory) -> Path:
    """The CDK example synthesized once per test run, shared by pytest-xdist workers."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the workers' common folder
    out = root / "object-counter-cdk.out"
    with (root / "object-counter-cdk.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (out / "manifest.json").exists():
            synth(EXAMPLE, out_dir=out)
    return out


@pytest.mark.slow
def test_fresh_synth_of_the_example_is_the_committed_assembly(fresh_synth):
    committed, fresh = files_of(EXAMPLE / "cdk.out"), files_of(fresh_synth)
    regenerate = (
        "regenerate it: rm -rf examples/object-counter-cdk/cdk.out && .venv/bin/uv run --frozen "
        "--no-sync python -c 'from pathlib import Path; from lambdakit.sources.cdk import synth; "
        'synth(Path("examples/object-counter-cdk"))\''
    )

    assert sorted(committed) == sorted(fresh), regenerate
    assert [name for name in committed if committed[name] != fresh[name]] == [], regenerate


@pytest.mark.slow
def test_fresh_synth_of_the_example_reads_back(fresh_synth):
    stack = only_stack(fresh_synth)

    assert stack.name == "object-counter"
    handler = "CounterHandlerBF553289"
    assert stack.construct_paths[handler] == "CounterStack/Counter/Handler/Resource"
    code = stack.code[handler]
    assert isinstance(code, AssetCode)
    assert code.path == fresh_synth / f"asset.{code.asset_hash}"
    assert stack.assets[code.asset_hash] == code.path
    resources = stack.template["Resources"]
    assert resources[handler]["Properties"]["Architectures"] == ["arm64"]
    notifications = resources["WatchedBucketNotifications90FDDADF"]
    assert notifications["Type"] == "Custom::S3BucketNotifications"
