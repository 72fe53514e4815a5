"""Lambda event filtering: does a record match one of a mapping's ``FilterCriteria`` patterns.

Pure. The patterns are EventBridge's pattern syntax, matched by `event_patterns` (literals,
``prefix``, ``suffix``, ``equals-ignore-case``, ``exists``, ``anything-but``, ``numeric``,
nested objects, lists). An SQS record's ``body`` is matched as JSON when it parses as JSON,
else as the plain string. A record matches when no patterns are set or any one pattern
matches (they are ORed).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from lambdakit.local.events.event_patterns import matches


def matches_any(patterns: Sequence[Mapping[str, Any]], record: Mapping[str, Any]) -> bool:
    """True when `patterns` is empty or any of them matches `record`."""
    return not patterns or any(matches(pattern, record) for pattern in patterns)


def sqs_filter_view(record: Mapping[str, Any]) -> dict[str, Any]:
    """An SQS record as filters see it: its ``body`` decoded when it is JSON."""
    view = dict(record)
    body = record.get("body")
    if isinstance(body, str):
        with contextlib.suppress(ValueError):  # not JSON: filters see the plain string
            view["body"] = json.loads(body)
    return view
