"""What a deploy is, as data: the plan the planner makes and what the executor observes.

No I/O here. The planner (`planner.py`) turns the app and its build into a `DeployPlan`;
the executor (`executor.py`) runs it through the ports of `ports.py` and reads back the
`StackState`, `ChangeSet` and `StackEvent`s that the adapters in ``lambdakit.aws`` make from
CloudFormation's answers.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

ASSET_PREFIX = "lambdakit/"
"""Every object lambdakit puts in an assets bucket is under this prefix."""

TEMPLATE_BODY_LIMIT = 51_200
"""CloudFormation's TemplateBody limit in bytes; a larger template goes by TemplateURL."""


def assets_bucket_name(account: str, region: str) -> str:
    """The assets bucket of an account and region (one per pair, created on first use)."""
    return f"lambdakit-assets-{account}-{region}"


@dataclass(frozen=True)
class Asset:
    """One file the stack needs in the assets bucket, addressed by its content."""

    id: str
    """What it is: a function or layer id of the app, or a CDK asset hash."""
    path: Path
    """The local file to upload (a built zip, or a template)."""
    sha256: str
    size: int
    key: str
    """Object key: ``lambdakit/<sha256><suffix>``; the same bytes always get the same key."""


class TransformMode(enum.Enum):
    """Who expands ``AWS::Serverless-2016-10-31``."""

    SERVICE = "service"
    """CloudFormation does (the template stays SAM): what real AWS does."""
    LOCAL = "local"
    """lambdakit does, with aws-sam-translator, before submitting (endpoints without it)."""


@dataclass(frozen=True)
class DeploymentNote:
    """A function's versions/aliases/traffic settings that pass through to CloudFormation."""

    function: str
    alias: str | None
    deployment_preference: str | None
    """e.g. ``Canary10Percent5Minutes`` (CodeDeploy shifts the traffic)."""
    alarms: tuple[str, ...] = ()
    hooks: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeployPlan:
    """Everything a deploy will do, before it does any of it."""

    stack_name: str
    region: str
    account: str
    assets_bucket: str
    assets: tuple[Asset, ...]
    """Each distinct content once (two functions with the same zip share one asset)."""
    template_body: str
    """The template to submit (JSON), with every local code path rewritten to its asset."""
    parameters: Mapping[str, str] = field(default_factory=dict)
    capabilities: tuple[str, ...] = ()
    """``CAPABILITY_IAM`` / ``CAPABILITY_NAMED_IAM`` / ``CAPABILITY_AUTO_EXPAND`` as needed."""
    transform: TransformMode = TransformMode.SERVICE
    deployments: tuple[DeploymentNote, ...] = ()
    notes: tuple[str, ...] = ()
    """Things the user should know (e.g. the CDK bootstrap check removed)."""


# --------------------------------------------------------------------------- observed


@dataclass(frozen=True)
class StackOutput:
    key: str
    value: str
    description: str | None = None


@dataclass(frozen=True)
class StackState:
    """A stack as CloudFormation describes it."""

    name: str
    stack_id: str
    status: str
    """e.g. ``CREATE_COMPLETE``, ``ROLLBACK_COMPLETE``, ``UPDATE_ROLLBACK_FAILED``."""
    reason: str | None = None
    outputs: tuple[StackOutput, ...] = ()


@dataclass(frozen=True)
class StackEvent:
    """One line of a stack's event history."""

    event_id: str
    timestamp: datetime
    logical_id: str
    resource_type: str
    status: str
    reason: str | None = None
    physical_id: str | None = None


@dataclass(frozen=True)
class StackResource:
    logical_id: str
    resource_type: str
    physical_id: str | None
    status: str
    deletion_policy: str | None = None
    """From the template: ``Retain``/``RetainExceptOnCreate``/``Snapshot`` keep it on destroy."""


Replacement = Literal["True", "Conditional", "False"]


@dataclass(frozen=True)
class ResourceChange:
    """One resource of a change set."""

    action: Literal["Add", "Modify", "Remove", "Import", "Dynamic"]
    logical_id: str
    resource_type: str
    replacement: Replacement | None = None
    """For ``Modify``: whether CloudFormation replaces the resource."""
    scope: tuple[str, ...] = ()
    """What changes: ``Properties``, ``Metadata``, ``Tags``..."""
    details: tuple[str, ...] = ()
    """The changed property names, e.g. ``Code``."""


@dataclass(frozen=True)
class ChangeSet:
    """A change set as CloudFormation describes it."""

    id: str
    stack_name: str
    status: str
    """``CREATE_PENDING``/``CREATE_IN_PROGRESS``/``CREATE_COMPLETE``/``FAILED``..."""
    execution_status: str = "UNAVAILABLE"
    reason: str | None = None
    changes: tuple[ResourceChange, ...] = ()
    change_set_type: Literal["CREATE", "UPDATE"] = "UPDATE"
