"""Event rules on the local endpoint: ``PutEvents`` calls moto answered become async invokes.

Stages per forwarded call: the entries it put (`eventbridge_rules.put_entries`) → every rule on
the entry's bus whose pattern matches its 4.6.1 envelope → the target's input (the envelope, or
``Input``/``InputPath``/``InputTransformer`` applied), queued with ``InvocationType=Event`` as a
task on the running loop, so the edge never waits and Lambda's async retries apply as on AWS.
A queue or topic target gets the same input as the message body through a `MessageSink` (the
services endpoint, so a subscribed function or a queue's event source mapping sees it); a
FIFO queue's message carries the target's ``MessageGroupId`` and the event id as its
deduplication id. A target the sink cannot reach is a reported drop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Protocol

from lambdakit.local.edge_calls import AwsCall
from lambdakit.local.events.eventbridge_rules import PutEntry, Rule, put_entries
from lambdakit.local.invocation import Invocation, InvokeRejectedError
from lambdakit.local.lambda_service import LambdaService
from lambdakit.model import Destination


class MessageSink(Protocol):
    """Sends one message to a queue or topic; raises `DeliveryError` when it cannot."""

    async def send_message(
        self,
        destination: Destination,
        body: str,
        *,
        group_id: str | None = None,
        deduplication_id: str | None = None,
    ) -> None: ...


class EventBridgeNotifier:
    """An `EdgeObserver` that delivers each event to the targets of the rules it matches."""

    def __init__(
        self,
        service: LambdaService,
        table: Mapping[str, Sequence[Rule]],
        *,
        report: Callable[[str], None],
        clock: Callable[[], datetime] | None = None,
        sink: MessageSink | None = None,
    ) -> None:
        """`sink` delivers to queue and topic targets; without one they are reported."""
        self._sink = sink
        self._service = service
        self._table = {bus: tuple(rules) for bus, rules in table.items() if rules}
        self._report = report
        self._clock = clock or (lambda: datetime.now(UTC))
        self._pending: set[asyncio.Task[None]] = set()

    def observed(self, call: AwsCall) -> None:
        """Queue the invokes `call` causes; returns at once."""
        if not self._table or call.service not in ("events", None):
            return
        try:
            for entry in put_entries(call):
                self._deliver(entry)
        except Exception as error:  # a bug here must not break the answer
            self._report(f"EventBridge delivery of {call.method} {call.path} failed: {error!r}")

    async def flush(self) -> None:
        """Wait until every invoke queued so far was handed to the Lambda service."""
        while self._pending:
            await asyncio.gather(*self._pending)

    def _deliver(self, entry: PutEntry) -> None:
        now = self._clock()
        loop = asyncio.get_running_loop()
        for rule in self._table.get(entry.bus, ()):
            event = entry.envelope(rule, now)
            if not rule.wants(event):
                continue
            payload = rule.target_input(event)
            delivery = self._send if rule.destination is not None else self._invoke
            task = loop.create_task(delivery(rule, payload, entry))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    async def _send(self, rule: Rule, payload: bytes, entry: PutEntry) -> None:
        where = f"event {entry.event_id} of rule {rule.name} to {rule.target}"
        if self._sink is None or rule.destination is None:
            self._report(f"{where} was dropped: queue and topic targets are not connected")
            return
        try:
            await self._sink.send_message(
                rule.destination,
                payload.decode("utf-8", errors="replace"),
                group_id=rule.message_group_id,
                deduplication_id=entry.event_id,
            )
        except Exception as error:  # DeliveryError or a bug: reported, one bad send stops nothing
            self._report(f"{where} was dropped: {error}")

    async def _invoke(self, rule: Rule, payload: bytes, entry: PutEntry) -> None:
        where = f"event {entry.event_id} of rule {rule.name} to {rule.target}"
        try:
            await self._service.invoke(rule.target, Invocation(payload=payload), "Event")
        except InvokeRejectedError as error:
            self._report(f"{where} was refused: {error.error_type}: {error.message}")
        except Exception as error:  # reported: one bad invoke stops nothing
            self._report(f"{where} failed: {error!r}")
