"""The app model: one normalized, frozen picture of a Lambda app, whatever template it came from.

Sources (SAM, CloudFormation, CDK) produce an `App`; packaging, the local cloud and deploy read
only this. Values that cannot be known without deploying (a table's generated name, an import
from another stack) stay symbolic: `Ref`, `GetAtt`, `Join` and `Unresolved` carry them so the
local cloud can substitute its own physical names and deploy can pass them through untouched.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeAlias

from lambdakit.errors import NotFoundError

# --------------------------------------------------------------------------- symbolic values


@dataclass(frozen=True)
class Ref:
    """The physical id of a resource of the app (a name, URL or ARN, by resource type)."""

    logical_id: str


@dataclass(frozen=True)
class GetAtt:
    """An attribute of a resource of the app, known once the resource exists."""

    logical_id: str
    attribute: str


@dataclass(frozen=True)
class Join:
    """A string built from parts, some symbolic (what `Fn::Sub` and `Fn::Join` become)."""

    parts: tuple[Value, ...]


@dataclass(frozen=True)
class Unresolved:
    """A CloudFormation expression that only CloudFormation can evaluate, kept verbatim.

    `reason` says why it stayed symbolic (e.g. "Fn::ImportValue from another stack").
    """

    expression: Any
    reason: str


Symbol: TypeAlias = Ref | GetAtt | Join | Unresolved
Scalar: TypeAlias = str | int | float | bool | None
Value: TypeAlias = Scalar | Symbol | list["Value"] | dict[str, "Value"]


def is_symbolic(value: Value) -> bool:
    """True when `value` (or anything inside it) is known only after deployment."""
    if isinstance(value, Ref | GetAtt | Join | Unresolved):
        return True
    if isinstance(value, list):
        return any(is_symbolic(v) for v in value)
    if isinstance(value, dict):
        return any(is_symbolic(v) for v in value.values())
    return False


def referenced_ids(value: Value) -> frozenset[str]:
    """Logical ids of the app's resources that `value` depends on."""
    found: set[str] = set()

    def walk(v: Value) -> None:
        if isinstance(v, Ref | GetAtt):
            found.add(v.logical_id)
        elif isinstance(v, Join):
            for part in v.parts:
                walk(part)
        elif isinstance(v, list):
            for item in v:
                walk(item)
        elif isinstance(v, dict):
            for item in v.values():
                walk(item)

    walk(value)
    return frozenset(found)


def render_value(value: Value) -> str:  # noqa: PLR0911 - one branch per kind of value
    """A short human form: `!Ref Table`, `!GetAtt Queue.Arn`, `arn:...:${Table}`."""
    if isinstance(value, Ref):
        return f"!Ref {value.logical_id}"
    if isinstance(value, GetAtt):
        return f"!GetAtt {value.logical_id}.{value.attribute}"
    if isinstance(value, Join):
        return "".join(
            p if isinstance(p, str) else "${" + render_value(p).removeprefix("!Ref ") + "}"
            for p in value.parts
        )
    if isinstance(value, Unresolved):
        return f"<{value.reason}>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, list):
        return "[" + ", ".join(render_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {render_value(v)}" for k, v in value.items()) + "}"
    return str(value)


# --------------------------------------------------------------------------- where an app is from


class SourceKind(enum.Enum):
    """The kind of template the user wrote."""

    SAM = "sam"
    CLOUDFORMATION = "cloudformation"
    CDK = "cdk"


@dataclass(frozen=True, kw_only=True)
class Origin:
    """What the user wrote, so messages name it: file, and the SAM id or CDK construct path."""

    file: Path
    name: str
    """SAM logical id for SAM-generated resources, CDK construct path, else the logical id."""

    def __str__(self) -> str:
        return f"{self.file}: {self.name}"


# --------------------------------------------------------------------------- functions


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


# --------------------------------------------------------------------------- routes


class ApiKind(enum.Enum):
    """What receives the HTTP request."""

    REST = "rest"
    """API Gateway REST API (v1), payload format 1.0."""
    HTTP = "http"
    """API Gateway HTTP API (v2), payload format 2.0 or 1.0."""
    FUNCTION_URL = "function-url"
    """A Lambda function URL (payload format 2.0)."""


