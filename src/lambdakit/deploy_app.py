"""Deploy the app with CloudFormation: what ``lambdakit deploy``, ``diff``, ``outputs`` and
``destroy`` run, wiring the sources, the packager, the deploy planner and the AWS adapters.

Stages of `deploy_app`: a boto3 session (the standard credential chain, ``--profile``,
``--endpoint-url`` for any AWS-compatible endpoint) and its account → the app loaded for that
region → every function and layer built (incremental) → `plan_deploy` (assets by content,
template rewritten to them) → `execute` (assets uploaded when missing, change set, diff,
confirmation, live events, the root cause of a failure, outputs). Who expands SAM: real AWS
does (the template stays SAM); an endpoint given with ``--endpoint-url`` gets it expanded
here with aws-sam-translator (moto's CloudFormation has no SAM transform), unless told
otherwise with `DeployOptions.transform`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lambdakit
from lambdakit.aws.account import account_id
from lambdakit.aws.asset_bucket import S3AssetStore
from lambdakit.aws.cloudformation_stacks import CloudFormationStacks, session
from lambdakit.deploy.executor import (
    DeployReporter,
    DeployResult,
    DestroyResult,
    ExecuteOptions,
    destroy,
    execute,
)
from lambdakit.deploy.instructions import DeploymentNote, DeployPlan, StackOutput, TransformMode
from lambdakit.deploy.planner import plan_deploy
from lambdakit.deploy.stack_outputs import outputs
from lambdakit.deploy.template_rewrite import is_sam
from lambdakit.model import App
from lambdakit.packaging.unit_work import BuildProgress
from lambdakit.sources import sam

LoadApp = Callable[[str], App]
"""Load the app for a region (pseudo parameters and ARNs follow it)."""


@dataclass(frozen=True)
class Target:
    """Where to deploy: the stack, and the account's endpoint and credentials."""

    stack_name: str | None = None
    """Default: the app's stack name (from the template folder or ``[tool.lambdakit]``)."""
    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None


@dataclass(frozen=True)
class DeployOptions:
    """``lambdakit deploy``'s choices."""

    parameters: Mapping[str, str] = field(default_factory=dict)
    transform: TransformMode | None = None
    """Who expands SAM; None: the service, or lambdakit when an endpoint URL is given."""
    execute: bool = True
    keep_unexecuted_change_set: bool = True
    confirm: Callable[[str], bool] = lambda question: False
    progress: BuildProgress | None = None
    poll_seconds: float = 2.0
    change_set_timeout: float = 300.0
    stack_timeout: float = 3600.0


class _Cloud:
    """The session and adapters of one `Target`."""

    def __init__(self, target: Target) -> None:
        self.session = session(target.profile, target.region, target.endpoint_url)
        self.region = self.session.region_name or "us-east-1"
        self.stacks = CloudFormationStacks(self.session, target.endpoint_url)
        self.endpoint_url = target.endpoint_url

    def account(self) -> str:
        return account_id(self.session, self.endpoint_url)

    def store(self) -> S3AssetStore:
        return S3AssetStore(self.session, self.endpoint_url)


def plan_app(
    load: LoadApp, target: Target, options: DeployOptions, *, cloud: _Cloud | None = None
) -> DeployPlan:
    """Build the app and plan its deploy (no change in the cloud but reading the account)."""
    cloud = cloud or _Cloud(target)
    app = load(cloud.region)
    stack_name = target.stack_name or app.stacks[0].name
    built = lambdakit.build(app, lambdakit.BuildOptions(progress=options.progress))
    transform = options.transform or (
        TransformMode.LOCAL if target.endpoint_url else TransformMode.SERVICE
    )
    stack = next((s for s in app.stacks if s.name == stack_name), app.stacks[0])
    account = cloud.account()  # one STS call for the plan and the local SAM transform
    return plan_deploy(
        app,
        built.artifacts,
        stack_name=stack_name,
        region=cloud.region,
        account=account,
        parameters=options.parameters,
        transform=transform,
        sam_transform=_sam_transform(
            stack.template_file, stack_name, cloud.region, account, options
        )
        if transform is TransformMode.LOCAL
        else None,
    )


def deploy_app(
    load: LoadApp, target: Target, options: DeployOptions, reporter: DeployReporter
) -> DeployResult:
    """Build, plan and deploy the app (see the module's stages)."""
    cloud = _Cloud(target)
    plan = plan_app(load, target, options, cloud=cloud)
    for note in plan.notes:
        reporter.phase(note)
    for deployment in plan.deployments:
        reporter.phase(_deployment_line(deployment))
    return execute(
        plan,
        stacks=cloud.stacks,
        store=cloud.store(),
        reporter=reporter,
        options=ExecuteOptions(
            confirm=options.confirm,
            execute=options.execute,
            keep_unexecuted_change_set=options.keep_unexecuted_change_set,
            poll_seconds=options.poll_seconds,
            change_set_timeout=options.change_set_timeout,
            stack_timeout=options.stack_timeout,
        ),
    )


def _deployment_line(note: DeploymentNote) -> str:
    """How a function's new code reaches its alias (CloudFormation and CodeDeploy do it)."""
    line = f"{note.function}: alias {note.alias or '-'}"
    if note.deployment_preference:
        line += f", CodeDeploy {note.deployment_preference}"
        if note.alarms:
            line += f" (rolls back on {', '.join(note.alarms)})"
        if note.hooks:
            line += f", hooks {', '.join(note.hooks)}"
    return line


def stack_outputs(stack_name: str, target: Target) -> tuple[StackOutput, ...]:
    """The deployed stack's outputs, the API URL first."""
    return outputs(stack_name, _Cloud(target).stacks)


def destroy_stack(
    stack_name: str,
    target: Target,
    reporter: DeployReporter,
    *,
    confirm: Callable[[str], bool],
    poll_seconds: float = 2.0,
) -> DestroyResult:
    """Delete the stack after `confirm`, naming the resources its deletion keeps."""
    return destroy(
        stack_name,
        stacks=_Cloud(target).stacks,
        reporter=reporter,
        options=ExecuteOptions(confirm=confirm, poll_seconds=poll_seconds),
    )


def _sam_transform(
    template_file: Path, stack_name: str, region: str, account: str, options: DeployOptions
) -> Callable[[Mapping[str, Any]], Mapping[str, Any]]:
    """aws-sam-translator over the (rewritten) SAM template, for endpoints without it."""

    def expand(template: Mapping[str, Any]) -> Mapping[str, Any]:
        if not is_sam(template):
            return template
        translated = sam.translate(
            template,
            file=template_file,
            parameter_values=dict(options.parameters),
            region=region,
            account=account,
            stack_name=stack_name,
        ).template
        translated.pop("Transform", None)
        return translated

    return expand
