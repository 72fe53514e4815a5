"""The `Stacks` port over boto3's CloudFormation client, and the boto3 session of a deploy.

Thin: each method is one or two API calls and a translation of the answer into
``lambdakit.deploy.instructions`` data. Errors become `DeployError` carrying the service's
message; a stack that does not exist is None, not an error. `session` builds the boto3 session
from the standard credential chain, a profile and a region, and says in one line when there
are no credentials or the profile is unknown (`CredentialsError`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Literal, cast

import boto3
import botocore.exceptions
import botocore.parsers
import yaml
from botocore.config import Config

from lambdakit.deploy.instructions import (
    ChangeSet,
    ResourceChange,
    StackEvent,
    StackOutput,
    StackResource,
    StackState,
)
from lambdakit.errors import CredentialsError, DeployError

_JSON_MESSAGE = re.compile(r'"message":\s*"((?:[^"\\]|\\.)*)"')


def session(
    profile: str | None = None, region: str | None = None, endpoint_url: str | None = None
) -> boto3.session.Session:
    """A boto3 session (credentials: the standard chain, or `profile`); CredentialsError when
    the profile does not exist, no credentials are found, or no region is known (with
    `endpoint_url`, the region defaults to us-east-1)."""
    try:
        made = boto3.session.Session(profile_name=profile, region_name=region)
    except botocore.exceptions.ProfileNotFound as error:
        raise CredentialsError(
            f"AWS profile {profile!r} is not configured",
            hint="check --profile / AWS_PROFILE against ~/.aws/config and ~/.aws/credentials",
        ) from error
    try:
        credentials = made.get_credentials()
    except botocore.exceptions.BotoCoreError as error:
        raise CredentialsError(f"AWS credentials could not be loaded: {error}") from error
    if credentials is None:
        raise CredentialsError(
            "no AWS credentials found",
            hint="configure them (aws configure, AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY), or pass --profile",
        )
    if made.region_name is None:
        if endpoint_url is None:
            raise CredentialsError(
                "no AWS region configured", hint="pass --region or set AWS_REGION"
            )
        # another endpoint (moto, LocalStack...) needs some region: take the default one
        made = boto3.session.Session(profile_name=profile, region_name="us-east-1")
    return made


def service_message(error: Exception) -> str:
    """The service's own message in a botocore error."""
    if isinstance(error, botocore.exceptions.ClientError):
        body = error.response.get("Error", {})
        return str(body.get("Message") or body.get("Code") or error)
    found = _JSON_MESSAGE.search(str(error))  # a JSON error body where XML was expected
    return found.group(1) if found else str(error)


@contextmanager
def translated(action: str) -> Iterator[None]:
    """Turn botocore errors raised inside into DeployError("<action>: <service message>")."""
    try:
        yield
    except botocore.exceptions.NoCredentialsError as error:
        raise CredentialsError("no AWS credentials found", hint="pass --profile") from error
    except (
        botocore.exceptions.ClientError,
        botocore.exceptions.BotoCoreError,
        botocore.parsers.ResponseParserError,
    ) as error:
        raise DeployError(f"{action}: {service_message(error)}") from error


def _not_found(error: botocore.exceptions.ClientError) -> bool:
    return "does not exist" in service_message(error)


def _template_dict(body: object) -> dict[str, Any]:
    """GetTemplate's TemplateBody: boto3 parses JSON bodies; YAML ones stay text."""
    if isinstance(body, Mapping):
        return dict(body)
    text = str(body)
    try:
        return cast(dict[str, Any], json.loads(text))
    except ValueError:
        # CloudFormation's short forms (!Ref ...) are tags yaml cannot build: keep them as data
        class Loader(yaml.SafeLoader):
            pass

        Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
        loaded = yaml.load(text, Loader=Loader)
        return loaded if isinstance(loaded, dict) else {}


