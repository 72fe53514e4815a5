"""The deploy planner: the app and its build → one `DeployPlan` (issue 6, steps 2-4), offline.

Build artifacts are fabricated: small zips written to tmp_path, one per function and layer.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from lambdakit.deploy.instructions import DeploymentNote, DeployPlan, TransformMode
from lambdakit.deploy.planner import plan_deploy
from lambdakit.deploy.template_rewrite import BOOTSTRAP_REMOVED_NOTE
from lambdakit.errors import DeployError
from lambdakit.model import App
from lambdakit.packaging.manifest import Artifact
from lambdakit.sources.discover import load_app
from lambdakit.sources.sam import translate

ROOT = Path(__file__).parents[2]
SAM = ROOT / "tests" / "fixtures" / "sam"
COUNTER = ROOT / "examples" / "object-counter"
CDK = ROOT / "examples" / "object-counter-cdk" / "cdk.out"
ACCOUNT, REGION = "111122223333", "eu-west-1"
BUCKET = f"lambdakit-assets-{ACCOUNT}-{REGION}"


def _zip(folder: Path, name: str, content: str) -> tuple[Path, str, int]:
    path = folder / f"{name}.zip"
    info = zipfile.ZipInfo("app.py", date_time=(1980, 1, 1, 0, 0, 0))
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(info, content)
    data = path.read_bytes()
    return path, hashlib.sha256(data).hexdigest(), len(data)


def _build(
    app: App,
    tmp_path: Path,
    content: Mapping[str, str] | None = None,
    extra: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[Artifact]:
    """One artifact per unit; `content`: a unit's zip text (else its id); `extra`: fields."""
    out = []
    units = [("function", f.id) for f in app.functions] + [("layer", x.id) for x in app.layers]
    for kind, ident in units:
        path, sha, size = _zip(
            tmp_path, ident.replace("/", "__"), (content or {}).get(ident, ident)
        )
        out.append(
            Artifact(
                id=ident,
                kind="function" if kind == "function" else "layer",
                path=path,
                sha256=sha,
                size=size,
                uncompressed_size=size,
                target="cp312-manylinux_2_34_x86_64",
                key=f"build-{ident}",
                reused=False,
                **(extra or {}).get(ident, {}),
            )
        )
    return out


def _plan(app: App, artifacts: list[Artifact], **kwargs: Any) -> DeployPlan:
    kwargs.setdefault("stack_name", "my-stack")
    return plan_deploy(app, artifacts, region=REGION, account=ACCOUNT, **kwargs)


def _resources(plan: DeployPlan) -> dict[str, Any]:
    return dict(json.loads(plan.template_body)["Resources"])


def _key(artifacts: list[Artifact], ident: str) -> str:
    return f"lambdakit/{next(a.sha256 for a in artifacts if a.id == ident)}.zip"


# --------------------------------------------------------------------------- SAM


def test_sam_example_points_each_function_at_its_asset_and_stays_sam(tmp_path: Path) -> None:
    # GIVEN object-counter, whose counter and API functions share one code folder (same zip)
    app = load_app(COUNTER)
    same = {"CounterFunction": "counter", "CountApiFunction": "counter"}
    artifacts = _build(app, tmp_path, same)
    # WHEN planned (the service runs the SAM transform)
    plan = _plan(app, artifacts)
    res = _resources(plan)
    # THEN every CodeUri is an s3:// URI of its content in the account's assets bucket
    for fn in ("CounterFunction", "CountApiFunction", "WorkerFunction"):
        uri = res[fn]["Properties"]["CodeUri"]
        assert uri == f"s3://{BUCKET}/{_key(artifacts, fn)}"
    assert plan.assets_bucket == BUCKET
    # AND the shared code is one asset: two distinct contents for three functions
    assert len(plan.assets) == 2
    assert {a.key for a in plan.assets} == {
        _key(artifacts, "CounterFunction"),
        _key(artifacts, "WorkerFunction"),
    }
    # AND the template stays SAM, with the capabilities SAM needs (roles, the transform)
    assert json.loads(plan.template_body)["Transform"] == "AWS::Serverless-2016-10-31"
    assert plan.capabilities == ("CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND")
    assert plan.transform is TransformMode.SERVICE
    # AND the parameters are the template's defaults
    assert plan.parameters == {"BucketPrefix": "object-counter", "RetryDelaySeconds": "60"}


