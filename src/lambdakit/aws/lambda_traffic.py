"""The boto3 adapter of `lambdakit traffic`: Lambda versions and aliases, CloudWatch alarm states.

`LambdaTraffic` implements `lambdakit.deploy.traffic_ports.FunctionVersions`: ``PublishVersion``,
``GetAlias``, ``CreateAlias``/``UpdateAlias`` with ``RoutingConfig.AdditionalVersionWeights``
always given in full (an empty map clears the weights, FIDELITY 5.4), and ``DescribeAlarms``
(metric and composite alarms, 100 names a call) for ``StateValue``. The function is named by its
physical name or ARN (a stack's logical id is not resolved here). botocore errors become
`DeployError`/`CredentialsError` with the service's message.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import botocore.exceptions

from lambdakit.aws.clients import Clients
from lambdakit.deploy.traffic_ports import AliasState
from lambdakit.errors import CredentialsError, DeployError

if TYPE_CHECKING:
    from boto3.session import Session

T = TypeVar("T")
_ALARM_NAMES_PER_CALL = 100


def _call(what: str, call: Callable[[], T]) -> T:
    """Run one boto3 call; its errors as `DeployError`/`CredentialsError` naming `what`."""
    try:
        return call()
    except botocore.exceptions.ClientError as error:
        message = error.response.get("Error", {}).get("Message") or str(error)
        raise DeployError(f"{what}: {message}") from None
    except botocore.exceptions.NoCredentialsError:
        raise CredentialsError(
            f"{what}: no AWS credentials found",
            hint="configure credentials (aws configure), set AWS_PROFILE, or pass --profile",
        ) from None
    except botocore.exceptions.NoRegionError:
        raise DeployError(
            f"{what}: no region", hint="pass --region or set AWS_REGION / AWS_DEFAULT_REGION"
        ) from None
    except botocore.exceptions.BotoCoreError as error:
        raise DeployError(f"{what}: {error}") from None


class LambdaTraffic:
    """Lambda and CloudWatch, as traffic shifting needs them."""

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

    def publish_version(self, function: str) -> str:
        client = self._client("lambda")
        response = _call(
            f"cannot publish a version of {function}",
            lambda: client.publish_version(FunctionName=function),
        )
        return str(response["Version"])

    def get_alias(self, function: str, alias: str) -> AliasState | None:
        client = self._client("lambda")

        def read() -> Any:
            try:
                return client.get_alias(FunctionName=function, Name=alias)
            except client.exceptions.ResourceNotFoundException:
                return None

        response = _call(f"cannot read alias {alias} of {function}", read)
        if response is None:
            return None
        weights = response.get("RoutingConfig", {}).get("AdditionalVersionWeights", {})
        return AliasState(
            version=str(response["FunctionVersion"]),
            weights={str(version): float(weight) for version, weight in weights.items()},
            description=str(response.get("Description", "")),
        )

    def create_alias(
        self,
        function: str,
        alias: str,
        version: str,
        weights: Mapping[str, float],
        description: str,
    ) -> None:
        self._put_alias(
            "create",
            function,
            alias=alias,
            version=version,
            weights=weights,
            description=description,
        )

    def update_alias(
        self,
        function: str,
        alias: str,
        version: str,
        weights: Mapping[str, float],
        description: str,
    ) -> None:
        self._put_alias(
            "update",
            function,
            alias=alias,
            version=version,
            weights=weights,
            description=description,
        )

    def _put_alias(
        self,
        verb: str,
        function: str,
        *,
        alias: str,
        version: str,
        weights: Mapping[str, float],
        description: str,
    ) -> None:
        call = getattr(self._client("lambda"), f"{verb}_alias")
        _call(
            f"cannot {verb} alias {alias} of {function}",
            lambda: call(
                FunctionName=function,
                Name=alias,
                FunctionVersion=version,
                Description=description,
                RoutingConfig={"AdditionalVersionWeights": dict(weights)},
            ),
        )

    def alarm_states(self, names: Sequence[str]) -> dict[str, str]:
        client = self._client("cloudwatch")
        states: dict[str, str] = {}
        unique = list(dict.fromkeys(names))
        for start in range(0, len(unique), _ALARM_NAMES_PER_CALL):
            batch = unique[start : start + _ALARM_NAMES_PER_CALL]
            response = _call(
                "cannot read the alarms",
                functools.partial(
                    client.describe_alarms,
                    AlarmNames=batch,
                    AlarmTypes=["MetricAlarm", "CompositeAlarm"],
                ),
            )
            for kind in ("MetricAlarms", "CompositeAlarms"):
                for alarm in response.get(kind, []):
                    states[str(alarm["AlarmName"])] = str(alarm["StateValue"])
        return states