@dataclass(frozen=True)
class Cors:
    """CORS configuration of an API or a function URL."""

    allow_origins: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    allow_credentials: bool = False
    max_age: int | None = None


@dataclass(frozen=True)
class Authorizer:
    """An authorizer in front of a route (reported, not enforced locally yet)."""

    name: str
    type: str
    """``lambda`` (token/request), ``cognito``, ``jwt``, ``iam``."""
    function: str | None = None


@dataclass(frozen=True, kw_only=True)
class Route:
    """One HTTP route that invokes a function."""

    api: str
    """Logical id of the API (or of the function, for a function URL)."""
    api_kind: ApiKind
    payload_version: Literal["1.0", "2.0"]
    method: str
    """Upper-case HTTP method, or ``ANY``."""
    path: str
    """``/items/{id}``, ``/{proxy+}``; ``$default`` for an HTTP API default route."""
    function: str
    """`Function.id` of the target."""
    stage: str | None = None
    cors: Cors | None = None
    authorizer: Authorizer | None = None
    origin: Origin


# --------------------------------------------------------------------------- event sources


class EventKind(enum.Enum):
    """A service that delivers events to functions."""

    S3 = "s3"
    SNS = "sns"
    SQS = "sqs"
    SCHEDULE = "schedule"
    EVENTBRIDGE = "eventbridge"
    DYNAMODB = "dynamodb"
    KINESIS = "kinesis"


@dataclass(frozen=True, kw_only=True)
class EventSource:
    """What every event source has: the target function and the source resource."""

    function: str
    """`Function.id` of the target."""
    source: str | None
    """Logical id of the bucket/topic/queue/rule/table/stream when it is in the app."""
    source_arn: Value = None
    """ARN of an external source, or the symbolic ARN of one of ours."""
    origin: Origin
    enabled: bool = True

    @property
    def kind(self) -> EventKind:
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class S3Event(EventSource):
    """Bucket notifications to a function (FIDELITY 4.3)."""

    events: tuple[str, ...]
    """Bucket-configuration names: ``s3:ObjectCreated:*``, ``s3:ObjectRemoved:Delete``."""
    prefix: str | None = None
    suffix: str | None = None

    @property
    def kind(self) -> EventKind:
        return EventKind.S3


@dataclass(frozen=True, kw_only=True)
class SnsEvent(EventSource):
    """A topic subscription of a function (FIDELITY 4.4)."""

    filter_policy: Mapping[str, Any] | None = None
    filter_policy_scope: Literal["MessageAttributes", "MessageBody"] = "MessageAttributes"

    @property
    def kind(self) -> EventKind:
        return EventKind.SNS


@dataclass(frozen=True, kw_only=True)
class SqsEvent(EventSource):
    """An SQS event source mapping (FIDELITY 4.5)."""

    batch_size: int = 10
    batching_window_seconds: int = 0
    report_batch_item_failures: bool = False
    filters: tuple[Mapping[str, Any], ...] = ()
    maximum_concurrency: int | None = None

    @property
    def kind(self) -> EventKind:
        return EventKind.SQS


@dataclass(frozen=True, kw_only=True)
class ScheduleEvent(EventSource):
    """A scheduled rule (``rate(...)``/``cron(...)``) targeting a function (FIDELITY 4.6)."""

    rule: str
    """The rule's logical id (``lambdakit trigger`` takes it)."""
    expression: str
    input: Value = None

    @property
    def kind(self) -> EventKind:
        return EventKind.SCHEDULE


@dataclass(frozen=True, kw_only=True)
class EventBridgeEvent(EventSource):
    """An EventBridge rule with an event pattern targeting a function (FIDELITY 4.6)."""

    rule: str
    pattern: Mapping[str, Any]
    bus: Value = "default"
    input: Value = None
    input_path: str | None = None
    input_transformer: Mapping[str, Value] | None = None

    @property
    def kind(self) -> EventKind:
        return EventKind.EVENTBRIDGE


