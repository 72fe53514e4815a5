"""The SAM transform, offline: placeholders for local code, the official translator, origins."""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambdakit.errors import FunctionConfigError, LambdakitError, TemplateError, TransformError
from lambdakit.model import GetAtt, ImageCode, InlineCode, LocalCode, Ref, S3Code, Unresolved
from lambdakit.sources.sam import SamTranslation, is_sam, translate
from lambdakit.sources.yaml_cfn import load_template

FIXTURES = Path(__file__).parent.parent / "fixtures" / "sam"
ALL_FIXTURES = sorted(p.name for p in FIXTURES.iterdir() if (p / "template.yaml").is_file())
SAM = "AWS::Serverless-2016-10-31"
IMPLICIT_APIS = ("ServerlessRestApi", "ServerlessHttpApi")


def fixture_file(name: str) -> Path:
    return FIXTURES / name / "template.yaml"


@functools.cache
def translated(name: str) -> SamTranslation:
    """The fixture app translated with default parameters (cached: tests only read it)."""
    file = fixture_file(name)
    return translate(load_template(file), file=file, parameter_values={})


def resources(name: str) -> dict[str, Any]:
    return translated(name).template["Resources"]


def props(name: str, logical_id: str) -> dict[str, Any]:
    return resources(name)[logical_id]["Properties"]


def function(**properties: Any) -> dict[str, Any]:
    base = {"CodeUri": "src/", "Handler": "app.handler", "Runtime": "python3.12"}
    return {"Type": "AWS::Serverless::Function", "Properties": base | properties}


def sam_template(**resources_: Any) -> dict[str, Any]:
    return {"Transform": SAM, "Resources": resources_}


