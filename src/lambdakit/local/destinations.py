"""Where async invoke outcomes go: the destination port, its messages and the default sink.

An async event ends in an `InvocationRecord` (the facts of its outcome). Pure builders turn it
into the `DestinationMessage` a destination receives:

- ``success_message`` / ``failure_message``: the invocation record JSON (FIDELITY 3.9), which
  SQS and SNS carry as the message body, Lambda as the payload, S3 as the object and
  EventBridge as ``detail`` (with ``detail_type`` and ``source``);
- ``dead_letter_message``: the original event with the ``RequestID``/``ErrorCode``/
  ``ErrorMessage`` attributes of a dead-letter queue (FIDELITY 3.10).

A `DestinationSink` delivers a message or raises `DeliveryError`; ``delivery_problem`` names the
destinations Lambda itself refuses (FIFO queues and topics, S3 on success: FIFO 3.8), for every
sink to share. `LoggingSink` is the sink used until local services exist: it invokes Lambda
destinations for real and prints one line for every other kind.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, Protocol

from lambdakit.local.invocation import FunctionError, InvokeRejectedError
from lambdakit.model import Destination, render_value

Condition = Literal["Success", "RetriesExhausted", "EventAgeExceeded"]
"""``requestContext.condition`` of a record; only ``RetriesExhausted`` is documented (3.9)."""
MessageKind = Literal["on-success", "on-failure", "dead-letter"]

ERROR_MESSAGE_LIMIT = 1024
"""A dead-letter queue's ``ErrorMessage`` attribute holds the first 1 KB (FIDELITY 3.10)."""
EVENTBRIDGE_SOURCE = "lambda"
SUCCESS_DETAIL_TYPE = "Lambda Function Invocation Result - Success"
FAILURE_DETAIL_TYPE = "Lambda Function Invocation Result - Failure"


class DeliveryError(Exception):
    """A destination did not take a message (unsupported, unreachable or refused it)."""


@dataclass(frozen=True)
class InvocationRecord:
    """How one async event ended: what Lambda puts in its invocation record (FIDELITY 3.9).

    When no invoke ever ran (throttled until too old, or reserved concurrency 0), `status_code`
    is the throttle's or service error's status and `response_payload` its error JSON; AWS does
    not document that case, so this shape is [INFERRED].
    """

    request_id: str
    function_arn: str
    """Qualified, e.g. ``arn:aws:lambda:...:function:name:$LATEST``."""
    condition: Condition
    approximate_invoke_count: int
    request_payload: bytes
    timestamp: datetime
    status_code: int = 200
    executed_version: str = "$LATEST"
    function_error: FunctionError | None = None
    response_payload: bytes | None = None


@dataclass(frozen=True)
class DestinationMessage:
    """What one destination receives for one async event."""

    kind: MessageKind
    request_id: str
    body: str
    """The record JSON (on-success/on-failure) or the original event (dead-letter)."""
    attributes: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """Message attributes, name → (DataType, value): a dead-letter queue's (FIDELITY 3.10)."""
    detail_type: str | None = None
    """EventBridge ``detail-type`` of a record (FIDELITY 3.9)."""
    source: str | None = None
    """EventBridge ``source`` of a record: ``lambda``."""


class DestinationSink(Protocol):
    """Delivers async invoke outcomes to on-success/on-failure destinations and DLQs."""

    async def deliver(self, destination: Destination, message: DestinationMessage) -> None:
        """Hand `message` to `destination`; raise `DeliveryError` when it cannot take it."""
        ...


