"""Cheaper versions of moto's hottest helpers, applied in lambdakit's moto process only.

moto's SQS checks every message's visibility on each call with a helper that builds two
datetimes per check, and rebuilds a queue's attributes (camel case → snake case by regular
expression, per attribute) on each send; with a thousand messages in a queue a send took 200 ms
and a receive over a second. The replacements compute the same values: the current time in
milliseconds straight from the clock, and a memoized name conversion. `apply` runs in the
server's process before it serves (`moto_server`), never in the user's own process.
"""

from __future__ import annotations

import functools
import importlib
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any


def _now_millis(original: Callable[..., float]) -> Callable[..., float]:
    def unix_time_millis(dt: datetime | None = None) -> float:
        return time.time() * 1000.0 if dt is None else original(dt)

    return unix_time_millis


def apply() -> None:
    """Patch moto's SQS models (idempotent)."""
    models: Any = importlib.import_module("moto.sqs.models")  # only in moto's own process
    if getattr(models, "_lambdakit_fast", False):
        return
    models.unix_time_millis = _now_millis(models.unix_time_millis)
    models.camelcase_to_underscores = functools.lru_cache(maxsize=1024)(
        models.camelcase_to_underscores
    )
    models._lambdakit_fast = True
