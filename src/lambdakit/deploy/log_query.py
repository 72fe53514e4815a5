"""What `lambdakit logs` asks CloudWatch Logs and how it shows the answer, with no I/O.

Stages: ``--since`` → a start time in epoch milliseconds (`parse_since`); a function → its log
group (`log_group_name`: ``LoggingConfig.LogGroup`` or ``/aws/lambda/<name>``, FIDELITY 2.7.6);
the events → one text line each (`format_event`, `event_kind` for colour) or one JSON object each
(`event_json`). Tailing is a sequence of query windows (`TailWindow`): each starts at the newest
timestamp seen so far and drops the events already shown (by stream and event id), so an event
that shares its millisecond with one already printed is neither lost nor printed twice. `tail`
runs that loop over any `LogSource` (the boto3 adapter, or a fake) with an injected sleep.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, Protocol

from lambdakit.errors import UsageError
from lambdakit.model import Function

DEFAULT_LOG_GROUP_PREFIX = "/aws/lambda/"
"""Lambda's default log group is ``/aws/lambda/<function name>`` (FIDELITY 2.7.6)."""

_UNIT_MS = {"s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$", re.IGNORECASE)
_LAMBDA_STREAM = re.compile(r"\[[^\]]*\]([0-9a-fA-F]+)$")
_SHORT_ID = 8

EventKind = Literal["start", "end", "report", "error", "other"]
_PLATFORM_PREFIXES: tuple[tuple[str, EventKind], ...] = (
    ("START ", "start"),
    ("END ", "end"),
    ("REPORT ", "report"),
)
_PLATFORM_TYPES: dict[str, EventKind] = {
    "platform.start": "start",
    "platform.runtimeDone": "end",
    "platform.report": "report",
}


@dataclass(frozen=True)
class LogEvent:
    """One CloudWatch Logs event of a function."""

    event_id: str
    timestamp_ms: int
    stream: str
    message: str


class LogSource(Protocol):
    """CloudWatch Logs' ``FilterLogEvents``, all pages, oldest first."""

    def filter_log_events(
        self, group: str, start_ms: int, end_ms: int | None, filter_pattern: str | None
    ) -> list[LogEvent]: ...


def parse_since(text: str, now_ms: int) -> int:
    """``--since``: a duration back from `now_ms` (``30s``, ``10m``, ``2h``, ``1d``, ``1w``) or an
    ISO 8601 timestamp (UTC when it has no offset), as epoch milliseconds."""
    duration = _DURATION.match(text)
    if duration:
        return now_ms - int(duration.group(1)) * _UNIT_MS[duration.group(2).lower()]
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(
            f"--since {text!r} is neither a duration nor a timestamp",
            hint="use e.g. 30s, 10m, 2h, 1d or 2026-01-31T12:00:00Z",
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def log_group_name(physical_name: str, configured: str | None = None) -> str:
    """The log group a function writes to: its ``LoggingConfig.LogGroup`` when set, else
    ``/aws/lambda/<physical name>`` (FIDELITY 2.7.6)."""
    return configured or f"{DEFAULT_LOG_GROUP_PREFIX}{physical_name}"


def log_group_of(function: Function, physical_name: str) -> str:
    """`log_group_name` for a function of the app; a symbolic ``LogGroup`` (a ``Ref`` to a log
    group of the stack) cannot be known here, so the caller asks the deployed function instead."""
    configured = function.log_group if isinstance(function.log_group, str) else None
    return log_group_name(physical_name, configured)


def stream_short_id(stream: str) -> str:
    """A Lambda stream ``2026/01/31/[$LATEST]0123abcd...`` → ``0123abcd`` (its environment);
    any other stream name → its last 8 characters."""
    lambda_stream = _LAMBDA_STREAM.search(stream)
    if lambda_stream:
        return lambda_stream.group(1)[:_SHORT_ID]
    return stream[-_SHORT_ID:]


def iso_timestamp(timestamp_ms: int) -> str:
    """Epoch milliseconds → ``2026-01-31T12:00:00.123Z``."""
    moment = datetime.fromtimestamp(timestamp_ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{timestamp_ms % 1000:03d}Z"


def event_kind(message: str) -> EventKind:
    """The platform lines (START, END, REPORT: FIDELITY 2.7.1, and their JSON forms 2.7.5) and
    errors (``[ERROR]`` text records 2.7.2, JSON level ERROR 2.7.3/2.7.4), for colour."""
    text = message.lstrip()
    for prefix, kind in _PLATFORM_PREFIXES:
        if text.startswith(prefix):
            return kind
    record = _json_record(text)
    if record is not None:
        platform = _PLATFORM_TYPES.get(str(record.get("type")))
        if platform is not None:
            return platform
        if "ERROR" in (record.get("level"), record.get("log_level")):
            return "error"
        return "other"
    if text.startswith(("[ERROR]", "ERROR", "Traceback ", "[CRITICAL]")):
        return "error"
    return "other"


def format_event(event: LogEvent) -> str:
    """One event as one line (more when the message has several): time, stream id, message."""
    message = event.message.rstrip("\r\n")
    return f"{iso_timestamp(event.timestamp_ms)} {stream_short_id(event.stream)} {message}"


def event_json(event: LogEvent) -> str:
    """One event as one JSON object; a message that is a JSON log record (FIDELITY 2.7.3) is
    also given parsed, as ``record``."""
    document: dict[str, object] = {
        "timestamp": iso_timestamp(event.timestamp_ms),
        "timestampMs": event.timestamp_ms,
        "logStream": event.stream,
        "eventId": event.event_id,
        "message": event.message.rstrip("\r\n"),
    }
    record = _json_record(event.message.strip())
    if record is not None:
        document["record"] = record
    return json.dumps(document, ensure_ascii=False)


def _json_record(text: str) -> dict[str, object] | None:
    if not text.startswith("{"):
        return None
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


@dataclass(frozen=True)
class TailWindow:
    """The next query of a tail: events at or after `start_ms`, minus those already shown."""

    start_ms: int
    seen: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    """(stream, event id) of the shown events stamped `start_ms`: the only ones a query from
    `start_ms` can return again."""


def next_window(
    window: TailWindow, events: Iterable[LogEvent]
) -> tuple[list[LogEvent], TailWindow]:
    """The events of a query of `window` not shown yet (oldest first), and the next window:
    it starts at the newest timestamp seen, remembering the events stamped with it."""
    fresh = sorted(
        (
            event
            for event in events
            if event.timestamp_ms >= window.start_ms
            and (event.stream, event.event_id) not in window.seen
        ),
        key=lambda event: event.timestamp_ms,
    )
    if not fresh:
        return [], window
    newest = fresh[-1].timestamp_ms
    carried = window.seen if newest == window.start_ms else frozenset()
    seen = carried | {(e.stream, e.event_id) for e in fresh if e.timestamp_ms == newest}
    return fresh, TailWindow(newest, frozenset(seen))


def tail(
    source: LogSource,
    group: str,
    *,
    start_ms: int,
    filter_pattern: str | None,
    interval_seconds: float,
    sleep: Callable[[float], None],
    max_polls: int | None = None,
) -> Iterator[LogEvent]:
    """Every event of `group` from `start_ms` on, polling every `interval_seconds` until the
    caller stops iterating (Ctrl-C) or after `max_polls` queries (for tests)."""
    window = TailWindow(start_ms)
    polls = 0
    while True:
        shown, window = next_window(
            window, source.filter_log_events(group, window.start_ms, None, filter_pattern)
        )
        yield from shown
        polls += 1
        if max_polls is not None and polls >= max_polls:
            return
        sleep(interval_seconds)
