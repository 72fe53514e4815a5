"""Settings that other resources attach to a function: async invoke, URL, alias, traffic shifting.

CloudFormation keeps these in resources of their own, pointing at the function (SAM generates
them from ``EventInvokeConfig``, ``FunctionUrlConfig``, ``AutoPublishAlias`` and
``DeploymentPreference``). `links_by_function` reads each kind once and indexes the result by the
function's logical id, following aliases and versions (`ResolvedStack.target_function`):

- ``AWS::Lambda::EventInvokeConfig`` -> `EventInvokeConfig`; when a function has several
  (one per qualifier), the one for its published alias wins, then ``$LATEST``, then the first;
- ``AWS::Lambda::Url`` -> `FunctionUrl` (the first one);
- ``AWS::Lambda::Alias`` whose ``FunctionVersion`` is a ``AWS::Lambda::Version`` of the stack ->
  the alias each new version is published to (SAM ``AutoPublishAlias``, CDK ``currentVersion``);
  an alias pinned to a literal version number is not one;
- that alias's ``UpdatePolicy.CodeDeployLambdaAliasUpdate`` and the
  ``AWS::CodeDeploy::DeploymentGroup`` it names -> the deployment preference, in the shape of
  SAM's ``DeploymentPreference``: ``Type`` (``Canary10Percent5Minutes``, or the symbolic name of
  a custom config), ``Alarms``, ``Hooks`` (``PreTraffic``/``PostTraffic``), plus
  ``DeploymentGroup`` (its logical id) and ``Application``.

`destination` classifies an ARN (queue, topic, function, bus, bucket) for these and for a
function's dead-letter queue.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal, TypeAlias

from lambdakit.errors import FunctionConfigError
from lambdakit.model import (
    Cors,
    Destination,
    EventInvokeConfig,
    FunctionUrl,
    Join,
    Value,
)
from lambdakit.sources.coerce import as_bool, as_int, as_str, as_str_list
from lambdakit.sources.resolved import ResolvedResource, ResolvedStack

DestinationKind: TypeAlias = Literal["sqs", "sns", "lambda", "eventbridge", "s3", "unknown"]

_KIND_BY_TYPE: Mapping[str, DestinationKind] = {
    "AWS::SQS::Queue": "sqs",
    "AWS::SNS::Topic": "sns",
    "AWS::Lambda::Function": "lambda",
    "AWS::Events::EventBus": "eventbridge",
    "AWS::S3::Bucket": "s3",
}
_KIND_BY_ARN_SERVICE: Mapping[str, DestinationKind] = {
    "sqs": "sqs",
    "sns": "sns",
    "lambda": "lambda",
    "events": "eventbridge",
    "s3": "s3",
}
_CODEDEPLOY_PREFIX = "CodeDeployDefault.Lambda"
MAX_RETRY_ATTEMPTS = 2
EVENT_AGE_SECONDS = (60, 21600)


@dataclass(frozen=True)
class FunctionLinks:
    """What the stack's other resources say about one function."""

    event_invoke: EventInvokeConfig | None = None
    url: FunctionUrl | None = None
    auto_publish_alias: str | None = None
    deployment_preference: Mapping[str, Value] | None = None


def links_by_function(stack: ResolvedStack) -> dict[str, FunctionLinks]:
    """Function logical id -> the settings other resources attach to it."""
    aliases = _published_aliases(stack)
    urls = _urls(stack)
    configs = _event_invoke_configs(stack, {fn: alias for fn, (alias, _) in aliases.items()})
    links: dict[str, FunctionLinks] = {}
    for function in stack.of_type("AWS::Lambda::Function"):
        lid = function.logical_id
        alias_name, alias = aliases.get(lid, (None, None))
        links[lid] = FunctionLinks(
            event_invoke=configs.get(lid),
            url=urls.get(lid),
            auto_publish_alias=alias_name,
            deployment_preference=deployment_preference(stack, alias) if alias else None,
        )
    return links


