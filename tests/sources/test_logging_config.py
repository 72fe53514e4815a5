"""A function's LoggingConfig (FIDELITY 2.1.7, 2.7.6) from CloudFormation, SAM and CDK."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lambdakit import load_app
from lambdakit.describe import describe_app
from lambdakit.errors import FunctionConfigError
from lambdakit.model import Ref, SourceKind
from lambdakit.sources.cfn_functions import extract_functions
from lambdakit.sources.resolved import ResolvedResource, ResolvedStack, StackContext
from lambdakit.sources.sam import translate

TEMPLATE = Path("/project/template.yaml")


def function_with(**logging_config: object):
    """The model of one inline-code function whose LoggingConfig is `logging_config`."""
    props: dict[str, object] = {
        "Runtime": "python3.12",
        "Handler": "app.handler",
        "Code": {"ZipFile": "def handler(e, c): return 1"},
    }
    if logging_config:
        props["LoggingConfig"] = logging_config
    resource = ResolvedResource(
        logical_id="Fn",
        type="AWS::Lambda::Function",
        properties=props,
        update_policy={},
        metadata={},
    )
    ctx = StackContext(
        stack="app", file=TEMPLATE, base_dir=Path("/project"), source=SourceKind.CLOUDFORMATION
    )
    (function,) = extract_functions(ResolvedStack(ctx, {"Fn": resource}))
    return function


# --------------------------------------------------------------------------- CloudFormation


def test_without_logging_config_logs_are_text_to_the_default_group():
    function = function_with()
    assert function.log_format == "Text"
    assert function.application_log_level is None
    assert function.system_log_level is None
    assert function.log_group is None


def test_every_logging_config_property_is_read():
    function = function_with(
        LogFormat="JSON",
        ApplicationLogLevel="DEBUG",
        SystemLogLevel="WARN",
        LogGroup=Ref("Logs"),
    )
    assert function.log_format == "JSON"
    assert function.application_log_level == "DEBUG"
    assert function.system_log_level == "WARN"
    assert function.log_group == Ref("Logs")


def test_a_literal_log_group_is_kept_as_written():
    assert function_with(LogGroup="/custom/orders").log_group == "/custom/orders"


def test_a_log_format_known_only_at_deploy_is_json_when_log_levels_are_set():
    # Lambda accepts log levels only with JSON, so a deployable template resolves to JSON
    function = function_with(LogFormat=Ref("Format"), ApplicationLogLevel="INFO")
    assert function.log_format == "JSON"
    assert function_with(LogFormat=Ref("Format")).log_format == "Text"


@pytest.mark.parametrize(
    ("logging_config", "message", "hint"),
    [
        ({"LogFormat": "Json"}, "LogFormat is 'Json'; Lambda accepts Text, JSON", "JSON"),
        ({"LogFormat": "XML"}, "LogFormat is 'XML'", "one of Text, JSON"),
        (
            {"LogFormat": "JSON", "ApplicationLogLevel": "WARNING"},
            "ApplicationLogLevel is 'WARNING'",
            "WARN",
        ),
        (
            {"LogFormat": "JSON", "SystemLogLevel": "ERROR"},
            "SystemLogLevel is 'ERROR'; Lambda accepts DEBUG, INFO, WARN",
            "one of DEBUG, INFO, WARN",
        ),
        ({"ApplicationLogLevel": "INFO"}, "LogFormat is Text", "LogFormat to JSON"),
        (
            {"LogFormat": "Text", "SystemLogLevel": "INFO"},
            "sets a log level but LogFormat is Text",
            "LogFormat to JSON",
        ),
        ({"LogGroup": "my logs"}, "LogGroup 'my logs'", "omit LogGroup"),
        ({"LogGroup": ""}, "LogGroup ''", "omit LogGroup"),
    ],
)
def test_settings_lambda_rejects_are_errors_naming_the_function(logging_config, message, hint):
    with pytest.raises(FunctionConfigError, match=r"^/project/template.yaml: Fn: ") as err:
        function_with(**logging_config)
    assert message in str(err.value)
    assert err.value.hint is not None
    assert hint in err.value.hint


# --------------------------------------------------------------------------- SAM


def test_sam_logging_config_and_globals_pass_through_the_transform(tmp_path):
    # GIVEN a SAM app: LoggingConfig in Globals, and one function with its own
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(event, context):\n    return 1\n")
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Globals:\n"
        "  Function:\n"
        "    Runtime: python3.12\n"
        "    Handler: app.handler\n"
        "    CodeUri: src\n"
        "    LoggingConfig:\n"
        "      LogFormat: JSON\n"
        "      ApplicationLogLevel: INFO\n"
        "Resources:\n"
        "  Inherits:\n"
        "    Type: AWS::Serverless::Function\n"
        "  Own:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      LoggingConfig:\n"
        "        LogFormat: JSON\n"
        "        SystemLogLevel: DEBUG\n"
        "        LogGroup: !Ref Logs\n"
        "  Logs:\n"
        "    Type: AWS::Logs::LogGroup\n"
    )

    # WHEN it is loaded
    app = load_app(tmp_path)

    # THEN the transform put LoggingConfig on AWS::Lambda::Function and the model reads it
    inherits, own = app.function("Inherits"), app.function("Own")
    assert (inherits.log_format, inherits.application_log_level) == ("JSON", "INFO")
    assert inherits.system_log_level is None and inherits.log_group is None
    # a function's own LoggingConfig is merged over the one in Globals, key by key
    assert (own.log_format, own.application_log_level, own.system_log_level) == (
        "JSON",
        "INFO",
        "DEBUG",
    )
    assert own.log_group == Ref("Logs")


def test_the_sam_transform_copies_logging_config_as_written(tmp_path):
    file = tmp_path / "template.yaml"
    config = {"LogFormat": "JSON", "ApplicationLogLevel": "TRACE", "LogGroup": "/x/y"}
    template = {
        "Transform": "AWS::Serverless-2016-10-31",
        "Resources": {
            "Fn": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "InlineCode": "def handler(e, c): return 1",
                    "Handler": "index.handler",
                    "Runtime": "python3.12",
                    "LoggingConfig": config,
                },
            }
        },
    }
    result = translate(template, file=file, parameter_values={})
    assert result.template["Resources"]["Fn"]["Properties"]["LoggingConfig"] == config


def test_a_sam_log_format_lambda_rejects_names_the_function(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Orders:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      CodeUri: src\n"
        "      Handler: app.handler\n"
        "      Runtime: python3.12\n"
        "      LoggingConfig:\n"
        "        LogFormat: json\n"
    )
    with pytest.raises(FunctionConfigError, match=r"Orders.*LoggingConfig.LogFormat") as err:
        load_app(tmp_path)
    assert err.value.hint == "did you mean JSON?"


# --------------------------------------------------------------------------- CDK


def cdk_assembly(folder: Path, function: dict[str, object]) -> Path:
    """A cloud assembly of one stack holding `function`, as `cdk synth` writes it."""
    folder.mkdir()
    template = {
        "Resources": {
            "GroupC77FDACD": {"Type": "AWS::Logs::LogGroup", "Properties": {}},
            "Fn9270CBC0": {"Type": "AWS::Lambda::Function", "Properties": function},
        }
    }
    (folder / "LogStack.template.json").write_text(json.dumps(template))
    manifest = {
        "version": "36.0.0",
        "artifacts": {
            "LogStack": {
                "type": "aws:cloudformation:stack",
                "environment": "aws://unknown-account/unknown-region",
                "properties": {"templateFile": "LogStack.template.json"},
                "displayName": "LogStack",
            }
        },
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def test_cdk_logging_format_reaches_the_model_and_inspect(tmp_path):
    # GIVEN what aws-cdk-lib 2.x synthesizes for lambda.Function(loggingFormat=JSON,
    # applicationLogLevelV2=DEBUG, systemLogLevelV2=WARN, logGroup=group)
    assembly = cdk_assembly(
        tmp_path / "cdk.out",
        {
            "Code": {"ZipFile": "def handler(e, c):\n    return 1\n"},
            "Handler": "index.handler",
            "Runtime": "python3.12",
            "LoggingConfig": {
                "ApplicationLogLevel": "DEBUG",
                "LogFormat": "JSON",
                "LogGroup": {"Ref": "GroupC77FDACD"},
                "SystemLogLevel": "WARN",
            },
        },
    )

    app = load_app(assembly)

    (function,) = app.functions
    assert function.log_format == "JSON"
    assert (function.application_log_level, function.system_log_level) == ("DEBUG", "WARN")
    assert function.log_group == Ref("GroupC77FDACD")
    # `lambdakit inspect --json` lists them with the other function settings
    (described,) = describe_app(app)["functions"]
    assert described["logFormat"] == "JSON"
    assert described["applicationLogLevel"] == "DEBUG"
    assert described["systemLogLevel"] == "WARN"
    assert described["logGroup"] == {"Ref": "GroupC77FDACD"}
