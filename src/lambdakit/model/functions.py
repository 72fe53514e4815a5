"""Functions and layers: runtime, architecture, code, dependencies and invoke settings."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeAlias

from lambdakit.model.http import Cors
from lambdakit.model.origin import Origin
from lambdakit.model.values import Value, render_value

ENVIRONMENT_BYTES = 4096
"""Lambda's limit on a function's environment variables: 4 KB, all names and values together."""

RESERVED_ENVIRONMENT = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)
"""Variables Lambda sets itself; a function may not (FIDELITY 2.1.1)."""


class Architecture(enum.Enum):
    """A Lambda instruction set architecture."""

    X86_64 = "x86_64"
    ARM64 = "arm64"


SUPPORTED_PYTHON = ("python3.9", "python3.10", "python3.11", "python3.12", "python3.13")
_PYTHON_RUNTIME = re.compile(r"^python(3)\.(\d+)$")


@dataclass(frozen=True)
class Runtime:
    """A Lambda runtime identifier such as ``python3.12``."""

    name: str

    @property
    def is_python(self) -> bool:
        return _PYTHON_RUNTIME.match(self.name) is not None

    @property
    def python_version(self) -> tuple[int, int] | None:
        match = _PYTHON_RUNTIME.match(self.name)
        return (int(match[1]), int(match[2])) if match else None

    @property
    def supported(self) -> bool:
        """lambdakit builds and runs this runtime (python3.9 to python3.13)."""
        return self.name in SUPPORTED_PYTHON

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class LocalCode:
    """Code in a folder (or a .zip file) of the project."""

    path: Path

    @property
    def buildable(self) -> bool:
        return True

    def describe(self) -> str:
        return str(self.path)


@dataclass(frozen=True)
class AssetCode:
    """A CDK asset: a staged folder in the cloud assembly, addressed by its asset hash."""

    path: Path
    asset_hash: str

    @property
    def buildable(self) -> bool:
        return True

    def describe(self) -> str:
        return f"{self.path} (CDK asset {self.asset_hash[:12]})"


@dataclass(frozen=True)
class InlineCode:
    """Source written into the template (`ZipFile` / `InlineCode`)."""

    source: str

    @property
    def buildable(self) -> bool:
        return True

    def describe(self) -> str:
        return f"inline ({len(self.source.splitlines())} lines)"


@dataclass(frozen=True)
class S3Code:
    """An archive already in S3: deployable as is, not buildable or runnable locally."""

    bucket: Value
    key: Value
    version: Value = None

    @property
    def buildable(self) -> bool:
        return False

    def describe(self) -> str:
        return f"s3://{render_value(self.bucket)}/{render_value(self.key)}"


@dataclass(frozen=True)
class ImageCode:
    """A container image function: listed, not built or run by lambdakit."""

    image_uri: Value

    @property
    def buildable(self) -> bool:
        return False

    def describe(self) -> str:
        return f"image {render_value(self.image_uri)}"


Code: TypeAlias = LocalCode | AssetCode | InlineCode | S3Code | ImageCode


class DependencyKind(enum.Enum):
    """Where a function's third-party dependencies are declared."""

    REQUIREMENTS = "requirements"
    """A ``requirements.txt`` in the function's code folder."""
    DEPENDENCY_GROUP = "dependency-group"
    """A PEP 735 or Poetry dependency group of a central ``pyproject.toml``."""
    PROJECT = "project"
    """A ``pyproject.toml`` project in the code folder."""


@dataclass(frozen=True)
class Dependencies:
    """Where one function's dependencies come from."""

    kind: DependencyKind
    file: Path
    group: str | None = None

    def describe(self) -> str:
        return f"{self.file} [{self.group}]" if self.group else str(self.file)


@dataclass(frozen=True)
class Destination:
    """Where an async invoke or a stream batch goes on success or failure."""

    arn: Value
    kind: Literal["sqs", "sns", "lambda", "eventbridge", "s3", "unknown"]
    resource: str | None = None
    """Logical id of the app's queue/topic/function/bus/bucket when it is one of ours."""


@dataclass(frozen=True)
class EventInvokeConfig:
    """Asynchronous invocation settings (FIDELITY 3.6, 3.8)."""

    maximum_retry_attempts: int = 2
    maximum_event_age_seconds: int = 21600
    on_success: Destination | None = None
    on_failure: Destination | None = None


@dataclass(frozen=True)
class FunctionUrl:
    """A Lambda function URL."""

    auth_type: str = "NONE"
    invoke_mode: str = "BUFFERED"
    cors: Cors | None = None


@dataclass(frozen=True, kw_only=True)
class Function:
    """One Lambda function of the app."""

    id: str
    """Unique in the app: the logical id, or ``Stack/LogicalId`` when the app has several stacks."""
    logical_id: str
    stack: str
    origin: Origin
    name: Value = None
    """``FunctionName`` when the template sets one (maybe symbolic); else deploy generates it."""
    runtime: Runtime | None
    """None for container image functions."""
    architecture: Architecture = Architecture.X86_64
    handler: str | None
    code: Code
    memory_mb: int = 128
    timeout_seconds: int = 3
    ephemeral_storage_mb: int = 512
    environment: Mapping[str, Value] = field(default_factory=dict)
    layers: tuple[LayerRef, ...] = ()
    reserved_concurrency: int | None = None
    event_invoke: EventInvokeConfig | None = None
    dead_letter: Destination | None = None
    dependencies: Dependencies | None = None
    url: FunctionUrl | None = None
    auto_publish_alias: str | None = None
    deployment_preference: Mapping[str, Value] | None = None
    tracing: str | None = None
    role: Value = None
    log_format: str = "Text"
    """``LoggingConfig.LogFormat``: ``Text`` or ``JSON`` (FIDELITY 2.1.7, 2.7.6)."""
    application_log_level: str | None = None
    """``LoggingConfig.ApplicationLogLevel`` (TRACE..FATAL); JSON format only."""
    system_log_level: str | None = None
    """``LoggingConfig.SystemLogLevel`` (DEBUG, INFO or WARN); JSON format only."""
    log_group: Value = None
    """``LoggingConfig.LogGroup``; None means Lambda's default ``/aws/lambda/<name>``."""

    @property
    def runnable(self) -> bool:
        """lambdakit can build and run it: a supported Python runtime with code it can reach."""
        return bool(self.runtime and self.runtime.supported and self.code.buildable)

    @property
    def not_runnable_reason(self) -> str | None:
        if isinstance(self.code, ImageCode):
            return "container image functions are not built or run by lambdakit"
        if self.runtime is None:
            return "no runtime"
        if not self.runtime.supported:
            return f"runtime {self.runtime} is not supported (python3.9 to python3.13 are)"
        if not self.code.buildable:
            return f"code is {self.code.describe()}, which cannot be built or run locally"
        return None


# --------------------------------------------------------------------------- layers


@dataclass(frozen=True)
class LayerRef:
    """A layer a function uses: one of the app's layers, or an ARN."""

    layer: str | None = None
    """The app's layer id (see `Layer.id`), when the layer is defined in the app."""
    arn: Value = None


@dataclass(frozen=True, kw_only=True)
class Layer:
    """A layer with content defined in the app."""

    id: str
    logical_id: str
    stack: str
    origin: Origin
    name: Value = None
    code: Code
    compatible_runtimes: tuple[Runtime, ...] = ()
    compatible_architectures: tuple[Architecture, ...] = ()
    build_method: str | None = None
    """SAM ``Metadata.BuildMethod`` (e.g. ``python3.12``): build dependencies into ``python/``."""