def test_parameter_overrides_replace_defaults_and_unknown_names_are_errors(
    tmp_path: Path,
) -> None:
    app = load_app(COUNTER)
    artifacts = _build(app, tmp_path)
    plan = _plan(app, artifacts, parameters={"RetryDelaySeconds": "2"})
    assert plan.parameters["RetryDelaySeconds"] == "2"
    with pytest.raises(DeployError) as caught:
        _plan(app, artifacts, parameters={"Nope": "1", "AlsoNope": "2"})
    assert "AlsoNope, Nope" in caught.value.message
    assert caught.value.hint is not None and "BucketPrefix" in caught.value.hint


def test_globals_code_and_a_layer_by_its_sam_id(tmp_path: Path) -> None:
    # GIVEN a function whose code comes from Globals, and a SAM layer (whose model logical id is
    # the translated, hashed one)
    globals_app = load_app(SAM / "globals")
    layers_app = load_app(SAM / "layers_policies")
    g_artifacts = _build(globals_app, tmp_path)
    l_artifacts = _build(layers_app, tmp_path)
    # WHEN planned
    g_res = _resources(_plan(globals_app, g_artifacts))
    l_res = _resources(_plan(layers_app, l_artifacts))
    # THEN the function gets its own CodeUri, the layer its ContentUri
    uri = g_res["InheritsEverything"]["Properties"]["CodeUri"]
    assert uri == f"s3://{BUCKET}/{_key(g_artifacts, 'InheritsEverything')}"
    layer_uri = l_res["SharedLayer"]["Properties"]["ContentUri"]
    assert layer_uri == f"s3://{BUCKET}/{_key(l_artifacts, 'SharedLayer')}"


def test_inline_and_s3_code_pass_through_and_an_unbuilt_image_is_an_error(
    tmp_path: Path,
) -> None:
    app = load_app(SAM / "code_kinds")
    artifacts = _build(app, tmp_path)
    # an image that `sam build` would build from a Dockerfile cannot be deployed by lambdakit
    with pytest.raises(DeployError) as caught:
        _plan(app, artifacts)
    assert "BuiltImage" in caught.value.message
    assert "FromImage" not in caught.value.message
    # without it, inline code and S3 code are as written; the default folder is uploaded
    kept = dataclasses.replace(
        app, functions=tuple(f for f in app.functions if f.id != "BuiltImage")
    )
    plan = _plan(kept, artifacts)
    res = _resources(plan)
    written = app.stacks[0].template["Resources"]
    for fn in ("Inline", "FromS3Mapping", "FromS3Uri", "FromImage"):
        assert res[fn] == written[fn]
    assert res["DefaultFolder"]["Properties"]["CodeUri"].startswith(f"s3://{BUCKET}/lambdakit/")
    assert [a.id for a in plan.assets] == ["DefaultFolder"]


def test_a_function_without_a_build_artifact_is_named(tmp_path: Path) -> None:
    app = load_app(COUNTER)
    artifacts = [a for a in _build(app, tmp_path) if a.id != "WorkerFunction"]
    with pytest.raises(DeployError) as caught:
        _plan(app, artifacts)
    assert "function WorkerFunction" in caught.value.message
    assert "CounterFunction" not in caught.value.message


def test_aliases_and_codedeploy_settings_are_shown_in_the_plan(tmp_path: Path) -> None:
    # FIDELITY 5.6: DeploymentPreference.Type (e.g. Canary10Percent5Minutes) passes through to
    # CodeDeploy; the plan shows it, with the alias and the alarms.
    app = load_app(SAM / "deployment")
    plan = _plan(app, _build(app, tmp_path))
    assert plan.deployments == (
        DeploymentNote(
            function="Checkout",
            alias="live",
            deployment_preference="Canary10Percent5Minutes",
            alarms=("ErrorsAlarm",),
        ),
    )
    preference = _resources(plan)["Checkout"]["Properties"]["DeploymentPreference"]
    assert preference == {"Type": "Canary10Percent5Minutes", "Alarms": [{"Ref": "ErrorsAlarm"}]}


def test_a_deployment_preference_without_an_alias_is_an_error(tmp_path: Path) -> None:
    # FIDELITY 5.9: "'DeploymentPreference' requires AutoPublishAlias property to be specified."
    app = load_app(SAM / "deployment")
    fn = dataclasses.replace(app.functions[0], auto_publish_alias=None)
    broken = dataclasses.replace(app, functions=(fn,))
    with pytest.raises(DeployError, match="requires AutoPublishAlias"):
        _plan(broken, _build(app, tmp_path))