def destination(stack: ResolvedStack, arn: Value) -> Destination:
    """What an ARN (or a reference to one of the app's resources) delivers to."""
    function = stack.target_function(arn)
    if function is not None:
        return Destination(arn=arn, kind="lambda", resource=function)
    logical_id = stack.referenced(arn)
    if logical_id is not None:
        kind = _KIND_BY_TYPE.get(stack.resources[logical_id].type, "unknown")
        return Destination(arn=arn, kind=kind, resource=logical_id)
    return Destination(arn=arn, kind=_kind_from_arn(arn))


def _kind_from_arn(arn: Value) -> DestinationKind:
    """``arn:<partition>:<service>:…`` -> the destination kind, from the literal prefix."""
    text = arn if isinstance(arn, str) else None
    if isinstance(arn, Join):
        text = "".join(_leading_literals(arn.parts))
    if text is None:
        return "unknown"
    parts = text.split(":")
    if len(parts) < 3 or parts[0] != "arn":
        return "unknown"
    return _KIND_BY_ARN_SERVICE.get(parts[2], "unknown")


def _leading_literals(parts: tuple[Value, ...]) -> Iterator[str]:
    for part in parts:
        if not isinstance(part, str):
            return
        yield part


# --------------------------------------------------------------------------- async invoke


def _event_invoke_configs(
    stack: ResolvedStack, alias_names: Mapping[str, str]
) -> dict[str, EventInvokeConfig]:
    candidates: dict[str, list[tuple[str | None, EventInvokeConfig]]] = {}
    for res in stack.of_type("AWS::Lambda::EventInvokeConfig"):
        function = stack.target_function(res.prop("FunctionName"))
        if function is None:
            continue
        qualifier = as_str(res.prop("Qualifier"), _where(stack, res, "Qualifier"))
        config = _event_invoke(stack, res, function)
        candidates.setdefault(function, []).append((qualifier, config))
    chosen: dict[str, EventInvokeConfig] = {}
    for function, options in candidates.items():
        preferred = (alias_names.get(function), "$LATEST")
        ranked = sorted(
            options,
            key=lambda o: preferred.index(o[0]) if o[0] in preferred else len(preferred),
        )
        chosen[function] = ranked[0][1]
    return chosen


def _event_invoke(stack: ResolvedStack, res: ResolvedResource, function: str) -> EventInvokeConfig:
    retries = as_int(res.prop("MaximumRetryAttempts"), _where(stack, res, "MaximumRetryAttempts"))
    age = as_int(
        res.prop("MaximumEventAgeInSeconds"), _where(stack, res, "MaximumEventAgeInSeconds")
    )
    origin = stack.context.origin(function)
    if retries is not None and not 0 <= retries <= MAX_RETRY_ATTEMPTS:
        raise FunctionConfigError(
            f"{origin}: MaximumRetryAttempts is {retries}; Lambda allows 0 to "
            f"{MAX_RETRY_ATTEMPTS} retries of an asynchronous invoke",
            hint=f"set MaximumRetryAttempts (in {res.logical_id}) to 0, 1 or 2",
        )
    low, high = EVENT_AGE_SECONDS
    if age is not None and not low <= age <= high:
        raise FunctionConfigError(
            f"{origin}: MaximumEventAgeInSeconds is {age}; Lambda allows {low} to {high}",
            hint=f"set MaximumEventAgeInSeconds (in {res.logical_id}) between {low} and {high}",
        )
    defaults = EventInvokeConfig()
    on_success = res.prop("DestinationConfig", "OnSuccess", "Destination")
    on_failure = res.prop("DestinationConfig", "OnFailure", "Destination")
    return EventInvokeConfig(
        maximum_retry_attempts=defaults.maximum_retry_attempts if retries is None else retries,
        maximum_event_age_seconds=defaults.maximum_event_age_seconds if age is None else age,
        on_success=destination(stack, on_success) if on_success is not None else None,
        on_failure=destination(stack, on_failure) if on_failure is not None else None,
    )


# --------------------------------------------------------------------------- function URLs


def _urls(stack: ResolvedStack) -> dict[str, FunctionUrl]:
    urls: dict[str, FunctionUrl] = {}
    for res in stack.of_type("AWS::Lambda::Url"):
        function = stack.target_function(res.prop("TargetFunctionArn"))
        if function is None or function in urls:
            continue
        urls[function] = FunctionUrl(
            auth_type=as_str(res.prop("AuthType"), _where(stack, res, "AuthType")) or "NONE",
            invoke_mode=as_str(res.prop("InvokeMode"), _where(stack, res, "InvokeMode"))
            or "BUFFERED",
            cors=_cors(stack, res) if isinstance(res.prop("Cors"), dict) else None,
        )
    return urls


