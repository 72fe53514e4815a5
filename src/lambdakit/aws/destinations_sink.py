"""Async invoke outcomes delivered to the local cloud: queues, topics, buses and buckets in moto.

Stages per delivery: refuse what Lambda refuses (``delivery_problem``: FIFO 3.8, 3.10) →
find the target (the app's physical record by logical id or ARN, else the literal ARN's
parts) → one boto3 call, run in a thread: SQS ``SendMessage`` (a dead-letter queue's
attributes as message attributes, FIDELITY 3.10), SNS ``Publish``, EventBridge ``PutEvents``
(``source`` ``lambda``, the record as ``detail``, 3.9), S3 ``PutObject`` of an on-failure
record under ``aws/lambda/async/<function-name>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<id>`` (the
documented prefix; the last part is the request id here, a random UUID on AWS). Lambda
destinations go to the local service through `invoke_async`. botocore errors become
`DeliveryError`. `send_message` is the same path for an EventBridge rule's queue or topic target
(FIDELITY 4.6): the event as the body, FIFO targets with a group and deduplication id.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from lambdakit.aws.provision import FAKE_CREDENTIALS
from lambdakit.aws.sqs_poller import queue_lock
from lambdakit.local.destinations import (
    DeliveryError,
    DestinationMessage,
    delivery_problem,
    destination_address,
)
from lambdakit.local.invocation import InvokeRejectedError
from lambdakit.local.physical_names import PhysicalResource
from lambdakit.model import Destination

InvokeAsync = Callable[[str, bytes], Awaitable[None]]
"""An ``Event`` invoke of the function a target names (ARN, name or the app's function id)."""


@dataclass(frozen=True)
class Target:
    """Where one destination is in the local cloud."""

    arn: str
    name: str
    region: str
    url: str | None = None
    """The queue URL (queues of the app only; others are looked up by name)."""


def find_target(
    destination: Destination, physical: Mapping[str, PhysicalResource], default_region: str
) -> Target:
    """The destination's local resource: by logical id, by ARN, else from the ARN's parts."""
    record = physical.get(destination.resource) if destination.resource else None
    if record is None and isinstance(destination.arn, str):
        record = next((r for r in physical.values() if r.arn == destination.arn), None)
    if record is not None:
        return Target(record.arn, record.name, arn_region(record.arn, default_region), record.url)
    if not isinstance(destination.arn, str) or not destination.arn.startswith("arn:"):
        raise DeliveryError(
            f"{destination_address(destination)} is not a resource of the local cloud"
        )
    return Target(
        destination.arn, arn_name(destination.arn), arn_region(destination.arn, default_region)
    )


def arn_region(arn: str, default: str) -> str:
    """The region field of `arn`, or `default` when it is empty (S3 ARNs have none)."""
    parts = arn.split(":", 5)
    return parts[3] if len(parts) == 6 and parts[3] else default


def arn_name(arn: str) -> str:
    """The resource name in `arn`: after ``event-bus/``, ``function:``, or the last field."""
    resource = arn.split(":", 5)[-1]
    for prefix in ("event-bus/", "function:"):
        if resource.startswith(prefix):
            return resource.removeprefix(prefix).split(":")[0]
    return resource


def s3_record_key(message: DestinationMessage) -> str:
    """``aws/lambda/async/<function-name>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<request id>``."""
    record = json.loads(message.body)
    function = arn_name(str(record["requestContext"]["functionArn"]))
    try:
        moment = datetime.strptime(str(record["timestamp"]), "%Y-%m-%dT%H:%M:%S.%fZ")
    except (KeyError, ValueError):
        moment = datetime.now(UTC)
    return (
        f"aws/lambda/async/{function}/{moment:%Y/%m/%d}/"
        f"{moment:%Y-%m-%dT%H.%M.%S}-{message.request_id}"
    )


class AwsDestinationSink:
    """`DestinationSink` that delivers to the local moto server, and Lambda to the service."""

    def __init__(
        self,
        endpoint_url: str,
        *,
        region: str = "us-east-1",
        physical: Mapping[str, PhysicalResource] | None = None,
        invoke_async: InvokeAsync | None = None,
    ) -> None:
        """`endpoint_url`: moto's; `region`: for targets whose ARN names none."""
        self.endpoint_url = endpoint_url
        self.region = region
        self.physical = physical or {}
        self._invoke_async = invoke_async
        self._session: Any = None
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def connect(self, invoke_async: InvokeAsync) -> None:
        """Route Lambda destinations to `invoke_async` (the service exists after the sink)."""
        self._invoke_async = invoke_async

    async def deliver(self, destination: Destination, message: DestinationMessage) -> None:
        problem = delivery_problem(destination, message)
        if problem is not None:
            raise DeliveryError(problem)
        if destination.kind == "lambda":
            await self._invoke(destination_address(destination), message)
            return
        target = find_target(destination, self.physical, self.region)
        if target.arn.endswith(".fifo") and destination.kind in ("sqs", "sns"):
            raise DeliveryError("FIFO queues and topics are not supported as destinations")
        try:
            await asyncio.to_thread(self._send, destination.kind, target, message)
        except ClientError as error:
            details = error.response.get("Error", {})
            code, text = details.get("Code", "Error"), details.get("Message", str(error))
            raise DeliveryError(f"{target.arn}: {code}: {text}") from error
        except BotoCoreError as error:
            raise DeliveryError(f"{target.arn}: {error}") from error

    async def send_message(
        self,
        destination: Destination,
        body: str,
        *,
        group_id: str | None = None,
        deduplication_id: str | None = None,
    ) -> None:
        """SQS ``SendMessage``/SNS ``Publish`` of `body` (a rule target's event, FIDELITY 4.6)."""
        if destination.kind not in ("sqs", "sns"):
            raise DeliveryError(f"{destination_address(destination)} is not a queue or topic")
        target = find_target(destination, self.physical, self.region)
        fifo: dict[str, str] = {}
        if target.arn.endswith(".fifo"):
            if group_id is None:
                raise DeliveryError(f"{target.arn}: a FIFO target needs a MessageGroupId")
            fifo = {"MessageGroupId": group_id}
            if deduplication_id is not None:
                fifo["MessageDeduplicationId"] = deduplication_id
        try:
            await asyncio.to_thread(self._send_body, destination.kind, target, body, fifo)
        except ClientError as error:
            details = error.response.get("Error", {})
            code, text = details.get("Code", "Error"), details.get("Message", str(error))
            raise DeliveryError(f"{target.arn}: {code}: {text}") from error
        except BotoCoreError as error:
            raise DeliveryError(f"{target.arn}: {error}") from error

    def _send_body(self, kind: str, target: Target, body: str, fifo: Mapping[str, str]) -> None:
        if kind == "sns":
            self._client("sns", target.region).publish(TopicArn=target.arn, Message=body, **fifo)
            return
        sqs = self._client("sqs", target.region)
        url = target.url or sqs.get_queue_url(QueueName=target.name)["QueueUrl"]
        with queue_lock(url):  # moto loses a send that races a poller's delete
            sqs.send_message(QueueUrl=url, MessageBody=body, **fifo)

    async def _invoke(self, target: str, message: DestinationMessage) -> None:
        if self._invoke_async is None:
            raise DeliveryError(f"{target}: Lambda destinations are not connected")
        try:
            await self._invoke_async(target, message.body.encode())
        except InvokeRejectedError as rejected:
            raise DeliveryError(f"{rejected.error_type}: {rejected.message}") from rejected

    def _send(self, kind: str, target: Target, message: DestinationMessage) -> None:
        """One blocking call that hands `message` to `target` (in a worker thread)."""
        if kind == "sqs":
            self._send_sqs(target, message)
        elif kind == "sns":
            self._client("sns", target.region).publish(
                TopicArn=target.arn,
                Message=message.body,
                MessageAttributes=_attributes(message),
            )
        elif kind == "eventbridge":
            self._put_event(target, message)
        elif kind == "s3":
            self._client("s3", target.region).put_object(
                Bucket=target.name,
                Key=s3_record_key(message),
                Body=message.body.encode(),
                ContentType="application/json",
            )
        else:  # pragma: no cover - delivery_problem refuses every other kind
            raise DeliveryError(f"unsupported destination type {kind}")

    def _send_sqs(self, target: Target, message: DestinationMessage) -> None:
        sqs = self._client("sqs", target.region)
        url = target.url or sqs.get_queue_url(QueueName=target.name)["QueueUrl"]
        with queue_lock(url):  # moto loses a send that races a poller's delete
            sqs.send_message(
                QueueUrl=url, MessageBody=message.body, MessageAttributes=_attributes(message)
            )

    def _put_event(self, target: Target, message: DestinationMessage) -> None:
        response = self._client("events", target.region).put_events(
            Entries=[
                {
                    "Source": message.source or "lambda",
                    "DetailType": message.detail_type or "Lambda Function Invocation Result",
                    "Detail": message.body,
                    "EventBusName": target.name,
                    "Resources": [],
                }
            ]
        )
        if response.get("FailedEntryCount"):
            entry = response["Entries"][0]
            raise DeliveryError(
                f"{target.arn}: {entry.get('ErrorCode')}: {entry.get('ErrorMessage')}"
            )

    def _client(self, service: str, region: str) -> Any:
        """One client per service and region, from one session (sessions are not thread-safe)."""
        with self._lock:
            if self._session is None:
                self._session = boto3.session.Session(**FAKE_CREDENTIALS)
            key = (service, region)
            if key not in self._clients:
                self._clients[key] = self._session.client(
                    service,
                    region_name=key[1],
                    endpoint_url=self.endpoint_url,
                    config=Config(retries={"max_attempts": 2, "mode": "standard"}),
                )
            return self._clients[key]


def _attributes(message: DestinationMessage) -> dict[str, dict[str, str]]:
    """SQS/SNS ``MessageAttributes`` of `message` (a dead-letter queue's, FIDELITY 3.10)."""
    return {
        name: {"DataType": data_type, "StringValue": value}
        for name, (data_type, value) in message.attributes.items()
    }