def test_local_transform_rewrites_the_expanded_template(tmp_path: Path) -> None:
    # GIVEN a SAM app with a layer, expanded by aws-sam-translator (moto has no SAM transform)
    app = load_app(SAM / "layers_policies")
    stack = app.stacks[0]
    artifacts = _build(app, tmp_path)
    expanded = translate(stack.template, file=stack.template_file, parameter_values={}).template
    # WHEN planned with TransformMode.LOCAL
    plan = _plan(app, artifacts, transform=TransformMode.LOCAL, transformed_template=expanded)
    res = _resources(plan)
    # THEN it is CloudFormation, with Code and Content in our bucket
    assert "Transform" not in json.loads(plan.template_body)
    code = res["Reader"]["Properties"]["Code"]
    assert code == {"S3Bucket": BUCKET, "S3Key": _key(artifacts, "Reader")}
    layer = app.layers[0].logical_id
    assert res[layer]["Properties"]["Content"]["S3Key"] == _key(artifacts, "SharedLayer")
    assert plan.capabilities == ("CAPABILITY_IAM",)
    assert any("ran locally" in n for n in plan.notes)


def test_local_transform_can_expand_the_rewritten_template(tmp_path: Path) -> None:
    # GIVEN the transform as a function: it expands the SAM template after the rewrite, so
    # SAM's content-hashed ids (layer versions, alias versions) follow the code
    app = load_app(SAM / "layers_policies")
    stack = app.stacks[0]
    artifacts = _build(app, tmp_path)
    seen: list[Mapping[str, Any]] = []

    def expand(template: Mapping[str, Any]) -> Mapping[str, Any]:
        seen.append(template)
        return translate(template, file=stack.template_file, parameter_values={}).template

    plan = _plan(app, artifacts, transform=TransformMode.LOCAL, sam_transform=expand)
    # THEN the translator saw s3:// URIs, and the result points at the assets
    assert seen[0]["Resources"]["Reader"]["Properties"]["CodeUri"].startswith("s3://")
    res = _resources(plan)
    assert res["Reader"]["Properties"]["Code"]["S3Key"] == _key(artifacts, "Reader")
    layers = [r for r in res.values() if r["Type"] == "AWS::Lambda::LayerVersion"]
    contents = [x["Properties"]["Content"] for x in layers]
    assert contents == [{"S3Bucket": BUCKET, "S3Key": _key(artifacts, "SharedLayer")}]


def test_local_transform_needs_the_expansion(tmp_path: Path) -> None:
    app = load_app(COUNTER)
    with pytest.raises(DeployError, match="SAM transform"):
        _plan(app, _build(app, tmp_path), transform=TransformMode.LOCAL)


# --------------------------------------------------------------------------- CloudFormation

_CFN = """
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Stage:
    Type: String
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Sub "app-${Stage}"
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: !GetAtt Role.Arn
      Code: ./src
  Inline:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code:
        ZipFile: "def handler(event, context):\\n    return 1\\n"
"""


def _cfn_app(tmp_path: Path, text: str = _CFN) -> App:
    (tmp_path / "src").mkdir(parents=True)
    (tmp_path / "src" / "app.py").write_text("def handler(event, context):\n    return 1\n")
    (tmp_path / "template.yaml").write_text(text)
    return load_app(tmp_path / "template.yaml", None)


def test_cloudformation_code_path_becomes_s3_and_named_iam_is_acknowledged(
    tmp_path: Path,
) -> None:
    # GIVEN a plain template with a local Code path, inline code and a named role
    app = _cfn_app(tmp_path / "app")
    artifacts = _build(app, tmp_path)
    # WHEN planned
    plan = _plan(app, artifacts, parameters={"Stage": "dev"})
    res = _resources(plan)
    # THEN the local code is an S3 location, inline code untouched
    assert res["Fn"]["Properties"]["Code"] == {"S3Bucket": BUCKET, "S3Key": _key(artifacts, "Fn")}
    assert "ZipFile" in res["Inline"]["Properties"]["Code"]
    assert [a.id for a in plan.assets] == ["Fn"]
    # AND a role with an explicit name needs CAPABILITY_NAMED_IAM; no transform, no auto-expand
    assert plan.capabilities == ("CAPABILITY_NAMED_IAM",)
    assert plan.parameters == {"Stage": "dev"}


