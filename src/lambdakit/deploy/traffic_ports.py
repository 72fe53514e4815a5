"""The ports traffic shifting runs through: a function's versions and aliases, alarms, a clock.

`FunctionVersions` is Lambda (PublishVersion, GetAlias, CreateAlias, UpdateAlias) plus the
state of CloudWatch alarms; ``lambdakit.aws.lambda_traffic`` implements it with boto3. `Clock`
is time: `SystemClock` is the real one; tests pass a scale or a virtual clock.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class AliasState:
    """What an alias points to: the primary version, the additional version weights
    (`RoutingConfig.AdditionalVersionWeights`, FIDELITY 5.4) and its description."""

    version: str
    weights: Mapping[str, float] = field(default_factory=dict)
    description: str = ""


class FunctionVersions(Protocol):
    """A function's published versions and aliases, and the alarms that guard a shift."""

    def publish_version(self, function: str) -> str:
        """Publish `$LATEST`; the version number. Unchanged code returns the latest published
        version instead of a new one (FIDELITY 5.2)."""
        ...

    def get_alias(self, function: str, alias: str) -> AliasState | None:
        """The alias, or None when the function has no alias of that name."""
        ...

    def create_alias(
        self,
        function: str,
        alias: str,
        version: str,
        weights: Mapping[str, float],
        description: str,
    ) -> None: ...

    def update_alias(
        self,
        function: str,
        alias: str,
        version: str,
        weights: Mapping[str, float],
        description: str,
    ) -> None:
        """Point the alias at `version` with exactly `weights` (an empty map clears them)."""
        ...

    def alarm_states(self, names: Sequence[str]) -> dict[str, str]:
        """``{name: StateValue}`` (``OK``, ``ALARM``, ``INSUFFICIENT_DATA``) of the alarms that
        exist among `names`; unknown names are absent."""
        ...


class Clock(Protocol):
    """Monotonic time in seconds, and a way to wait."""

    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds))