def _cors(stack: ResolvedStack, res: ResolvedResource) -> Cors:
    def where(key: str) -> str:
        return _where(stack, res, f"Cors.{key}")

    return Cors(
        allow_origins=as_str_list(res.prop("Cors", "AllowOrigins"), where("AllowOrigins")),
        allow_methods=as_str_list(res.prop("Cors", "AllowMethods"), where("AllowMethods")),
        allow_headers=as_str_list(res.prop("Cors", "AllowHeaders"), where("AllowHeaders")),
        expose_headers=as_str_list(res.prop("Cors", "ExposeHeaders"), where("ExposeHeaders")),
        allow_credentials=bool(
            as_bool(res.prop("Cors", "AllowCredentials"), where("AllowCredentials"))
        ),
        max_age=as_int(res.prop("Cors", "MaxAge"), where("MaxAge")),
    )


# --------------------------------------------------------------------------- aliases, CodeDeploy


def _published_aliases(stack: ResolvedStack) -> dict[str, tuple[str, ResolvedResource]]:
    """Function -> (alias name, alias) for aliases that follow the stack's published versions.

    With several, the one CodeDeploy shifts traffic on wins, then the first in the template.
    """
    found: dict[str, tuple[str, ResolvedResource]] = {}
    for res in stack.of_type("AWS::Lambda::Alias"):
        function = stack.target_function(res.prop("FunctionName"))
        version = stack.get(stack.referenced(res.prop("FunctionVersion")))
        if function is None or version is None or version.type != "AWS::Lambda::Version":
            continue
        name = as_str(res.prop("Name"), _where(stack, res, "Name"))
        if name is None:
            continue
        current = found.get(function)
        if current is None or (
            "CodeDeployLambdaAliasUpdate" in res.update_policy
            and "CodeDeployLambdaAliasUpdate" not in current[1].update_policy
        ):
            found[function] = (name, res)
    return found


def deployment_preference(
    stack: ResolvedStack, alias: ResolvedResource
) -> Mapping[str, Value] | None:
    """SAM-shaped deployment preference from an alias's CodeDeploy update policy, if any."""
    policy = alias.update_policy.get("CodeDeployLambdaAliasUpdate")
    if not isinstance(policy, dict):
        return None
    preference: dict[str, Value] = {}
    group_id = stack.referenced(policy.get("DeploymentGroupName"))
    group = stack.get(group_id)
    if group is not None and group.type == "AWS::CodeDeploy::DeploymentGroup":
        preference["DeploymentGroup"] = group.logical_id
        config = group.prop("DeploymentConfigName")
        if isinstance(config, str):
            config = config.removeprefix(_CODEDEPLOY_PREFIX)
        preference["Type"] = config
        alarms = _alarms(stack, group)
        if alarms:
            preference["Alarms"] = alarms
    hooks: dict[str, Value] = {}
    for hook, key in (
        ("PreTraffic", "BeforeAllowTrafficHook"),
        ("PostTraffic", "AfterAllowTrafficHook"),
    ):
        if policy.get(key) is not None:
            hooks[hook] = policy[key]
    if hooks:
        preference["Hooks"] = hooks
    if policy.get("ApplicationName") is not None:
        preference["Application"] = policy["ApplicationName"]
    return preference


def _alarms(stack: ResolvedStack, group: ResolvedResource) -> list[Value]:
    enabled = as_bool(
        group.prop("AlarmConfiguration", "Enabled"),
        _where(stack, group, "AlarmConfiguration.Enabled"),
    )
    alarms = group.prop("AlarmConfiguration", "Alarms")
    if enabled is False or not isinstance(alarms, list):
        return []
    return [alarm.get("Name") for alarm in alarms if isinstance(alarm, dict)]


def _where(stack: ResolvedStack, res: ResolvedResource, prop: str) -> str:
    return f"{stack.context.origin(res.logical_id)}: {prop}"