def test_a_parameter_without_default_or_override_is_an_error(tmp_path: Path) -> None:
    app = _cfn_app(tmp_path / "app")
    with pytest.raises(DeployError, match="no value for parameter Stage") as caught:
        _plan(app, _build(app, tmp_path))
    assert caught.value.hint == "pass --parameter-overrides Stage=VALUE"


def test_a_template_over_the_body_limit_is_noted(tmp_path: Path) -> None:
    big = (
        _CFN
        + '  Big:\n    Type: AWS::SNS::Topic\n    Metadata:\n      Pad: "'
        + "x" * 52_000
        + '"\n'
    )
    app = _cfn_app(tmp_path / "app", big)
    plan = _plan(app, _build(app, tmp_path), parameters={"Stage": "dev"})
    assert any("TemplateURL" in n for n in plan.notes)


def test_automatic_layers_are_added_to_the_template(tmp_path: Path) -> None:
    # GIVEN a build with layers = "auto": the function uses a layer the template does not have
    app = _cfn_app(tmp_path / "app")
    artifacts = _build(app, tmp_path, extra={"Fn": {"layers": ("deps-cp312-x86_64-1",)}})
    path, sha, size = _zip(tmp_path, "deps", "deps")
    layer = dataclasses.replace(
        artifacts[0], id="deps-cp312-x86_64-1", kind="layer", path=path, sha256=sha, size=size
    )
    plan = _plan(app, [*artifacts, layer], parameters={"Stage": "dev"})
    res = _resources(plan)
    # THEN it is added as a layer version and the function uses it
    lid = "LambdakitLayerDepsCp312X86641"
    assert res[lid]["Properties"]["Content"] == {
        "S3Bucket": BUCKET,
        "S3Key": f"lambdakit/{sha}.zip",
    }
    assert res["Fn"]["Properties"]["Layers"] == [{"Ref": lid}]
    assert f"lambdakit/{sha}.zip" in {a.key for a in plan.assets}


# --------------------------------------------------------------------------- CDK


def test_cdk_assembly_functions_use_our_bucket_without_the_cdk_bootstrap(tmp_path: Path) -> None:
    # GIVEN the CDK example: two functions share one CDK asset (one code folder)
    app = load_app(CDK)
    shared = {"CounterHandlerBF553289": "counter", "CounterApiHandlerF670670F": "counter"}
    artifacts = _build(app, tmp_path, shared)
    # WHEN planned
    plan = _plan(app, artifacts)
    res = _resources(plan)
    body = json.loads(plan.template_body)
    # THEN each function's Code is lambdakit's build of it, in our bucket
    for lid in ("CounterHandlerBF553289", "CounterApiHandlerF670670F", "WorkerHandler230F4E06"):
        assert res[lid]["Properties"]["Code"] == {"S3Bucket": BUCKET, "S3Key": _key(artifacts, lid)}
    # AND the shared asset is uploaded once
    assert len(plan.assets) == 2
    # AND no CDK bootstrap stack is needed: the check is gone and the plan says so
    assert "cdk-hnb659fds" not in plan.template_body
    assert "BootstrapVersion" not in body["Parameters"]
    assert "Rules" not in body
    assert BOOTSTRAP_REMOVED_NOTE in plan.notes
    assert "BootstrapVersion" not in plan.parameters
    assert plan.capabilities == ("CAPABILITY_IAM",)


def test_one_stack_of_a_multi_stack_app(tmp_path: Path) -> None:
    app = load_app(CDK)
    one = app.stacks[0]
    two = dataclasses.replace(app, stacks=(one, dataclasses.replace(one, name="Other")))
    artifacts = _build(app, tmp_path)
    with pytest.raises(DeployError) as caught:
        _plan(two, artifacts)
    assert f"{one.name}, Other" in caught.value.message
    plan = _plan(two, artifacts, stack_name=one.name)
    assert len(plan.assets) == 3


def test_the_same_app_and_build_give_the_same_plan(tmp_path: Path) -> None:
    app = load_app(CDK)
    artifacts = _build(app, tmp_path)
    first = _plan(app, artifacts)
    second = _plan(load_app(CDK), list(reversed(artifacts)))
    assert first.template_body == second.template_body
    assert first == dataclasses.replace(second, assets=first.assets)
    # the template keeps its order
    written = json.loads((CDK / "CounterStack.template.json").read_text())
    assert list(_resources(first)) == list(written["Resources"])
