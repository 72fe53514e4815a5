"""The boto3 adapter of `lambdakit logs`: a function's name and log group, and its log events.

`LogReader` implements `lambdakit.deploy.log_query.LogSource` over CloudWatch Logs
(``FilterLogEvents``, every page) and finds what to read: a function named by its physical name,
or by its logical id in a deployed stack (``DescribeStackResource``), and its log group
(``GetFunctionConfiguration``'s ``LoggingConfig.LogGroup``, else ``/aws/lambda/<name>``,
FIDELITY 2.7.6). botocore errors become `DeployError`/`CredentialsError` with the cause. The
session is the deploy's shared one (`cloudformation_stacks.session`: standard chain, --profile).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import botocore.exceptions

from lambdakit.aws.clients import Clients
from lambdakit.deploy.log_query import LogEvent, log_group_name
from lambdakit.errors import CredentialsError, DeployError

if TYPE_CHECKING:
    from boto3.session import Session

_FUNCTION_TYPE = "AWS::Lambda::Function"


class LogReader:
    """CloudWatch Logs, CloudFormation and Lambda, as `lambdakit logs` needs them."""

    def __init__(
        self,
        *,
        profile: str | None = None,
        region: str | None = None,
        endpoint_url: str | None = None,
        session: Session | None = None,
    ) -> None:
        self._client = Clients(
            profile=profile, region=region, endpoint_url=endpoint_url, session=session
        )

    def physical_name(self, function: str, stack_name: str | None) -> str:
        """The function's physical name: `function` itself, or with `stack_name` the physical id
        of the stack's resource whose logical id is `function`."""
        if stack_name is None:
            return function
        try:
            detail = self._client("cloudformation").describe_stack_resource(
                StackName=stack_name, LogicalResourceId=function
            )["StackResourceDetail"]
        except botocore.exceptions.ClientError as error:
            message = _message(error)
            if "does not exist for stack" in message:
                raise DeployError(
                    f"stack {stack_name} has no resource {function}",
                    hint="name the function by its logical id in the stack, or drop "
                    "--stack-name and give its physical name",
                ) from None
            raise DeployError(f"stack {stack_name}: {message}") from None
        except botocore.exceptions.BotoCoreError as error:
            raise _transport_error(error) from None
        if detail.get("ResourceType") != _FUNCTION_TYPE:
            raise DeployError(
                f"{function} in stack {stack_name} is a {detail.get('ResourceType')}, "
                "not a Lambda function"
            )
        name: str = detail["PhysicalResourceId"]
        return name

    def log_group(self, physical_name: str) -> str:
        """The function's ``LoggingConfig.LogGroup``, or ``/aws/lambda/<name>`` when it sets
        none or cannot be read (not found, no permission to read it): FIDELITY 2.7.6."""
        try:
            configuration = self._client("lambda").get_function_configuration(
                FunctionName=physical_name
            )
        except botocore.exceptions.ClientError:
            return log_group_name(physical_name)
        except botocore.exceptions.BotoCoreError as error:
            raise _transport_error(error) from None
        configured = (configuration.get("LoggingConfig") or {}).get("LogGroup")
        return log_group_name(physical_name, configured if isinstance(configured, str) else None)

    def filter_log_events(
        self, group: str, start_ms: int, end_ms: int | None, filter_pattern: str | None
    ) -> list[LogEvent]:
        """Every event of `group` in [`start_ms`, `end_ms`] matching `filter_pattern`, all pages,
        oldest first."""
        request: dict[str, Any] = {"logGroupName": group, "startTime": start_ms}
        if end_ms is not None:
            request["endTime"] = end_ms
        if filter_pattern:
            request["filterPattern"] = filter_pattern
        events: list[LogEvent] = []
        try:
            for page in self._client("logs").get_paginator("filter_log_events").paginate(**request):
                events.extend(
                    LogEvent(
                        event_id=str(raw.get("eventId", "")),
                        timestamp_ms=int(raw["timestamp"]),
                        stream=str(raw.get("logStreamName", "")),
                        message=str(raw.get("message", "")),
                    )
                    for raw in page.get("events", [])
                )
        except botocore.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                # One line: Lambda creates the group on the function's first invoke.
                raise DeployError(
                    f"log group {group} not found: has the function run yet?"
                ) from None
            raise DeployError(f"reading log group {group}: {_message(error)}") from None
        except botocore.exceptions.BotoCoreError as error:
            raise _transport_error(error) from None
        events.sort(key=lambda event: event.timestamp_ms)
        return events


def _message(error: botocore.exceptions.ClientError) -> str:
    detail = error.response.get("Error", {})
    return str(detail.get("Message") or detail.get("Code") or error)


def _transport_error(error: botocore.exceptions.BotoCoreError) -> DeployError:
    if isinstance(error, botocore.exceptions.NoCredentialsError):
        return CredentialsError(
            "no AWS credentials found",
            hint="configure credentials (aws configure, AWS_PROFILE, --profile)",
        )
    if isinstance(error, botocore.exceptions.NoRegionError):
        return CredentialsError("no AWS region configured", hint="pass --region")
    return DeployError(str(error))