def app_folder(tmp_path: Path) -> Path:
    """A template path in a folder that has a `src/` code folder."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(event, context):\n    return 1\n")
    return tmp_path / "template.yaml"


# --------------------------------------------------------------------------- is_sam


@pytest.mark.parametrize(
    ("transform", "expected"),
    [
        (SAM, True),
        ([SAM], True),
        (["AWS::LanguageExtensions", SAM], True),
        ("AWS::LanguageExtensions", False),
        ([{"Name": "AWS::Include", "Parameters": {"Location": "x.yaml"}}], False),
        (None, False),
    ],
)
def test_is_sam_finds_the_transform_as_a_string_or_in_a_list(transform, expected):
    template = {"Resources": {}} if transform is None else {"Transform": transform}
    assert is_sam(template) is expected


# --------------------------------------------------------------------------- every fixture


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_every_resource_has_an_origin_the_user_wrote(name):
    # GIVEN a fixture app
    file = fixture_file(name)
    written = load_template(file)["Resources"]
    # WHEN it is translated
    result = translated(name)
    # THEN every output resource maps to a resource the user wrote, or an API SAM made implicitly,
    # or (for deployment plumbing shared by all functions) to itself
    assert set(result.origins) == set(result.template["Resources"])
    for logical_id, origin in result.origins.items():
        assert origin in written or origin in IMPLICIT_APIS or origin == logical_id, logical_id


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_the_input_template_is_left_untouched(name):
    file = fixture_file(name)
    template = load_template(file)
    before = copy.deepcopy(template)
    translate(template, file=file, parameter_values={"Unused": "x"})
    assert template == before


@pytest.mark.parametrize("name", ALL_FIXTURES)
def test_the_output_is_plain_cloudformation(name):
    result = translated(name)
    text = json.dumps(result.template)
    assert "AWS::Serverless::" not in text
    assert "lambdakit:SamResourceId" not in text
    assert "Globals" not in result.template
    assert json.loads(text) == result.template


# --------------------------------------------------------------------------- globals


def test_globals_apply_to_every_function_that_does_not_set_its_own():
    inherits = props("globals", "InheritsEverything")
    own = props("globals", "OwnCodeAndTimeout")
    assert inherits["Runtime"] == own["Runtime"] == "python3.12"
    assert inherits["Timeout"] == 10
    assert own["Timeout"] == 30
    assert inherits["Environment"]["Variables"] == {"STAGE": "dev", "TABLE_NAME": {"Ref": "Table"}}
    assert own["Environment"]["Variables"] == {
        "STAGE": "dev",
        "TABLE_NAME": {"Ref": "Table"},
        "EXTRA": "1",
    }


def test_codeuri_in_globals_is_the_code_of_functions_without_their_own():
    folder = FIXTURES / "globals"
    assert translated("globals").code == {
        "InheritsEverything": LocalCode((folder / "src").resolve()),
        "OwnCodeAndTimeout": LocalCode((folder / "other").resolve()),
    }


def test_local_code_reaches_the_translator_as_a_placeholder_s3_object():
    code = props("globals", "InheritsEverything")["Code"]
    assert set(code) == {"S3Bucket", "S3Key"}
    assert "fixtures" not in json.dumps(code)


# --------------------------------------------------------------------------- kinds of code


def test_each_kind_of_code_maps_back_to_the_model():
    folder = FIXTURES / "code_kinds"
    code = translated("code_kinds").code
    assert code["DefaultFolder"] == LocalCode(folder.resolve())
    assert code["Inline"] == InlineCode('def handler(event, context):\n    return "inline"\n')
    assert code["FromS3Mapping"] == S3Code("artifacts-bucket", "releases/app.zip", "3")
    assert code["FromS3Uri"] == S3Code("my-bucket", "releases/app.zip", "7")
    assert code["FromImage"] == ImageCode("123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1.0")


def test_a_function_without_codeuri_builds_the_template_folder_like_sam_cli():
    # GIVEN DefaultFolder names neither CodeUri nor InlineCode, and there are no Globals
    # THEN the translator accepts it and the code is the template's folder
    assert props("code_kinds", "DefaultFolder")["Code"]["S3Key"]
    assert (
        translated("code_kinds").code["DefaultFolder"].path == (FIXTURES / "code_kinds").resolve()
    )


def test_inline_and_s3_code_reach_cloudformation_as_written():
    assert props("code_kinds", "Inline")["Code"] == {
        "ZipFile": 'def handler(event, context):\n    return "inline"\n'
    }
    assert props("code_kinds", "FromS3Mapping")["Code"] == {
        "S3Bucket": {"Ref": "CodeBucket"},
        "S3Key": "releases/app.zip",
        "S3ObjectVersion": "3",
    }
    assert props("code_kinds", "FromS3Uri")["Code"] == {
        "S3Bucket": "my-bucket",
        "S3Key": "releases/app.zip",
        "S3ObjectVersion": "7",
    }


def test_a_parameter_override_changes_the_s3_code_location():
    file = fixture_file("code_kinds")
    result = translate(
        load_template(file), file=file, parameter_values={"CodeBucket": "other-bucket"}
    )
    assert result.code["FromS3Mapping"] == S3Code("other-bucket", "releases/app.zip", "3")


def test_an_image_built_from_a_dockerfile_is_symbolic():
    code = translated("code_kinds").code["BuiltImage"]
    assert isinstance(code, ImageCode)
    assert isinstance(code.image_uri, Unresolved)
    assert props("code_kinds", "BuiltImage")["PackageType"] == "Image"


def test_s3_code_keeps_references_to_resources_symbolic(tmp_path):
    template = sam_template(
        Fn=function(CodeUri={"Bucket": {"Ref": "Artifacts"}, "Key": {"Fn::GetAtt": ["X", "Key"]}}),
        Artifacts={"Type": "AWS::S3::Bucket"},
    )
    code = translate(template, file=tmp_path / "t.yaml", parameter_values={}).code["Fn"]
    assert code == S3Code(Ref("Artifacts"), GetAtt("X", "Key"), None)


def test_codeuri_may_be_a_zip_file_or_an_absolute_path(tmp_path):
    # GIVEN a zip archive next to the template and a folder elsewhere, named by absolute path
    with zipfile.ZipFile(tmp_path / "app.zip", "w") as archive:
        archive.writestr("app.py", "def handler(e, c):\n    return 1\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    template = sam_template(
        Zipped=function(CodeUri="app.zip"), Absolute=function(CodeUri=str(elsewhere))
    )
    # WHEN translated
    result = translate(template, file=tmp_path / "template.yaml", parameter_values={})
    # THEN both are local code with absolute paths
    assert result.code == {
        "Zipped": LocalCode((tmp_path / "app.zip").resolve()),
        "Absolute": LocalCode(elsewhere.resolve()),
    }


def test_codeuri_from_a_parameter_is_followed(tmp_path):
    file = app_folder(tmp_path)
    template = sam_template(Fn=function(CodeUri={"Ref": "CodeDir"}))
    template["Parameters"] = {"CodeDir": {"Type": "String", "Default": "src"}}
    result = translate(template, file=file, parameter_values={})
    assert result.code == {"Fn": LocalCode((tmp_path / "src").resolve())}


# --------------------------------------------------------------------------- events


@pytest.mark.parametrize(
    ("logical_id", "resource_type"),
    [
        ("HandlerRestGetPermissionProd", "AWS::Lambda::Permission"),  # Api
        ("ServerlessRestApi", "AWS::ApiGateway::RestApi"),
        ("HandlerHttpPostPermission", "AWS::Lambda::Permission"),  # HttpApi
        ("ServerlessHttpApi", "AWS::ApiGatewayV2::Api"),
        ("HandlerUploadPermission", "AWS::Lambda::Permission"),  # S3
        ("HandlerNotice", "AWS::SNS::Subscription"),  # SNS
        ("HandlerWork", "AWS::Lambda::EventSourceMapping"),  # SQS
        ("HandlerNightly", "AWS::Events::Rule"),  # Schedule
        ("HandlerHourly", "AWS::Scheduler::Schedule"),  # ScheduleV2
        ("HandlerOrders", "AWS::Events::Rule"),  # EventBridgeRule
        ("HandlerLegacy", "AWS::Events::Rule"),  # CloudWatchEvent
        ("HandlerChanges", "AWS::Lambda::EventSourceMapping"),  # DynamoDB
        ("HandlerClicks", "AWS::Lambda::EventSourceMapping"),  # Kinesis
    ],
)
def test_each_event_type_becomes_its_cloudformation_resource(logical_id, resource_type):
    assert resources("events")[logical_id]["Type"] == resource_type


def test_event_resources_map_back_to_the_function_that_declares_them():
    origins = translated("events").origins
    generated = [i for i in origins if i.startswith("Handler")]
    assert len(generated) > 10
    assert {origins[i] for i in generated} == {"Handler"}
    assert origins["ServerlessRestApiProdStage"] == "ServerlessRestApi"
    assert origins["ServerlessHttpApiApiGatewayDefaultStage"] == "ServerlessHttpApi"
    assert origins["Uploads"] == "Uploads"


def test_event_properties_reach_cloudformation():
    assert props("events", "HandlerWork")["BatchSize"] == 5
    assert props("events", "HandlerWork")["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props("events", "HandlerNightly")["ScheduleExpression"] == "cron(0 3 * * ? *)"
    assert props("events", "HandlerNightly")["Targets"][0]["Input"] == '{"job": "nightly"}'
    assert props("events", "HandlerOrders")["EventPattern"] == {"source": ["shop.orders"]}
    assert props("events", "HandlerNotice")["FilterPolicy"] == {"kind": ["order"]}
    assert props("events", "HandlerChanges")["EventSourceArn"] == {
        "Fn::GetAtt": ["Table", "StreamArn"]
    }
    assert props("events", "HandlerChanges")["StartingPosition"] == "TRIM_HORIZON"
    bucket_config = props("events", "Uploads")["NotificationConfiguration"]
    assert bucket_config["LambdaConfigurations"][0]["Event"] == "s3:ObjectCreated:*"


# --------------------------------------------------------------------------- layers and policies


def test_a_local_layer_is_renamed_by_the_translator_and_mapped_back():
    result = translated("layers_policies")
    found = resources("layers_policies").items()
    (layer_id,) = [i for i, r in found if r["Type"] == "AWS::Lambda::LayerVersion"]
    assert layer_id.startswith("SharedLayer") and layer_id != "SharedLayer"
    assert result.origins[layer_id] == "SharedLayer"
    assert result.code[layer_id] == LocalCode((FIXTURES / "layers_policies" / "layer").resolve())
    assert props("layers_policies", "Reader")["Layers"][0] == {"Ref": layer_id}


def test_user_metadata_stays_on_the_main_generated_resource_only():
    layer = next(r for r in resources("layers_policies").values() if r["Type"].endswith("Version"))
    assert layer["Metadata"] == {"BuildMethod": "python3.12"}
    assert "Metadata" not in resources("code_kinds")["BuiltImageRole"]
    assert resources("code_kinds")["BuiltImage"]["Metadata"] == {
        "Dockerfile": "Dockerfile",
        "DockerContext": ".",
    }


def test_policies_become_the_function_role_without_calling_iam():
    role = props("layers_policies", "ReaderRole")
    assert role["ManagedPolicyArns"] == [
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
    ]
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    actions = {
        a
        for s in statements
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert {"dynamodb:GetItem", "ssm:GetParameter"} <= actions


def test_managed_policy_arns_follow_the_partition_of_the_region(tmp_path):
    template = sam_template(Fn=function(Policies=["AmazonS3ReadOnlyAccess", "NoSuchPolicy"]))
    result = translate(
        template, file=app_folder(tmp_path), parameter_values={}, region="cn-north-1"
    )
    assert result.template["Resources"]["FnRole"]["Properties"]["ManagedPolicyArns"] == [
        "arn:aws-cn:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        "arn:aws-cn:iam::aws:policy/AmazonS3ReadOnlyAccess",
        "NoSuchPolicy",  # unknown names pass through; CloudFormation judges them
    ]


# --------------------------------------------------------------------------- gradual deployment


def test_auto_publish_alias_and_deployment_preference():
    result = translated("deployment")
    found = {i: r["Type"] for i, r in resources("deployment").items()}
    version = next(i for i, t in found.items() if t == "AWS::Lambda::Version")
    assert found["CheckoutAliaslive"] == "AWS::Lambda::Alias"
    assert found["CheckoutDeploymentGroup"] == "AWS::CodeDeploy::DeploymentGroup"
    assert found["ServerlessDeploymentApplication"] == "AWS::CodeDeploy::Application"
    alias = resources("deployment")["CheckoutAliaslive"]
    assert "CodeDeployLambdaAliasUpdate" in alias["UpdatePolicy"]
    assert alias["Properties"]["FunctionVersion"] == {"Fn::GetAtt": [version, "Version"]}
    for logical_id in (version, "CheckoutAliaslive", "CheckoutDeploymentGroup", "CheckoutRole"):
        assert result.origins[logical_id] == "Checkout"
    assert result.origins["ServerlessDeploymentApplication"] == "ServerlessDeploymentApplication"


def test_parameter_values_reach_the_translator():
    file = fixture_file("deployment")
    result = translate(load_template(file), file=file, parameter_values={"AliasName": "blue"})
    assert "CheckoutAliasblue" in result.template["Resources"]
    assert result.origins["CheckoutAliasblue"] == "Checkout"


def test_pseudo_parameters_are_given_to_the_translator(tmp_path):
    template = sam_template(Fn=function(AutoPublishAlias={"Ref": "AWS::StackName"}))
    result = translate(template, file=app_folder(tmp_path), parameter_values={}, stack_name="green")
    assert result.template["Resources"]["FnAliasgreen"]["Properties"]["Name"] == "green"


# --------------------------------------------------------------------------- APIs


def test_rest_api_cors_and_authorizer():
    body = props("apis", "RestApi")["Body"]
    assert set(body["paths"]["/items/{id}"]) == {"get", "options"}
    authorizer = body["securityDefinitions"]["TokenAuthorizer"]["x-amazon-apigateway-authorizer"]
    assert authorizer["type"] == "token"
    assert translated("apis").origins["RestApiTokenAuthorizerAuthorizerPermission"] == "RestApi"


def test_http_api_cors_and_jwt_authorizer():
    body = props("apis", "HttpApi")["Body"]
    assert body["x-amazon-apigateway-cors"]["allowOrigins"] == ["https://example.com"]
    scheme = body["components"]["securitySchemes"]["Jwt"]["x-amazon-apigateway-authorizer"]
    assert scheme["type"] == "jwt"
    assert "/items" in body["paths"]


def test_function_url_config():
    url = resources("apis")["PublicUrl"]
    assert url["Type"] == "AWS::Lambda::Url"
    assert url["Properties"]["AuthType"] == "NONE"
    assert url["Properties"]["TargetFunctionArn"] == {"Ref": "Public"}
    assert translated("apis").origins["PublicUrl"] == "Public"


@pytest.mark.parametrize("api", ["DocumentedApi", "DocumentedHttpApi"])
def test_a_local_definition_uri_is_inlined_as_the_body(api):
    body = props("apis", api)["Body"]
    assert "DefinitionUri" not in props("apis", api)
    assert "BodyS3Location" not in props("apis", api)
    assert body["info"]["version"] == "2024-01-01"  # read by the CloudFormation YAML loader
    integration = body["paths"]["/docs"]["get"]["x-amazon-apigateway-integration"]
    assert "${Items.Arn}" in integration["uri"]["Fn::Sub"]


def test_a_definition_uri_in_globals_is_inlined_into_each_api(tmp_path):
    (tmp_path / "api.yaml").write_text(
        "openapi: 3.0.1\ninfo: {title: t, version: '1'}\npaths: {}\n"
    )
    template = sam_template(
        One={"Type": "AWS::Serverless::Api", "Properties": {"StageName": "a"}},
        Two={"Type": "AWS::Serverless::Api", "Properties": {"StageName": "b"}},
    )
    template["Globals"] = {"Api": {"DefinitionUri": "api.yaml"}}
    result = translate(template, file=tmp_path / "template.yaml", parameter_values={})
    for api in ("One", "Two"):
        assert result.template["Resources"][api]["Properties"]["Body"]["info"]["title"] == "t"


# --------------------------------------------------------------------------- oddities


def test_yaml_look_alikes_reach_cloudformation_as_strings():
    written = load_template(fixture_file("oddities"))["Resources"]["Greeter"]["Properties"]
    variables = props("oddities", "Greeter")["Environment"]["Variables"]
    assert variables == written["Environment"]["Variables"]
    assert variables["ENABLED"] == "yes"
    assert variables["SWITCH"] == "on"
    assert variables["OWNER_ACCOUNT"] == "012345678901"
    assert variables["RELEASED"] == "2024-01-01"


def test_ssm_parameters_keep_their_name_and_stay_references():
    result = translated("oddities")
    assert result.template["Parameters"]["Greeting"] == {
        "Type": "AWS::SSM::Parameter::Value<String>",
        "Default": "/app/greeting",
    }
    assert props("oddities", "Greeter")["Environment"]["Variables"]["GREETING"] == {
        "Ref": "Greeting"
    }


def test_a_condition_on_a_sam_resource_guards_everything_it_generates():
    origins = translated("oddities").origins
    generated = [i for i, origin in origins.items() if origin == "ProdOnly"]
    assert sorted(generated) == [
        "ProdOnly",
        "ProdOnlyDaily",
        "ProdOnlyDailyPermission",
        "ProdOnlyRole",
    ]
    for logical_id in generated:
        assert resources("oddities")[logical_id]["Condition"] == "IsProd"
    assert "IsProd" in translated("oddities").template["Conditions"]


@pytest.mark.parametrize("logical_id", ["PlainStateMachine", "Distribution"])
def test_resources_nobody_emulates_pass_through_unchanged(logical_id):
    written = load_template(fixture_file("oddities"))["Resources"][logical_id]
    assert resources("oddities")[logical_id] == written
    assert translated("oddities").origins[logical_id] == logical_id


def test_a_state_machine_definition_file_is_inlined():
    workflow = props("oddities", "Workflow")
    assert "DefinitionUri" not in workflow
    assert "Greet" in json.dumps(workflow["DefinitionString"])
    assert workflow["DefinitionSubstitutions"] == {"GreeterArn": {"Fn::GetAtt": ["Greeter", "Arn"]}}


def test_a_resource_outside_sam_is_its_own_origin_whatever_its_name(tmp_path):
    # GIVEN a bucket whose name starts with a SAM function's logical id
    template = sam_template(Fn=function(), FnBucket={"Type": "AWS::S3::Bucket"})
    result = translate(template, file=app_folder(tmp_path), parameter_values={})
    assert result.origins["FnBucket"] == "FnBucket"
    assert result.origins["FnRole"] == "Fn"


def test_includes_are_expanded_before_the_transform():
    result = translated("include")
    assert result.origins["Queue"] == "Queue"
    assert props("include", "Worker")["Environment"]["Variables"] == {
        "STAGE": "prod",
        "QUEUE_URL": {"Ref": "Queue"},
        "LOG_LEVEL": "INFO",
    }
    assert "/work" in props("include", "Api")["Body"]["paths"]
    assert result.template["Outputs"] == {"QueueUrl": {"Value": {"Ref": "Queue"}}}
    assert "Transform" not in result.template


# --------------------------------------------------------------------------- other transforms


def test_other_transforms_are_kept_for_deploy(tmp_path):
    # GIVEN SAM with the language extensions, whose Fn::Length samtranslator does not evaluate
    template = sam_template(
        Fn=function(Environment={"Variables": {"COUNT": {"Fn::Length": ["a", "b"]}}})
    )
    template["Transform"] = [SAM, "AWS::LanguageExtensions"]
    # WHEN translated
    result = translate(template, file=app_folder(tmp_path), parameter_values={})
    # THEN the other transform is kept and the expression passes through for later resolution
    assert result.template["Transform"] == ["AWS::LanguageExtensions"]
    variables = result.template["Resources"]["Fn"]["Properties"]["Environment"]["Variables"]
    assert variables == {"COUNT": {"Fn::Length": ["a", "b"]}}


def test_fn_foreach_cannot_be_expanded(tmp_path):
    template = {
        "Transform": ["AWS::LanguageExtensions", SAM],
        "Resources": {"Fn::ForEach::Functions": ["Name", ["A", "B"], {"${Name}": function()}]},
    }
    with pytest.raises(TransformError, match=r"Fn::ForEach::Functions") as caught:
        translate(template, file=app_folder(tmp_path), parameter_values={})
    assert str(caught.value).startswith(str(tmp_path / "template.yaml"))
    assert caught.value.hint


def test_a_serverless_repo_application_needs_no_network(tmp_path, monkeypatch):
    # GIVEN no AWS credentials or configuration at all
    for variable in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
    ):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    app_id = "arn:aws:serverlessrepo:us-east-1:123456789012:applications/hello"
    template = sam_template(
        Nested={
            "Type": "AWS::Serverless::Application",
            "Properties": {"Location": {"ApplicationId": app_id, "SemanticVersion": "1.0.0"}},
        }
    )
    # WHEN translated, THEN the nested stack gets a placeholder template URL
    result = translate(template, file=tmp_path / "template.yaml", parameter_values={})
    stack = result.template["Resources"]["Nested"]
    assert stack["Type"] == "AWS::CloudFormation::Stack"
    assert stack["Properties"]["TemplateURL"].startswith(
        "https://serverlessrepo.lambdakit.invalid/"
    )
    assert result.origins == {"Nested": "Nested"}


# --------------------------------------------------------------------------- errors


def test_deployment_preference_without_alias_is_a_transform_error(tmp_path):
    file = app_folder(tmp_path)
    template = sam_template(MyFunction=function(DeploymentPreference={"Type": "AllAtOnce"}))
    with pytest.raises(TransformError) as caught:
        translate(template, file=file, parameter_values={})
    message = str(caught.value)
    assert message.startswith(f"{file}: ")
    assert "[MyFunction] 'DeploymentPreference' requires AutoPublishAlias" in message
    assert "Traceback" not in message
    assert caught.value.hint


def test_every_cause_is_listed_on_its_own_line(tmp_path):
    template = sam_template(
        First=function(DeploymentPreference={"Type": "AllAtOnce"}),
        Second=function(Events={"Odd": {"Type": "Carrier pigeon"}}),
    )
    with pytest.raises(TransformError) as caught:
        translate(template, file=app_folder(tmp_path), parameter_values={})
    lines = str(caught.value).splitlines()
    assert "2 problems" in lines[0]
    assert lines[1].strip().startswith("[First] ")
    assert lines[2].strip().startswith("[Second] event Odd: ")


@pytest.mark.parametrize(
    "template",
    [
        {"Transform": SAM},
        {"Transform": SAM, "Resources": {}},
        {"Transform": SAM, "Resources": ["not", "a", "mapping"]},
        {"Transform": SAM, "Resources": {"Fn": "not a mapping"}},
        {
            "Transform": SAM,
            "Resources": {"Fn": {"Type": "AWS::Serverless::Function", "Properties": [1]}},
        },
        sam_template(Fn=function(Events=["not", "a", "mapping"])),
        sam_template(Fn=function(Policies=42)),
        sam_template(Fn=function(FunctionUrlConfig="public")),
        sam_template(Fn=function(Events={"E": {"Type": "Api", "Properties": {"Path": "/x"}}})),
        sam_template(L={"Type": "AWS::Serverless::LayerVersion", "Properties": {}}),
        sam_template(Api={"Type": "AWS::Serverless::Api", "Properties": {}}),
    ],
)
def test_malformed_templates_are_transform_errors(tmp_path, template):
    with pytest.raises(TransformError) as caught:
        translate(template, file=app_folder(tmp_path), parameter_values={})
    assert str(caught.value).startswith(str(tmp_path / "template.yaml"))


def test_a_missing_code_folder_names_file_resource_and_path(tmp_path):
    file = app_folder(tmp_path)
    template = sam_template(Worker=function(CodeUri="missing/"))
    with pytest.raises(FunctionConfigError) as caught:
        translate(template, file=file, parameter_values={})
    message = str(caught.value)
    assert message.startswith(str(file))
    assert "Worker" in message
    assert "missing/" in message
    assert caught.value.hint and "relative to the template" in caught.value.hint


def test_a_missing_code_folder_in_globals_names_the_function(tmp_path):
    template = sam_template(Worker={"Type": "AWS::Serverless::Function", "Properties": {}})
    template["Globals"] = {
        "Function": {"CodeUri": "gone", "Runtime": "python3.12", "Handler": "a.b"}
    }
    with pytest.raises(FunctionConfigError, match=r"Worker: CodeUri 'gone'"):
        translate(template, file=app_folder(tmp_path), parameter_values={})


def test_a_missing_layer_folder_is_an_error(tmp_path):
    template = sam_template(
        Deps={"Type": "AWS::Serverless::LayerVersion", "Properties": {"ContentUri": "deps/"}}
    )
    with pytest.raises(FunctionConfigError, match=r"Deps: ContentUri 'deps/'"):
        translate(template, file=app_folder(tmp_path), parameter_values={})


def test_code_must_be_a_folder_or_an_archive(tmp_path):
    file = app_folder(tmp_path)
    template = sam_template(Fn=function(CodeUri="src/app.py"))
    with pytest.raises(FunctionConfigError, match=r"not a folder or a \.zip archive"):
        translate(template, file=file, parameter_values={})


def test_a_missing_definition_file_is_a_template_error(tmp_path):
    template = sam_template(
        Api={
            "Type": "AWS::Serverless::Api",
            "Properties": {"StageName": "p", "DefinitionUri": "no.yaml"},
        }
    )
    with pytest.raises(TemplateError, match=r"Api: DefinitionUri 'no.yaml'"):
        translate(template, file=app_folder(tmp_path), parameter_values={})


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
_PROPERTIES = [
    "CodeUri",
    "Handler",
    "Runtime",
    "Events",
    "Policies",
    "Layers",
    "Environment",
    "AutoPublishAlias",
    "DeploymentPreference",
    "FunctionUrlConfig",
    "InlineCode",
    "PackageType",
    "ImageUri",
    "Timeout",
    "Role",
]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(properties=st.dictionaries(st.sampled_from(_PROPERTIES), _json, max_size=4))
def test_arbitrary_function_properties_fail_only_as_user_errors(tmp_path, properties):
    template = sam_template(Fn={"Type": "AWS::Serverless::Function", "Properties": properties})
    try:
        result = translate(template, file=tmp_path / "template.yaml", parameter_values={})
    except LambdakitError:
        return
    assert set(result.origins) == set(result.template["Resources"])


def test_a_ref_to_a_list_in_a_code_location_is_a_clear_error_not_a_crash(tmp_path):
    # found by the fuzz test: {"Ref": []} as an S3 bucket of CodeUri
    template = {
        "Transform": "AWS::Serverless-2016-10-31",
        "Resources": {
            "Fn": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "CodeUri": {"Bucket": {"Ref": []}, "Key": "k.zip"},
                    "Handler": "app.handler",
                    "Runtime": "python3.12",
                },
            }
        },
    }
    with contextlib.suppress(LambdakitError):
        translate(template, file=tmp_path / "template.yaml", parameter_values={})
