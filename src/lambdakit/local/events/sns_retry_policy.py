"""SNS's delivery policy for Lambda subscriptions: when to try again after Lambda refuses.

Pure: the waits before each attempt and which refusals count as retryable (FIDELITY 4.4.2).
The AWS-managed delivery policy (Lambda and SQS endpoints, not changeable) has four phases,
100,015 attempts over about 23 days in total: 3 without delay, 2 at 1 s apart, 10 with
exponential backoff from 1 s to 20 s, then 100,000 at 20 s apart [SNS developer guide,
"Amazon SNS message delivery retries"]. We read the first phase as the first attempt and two
immediate retries, so that the phases add up to the documented total [INFERRED]; SNS adds
jitter, which we leave out so that runs repeat.
SNS retries server-side errors only: throttling (429) and 5xx; other 4xx answers (the function
is gone, the payload too large) are client-side errors it does not retry.
"""

from __future__ import annotations

from collections.abc import Iterator

IMMEDIATE_ATTEMPTS = 3
PRE_BACKOFF_ATTEMPTS, PRE_BACKOFF_DELAY = 2, 1.0
BACKOFF_ATTEMPTS, BACKOFF_MIN_DELAY, BACKOFF_MAX_DELAY = 10, 1.0, 20.0
POST_BACKOFF_ATTEMPTS, POST_BACKOFF_DELAY = 100_000, 20.0
LAMBDA_DELIVERY_ATTEMPTS = (
    IMMEDIATE_ATTEMPTS + PRE_BACKOFF_ATTEMPTS + BACKOFF_ATTEMPTS + POST_BACKOFF_ATTEMPTS
)
"""100,015: every attempt SNS makes to hand one message to a Lambda subscription."""


def attempt_delays(attempts: int = LAMBDA_DELIVERY_ATTEMPTS) -> Iterator[float]:
    """The wait in seconds before each of the first `attempts` attempts (0 for the first)."""
    for number in range(min(attempts, LAMBDA_DELIVERY_ATTEMPTS)):
        yield delay_before(number)


def delay_before(number: int) -> float:
    """The wait before attempt `number` (0-based) of the AWS-managed policy."""
    if number < IMMEDIATE_ATTEMPTS:
        return 0.0
    number -= IMMEDIATE_ATTEMPTS
    if number < PRE_BACKOFF_ATTEMPTS:
        return PRE_BACKOFF_DELAY
    number -= PRE_BACKOFF_ATTEMPTS
    if number < BACKOFF_ATTEMPTS:
        ratio = BACKOFF_MAX_DELAY / BACKOFF_MIN_DELAY
        return float(BACKOFF_MIN_DELAY * ratio ** (number / (BACKOFF_ATTEMPTS - 1)))
    return POST_BACKOFF_DELAY


def total_policy_seconds(attempts: int = LAMBDA_DELIVERY_ATTEMPTS) -> float:
    """How long the policy retries in all (about 23 days for the full policy)."""
    return sum(attempt_delays(attempts))


def retryable(status: int) -> bool:
    """Whether SNS tries again after Lambda answered `status`: throttles and server errors."""
    return status == 429 or status >= 500
