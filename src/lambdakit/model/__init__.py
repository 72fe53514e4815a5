"""The app model: one normalized, frozen picture of a Lambda app, whatever template it came from.

Sources (SAM, CloudFormation, CDK) produce an `App`; packaging, the local cloud and deploy read
only this. Values that cannot be known without deploying (a table's generated name, an import
from another stack) stay symbolic: `Ref`, `GetAtt`, `Join` and `Unresolved` carry them so the
local cloud can substitute its own physical names and deploy can pass them through untouched.

This module only re-exports; each part lives in its own module, importing only those before it:
`values` (symbolic values), `origin` (where things come from), `http` (routes), `functions`
(functions and layers), `events` (event sources), `resources` (everything else), `app` (stacks
and the app). Import from `lambdakit.model`, not from the parts.
"""

from lambdakit.model.app import App, Output, Parameter, Stack
from lambdakit.model.events import (
    EventBridgeEvent,
    EventKind,
    EventSource,
    S3Event,
    ScheduleEvent,
    SnsEvent,
    SqsEvent,
    StreamEvent,
)
from lambdakit.model.functions import (
    ENVIRONMENT_BYTES,
    RESERVED_ENVIRONMENT,
    SUPPORTED_PYTHON,
    Architecture,
    AssetCode,
    Code,
    Dependencies,
    DependencyKind,
    Destination,
    EventInvokeConfig,
    Function,
    FunctionUrl,
    ImageCode,
    InlineCode,
    Layer,
    LayerRef,
    LocalCode,
    Runtime,
    S3Code,
)
from lambdakit.model.http import ApiKind, Authorizer, Cors, Route
from lambdakit.model.origin import Origin, SourceKind
from lambdakit.model.resources import (
    Bucket,
    EventBus,
    KeyAttribute,
    Queue,
    RedrivePolicy,
    Resource,
    ResourceKind,
    SecondaryIndex,
    Secret,
    SsmParameter,
    Stream,
    Subscription,
    Table,
    Topic,
)
from lambdakit.model.values import (
    GetAtt,
    Join,
    Ref,
    Scalar,
    Symbol,
    Unresolved,
    Value,
    is_symbolic,
    referenced_ids,
    render_value,
)

__all__ = [
    "ENVIRONMENT_BYTES",
    "RESERVED_ENVIRONMENT",
    "SUPPORTED_PYTHON",
    "ApiKind",
    "App",
    "Architecture",
    "AssetCode",
    "Authorizer",
    "Bucket",
    "Code",
    "Cors",
    "Dependencies",
    "DependencyKind",
    "Destination",
    "EventBridgeEvent",
    "EventBus",
    "EventInvokeConfig",
    "EventKind",
    "EventSource",
    "Function",
    "FunctionUrl",
    "GetAtt",
    "ImageCode",
    "InlineCode",
    "Join",
    "KeyAttribute",
    "Layer",
    "LayerRef",
    "LocalCode",
    "Origin",
    "Output",
    "Parameter",
    "Queue",
    "RedrivePolicy",
    "Ref",
    "Resource",
    "ResourceKind",
    "Route",
    "Runtime",
    "S3Code",
    "S3Event",
    "Scalar",
    "ScheduleEvent",
    "SecondaryIndex",
    "Secret",
    "SnsEvent",
    "SourceKind",
    "SqsEvent",
    "SsmParameter",
    "Stack",
    "Stream",
    "StreamEvent",
    "Subscription",
    "Symbol",
    "Table",
    "Topic",
    "Unresolved",
    "Value",
    "is_symbolic",
    "referenced_ids",
    "render_value",
]