class CloudFormationStacks:
    """`Stacks` through boto3 (any endpoint: AWS, moto, ...)."""

    def __init__(
        self, boto_session: boto3.session.Session, endpoint_url: str | None = None
    ) -> None:
        config = Config(retries={"mode": "standard", "max_attempts": 5})
        self._client = boto_session.client(
            "cloudformation", endpoint_url=endpoint_url, config=config
        )
        self._types: dict[str, Literal["CREATE", "UPDATE"]] = {}

    def describe(self, stack_name: str) -> StackState | None:
        try:
            found = self._client.describe_stacks(StackName=stack_name)["Stacks"]
        except botocore.exceptions.ClientError as error:
            if _not_found(error):
                return None
            raise DeployError(f"describing stack {stack_name}: {service_message(error)}") from error
        except (botocore.exceptions.BotoCoreError, botocore.parsers.ResponseParserError) as error:
            raise DeployError(f"describing stack {stack_name}: {service_message(error)}") from error
        if not found or found[0]["StackStatus"] == "DELETE_COMPLETE":
            return None
        stack = found[0]
        outputs = tuple(
            StackOutput(o["OutputKey"], o.get("OutputValue", ""), o.get("Description"))
            for o in stack.get("Outputs") or ()
        )
        return StackState(
            name=stack["StackName"],
            stack_id=stack["StackId"],
            status=stack["StackStatus"],
            reason=stack.get("StackStatusReason"),
            outputs=outputs,
        )

    def create_change_set(
        self,
        *,
        stack_name: str,
        change_set_name: str,
        change_set_type: Literal["CREATE", "UPDATE"],
        template_body: str | None,
        template_url: str | None,
        parameters: Mapping[str, str],
        capabilities: Sequence[str],
    ) -> str:
        arguments: dict[str, Any] = {
            "StackName": stack_name,
            "ChangeSetName": change_set_name,
            "ChangeSetType": change_set_type,
            "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
            "Capabilities": list(capabilities),
        }
        if template_url is not None:
            arguments["TemplateURL"] = template_url
        else:
            arguments["TemplateBody"] = template_body
        with translated(f"creating change set {change_set_name} for stack {stack_name}"):
            answer = self._client.create_change_set(**arguments)
        change_set_id = str(answer["Id"])
        self._types[change_set_id] = change_set_type  # DescribeChangeSet does not say it
        return change_set_id

    def describe_change_set(self, change_set_id: str) -> ChangeSet:
        changes: list[ResourceChange] = []
        with translated(f"describing change set {change_set_id}"):
            pages = self._client.get_paginator("describe_change_set").paginate(
                ChangeSetName=change_set_id
            )
            for page in pages:
                changes += [_change(c["ResourceChange"]) for c in page.get("Changes") or ()]
                last = page
        return ChangeSet(
            id=last["ChangeSetId"],
            stack_name=last["StackName"],
            status=last["Status"],
            execution_status=last.get("ExecutionStatus", "UNAVAILABLE"),
            reason=last.get("StatusReason"),
            changes=tuple(changes),
            change_set_type=self._types.get(change_set_id, "UPDATE"),
        )

    def delete_change_set(self, change_set_id: str) -> None:
        with translated(f"deleting change set {change_set_id}"):
            self._client.delete_change_set(ChangeSetName=change_set_id)

    def execute_change_set(self, change_set_id: str) -> None:
        with translated(f"executing change set {change_set_id}"):
            self._client.execute_change_set(ChangeSetName=change_set_id)

    def events(self, stack_name: str) -> list[StackEvent]:
        """The newest events first; only the first page (the executor polls often)."""
        with translated(f"reading the events of stack {stack_name}"):
            answer = self._client.describe_stack_events(StackName=stack_name)
        return [
            StackEvent(
                event_id=e["EventId"],
                timestamp=e["Timestamp"],
                logical_id=e["LogicalResourceId"],
                resource_type=e["ResourceType"],
                status=e["ResourceStatus"],
                reason=e.get("ResourceStatusReason"),
                physical_id=e.get("PhysicalResourceId"),
            )
            for e in answer["StackEvents"]
        ]

    def resources(self, stack_name: str) -> list[StackResource]:
        """The stack's resources, with their DeletionPolicy from the stack's template."""
        with translated(f"listing the resources of stack {stack_name}"):
            template = _template_dict(
                self._client.get_template(StackName=stack_name)["TemplateBody"]
            )
            pages = self._client.get_paginator("list_stack_resources").paginate(
                StackName=stack_name
            )
            summaries = [s for page in pages for s in page["StackResourceSummaries"]]
        declared = template.get("Resources") or {}
        return [
            StackResource(
                logical_id=s["LogicalResourceId"],
                resource_type=s["ResourceType"],
                physical_id=s.get("PhysicalResourceId"),
                status=s["ResourceStatus"],
                deletion_policy=(declared.get(s["LogicalResourceId"]) or {}).get("DeletionPolicy"),
            )
            for s in summaries
        ]

    def delete_stack(self, stack_name: str) -> None:
        with translated(f"deleting stack {stack_name}"):
            self._client.delete_stack(StackName=stack_name)


def _change(change: Mapping[str, Any]) -> ResourceChange:
    details = tuple(
        sorted(
            {
                str(d["Target"]["Name"])
                for d in change.get("Details") or ()
                if d.get("Target", {}).get("Name")
            }
        )
    )
    replacement = change.get("Replacement")
    return ResourceChange(
        action=change["Action"],
        logical_id=change["LogicalResourceId"],
        resource_type=change["ResourceType"],
        replacement=replacement if replacement in ("True", "Conditional", "False") else None,
        scope=tuple(change.get("Scope") or ()),
        details=details,
    )
