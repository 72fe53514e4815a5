"""SNS tries again when Lambda refuses a delivery, on its policy for Lambda (FIDELITY 4.4.2).

The notifier runs against an in-memory service that refuses a set number of times; the
policy's waits are scaled to nothing. Once an invoke is accepted, Lambda's own async retries
apply (covered by the async tests), so only refusals are retried here.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode

import pytest

from lambdakit.local.edge_calls import AwsCall
from lambdakit.local.events.sns_delivery import Subscription
from lambdakit.local.events.sns_retry_policy import (
    LAMBDA_DELIVERY_ATTEMPTS,
    attempt_delays,
    delay_before,
    retryable,
    total_policy_seconds,
)
from lambdakit.local.invocation import Invocation, InvokeRejectedError
from lambdakit.local.sns_observer import SnsNotifier

TOPIC = "arn:aws:sns:us-east-1:123456789012:orders"
TABLE = {TOPIC: [Subscription(function="Fn", topic_arn=TOPIC, subscription_arn=f"{TOPIC}:s")]}


class RefusingService:
    """Refuses the first `refusals` invokes with `status`, then accepts (records) them."""

    def __init__(self, refusals: int, status: int = 429) -> None:
        self.refusals = refusals
        self.status = status
        self.calls = 0
        self.accepted: list[bytes] = []

    async def invoke(self, name: str, invocation: Invocation, invocation_type: str) -> None:
        assert invocation_type == "Event"
        self.calls += 1
        if self.calls <= self.refusals:
            raise InvokeRejectedError(self.status, "TooManyRequestsException", "Rate Exceeded.")
        self.accepted.append(invocation.payload)


def publish_call(message: str) -> AwsCall:
    body = urlencode({"Action": "Publish", "TopicArn": TOPIC, "Message": message})
    answer = (
        "<PublishResponse><PublishResult><MessageId>m-1</MessageId></PublishResult>"
        "</PublishResponse>"
    )
    return AwsCall(
        service="sns",
        method="POST",
        host="localhost",
        path="/",
        query="",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=body.encode(),
        status=200,
        response_headers={},
        response_body=answer.encode(),
    )


def deliver(service: RefusingService, **options: object) -> list[str]:
    reports: list[str] = []

    async def run() -> None:
        notifier = SnsNotifier(service, TABLE, report=reports.append, **options)  # type: ignore[arg-type]
        notifier.observed(publish_call("hello"))
        await notifier.flush()

    asyncio.run(run())
    return reports


def test_the_policy_is_the_documented_lambda_delivery_policy() -> None:
    """3 immediate, 2 at 1 s, 10 backoff 1 → 20 s, 100,000 at 20 s: 100,015 over ~23 days."""
    assert LAMBDA_DELIVERY_ATTEMPTS == 100_015
    first = list(attempt_delays(16))
    assert first[:5] == [0.0, 0.0, 0.0, 1.0, 1.0]
    backoff = first[5:15]
    assert backoff[0] == pytest.approx(1.0)
    assert backoff[-1] == pytest.approx(20.0)
    assert backoff == sorted(backoff)
    assert first[15] == delay_before(100_014) == 20.0
    assert 23 <= total_policy_seconds() / 86_400 < 24


def test_throttles_and_server_errors_retry_client_errors_do_not() -> None:
    assert retryable(429)
    assert retryable(500)
    assert retryable(503)
    assert not retryable(404)
    assert not retryable(413)


def test_a_refused_delivery_is_retried_until_lambda_accepts_it() -> None:
    service = RefusingService(refusals=7)
    reports = deliver(service, time_scale=0.0)
    assert reports == []
    assert service.calls == 8
    assert len(service.accepted) == 1
    assert b'"Message": "hello"' in service.accepted[0]


def test_a_delivery_refused_past_the_policy_is_a_reported_drop() -> None:
    service = RefusingService(refusals=1_000, status=503)
    [report] = deliver(service, time_scale=0.0, attempts=20)
    assert service.calls == 20
    assert service.accepted == []
    assert "retries exhausted after 20 attempts" in report
    assert "m-1" in report


def test_a_client_error_is_dropped_at_once() -> None:
    service = RefusingService(refusals=1_000, status=404)
    [report] = deliver(service, time_scale=0.0)
    assert service.calls == 1
    assert "not retried after 1 attempt" in report


def test_waits_are_scaled() -> None:
    """Five refusals wait 1 s twice and 1 s once on the policy; scaled by 0.001 that is quick."""
    service = RefusingService(refusals=6)
    assert deliver(service, time_scale=0.001) == []
    assert len(service.accepted) == 1
