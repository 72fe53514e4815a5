"""Topic subscriptions on the local endpoint: SNS publishes moto answered become async invokes.

Stages per forwarded call: the messages it published (`sns_delivery.published_messages`) →
every Lambda subscription of their topic whose filter policy matches → one SNS event with one
record (FIDELITY 4.4.1), queued with ``InvocationType=Event`` as a task on the running loop, so
the edge never waits and Lambda's async retries and destinations apply as on AWS (4.4.2).
When Lambda refuses the invoke (throttled, 5xx) the task tries again on SNS's delivery policy
for Lambda (`sns_retry_policy`, waits times `time_scale`); a client error, or the policy's end,
is a reported drop with its reason (subscription dead-letter queues are not modelled).
SNS → SQS subscriptions need nothing here: moto delivers to its own queues.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

from lambdakit.local.edge_calls import AwsCall
from lambdakit.local.events.payloads import sns_event
from lambdakit.local.events.sns_delivery import Published, Subscription, published_messages
from lambdakit.local.events.sns_retry_policy import (
    LAMBDA_DELIVERY_ATTEMPTS,
    attempt_delays,
    retryable,
)
from lambdakit.local.invocation import Invocation, InvokeRejectedError
from lambdakit.local.lambda_service import LambdaService


class SnsNotifier:
    """An `EdgeObserver` that invokes the Lambda subscribers of each published message."""

    def __init__(
        self,
        service: LambdaService,
        table: Mapping[str, Sequence[Subscription]],
        *,
        report: Callable[[str], None],
        clock: Callable[[], datetime] | None = None,
        time_scale: float = 1.0,
        attempts: int = LAMBDA_DELIVERY_ATTEMPTS,
    ) -> None:
        """`time_scale` multiplies the delivery policy's waits; `attempts` caps its length."""
        if time_scale < 0:
            raise ValueError(f"time_scale must not be negative, not {time_scale}")
        self._time_scale = time_scale
        self._attempts = attempts
        self._service = service
        self._table = {topic: tuple(found) for topic, found in table.items() if found}
        self._report = report
        self._clock = clock or (lambda: datetime.now(UTC))
        self._pending: set[asyncio.Task[None]] = set()

    def observed(self, call: AwsCall) -> None:
        """Queue the invokes `call` causes; returns at once."""
        if not self._table or call.service not in ("sns", None):
            return
        try:
            for message in published_messages(call):
                self._deliver(message)
        except Exception as error:  # a bug here must not break the answer
            self._report(f"SNS delivery of {call.method} {call.path} failed: {error!r}")

    async def flush(self) -> None:
        """Wait until every invoke queued so far was handed to the Lambda service."""
        while self._pending:
            await asyncio.gather(*self._pending)

    def _deliver(self, message: Published) -> None:
        targets = [s for s in self._table.get(message.topic_arn, ()) if s.wants(message)]
        if not targets:
            return
        when = self._clock()
        loop = asyncio.get_running_loop()
        for subscription in targets:
            event = sns_event(
                topic_arn=message.topic_arn,
                message=message.message,
                subject=message.subject,
                message_attributes=message.attributes,
                subscription_arn=subscription.subscription_arn,
                message_id=message.message_id,
                time=when,
            )
            payload = json.dumps(event).encode()
            task = loop.create_task(self._invoke(subscription.function, payload, message))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    async def _invoke(self, function: str, payload: bytes, message: Published) -> None:
        where = f"SNS message {message.message_id} of {message.topic_arn} to {function}"
        refused: InvokeRejectedError | None = None
        tries = 0
        try:
            for delay in attempt_delays(self._attempts):
                if tries and delay:
                    await asyncio.sleep(delay * self._time_scale)
                tries += 1
                try:
                    await self._service.invoke(function, Invocation(payload=payload), "Event")
                    return
                except InvokeRejectedError as error:
                    refused = error
                    if not retryable(error.status):
                        break
        except Exception as error:  # reported: one bad invoke stops nothing
            self._report(f"{where} failed: {error!r}")
            return
        if refused is not None:
            reason = "retries exhausted" if retryable(refused.status) else "not retried"
            self._report(
                f"{where} dropped ({reason} after {tries} attempt{'s' * (tries != 1)}): "
                f"{refused.error_type}: {refused.message}"
            )