@dataclass(frozen=True, kw_only=True)
class StreamEvent(EventSource):
    """A DynamoDB or Kinesis stream event source mapping (FIDELITY 4.7)."""

    stream_kind: Literal["dynamodb", "kinesis"]
    starting_position: str = "LATEST"
    batch_size: int = 100
    batching_window_seconds: int = 0
    bisect_on_error: bool = False
    maximum_retry_attempts: int = -1
    maximum_record_age_seconds: int = -1
    parallelization_factor: int = 1
    report_batch_item_failures: bool = False
    on_failure: Destination | None = None
    filters: tuple[Mapping[str, Any], ...] = ()

    @property
    def kind(self) -> EventKind:
        return EventKind.DYNAMODB if self.stream_kind == "dynamodb" else EventKind.KINESIS


# --------------------------------------------------------------------------- resources


class ResourceKind(enum.Enum):
    """Resources the local cloud creates, and the rest."""

    BUCKET = "bucket"
    TABLE = "table"
    TOPIC = "topic"
    QUEUE = "queue"
    STREAM = "stream"
    EVENT_BUS = "event-bus"
    SSM_PARAMETER = "ssm-parameter"
    SECRET = "secret"
    OTHER = "other"
    """Kept opaque and listed as not emulated locally."""


@dataclass(frozen=True, kw_only=True)
class Resource:
    """A resource of the app other than functions, layers and API wiring."""

    logical_id: str
    stack: str
    type: str
    """The CloudFormation type, e.g. ``AWS::DynamoDB::Table``."""
    origin: Origin
    name: Value = None
    """The physical name when the template sets it."""
    condition: str | None = None

    @property
    def kind(self) -> ResourceKind:
        return ResourceKind.OTHER

    @property
    def emulated(self) -> bool:
        return self.kind is not ResourceKind.OTHER


@dataclass(frozen=True, kw_only=True)
class Bucket(Resource):
    versioned: bool = False
    eventbridge_enabled: bool = False

    @property
    def kind(self) -> ResourceKind:
        return ResourceKind.BUCKET


@dataclass(frozen=True)
class KeyAttribute:
    """One key attribute of a table or index."""

    name: str
    type: Literal["S", "N", "B"]
    key_type: Literal["HASH", "RANGE"]


@dataclass(frozen=True)
class SecondaryIndex:
    name: str
    keys: tuple[KeyAttribute, ...]
    projection: str = "ALL"
    local: bool = False


@dataclass(frozen=True, kw_only=True)
class Table(Resource):
    keys: tuple[KeyAttribute, ...]
    indexes: tuple[SecondaryIndex, ...] = ()
    stream_view_type: str | None = None
    """``NEW_IMAGE``, ``OLD_IMAGE``, ``NEW_AND_OLD_IMAGES``, ``KEYS_ONLY``; None: no stream."""
    billing_mode: str = "PAY_PER_REQUEST"
    ttl_attribute: str | None = None

    @property
    def kind(self) -> ResourceKind:
        return ResourceKind.TABLE


@dataclass(frozen=True)
class Subscription:
    """A topic subscription to something other than a function (queue, email, https...)."""

    protocol: str
    endpoint: Value
    raw_message_delivery: bool = False
    filter_policy: Mapping[str, Any] | None = None
    filter_policy_scope: Literal["MessageAttributes", "MessageBody"] = "MessageAttributes"
    resource: str | None = None
    """Logical id of the subscribed queue when it is ours."""


@dataclass(frozen=True, kw_only=True)
class Topic(Resource):
    fifo: bool = False
    subscriptions: tuple[Subscription, ...] = ()

    @property
    def kind(self) -> ResourceKind:
        return ResourceKind.TOPIC


@dataclass(frozen=True)
class RedrivePolicy:
    dead_letter_queue: str | None
    """Logical id of the DLQ when it is ours."""
    dead_letter_arn: Value
    max_receive_count: int


@dataclass(frozen=True, kw_only=True)
class Queue(Resource):
    fifo: bool = False
    content_based_deduplication: bool = False
    visibility_timeout_seconds: int = 30
    message_retention_seconds: int = 345600
    delay_seconds: int = 0
    redrive: RedrivePolicy | None = None

    @property
    def kind(self) -> ResourceKind:
        return ResourceKind.QUEUE


@dataclass(frozen=True, kw_only=True)
class Stream(Resource):
    shard_count: int = 1

    @property
    def kind(self) -> ResourceKind:
        return ResourceKind.STREAM


