"""End to end through `load_app`: fixture apps of every kind give the model a user expects."""

from __future__ import annotations

from pathlib import Path

import pytest

from lambdakit import LoadOptions, load_app
from lambdakit.errors import FunctionConfigError, TemplateNotFoundError, TransformError
from lambdakit.model import (
    ApiKind,
    Architecture,
    AssetCode,
    DependencyKind,
    EventKind,
    GetAtt,
    InlineCode,
    Join,
    LocalCode,
    Queue,
    Ref,
    ResourceKind,
    S3Code,
    S3Event,
    ScheduleEvent,
    SourceKind,
    SqsEvent,
    StreamEvent,
    Table,
    Unresolved,
)

ROOT = Path(__file__).parent.parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
KITCHEN = FIXTURES / "cfn" / "kitchen-sink"


# ---------------------------------------------------------------- plain CloudFormation


def test_kitchen_sink_functions():
    app = load_app(KITCHEN)
    assert app.source is SourceKind.CLOUDFORMATION
    assert app.name == "kitchen-sink"
    ids = [f.id for f in app.functions]
    # ImageFunction's condition IsProd is false with the default Stage
    assert ids == [
        "ApiFunction",
        "WorkerFunction",
        "OrdersStreamFunction",
        "InlineFunction",
        "LegacyNodeFunction",
    ]
    api = app.function("ApiFunction")
    assert api.runtime is not None
    assert api.runtime.name == "python3.12"
    assert api.architecture is Architecture.ARM64
    assert api.memory_mb == 256  # FindInMap by the Stage parameter
    assert api.timeout_seconds == 10
    assert api.code == LocalCode(KITCHEN / "src" / "api")
    assert api.dependencies is not None
    assert api.dependencies.kind is DependencyKind.REQUIREMENTS
    assert api.environment["TABLE_NAME"] == Ref("OrdersTable")
    assert api.environment["LOG_LEVEL"] == "DEBUG"
    assert api.environment["BUCKET"] == "acme-uploads-123456789012"
    assert api.environment["DEBUG_ONLY"] == "1"
    assert [layer.layer for layer in api.layers] == ["SharedLayer", None]
    assert api.event_invoke is not None
    assert api.event_invoke.maximum_retry_attempts == 1
    assert api.event_invoke.on_failure is not None
    assert api.event_invoke.on_failure.resource == "DeadLetterQueue"
    assert api.url is not None
    assert api.tracing == "Active"

    worker = app.function("WorkerFunction")
    assert worker.reserved_concurrency == 5
    assert worker.dead_letter is not None
    assert worker.dead_letter.resource == "DeadLetterQueue"
    assert isinstance(app.function("InlineFunction").code, InlineCode)
    legacy = app.function("LegacyNodeFunction")
    assert isinstance(legacy.code, S3Code)
    assert not legacy.runnable
    assert legacy.not_runnable_reason is not None
    assert "nodejs20.x" in legacy.not_runnable_reason
    # a function can be found by its physical name too
    assert app.function("kitchen-sink-orders-stream").id == "OrdersStreamFunction"


def test_kitchen_sink_prod_stage_changes_what_exists():
    app = load_app(KITCHEN, LoadOptions(parameter_overrides={"Stage": "prod"}))
    assert "ImageFunction" in [f.id for f in app.functions]
    assert app.function("ApiFunction").memory_mb == 1024
    assert "DEBUG_ONLY" not in app.function("ApiFunction").environment
    assert "ProdAlarm" in [o.name for o in app.outputs]


def test_kitchen_sink_routes():
    routes = {(r.api_kind, r.method, r.path): r for r in load_app(KITCHEN).routes}
    assert set(routes) == {
        (ApiKind.REST, "GET", "/orders/{id}"),
        (ApiKind.REST, "POST", "/orders"),
        (ApiKind.HTTP, "GET", "/health"),
        (ApiKind.FUNCTION_URL, "ANY", "/{proxy+}"),
    }
    rest = routes[(ApiKind.REST, "GET", "/orders/{id}")]
    assert (rest.api, rest.stage, rest.payload_version, rest.function) == (
        "RestApi",
        "dev",
        "1.0",
        "ApiFunction",
    )
    http = routes[(ApiKind.HTTP, "GET", "/health")]
    assert (http.stage, http.payload_version) == ("$default", "2.0")
    assert http.cors is not None
    assert http.cors.allow_origins == ("*",)


