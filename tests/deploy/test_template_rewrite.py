"""Template rewrite: SAM CodeUri/ContentUri, CloudFormation Code/Content and CDK asset code point
at the uploaded objects; inline and S3 code stay; the CDK bootstrap check goes (issue 6, step 3).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from lambdakit.deploy.template_rewrite import (
    BOOTSTRAP_REMOVED_NOTE,
    is_sam,
    rewrite_template,
    template_json,
)

BUCKET = "lambdakit-assets-111122223333-eu-west-1"
CDK_OUT = Path(__file__).parents[2] / "examples" / "object-counter-cdk" / "cdk.out"


def _sam() -> dict[str, Any]:
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": "AWS::Serverless-2016-10-31",
        "Globals": {"Function": {"CodeUri": "src/", "Runtime": "python3.12"}},
        "Resources": {
            "Own": {
                "Type": "AWS::Serverless::Function",
                "Properties": {"CodeUri": "own/", "Handler": "app.handler"},
            },
            "FromGlobals": {"Type": "AWS::Serverless::Function"},
            "FromParameter": {
                "Type": "AWS::Serverless::Function",
                "Properties": {"CodeUri": {"Ref": "CodePath"}},
            },
            "Inline": {
                "Type": "AWS::Serverless::Function",
                "Properties": {"InlineCode": "def h(e, c): pass", "Handler": "index.h"},
            },
            "InS3": {
                "Type": "AWS::Serverless::Function",
                "Properties": {"CodeUri": "s3://theirs/app.zip", "Handler": "app.h"},
            },
            "InS3Mapping": {
                "Type": "AWS::Serverless::Function",
                "Properties": {"CodeUri": {"Bucket": "theirs", "Key": "app.zip"}},
            },
            "Deps": {"Type": "AWS::Serverless::LayerVersion", "Properties": {"ContentUri": "l/"}},
        },
    }


def test_sam_code_points_at_s3_uris_and_the_template_stays_sam() -> None:
    # GIVEN a SAM template with own, global, inline and S3 code, and a layer
    template = _sam()
    keys = {lid: f"lambdakit/{lid}.zip" for lid in template["Resources"]}
    # WHEN it is rewritten
    rewrite = rewrite_template(template, bucket=BUCKET, keys=keys)
    res = rewrite.template["Resources"]
    # THEN local code (own, or the Globals/default one) is an s3:// URI in our bucket
    assert res["Own"]["Properties"]["CodeUri"] == f"s3://{BUCKET}/lambdakit/Own.zip"
    assert res["FromGlobals"]["Properties"]["CodeUri"] == f"s3://{BUCKET}/lambdakit/FromGlobals.zip"
    assert res["Deps"]["Properties"]["ContentUri"] == f"s3://{BUCKET}/lambdakit/Deps.zip"
    # AND inline code and code already in S3 are untouched
    assert res["Inline"] == template["Resources"]["Inline"]
    assert res["InS3"] == template["Resources"]["InS3"]
    assert res["InS3Mapping"] == template["Resources"]["InS3Mapping"]
    assert res["FromParameter"]["Properties"]["CodeUri"].endswith("/lambdakit/FromParameter.zip")
    assert rewrite.rewritten == {"Own", "FromGlobals", "FromParameter", "Deps"}
    # AND the Transform is kept (CloudFormation runs it: TransformMode.SERVICE)
    assert is_sam(rewrite.template)
    assert rewrite.notes == ()


def test_the_input_template_is_not_changed_and_its_order_is_kept() -> None:
    template = _sam()
    before = copy.deepcopy(template)
    rewrite = rewrite_template(template, bucket=BUCKET, keys={"FromGlobals": "lambdakit/x.zip"})
    assert template == before
    assert list(rewrite.template) == list(template)
    assert list(rewrite.template["Resources"]) == list(template["Resources"])


def test_cloudformation_code_and_content_become_s3_locations() -> None:
    # GIVEN code as `aws cloudformation package` accepts it (a local path), and inline code
    template = {
        "Resources": {
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Code": "./src", "Handler": "app.h", "Runtime": "python3.12"},
            },
            "Inline": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Code": {"ZipFile": "def h(e, c): pass"}},
            },
            "Layer": {"Type": "AWS::Lambda::LayerVersion", "Properties": {"Content": "layer/"}},
            "Table": {"Type": "AWS::DynamoDB::Table"},
        }
    }
    keys = {"Fn": "lambdakit/a.zip", "Inline": "lambdakit/b.zip", "Layer": "lambdakit/c.zip"}
    rewrite = rewrite_template(template, bucket=BUCKET, keys=keys)
    res = rewrite.template["Resources"]
    assert res["Fn"]["Properties"]["Code"] == {"S3Bucket": BUCKET, "S3Key": "lambdakit/a.zip"}
    assert res["Inline"]["Properties"]["Code"] == {"ZipFile": "def h(e, c): pass"}
    assert res["Layer"]["Properties"]["Content"] == {"S3Bucket": BUCKET, "S3Key": "lambdakit/c.zip"}
    assert rewrite.rewritten == {"Fn", "Layer"}


def test_cdk_asset_code_moves_to_our_bucket_and_the_bootstrap_check_goes() -> None:
    # GIVEN the CDK cloud assembly's template (code in the CDK bootstrap bucket)
    template = json.loads((CDK_OUT / "CounterStack.template.json").read_text())
    functions = ("CounterHandlerBF553289", "CounterApiHandlerF670670F", "WorkerHandler230F4E06")
    keys = dict.fromkeys(functions, "lambdakit/abc.zip")
    # WHEN rewritten
    rewrite = rewrite_template(template, bucket=BUCKET, keys=keys)
    out = rewrite.template
    # THEN the functions' code is in our bucket, inline code (ZipFile) untouched
    for lid in functions:
        code = out["Resources"][lid]["Properties"]["Code"]
        assert code == {"S3Bucket": BUCKET, "S3Key": "lambdakit/abc.zip"}
    handler = "BucketNotificationsHandler050a0587b7544547bf325f094a3db8347ECC3691"
    assert "ZipFile" in out["Resources"][handler]["Properties"]["Code"]
    # AND no CDK bootstrap stack is needed: parameter and rule removed, with a note
    assert "BootstrapVersion" not in out["Parameters"]
    assert "Rules" not in out
    assert "cdk-hnb659fds" not in template_json(out)
    assert rewrite.notes == (BOOTSTRAP_REMOVED_NOTE,)


def test_other_cdk_assets_left_in_the_bootstrap_bucket_are_reported() -> None:
    # GIVEN a resource (not Lambda code) that uses a CDK file asset
    template = json.loads((CDK_OUT / "CounterStack.template.json").read_text())
    template["Resources"]["Spec"] = {
        "Type": "AWS::ApiGateway::RestApi",
        "Properties": {
            "BodyS3Location": {
                "Bucket": {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"},
                "Key": "0123.json",
            }
        },
    }
    # WHEN rewritten without a key for it
    rewrite = rewrite_template(template, bucket=BUCKET, keys={})
    # THEN it is named in the notes as not supported (and so are the unbuilt functions)
    spec = [n for n in rewrite.notes if n.startswith("not supported: Spec ")]
    assert spec and "AWS::ApiGateway::RestApi" in spec[0]
    assert any("WorkerHandler230F4E06" in n for n in rewrite.notes)


def test_shared_layers_are_added_and_used_by_their_functions() -> None:
    template = _sam()
    template["Resources"]["Own"]["Properties"]["Layers"] = [{"Ref": "Deps"}]
    rewrite = rewrite_template(
        template,
        bucket=BUCKET,
        keys={},
        shared_layers={"LambdakitLayerDeps1": "lambdakit/l.zip"},
        layer_uses={"Own": ["LambdakitLayerDeps1"], "FromGlobals": ["LambdakitLayerDeps1"]},
    )
    res = rewrite.template["Resources"]
    assert res["LambdakitLayerDeps1"] == {
        "Type": "AWS::Lambda::LayerVersion",
        "Properties": {"Content": {"S3Bucket": BUCKET, "S3Key": "lambdakit/l.zip"}},
    }
    assert res["Own"]["Properties"]["Layers"] == [{"Ref": "Deps"}, {"Ref": "LambdakitLayerDeps1"}]
    assert res["FromGlobals"]["Properties"]["Layers"] == [{"Ref": "LambdakitLayerDeps1"}]


def test_the_same_template_gives_the_same_bytes() -> None:
    keys = {"Own": "lambdakit/a.zip"}
    first = template_json(rewrite_template(_sam(), bucket=BUCKET, keys=keys).template)
    second = template_json(rewrite_template(_sam(), bucket=BUCKET, keys=keys).template)
    assert first == second
    assert json.loads(first)["Resources"]["Own"]["Properties"]["CodeUri"].startswith("s3://")