def lambda_timestamp(moment: datetime) -> str:
    """``2019-11-14T18:16:05.568Z``: UTC, milliseconds, ``Z``."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def decoded(payload: bytes | None) -> object:
    """A payload as a record embeds it: JSON decoded, else the text; None when empty."""
    if not payload:
        return None
    try:
        return json.loads(payload)
    except ValueError:
        return payload.decode("utf-8", errors="replace")


def record_json(record: InvocationRecord) -> dict[str, object]:
    """The invocation record document (FIDELITY 3.9); ``functionError`` only on failure."""
    response_context: dict[str, object] = {
        "statusCode": record.status_code,
        "executedVersion": record.executed_version,
    }
    if record.function_error is not None:
        response_context["functionError"] = record.function_error
    return {
        "version": "1.0",
        "timestamp": lambda_timestamp(record.timestamp),
        "requestContext": {
            "requestId": record.request_id,
            "functionArn": record.function_arn,
            "condition": record.condition,
            "approximateInvokeCount": record.approximate_invoke_count,
        },
        "requestPayload": decoded(record.request_payload),
        "responseContext": response_context,
        "responsePayload": decoded(record.response_payload),
    }


def success_message(record: InvocationRecord) -> DestinationMessage:
    """The message an on-success destination receives."""
    return DestinationMessage(
        kind="on-success",
        request_id=record.request_id,
        body=json.dumps(record_json(record)),
        detail_type=SUCCESS_DETAIL_TYPE,
        source=EVENTBRIDGE_SOURCE,
    )


def failure_message(record: InvocationRecord) -> DestinationMessage:
    """The message an on-failure destination receives."""
    return DestinationMessage(
        kind="on-failure",
        request_id=record.request_id,
        body=json.dumps(record_json(record)),
        detail_type=FAILURE_DETAIL_TYPE,
        source=EVENTBRIDGE_SOURCE,
    )


def dead_letter_message(record: InvocationRecord) -> DestinationMessage:
    """The original event with the attributes a dead-letter queue receives (FIDELITY 3.10)."""
    return DestinationMessage(
        kind="dead-letter",
        request_id=record.request_id,
        body=record.request_payload.decode("utf-8", errors="replace"),
        attributes={
            "RequestID": ("String", record.request_id),
            "ErrorCode": ("Number", str(record.status_code)),
            "ErrorMessage": ("String", truncated(error_message(record), ERROR_MESSAGE_LIMIT)),
        },
    )


def error_message(record: InvocationRecord) -> str:
    """Why an event failed: the error's ``errorMessage``, else its text, else the condition."""
    value = decoded(record.response_payload)
    if isinstance(value, dict) and isinstance(value.get("errorMessage"), str):
        return str(value["errorMessage"])
    if value is None:
        return record.condition
    return value if isinstance(value, str) else json.dumps(value)


def truncated(text: str, limit_bytes: int) -> str:
    """The longest prefix of `text` whose UTF-8 form fits in `limit_bytes`."""
    return text.encode()[:limit_bytes].decode("utf-8", errors="ignore")


def destination_address(destination: Destination) -> str:
    """The destination's ARN, or the app's resource id when the ARN is only known deployed."""
    if isinstance(destination.arn, str):
        return destination.arn
    return destination.resource or render_value(destination.arn)


def delivery_problem(destination: Destination, message: DestinationMessage) -> str | None:
    """Why Lambda would refuse this delivery (FIDELITY 3.8, 3.10), or None when it would not."""
    arn = destination.arn if isinstance(destination.arn, str) else ""
    if message.kind == "dead-letter" and destination.kind not in ("sqs", "sns"):
        return "a dead-letter queue must be an SQS queue or an SNS topic"
    if destination.kind == "unknown":
        return "unsupported destination type"
    if destination.kind in ("sqs", "sns") and arn.endswith(".fifo"):
        return "FIFO queues and topics are not supported as destinations"
    if destination.kind == "s3" and message.kind == "on-success":
        return "S3 buckets are supported only as on-failure destinations"
    return None


class LoggingSink:
    """Invokes Lambda destinations; reports what every other destination would receive."""

    def __init__(
        self,
        report: Callable[[str], None],
        invoke_async: Callable[[str, bytes], Awaitable[None]],
    ) -> None:
        """`invoke_async(target, payload)`: an async invoke of the function `target` names.

        `target` is an ARN, a function name, or the app's function id when the ARN is symbolic.
        """
        self._report = report
        self._invoke_async = invoke_async

    async def deliver(self, destination: Destination, message: DestinationMessage) -> None:
        problem = delivery_problem(destination, message)
        if problem is not None:
            raise DeliveryError(problem)
        target = destination_address(destination)
        if destination.kind == "lambda":
            try:
                await self._invoke_async(target, message.body.encode())
            except InvokeRejectedError as rejected:
                raise DeliveryError(f"{rejected.error_type}: {rejected.message}") from rejected
            return
        self._report(not_connected_line(target, message))


def not_connected_line(target: str, message: DestinationMessage) -> str:
    """One line: where `message` would go, and what it carries."""
    if message.kind == "dead-letter":
        attributes = {name: value for name, (_, value) in message.attributes.items()}
        return (
            f"dead-letter queue {target} is not connected to a local service; "
            f"event: {message.body} attributes: {json.dumps(attributes)}"
        )
    return f"destination {target} is not connected to a local service; record: {message.body}"