def test_kitchen_sink_event_sources():
    events = load_app(KITCHEN).event_sources
    kinds = sorted(e.kind.value for e in events)
    assert kinds == sorted(
        ["s3", "s3", "dynamodb", "kinesis", "sqs", "sns", "schedule", "eventbridge"]
    )
    s3 = [e for e in events if isinstance(e, S3Event)]
    assert (s3[0].events, s3[0].prefix, s3[0].suffix) == (
        ("s3:ObjectCreated:*",),
        "incoming/",
        ".csv",
    )
    sqs = next(e for e in events if isinstance(e, SqsEvent))
    assert (sqs.source, sqs.batch_size, sqs.batching_window_seconds) == ("WorkQueue", 25, 2)
    assert sqs.report_batch_item_failures
    assert sqs.filters == ({"body": {"type": ["order"]}},)
    ddb = next(e for e in events if isinstance(e, StreamEvent) and e.kind is EventKind.DYNAMODB)
    assert (ddb.starting_position, ddb.batch_size, ddb.bisect_on_error) == (
        "TRIM_HORIZON",
        50,
        True,
    )
    assert ddb.on_failure is not None
    assert ddb.on_failure.resource == "DeadLetterQueue"
    schedule = next(e for e in events if isinstance(e, ScheduleEvent))
    assert (schedule.expression, schedule.input) == ("cron(0 3 * * ? *)", {"job": "nightly"})
    # the external queue mapping's condition is false: no event source
    assert all(e.source != "ExternalQueueArn" for e in events)


def test_kitchen_sink_resources_and_outputs():
    app = load_app(KITCHEN)
    kinds = {r.logical_id: r.kind for r in app.resources}
    assert kinds["UploadsBucket"] is ResourceKind.BUCKET
    assert kinds["OrdersBus"] is ResourceKind.EVENT_BUS
    assert kinds["ConfigParameter"] is ResourceKind.SSM_PARAMETER
    assert kinds["ApiSecret"] is ResourceKind.SECRET
    assert [r.logical_id for r in app.not_emulated] == ["OrderWorkflow"]
    table = app.resource("OrdersTable")
    assert isinstance(table, Table)
    assert [k.name for k in table.keys] == ["pk", "sk"]
    assert table.stream_view_type == "NEW_AND_OLD_IMAGES"
    assert table.ttl_attribute == "expiresAt"
    work = app.resource("WorkQueue")
    assert isinstance(work, Queue)
    assert work.redrive is not None
    assert (work.redrive.dead_letter_queue, work.redrive.max_receive_count) == (
        "DeadLetterQueue",
        3,
    )
    fifo = app.resource("OrderedQueue")
    assert isinstance(fifo, Queue)
    assert fifo.fifo
    outputs = {o.name: o for o in app.outputs}
    assert outputs["ApiUrl"].value == Join(
        ("https://", Ref("RestApi"), ".execute-api.us-east-1.amazonaws.com/dev/")
    )
    assert outputs["HttpApiUrl"].value == GetAtt("HttpApi", "ApiEndpoint")
    assert outputs["TableName"].export_name == "kitchen-sink-orders-table"
    params = {p.name: p for p in app.stacks[0].parameters}
    assert isinstance(params["LatestAmi"].value, Unresolved)
    assert params["Subnets"].value == ["subnet-1", "subnet-2"]


def test_region_and_stack_name_options_feed_pseudo_parameters():
    app = load_app(KITCHEN, LoadOptions(region="eu-central-1", stack_name="shop-dev"))
    assert app.name == "shop-dev"
    assert app.stacks[0].region == "eu-central-1"
    assert app.function("OrdersStreamFunction").name == "shop-dev-orders-stream"


# ---------------------------------------------------------------- SAM


def test_sam_events_map_back_to_the_function_the_user_wrote():
    app = load_app(FIXTURES / "sam" / "events")
    assert app.source is SourceKind.SAM
    assert [f.id for f in app.functions] == ["Handler"]
    kinds = sorted(e.kind.value for e in app.event_sources)
    assert kinds == sorted(
        [
            "dynamodb",
            "sqs",
            "schedule",
            "schedule",
            "eventbridge",
            "eventbridge",
            "s3",
            "kinesis",
            "sns",
        ]
    )
    assert all(e.function == "Handler" for e in app.event_sources)
    routes = {(r.api_kind, r.method, r.path, r.stage) for r in app.routes}
    assert routes == {
        (ApiKind.REST, "GET", "/items/{id}", "Prod"),
        (ApiKind.HTTP, "POST", "/items", "$default"),
    }
    # the SAM transform's generated resources name what the user wrote
    assert {e.origin.name for e in app.event_sources} <= {"Handler", "Uploads"}


def test_sam_globals_apply_to_each_function():
    app = load_app(FIXTURES / "sam" / "globals")
    for fn in app.functions:
        assert fn.runtime is not None
        assert fn.runtime.name.startswith("python3.")
        assert isinstance(fn.code, LocalCode)
        assert fn.code.path.is_dir()