@dataclass(frozen=True, kw_only=True)
class EventBus(Resource):
    @property
    def kind(self) -> ResourceKind:
        return ResourceKind.EVENT_BUS


@dataclass(frozen=True, kw_only=True)
class SsmParameter(Resource):
    value: Value = None
    parameter_type: str = "String"

    @property
    def kind(self) -> ResourceKind:
        return ResourceKind.SSM_PARAMETER


@dataclass(frozen=True, kw_only=True)
class Secret(Resource):
    secret_string: Value = None
    generated: bool = False
    """True when the template asks Secrets Manager to generate the value."""

    @property
    def kind(self) -> ResourceKind:
        return ResourceKind.SECRET


# --------------------------------------------------------------------------- stacks and the app


@dataclass(frozen=True)
class Parameter:
    """A template parameter and the value lambdakit used."""

    name: str
    type: str
    default: Value = None
    value: Value = None
    """Override, else default; `Unresolved` when neither exists (CloudFormation will ask)."""
    description: str | None = None
    no_echo: bool = False


@dataclass(frozen=True)
class Output:
    name: str
    value: Value
    description: str | None = None
    export_name: Value = None
    condition: str | None = None


@dataclass(frozen=True, kw_only=True)
class Stack:
    """One CloudFormation stack of the app (SAM and plain templates have one; CDK may have many)."""

    name: str
    template_file: Path
    source: SourceKind
    template: Mapping[str, Any]
    """The template as the user wrote it (SAM stays SAM), after YAML loading; for deploy."""
    parameters: tuple[Parameter, ...] = ()
    outputs: tuple[Output, ...] = ()
    region: str = "us-east-1"
    account: str = "123456789012"
    assets: Mapping[str, Path] = field(default_factory=dict)
    """CDK: asset hash -> staged path in the cloud assembly."""


@dataclass(frozen=True, kw_only=True)
class App:
    """Everything lambdakit knows about an app."""

    name: str
    root: Path
    """The app's folder (the template's, or the CDK app's): paths are shown relative to it."""
    source: SourceKind
    stacks: tuple[Stack, ...]
    functions: tuple[Function, ...] = ()
    layers: tuple[Layer, ...] = ()
    routes: tuple[Route, ...] = ()
    event_sources: tuple[EventSource, ...] = ()
    resources: tuple[Resource, ...] = ()
    warnings: tuple[str, ...] = ()
    """Things the user should know that do not stop lambdakit (ignored features, guesses)."""
    project_root: Path | None = None
    """The folder of the project's ``pyproject.toml`` (or ``lambdakit.toml``), when there is one."""
    config: Mapping[str, Any] = field(default_factory=dict)
    """The project's ``[tool.lambdakit]`` table (or ``lambdakit.toml``), as written."""

    def function(self, ident: str) -> Function:
        """The function with this id, logical id, physical name or origin name."""
        for fn in self.functions:
            if ident in (fn.id, fn.logical_id, fn.origin.name) or fn.name == ident:
                return fn
        known = ", ".join(fn.id for fn in self.functions) or "none"
        raise NotFoundError(
            f"the app has no function {ident!r}",
            hint=f"functions in this app: {known}",
        )

    def layer(self, ident: str) -> Layer:
        for layer in self.layers:
            if ident in (layer.id, layer.logical_id, layer.origin.name):
                return layer
        raise NotFoundError(f"the app has no layer {ident!r}")

    def resource(self, logical_id: str, stack: str | None = None) -> Resource:
        for res in self.resources:
            if res.logical_id == logical_id and (stack is None or res.stack == stack):
                return res
        raise NotFoundError(f"the app has no resource {logical_id!r}")

    def events_for(self, function_id: str) -> Iterator[EventSource]:
        return (e for e in self.event_sources if e.function == function_id)

    def routes_for(self, function_id: str) -> Iterator[Route]:
        return (r for r in self.routes if r.function == function_id)

    @property
    def outputs(self) -> tuple[Output, ...]:
        return tuple(o for s in self.stacks for o in s.outputs)

    @property
    def not_emulated(self) -> tuple[Resource, ...]:
        return tuple(r for r in self.resources if not r.emulated)
