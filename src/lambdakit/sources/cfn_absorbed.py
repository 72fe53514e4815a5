"""Which resources the resource list leaves out because another part of the model has them.

`extract_resources` lists every resource of a stack except those "absorbed" here. A resource is
absorbed when listing it would only repeat what the model already says elsewhere:

- functions and layers (``AWS::Lambda::Function``, ``AWS::Lambda::LayerVersion``) and what is
  folded into a `Function`: ``EventInvokeConfig``, ``Url``, ``Alias``, ``Version``;
- event wiring that becomes `EventSource`s: ``AWS::Lambda::EventSourceMapping``,
  ``Custom::S3BucketNotifications`` (CDK), an ``AWS::Events::Rule`` or
  ``AWS::Scheduler::Schedule`` with at least one target that is a function of the app, an
  ``AWS::Events::Rule`` (event pattern or schedule) with a target that is one of the app's
  queues or topics (`RuleTarget`), an ``AWS::SNS::Subscription`` of one of the app's functions;
- an ``AWS::SNS::Subscription`` of one of the app's topics (it is in `Topic.subscriptions`);
- API wiring that becomes `Route`s: the REST API (v1) and HTTP API (v2) types that define
  routes, integrations, stages and authorizers (a WebSocket API is listed: it has no routes);
- permissions: IAM roles and policies, ``AWS::Lambda::Permission`` and the queue, topic,
  bucket and event-bus policies. lambdakit does not enforce IAM locally, and a role per
  function would drown the few resources that matter; a function's role stays in
  `Function.role`;
- CodeDeploy resources that an alias's ``CodeDeployLambdaAliasUpdate`` uses (they are the
  function's `deployment_preference`), and ``AWS::CDK::Metadata``.

Everything else is listed: typed when the local cloud emulates it, else as a plain
`Resource` ("not emulated locally"), e.g. custom domains, usage plans, API keys, log groups,
alarms, state machines, custom resources, ``AWS::Scheduler::Schedule``s that only target queues
or topics, and subscriptions to topics of other stacks.
"""

from __future__ import annotations

from lambdakit.model import Value
from lambdakit.sources.resolved import ResolvedResource, ResolvedStack

ABSORBED_TYPES = frozenset(
    {
        # functions, layers, and what the function model holds
        "AWS::Lambda::Function",
        "AWS::Lambda::LayerVersion",
        "AWS::Lambda::EventInvokeConfig",
        "AWS::Lambda::Url",
        "AWS::Lambda::Alias",
        "AWS::Lambda::Version",
        # event wiring -> event sources
        "AWS::Lambda::EventSourceMapping",
        "Custom::S3BucketNotifications",
        # permissions (IAM is not enforced locally)
        "AWS::Lambda::Permission",
        "AWS::Lambda::LayerVersionPermission",
        "AWS::IAM::Role",
        "AWS::IAM::Policy",
        "AWS::IAM::ManagedPolicy",
        "AWS::SQS::QueuePolicy",
        "AWS::SNS::TopicPolicy",
        "AWS::S3::BucketPolicy",
        "AWS::Events::EventBusPolicy",
        # REST API (v1) -> routes
        "AWS::ApiGateway::RestApi",
        "AWS::ApiGateway::Resource",
        "AWS::ApiGateway::Method",
        "AWS::ApiGateway::Deployment",
        "AWS::ApiGateway::Stage",
        "AWS::ApiGateway::Authorizer",
        "AWS::ApiGateway::Model",
        "AWS::ApiGateway::RequestValidator",
        "AWS::ApiGateway::GatewayResponse",
        "AWS::ApiGateway::Account",
        # HTTP API (v2) -> routes
        "AWS::ApiGatewayV2::Route",
        "AWS::ApiGatewayV2::Integration",
        "AWS::ApiGatewayV2::Stage",
        "AWS::ApiGatewayV2::Deployment",
        "AWS::ApiGatewayV2::Authorizer",
        "AWS::ApiGatewayV2::RouteResponse",
        "AWS::ApiGatewayV2::IntegrationResponse",
        "AWS::ApiGatewayV2::Model",
        # bookkeeping
        "AWS::CDK::Metadata",
    }
)


def absorbed_ids(stack: ResolvedStack) -> frozenset[str]:
    """Logical ids of the resources another extractor (or a typed resource) already stands for."""
    found = {lid for lid, res in stack.resources.items() if _absorbed(stack, res)}
    return frozenset(found | _codedeploy_for_aliases(stack))


def _absorbed(stack: ResolvedStack, res: ResolvedResource) -> bool:
    if res.type in ABSORBED_TYPES:
        return True
    if res.type == "AWS::ApiGatewayV2::Api":
        return res.prop("ProtocolType") != "WEBSOCKET"
    if res.type == "AWS::Events::Rule":
        return _rule_delivers_to_the_app(stack, res)
    if res.type == "AWS::Scheduler::Schedule":
        return _is_function(stack, res.prop("Target", "Arn"))
    if res.type == "AWS::SNS::Subscription":
        topic = stack.get(stack.referenced(res.prop("TopicArn")))
        ours = topic is not None and topic.type == "AWS::SNS::Topic"
        return ours or _is_function(stack, res.prop("Endpoint"))
    return False


def _rule_delivers_to_the_app(stack: ResolvedStack, rule: ResolvedResource) -> bool:
    """A target is one of the app's functions, queues or topics (`RuleTarget`: pattern and
    scheduled rules alike)."""
    listed = rule.prop("Targets")
    targets = [t for t in listed if isinstance(t, dict)] if isinstance(listed, list) else []
    return any(
        _is_function(stack, t.get("Arn")) or _is_queue_or_topic(stack, t.get("Arn"))
        for t in targets
    )


def _is_function(stack: ResolvedStack, value: Value) -> bool:
    return stack.target_function(value) is not None


def _is_queue_or_topic(stack: ResolvedStack, value: Value) -> bool:
    target = stack.get(stack.referenced(value))
    return target is not None and target.type in ("AWS::SQS::Queue", "AWS::SNS::Topic")


def _codedeploy_for_aliases(stack: ResolvedStack) -> set[str]:
    """The CodeDeploy application, deployment groups and configs that aliases shift traffic with."""
    found: set[str] = set()
    for alias in stack.of_type("AWS::Lambda::Alias"):
        policy = alias.update_policy.get("CodeDeployLambdaAliasUpdate")
        if not isinstance(policy, dict):
            continue
        for key in ("ApplicationName", "DeploymentGroupName"):
            logical_id = stack.referenced(policy.get(key))
            if logical_id is not None and stack.resources[logical_id].type.startswith(
                "AWS::CodeDeploy::"
            ):
                found.add(logical_id)
        group = stack.get(stack.referenced(policy.get("DeploymentGroupName")))
        config = stack.referenced(group.prop("DeploymentConfigName")) if group else None
        if (
            config is not None
            and stack.resources[config].type == "AWS::CodeDeploy::DeploymentConfig"
        ):
            found.add(config)
    return found