def test_sam_layers_keep_the_name_the_user_wrote():
    app = load_app(FIXTURES / "sam" / "layers_policies")
    (layer,) = app.layers
    # the transform renamed it SharedLayer<hash>; the model names it as written
    assert layer.id == "SharedLayer"
    assert layer.logical_id.startswith("SharedLayer")
    assert layer.logical_id != layer.id
    assert layer.build_method == "python3.12"
    reader = app.function("Reader")
    assert reader.layers[0].layer == "SharedLayer"
    assert reader.layers[1].arn is not None


def test_sam_auto_publish_alias_and_deployment_preference():
    app = load_app(FIXTURES / "sam" / "deployment")
    published = [f for f in app.functions if f.auto_publish_alias]
    assert published
    assert any(f.deployment_preference for f in published)


def test_sam_oddities_load_and_list_what_is_not_emulated():
    app = load_app(FIXTURES / "sam" / "oddities")
    types = {r.type for r in app.not_emulated}
    assert "AWS::CloudFront::Distribution" in types
    assert "AWS::StepFunctions::StateMachine" in types


def one_function_app(
    root: Path,
    *,
    name: str = "Orders",
    code_uri: str = "src",
    handler: str = "app.handler",
    runtime: str = "python3.12",
    extra: str = "",
    make_code: bool = True,
) -> Path:
    """A SAM app with one function, written into `root`."""
    if make_code:
        (root / code_uri).mkdir(parents=True, exist_ok=True)
    (root / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        f"  {name}:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        f"      CodeUri: {code_uri}\n"
        f"      Handler: {handler}\n"
        f"      Runtime: {runtime}\n" + extra
    )
    return root


def test_sam_transform_errors_name_the_resource(tmp_path):
    one_function_app(
        tmp_path,
        name="Fn",
        extra="      DeploymentPreference:\n        Type: Linear10PercentEvery1Minute\n",
    )
    with pytest.raises(TransformError, match=r"\[Fn\].*AutoPublishAlias"):
        load_app(tmp_path)


def test_missing_code_folder_names_the_function(tmp_path):
    one_function_app(tmp_path, code_uri="src/orders", make_code=False)
    with pytest.raises(FunctionConfigError, match="Orders") as err:
        load_app(tmp_path)
    assert "src/orders" in str(err.value)


def test_bad_handler_names_the_function(tmp_path):
    one_function_app(tmp_path, handler="handler_without_dot")
    with pytest.raises(FunctionConfigError, match=r"Orders.*handler"):
        load_app(tmp_path)


# ---------------------------------------------------------------- CDK


def test_cdk_example_from_its_committed_cloud_assembly():
    app = load_app(ROOT / "examples" / "object-counter-cdk")
    assert app.source is SourceKind.CDK
    assert len(app.functions) == 3  # CDK's own notification handler is not the app's
    for fn in app.functions:
        assert isinstance(fn.code, AssetCode)
        assert fn.code.path.is_dir()
        assert fn.origin.name.startswith("CounterStack/")
        assert fn.dependencies is not None
        assert fn.dependencies.kind is DependencyKind.DEPENDENCY_GROUP
    assert {e.kind for e in app.event_sources} == {EventKind.S3, EventKind.SQS}
    assert [(r.method, r.path) for r in app.routes] == [("GET", "/count")]
    assert any(f.architecture is Architecture.ARM64 for f in app.functions)


def test_a_cdk_app_without_an_assembly_asks_for_synth(tmp_path):
    (tmp_path / "cdk.json").write_text('{"app": "python3 app.py"}')
    with pytest.raises(TemplateNotFoundError) as err:
        load_app(tmp_path)
    assert err.value.hint is not None
    assert "lambdakit synth" in err.value.hint


@pytest.mark.parametrize(
    ("runtime", "outcome"),
    [
        ("pyhton3.12", "did you mean python3.12?"),
        ("python3.8", None),  # real but unsupported: listed, not an error
        ("nodejs20.x", None),
        ("provided.al2023", None),
    ],
)
def test_runtime_typos_are_errors_and_unsupported_runtimes_are_listed(tmp_path, runtime, outcome):
    one_function_app(tmp_path, runtime=runtime)
    if outcome is None:
        fn = load_app(tmp_path).function("Orders")
        assert not fn.runnable
        assert fn.not_runnable_reason is not None
        assert runtime in fn.not_runnable_reason
    else:
        with pytest.raises(FunctionConfigError, match="Orders: Runtime") as err:
            load_app(tmp_path)
        assert err.value.hint == outcome
