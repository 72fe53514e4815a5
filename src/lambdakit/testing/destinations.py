"""`RecordingSink`: an in-memory destination sink that keeps what async invokes deliver."""

from __future__ import annotations

import json
from collections.abc import Iterable

from lambdakit.local.destinations import (
    DeliveryError,
    DestinationMessage,
    MessageKind,
    delivery_problem,
    destination_address,
)
from lambdakit.model import Destination


class RecordingSink:
    """Records every (destination, message) delivered; refuses what Lambda would refuse.

    Deliveries to an address in `failing` (an ARN, or the app's resource id when the ARN is
    symbolic) raise `DeliveryError`, as an unreachable destination would; so do FIFO queues and
    topics, S3 on success and DLQs that are not SQS or SNS (FIDELITY 3.8, 3.10).
    """

    def __init__(self, *, failing: Iterable[str] = ()) -> None:
        self.failing = frozenset(failing)
        self.deliveries: list[tuple[Destination, DestinationMessage]] = []
        self.refused: list[tuple[Destination, DestinationMessage, str]] = []
        """Deliveries that raised `DeliveryError`, with the reason."""

    async def deliver(self, destination: Destination, message: DestinationMessage) -> None:
        problem = delivery_problem(destination, message)
        if problem is None and destination_address(destination) in self.failing:
            problem = f"{destination_address(destination)} is unreachable"
        if problem is not None:
            self.refused.append((destination, message, problem))
            raise DeliveryError(problem)
        self.deliveries.append((destination, message))

    def messages(
        self, kind: MessageKind | None = None, *, to: str | None = None
    ) -> list[DestinationMessage]:
        """Delivered messages, optionally only of one `kind` and to one address."""
        return [
            message
            for destination, message in self.deliveries
            if (kind is None or message.kind == kind)
            and (to is None or destination_address(destination) == to)
        ]

    def records(self, kind: MessageKind = "on-failure") -> list[dict[str, object]]:
        """The invocation records (decoded JSON) delivered as on-success or on-failure."""
        return [json.loads(message.body) for message in self.messages(kind)]
