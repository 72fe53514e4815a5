"""Functions and layers read from a resolved stack (`cfn_functions`, `cfn_function_links`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lambdakit.errors import FunctionConfigError, TemplateError
from lambdakit.model import (
    Architecture,
    AssetCode,
    Cors,
    Dependencies,
    DependencyKind,
    Destination,
    EventInvokeConfig,
    FunctionUrl,
    GetAtt,
    ImageCode,
    InlineCode,
    Join,
    LayerRef,
    LocalCode,
    Ref,
    Runtime,
    S3Code,
    SourceKind,
    Unresolved,
)
from lambdakit.sources.cfn_function_checks import handler_problem
from lambdakit.sources.cfn_function_links import destination
from lambdakit.sources.cfn_functions import extract_functions, extract_layers
from lambdakit.sources.resolved import ResolvedResource, ResolvedStack, StackContext

TEMPLATE = Path("/project/template.yaml")


def res(logical_id, type_="AWS::Lambda::Function", *, update_policy=None, metadata=None, **props):
    return ResolvedResource(
        logical_id=logical_id,
        type=type_,
        properties=props,
        update_policy=update_policy or {},
        metadata=metadata or {},
    )


def stack(*resources, base_dir=Path("/project"), **context):
    ctx = StackContext(
        stack="app", file=TEMPLATE, base_dir=base_dir, source=SourceKind.SAM, **context
    )
    return ResolvedStack(ctx, {r.logical_id: r for r in resources})


def fn(logical_id="Fn", **props):
    props.setdefault("Runtime", "python3.12")
    props.setdefault("Handler", "app.handler")
    props.setdefault("Code", {"ZipFile": "def handler(e, c): return 1"})
    return res(logical_id, **props)


def one(*resources, **context):
    (function,) = [f for f in extract_functions(stack(*resources, **context)) if f.id == "Fn"]
    return function


# --------------------------------------------------------------------------- properties


def test_defaults_of_a_minimal_function(tmp_path):
    (tmp_path / "src").mkdir()
    function = one(
        fn(Code={"S3Bucket": "b", "S3Key": "k"}),
        base_dir=tmp_path,
        code_overrides={"Fn": LocalCode(Path("src"))},
    )

    # the override wins over the template's Code, anchored at the template's folder
    assert function.code == LocalCode(tmp_path / "src")
    assert function.id == function.logical_id == "Fn"
    assert function.stack == "app"
    assert function.origin.file == TEMPLATE
    assert function.runtime == Runtime("python3.12")
    assert function.architecture is Architecture.X86_64
    assert (function.memory_mb, function.timeout_seconds, function.ephemeral_storage_mb) == (
        128,
        3,
        512,
    )
    assert function.environment == {}
    assert function.layers == ()
    assert function.name is None
    assert function.dependencies is None
    assert function.event_invoke is None and function.url is None
    assert function.runnable


def test_every_own_property():
    function = one(
        fn(
            FunctionName="orders-api",
            Architectures=["arm64"],
            MemorySize="1024",
            Timeout=30,
            EphemeralStorage={"Size": 2048},
            Environment={"Variables": {"TABLE": Ref("Table"), "STAGE": "prod"}},
            ReservedConcurrentExecutions=5,
            TracingConfig={"Mode": "Active"},
            Role=GetAtt("FnRole", "Arn"),
            DeadLetterConfig={"TargetArn": GetAtt("Dlq", "Arn")},
        ),
        res("Dlq", "AWS::SQS::Queue"),
    )

    assert function.name == "orders-api"
    assert function.architecture is Architecture.ARM64
    assert (function.memory_mb, function.timeout_seconds, function.ephemeral_storage_mb) == (
        1024,
        30,
        2048,
    )
    assert function.environment == {"TABLE": Ref("Table"), "STAGE": "prod"}
    assert function.reserved_concurrency == 5
    assert function.tracing == "Active"
    assert function.role == GetAtt("FnRole", "Arn")
    assert function.dead_letter == Destination(GetAtt("Dlq", "Arn"), "sqs", "Dlq")


def test_a_symbolic_number_falls_back_to_the_default():
    function = one(fn(Timeout=Unresolved({"Fn::ImportValue": "x"}, "import")))

    assert function.timeout_seconds == 3


def test_multi_stack_function_id_and_sam_origin():
    function = extract_functions(
        stack(fn(), function_ids={"Fn": "Api/Fn"}, origins={"Fn": "OrdersFunction"})
    )[0]

    assert function.id == "Api/Fn"
    assert function.origin.name == "OrdersFunction"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ({"ZipFile": "print(1)"}, InlineCode("print(1)")),
        ({"S3Bucket": "b", "S3Key": "k.zip"}, S3Code("b", "k.zip")),
        ({"S3Bucket": "b", "S3Key": "k.zip", "S3ObjectVersion": "3"}, S3Code("b", "k.zip", "3")),
    ],
)
def test_code_from_the_template(code, expected):
    assert one(fn(Code=code)).code == expected


def test_inline_code_built_with_sub_keeps_its_references_readable():
    function = one(fn(Code={"ZipFile": Join(("TABLE = '", Ref("Table"), "'"))}))

    assert function.code == InlineCode("TABLE = '${Table}'")


def test_container_image_function_has_no_runtime_and_is_not_runnable():
    function = one(
        res(
            "Fn",
            PackageType="Image",
            Code={"ImageUri": "123.dkr.ecr.us-east-1.amazonaws.com/app:1"},
            Handler="ignored.handler",
        )
    )

    assert function.runtime is None
    assert function.handler is None
    assert function.code == ImageCode("123.dkr.ecr.us-east-1.amazonaws.com/app:1")
    assert not function.runnable


@pytest.mark.parametrize("runtime", ["nodejs20.x", "python3.8", "java21"])
def test_unsupported_runtime_is_kept_and_says_why(runtime):
    function = one(fn(Runtime=runtime, Handler="index.handler"))

    assert not function.runnable
    assert runtime in (function.not_runnable_reason or "")


def test_asset_code_override_relative_to_the_base_dir(tmp_path):
    (tmp_path / "asset.abc").mkdir()
    function = one(
        fn(),
        base_dir=tmp_path,
        code_overrides={"Fn": AssetCode(Path("asset.abc"), "abc")},
    )

    assert function.code == AssetCode(tmp_path / "asset.abc", "abc")


def test_layers_of_the_app_by_id_and_others_by_arn():
    arn = "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3:7"
    function = one(
        fn(Layers=[Ref("Libff69f727b3"), arn]),
        res("Libff69f727b3", "AWS::Lambda::LayerVersion", Content={"S3Bucket": "b", "S3Key": "k"}),
    )

    assert function.layers == (LayerRef(layer="Libff69f727b3"), LayerRef(arn=arn))


def test_dependencies_of_a_local_code_folder(tmp_path):
    code = tmp_path / "src" / "orders"
    code.mkdir(parents=True)
    (code / "requirements.txt").write_text("httpx\n")

    function = one(fn(), code_overrides={"Fn": LocalCode(code)}, project_root=tmp_path)

    assert function.dependencies == Dependencies(
        DependencyKind.REQUIREMENTS, code / "requirements.txt"
    )


def test_dependency_group_configured_under_the_sam_name(tmp_path):
    # GIVEN the central pyproject names the function as the user wrote it in the template
    (tmp_path / "pyproject.toml").write_text(
        '[dependency-groups]\napi = ["httpx"]\n'
        '[tool.lambdakit.functions.OrdersFunction]\ndependency-group = "api"\n'
    )
    (tmp_path / "code").mkdir()

    function = one(
        fn(),
        code_overrides={"Fn": LocalCode(tmp_path / "code")},
        project_root=tmp_path,
        origins={"Fn": "OrdersFunction"},
    )

    assert function.dependencies is not None and function.dependencies.group == "api"


# --------------------------------------------------------------------------- linked resources


def sam_function_with_everything():
    """What aws-sam-translator makes of AutoPublishAlias, DeploymentPreference, EventInvokeConfig,
    FunctionUrlConfig (trimmed to the properties lambdakit reads)."""
    return (
        fn(),
        res("Hook", Runtime="python3.12", Handler="h.h", Code={"ZipFile": "x"}),
        res("FnVersion32edd06e5c", "AWS::Lambda::Version", FunctionName=Ref("Fn")),
        res(
            "FnAliaslive",
            "AWS::Lambda::Alias",
            Name="live",
            FunctionName=Ref("Fn"),
            FunctionVersion=GetAtt("FnVersion32edd06e5c", "Version"),
            update_policy={
                "CodeDeployLambdaAliasUpdate": {
                    "ApplicationName": Ref("ServerlessDeploymentApplication"),
                    "DeploymentGroupName": Ref("FnDeploymentGroup"),
                    "BeforeAllowTrafficHook": Ref("Hook"),
                }
            },
        ),
        res("ServerlessDeploymentApplication", "AWS::CodeDeploy::Application"),
        res(
            "FnDeploymentGroup",
            "AWS::CodeDeploy::DeploymentGroup",
            DeploymentConfigName="CodeDeployDefault.LambdaCanary10Percent5Minutes",
            AlarmConfiguration={"Enabled": True, "Alarms": [{"Name": Ref("Alarm")}]},
        ),
        res(
            "FnUrl",
            "AWS::Lambda::Url",
            TargetFunctionArn=Ref("FnAliaslive"),
            AuthType="NONE",
            InvokeMode="RESPONSE_STREAM",
            Cors={"AllowOrigins": ["*"], "AllowMethods": ["GET"], "MaxAge": "300"},
        ),
        res("Topic", "AWS::SNS::Topic"),
        res("FnEventInvokeConfigOnFailureQueue", "AWS::SQS::Queue"),
        res(
            "FnEventInvokeConfig",
            "AWS::Lambda::EventInvokeConfig",
            FunctionName=Ref("Fn"),
            Qualifier="live",
            MaximumRetryAttempts=1,
            MaximumEventAgeInSeconds="3600",
            DestinationConfig={
                "OnSuccess": {"Destination": Ref("Topic")},
                "OnFailure": {"Destination": GetAtt("FnEventInvokeConfigOnFailureQueue", "Arn")},
            },
        ),
    )


def test_settings_other_resources_attach_to_the_function():
    function = one(*sam_function_with_everything())

    assert function.auto_publish_alias == "live"
    assert function.url == FunctionUrl(
        auth_type="NONE",
        invoke_mode="RESPONSE_STREAM",
        cors=Cors(allow_origins=("*",), allow_methods=("GET",), max_age=300),
    )
    assert function.event_invoke == EventInvokeConfig(
        maximum_retry_attempts=1,
        maximum_event_age_seconds=3600,
        on_success=Destination(Ref("Topic"), "sns", "Topic"),
        on_failure=Destination(
            GetAtt("FnEventInvokeConfigOnFailureQueue", "Arn"),
            "sqs",
            "FnEventInvokeConfigOnFailureQueue",
        ),
    )
    assert function.deployment_preference == {
        "DeploymentGroup": "FnDeploymentGroup",
        "Type": "Canary10Percent5Minutes",
        "Alarms": [Ref("Alarm")],
        "Hooks": {"PreTraffic": Ref("Hook")},
        "Application": Ref("ServerlessDeploymentApplication"),
    }


def test_event_invoke_config_for_the_published_alias_wins():
    resources = [r for r in sam_function_with_everything() if r.logical_id != "FnEventInvokeConfig"]
    latest = res(
        "Latest", "AWS::Lambda::EventInvokeConfig", FunctionName="Fn", MaximumRetryAttempts=0
    )
    alias = res(
        "Alias",
        "AWS::Lambda::EventInvokeConfig",
        FunctionName=Ref("Fn"),
        Qualifier="live",
        MaximumRetryAttempts=2,
    )

    assert one(*resources, latest, alias).event_invoke == EventInvokeConfig(
        maximum_retry_attempts=2
    )


def test_event_invoke_config_for_latest_wins_over_a_version():
    version = res(
        "V",
        "AWS::Lambda::EventInvokeConfig",
        FunctionName=Ref("Fn"),
        Qualifier="3",
        MaximumRetryAttempts=0,
    )
    latest = res(
        "L",
        "AWS::Lambda::EventInvokeConfig",
        FunctionName=Ref("Fn"),
        Qualifier="$LATEST",
        MaximumRetryAttempts=1,
    )

    assert one(fn(), version, latest).event_invoke == EventInvokeConfig(maximum_retry_attempts=1)


def test_an_alias_pinned_to_a_literal_version_is_not_auto_published():
    pinned = res(
        "Prod", "AWS::Lambda::Alias", Name="prod", FunctionName=Ref("Fn"), FunctionVersion="3"
    )

    function = one(fn(), pinned)

    assert function.auto_publish_alias is None
    assert function.deployment_preference is None


def test_cdk_current_version_alias_and_unqualified_url():
    function = one(
        fn(),
        res("FnCurrentVersion17A8", "AWS::Lambda::Version", FunctionName=Ref("Fn")),
        res(
            "Live848578DF",
            "AWS::Lambda::Alias",
            Name="live",
            FunctionName=Ref("Fn"),
            FunctionVersion=GetAtt("FnCurrentVersion17A8", "Version"),
        ),
        res("FnUrl", "AWS::Lambda::Url", AuthType="AWS_IAM", TargetFunctionArn=GetAtt("Fn", "Arn")),
    )

    assert function.auto_publish_alias == "live"
    assert function.deployment_preference is None
    assert function.url == FunctionUrl(auth_type="AWS_IAM")


@pytest.mark.parametrize(
    ("arn", "kind", "resource"),
    [
        (GetAtt("Other", "Arn"), "lambda", "Other"),
        (Ref("OtherAlias"), "lambda", "Other"),
        (GetAtt("Bus", "Arn"), "eventbridge", "Bus"),
        (GetAtt("Bucket", "Arn"), "s3", "Bucket"),
        (Ref("Topic"), "sns", "Topic"),
        ("arn:aws:sqs:us-east-1:123456789012:external", "sqs", None),
        ("arn:aws:sns:us-east-1:123456789012:external", "sns", None),
        ("arn:aws:events:us-east-1:123456789012:event-bus/x", "eventbridge", None),
        ("arn:aws:lambda:us-east-1:123456789012:function:elsewhere", "lambda", None),
        (Join(("arn:aws:sqs:us-east-1:", Unresolved("x", "import"), ":q")), "sqs", None),
        (Unresolved({"Fn::ImportValue": "x"}, "import"), "unknown", None),
        ("not-an-arn", "unknown", None),
    ],
)
def test_destination_kinds(arn, kind, resource):
    s = stack(
        fn("Other"),
        res("OtherAlias", "AWS::Lambda::Alias", Name="a", FunctionName=Ref("Other")),
        res("Bus", "AWS::Events::EventBus", Name="bus"),
        res("Bucket", "AWS::S3::Bucket"),
        res("Topic", "AWS::SNS::Topic"),
    )

    assert destination(s, arn) == Destination(arn, kind, resource)


# --------------------------------------------------------------------------- layers


def test_layers(tmp_path):
    (tmp_path / "lib").mkdir()
    s = stack(
        res(
            "Libff69f727b3",
            "AWS::Lambda::LayerVersion",
            metadata={"BuildMethod": "python3.12"},
            LayerName="Lib",
            Content={"S3Bucket": "b", "S3Key": "k"},
            CompatibleRuntimes=["python3.12", "python3.13"],
            CompatibleArchitectures=["arm64"],
        ),
        res("Prebuilt", "AWS::Lambda::LayerVersion", Content={"S3Bucket": "b", "S3Key": "p.zip"}),
        origins={"Libff69f727b3": "Lib"},
        # keyed by the name the user wrote; the SAM transform renamed the resource
        code_overrides={"Lib": LocalCode(tmp_path / "lib")},
    )

    lib, prebuilt = extract_layers(s)

    # the id is what the user wrote; the logical id is the transform's renamed one
    assert (lib.id, lib.logical_id) == ("Lib", "Libff69f727b3")
    assert lib.origin.name == "Lib"
    assert lib.name == "Lib"
    assert lib.code == LocalCode(tmp_path / "lib")
    assert lib.compatible_runtimes == (Runtime("python3.12"), Runtime("python3.13"))
    assert lib.compatible_architectures == (Architecture.ARM64,)
    assert lib.build_method == "python3.12"
    assert prebuilt.code == S3Code("b", "p.zip")
    assert prebuilt.build_method is None


def test_layer_errors(tmp_path):
    missing = stack(res("L", "AWS::Lambda::LayerVersion", Content={}))
    with pytest.raises(FunctionConfigError, match="layer has no content"):
        extract_layers(missing)

    gone = stack(
        res("L", "AWS::Lambda::LayerVersion"), code_overrides={"L": LocalCode(tmp_path / "x")}
    )
    with pytest.raises(FunctionConfigError, match="does not exist"):
        extract_layers(gone)

    bad = stack(
        res(
            "L",
            "AWS::Lambda::LayerVersion",
            Content={"S3Key": "k"},
            CompatibleArchitectures=["arm"],
        )
    )
    with pytest.raises(FunctionConfigError, match="CompatibleArchitectures"):
        extract_layers(bad)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "handler", ["app.handler", "src/app.handler", "pkg.mod.handler", "my-module.lambda_handler"]
)
def test_handler_shapes_the_runtime_can_load(handler):
    assert handler_problem(handler) is None


@pytest.mark.parametrize(
    ("handler", "problem"),
    [
        ("handler", "no '.'"),
        ("app.", "invalid function name ''"),
        (".handler", "invalid module path ''"),
        ("a..b.handler", "invalid module path"),
        ("src//app.handler", "invalid module path"),
        ("app.my-handler", "invalid function name"),
        ("my app.handler", "whitespace"),
        ("m" * 126 + ".h1", "longer than 128"),
    ],
)
def test_bad_python_handler(handler, problem):
    with pytest.raises(FunctionConfigError) as err:
        one(fn(Handler=handler))

    assert problem in str(err.value)
    assert "/project/template.yaml: Fn" in str(err.value)
    assert "module.function" in (err.value.hint or "")
    assert err.value.exit_code == 1


def test_handler_names_the_function_as_the_user_wrote_it():
    with pytest.raises(FunctionConfigError, match=r"template\.yaml: OrdersFunction: Handler"):
        one(fn(Handler="handler"), origins={"Fn": "OrdersFunction"})


def test_python_function_without_handler():
    with pytest.raises(FunctionConfigError, match="needs a Handler"):
        one(res("Fn", Runtime="python3.12", Code={"ZipFile": "x"}))


def test_handler_of_other_runtimes_is_not_checked():
    assert one(fn(Runtime="provided.al2023", Handler="bootstrap")).handler == "bootstrap"


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"Timeout": 0}, "Timeout is 0 seconds; Lambda allows 1 to 900 seconds"),
        ({"Timeout": 901}, "Timeout is 901 seconds"),
        ({"MemorySize": 127}, "MemorySize is 127 MB; Lambda allows 128 to 10240 MB"),
        ({"MemorySize": 10241}, "MemorySize is 10241 MB"),
        ({"EphemeralStorage": {"Size": 511}}, "EphemeralStorage.Size is 511 MB"),
        ({"EphemeralStorage": {"Size": 10241}}, "EphemeralStorage.Size is 10241 MB"),
    ],
)
def test_limits(props, message):
    with pytest.raises(FunctionConfigError, match=message):
        one(fn(**props))


@pytest.mark.parametrize("timeout", [1, 900])
def test_limits_are_inclusive(timeout):
    assert one(fn(Timeout=timeout, MemorySize=10240)).timeout_seconds == timeout


def test_a_property_of_the_wrong_type_is_a_template_error():
    with pytest.raises(TemplateError, match="MemorySize: expected a whole number"):
        one(fn(MemorySize="lots"))


@pytest.mark.parametrize("name", ["1ST", "A", "MY-VAR", "_PRIVATE"])
def test_environment_variable_names(name):
    with pytest.raises(FunctionConfigError, match=f"name '{name}' is not allowed"):
        one(fn(Environment={"Variables": {name: "x"}}))


@pytest.mark.parametrize("name", ["AWS_REGION", "_HANDLER", "AWS_LAMBDA_FUNCTION_NAME"])
def test_reserved_environment_variables(name):
    with pytest.raises(FunctionConfigError, match=f"{name} is reserved by Lambda"):
        one(fn(Environment={"Variables": {name: "x"}}))


def test_environment_over_4kb():
    # 4 names of 4 bytes + values of 1021 bytes: 4100 bytes
    variables = {f"VAR{i}": "x" * 1021 for i in range(4)}

    with pytest.raises(FunctionConfigError, match="take 4100 bytes; Lambda allows 4096"):
        one(fn(Environment={"Variables": variables}))


def test_environment_size_counts_only_literal_values():
    variables = {f"VAR{i}": "x" * 1000 for i in range(4)} | {"TABLE": Join(("x" * 500, Ref("T")))}

    assert len(one(fn(Environment={"Variables": variables})).environment) == 5


def test_environment_that_is_not_a_mapping():
    with pytest.raises(FunctionConfigError, match="must be a mapping"):
        one(fn(Environment={"Variables": ["A=1"]}))


def test_more_than_five_layers():
    arns = [f"arn:aws:lambda:us-east-1:123456789012:layer:l{i}:1" for i in range(6)]

    with pytest.raises(FunctionConfigError, match="uses 6 layers; Lambda allows at most 5"):
        one(fn(Layers=arns))


def test_dead_letter_target_must_be_a_queue_or_topic():
    with pytest.raises(FunctionConfigError, match="is a lambda ARN"):
        one(fn(DeadLetterConfig={"TargetArn": GetAtt("Other", "Arn")}), fn("Other"))


@pytest.mark.parametrize(
    ("architectures", "message"),
    [(["arm"], "Architectures is 'arm'"), (["x86_64", "arm64"], "exactly one")],
)
def test_architectures(architectures, message):
    with pytest.raises(FunctionConfigError, match=message):
        one(fn(Architectures=architectures))


def test_missing_code_folder_names_the_path(tmp_path):
    with pytest.raises(FunctionConfigError) as err:
        one(fn(), code_overrides={"Fn": LocalCode(tmp_path / "nope")})

    assert f"code folder {tmp_path / 'nope'} does not exist" in str(err.value)
    assert "CodeUri" in (err.value.hint or "")


def test_missing_cdk_asset_folder(tmp_path):
    with pytest.raises(FunctionConfigError, match=r"CDK asset folder .* does not exist"):
        one(fn(), code_overrides={"Fn": AssetCode(tmp_path / "asset.1", "1")})


def test_function_without_code():
    with pytest.raises(FunctionConfigError, match="has no code"):
        one(res("Fn", Runtime="python3.12", Handler="app.handler"))


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"MaximumRetryAttempts": 3}, "MaximumRetryAttempts is 3"),
        ({"MaximumEventAgeInSeconds": 59}, "MaximumEventAgeInSeconds is 59"),
        ({"MaximumEventAgeInSeconds": 21601}, "MaximumEventAgeInSeconds is 21601"),
    ],
)
def test_event_invoke_config_limits(props, message):
    config = res("Cfg", "AWS::Lambda::EventInvokeConfig", FunctionName=Ref("Fn"), **props)

    with pytest.raises(FunctionConfigError, match=message):
        one(fn(), config)


def test_dependencies_of_a_cdk_asset_come_from_the_service_it_copies(tmp_path):
    # GIVEN a CDK project whose pyproject has a group per service, and a staged asset
    (tmp_path / "pyproject.toml").write_text('[dependency-groups]\ncounter = ["httpx"]\n')
    source = tmp_path / "services" / "counter" / "runtime"
    asset = tmp_path / "cdk.out" / "asset.abc"
    for folder in (source, asset):
        folder.mkdir(parents=True)
        (folder / "handler.py").write_text("def handler(e, c):\n    return 1\n")

    function = one(
        fn(Handler="handler.handler"),
        code_overrides={"Fn": AssetCode(asset, "abc")},
        project_root=tmp_path,
    )

    assert function.code == AssetCode(asset, "abc")
    assert function.dependencies == Dependencies(
        DependencyKind.DEPENDENCY_GROUP, tmp_path / "pyproject.toml", "counter"
    )
