"""Bucket notifications on the local endpoint: S3 calls moto answered become async invokes.

Stages per forwarded call: remember an uploaded part's size → the object changes the call made
(`s3_notifications.s3_call_events`) → each change's size, when the call did not carry it, and a
sequencer → every notification of its bucket that matches → one S3 event with one record
(FIDELITY 4.3), queued with ``InvocationType=Event`` as a task on the running loop, so the edge
never waits and retries and destinations apply as on AWS.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

from lambdakit.local.edge_calls import AwsCall
from lambdakit.local.events.payloads import s3_event, s3_records
from lambdakit.local.events.s3_notifications import (
    Notification,
    ObjectChange,
    Sequencer,
    SizeBook,
    s3_call_events,
)
from lambdakit.local.invocation import Invocation, InvokeRejectedError
from lambdakit.local.lambda_service import LambdaService


class S3Notifier:
    """An `EdgeObserver` that invokes the functions notified of each object change."""

    def __init__(
        self,
        service: LambdaService,
        table: Mapping[str, Sequence[Notification]],
        *,
        report: Callable[[str], None],
        sequencer: Sequencer | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._service = service
        self._table = {bucket: tuple(found) for bucket, found in table.items() if found}
        self._report = report
        self._sequencer = sequencer or Sequencer()
        self._clock = clock or (lambda: datetime.now(UTC))
        self._sizes = SizeBook()
        self._pending: set[asyncio.Task[None]] = set()

    def observed(self, call: AwsCall) -> None:
        """Queue the invokes `call` causes; returns at once."""
        if not self._table or call.service not in ("s3", None):
            return
        try:
            self._sizes.observe_part(call)
            changes = s3_call_events(call, self._table.keys())
            for change in changes:
                self._notify(self._sizes.sized(change))
        except Exception as error:  # a bug here must not break the answer
            self._report(f"S3 notifications of {call.method} {call.path} failed: {error!r}")

    async def flush(self) -> None:
        """Wait until every invoke queued so far was handed to the Lambda service."""
        while self._pending:
            await asyncio.gather(*self._pending)

    def _notify(self, change: ObjectChange) -> None:
        targets = [n for n in self._table.get(change.bucket, ()) if n.wants(change)]
        if not targets:
            return
        sequencer = self._sequencer.next()
        when = self._clock()
        loop = asyncio.get_running_loop()
        for notification in targets:
            record = s3_event(
                bucket=change.bucket,
                key=change.key,
                event_name=change.event_name,
                size=change.size or 0,
                etag=change.etag or "",
                region=notification.region,
                version_id=change.version_id,
                sequencer=sequencer,
                time=when,
                configuration_id=notification.configuration_id,
            )
            payload = json.dumps(s3_records([record])).encode()
            task = loop.create_task(self._invoke(notification.function, payload, change))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    async def _invoke(self, function: str, payload: bytes, change: ObjectChange) -> None:
        try:
            await self._service.invoke(function, Invocation(payload=payload), "Event")
        except InvokeRejectedError as error:
            self._report(
                f"S3 notification {change.event_name} of s3://{change.bucket}/{change.key}"
                f" to {function} was refused: {error.error_type}: {error.message}"
            )
        except Exception as error:  # reported: one bad invoke stops nothing
            self._report(
                f"S3 notification {change.event_name} of s3://{change.bucket}/{change.key}"
                f" to {function} failed: {error!r}"
            )
