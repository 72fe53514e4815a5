"""`lambdakit logs` without I/O: --since, log groups, lines, JSON, tail windows (FIDELITY 2.7)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lambdakit.deploy.log_query import (
    LogEvent,
    TailWindow,
    event_json,
    event_kind,
    format_event,
    log_group_name,
    log_group_of,
    next_window,
    parse_since,
    stream_short_id,
    tail,
)
from lambdakit.errors import UsageError
from lambdakit.model import Function, InlineCode, Origin, Ref, Runtime

NOW = 1_800_000_000_000
STREAM = "2026/11/23/[$LATEST]0123456789abcdef0123456789abcdef"


def _event(event_id: str, timestamp_ms: int, message: str = "hello\n") -> LogEvent:
    return LogEvent(event_id=event_id, timestamp_ms=timestamp_ms, stream=STREAM, message=message)


@pytest.mark.parametrize(
    ("since", "expected"),
    [
        ("30s", NOW - 30_000),
        ("10m", NOW - 600_000),
        ("2h", NOW - 7_200_000),
        ("1d", NOW - 86_400_000),
        ("1w", NOW - 604_800_000),
        (" 5M ", NOW - 300_000),
        ("2026-01-31T12:00:00Z", 1_769_860_800_000),
        ("2026-01-31T12:00:00", 1_769_860_800_000),
        ("2026-01-31T13:00:00+01:00", 1_769_860_800_000),
    ],
)
def test_parse_since_takes_durations_and_timestamps(since, expected):
    assert parse_since(since, NOW) == expected


@pytest.mark.parametrize("since", ["", "10", "ten minutes", "10y", "-5m"])
def test_parse_since_rejects_anything_else_as_a_usage_error(since):
    with pytest.raises(UsageError, match="--since"):
        parse_since(since, NOW)


def test_log_group_is_the_default_or_the_configured_one():
    """FIDELITY 2.7.6: LoggingConfig.LogGroup, default /aws/lambda/<name>."""
    assert log_group_name("my-fn") == "/aws/lambda/my-fn"
    assert log_group_name("my-fn", "/shared/app") == "/shared/app"


def _function(log_group: object) -> Function:
    return Function(
        id="Api",
        logical_id="Api",
        stack="app",
        origin=Origin(file=Path("template.yaml"), name="Api"),
        runtime=Runtime("python3.13"),
        handler="app.handler",
        code=InlineCode("def handler(e, c): pass"),
        log_group=log_group,  # type: ignore[arg-type]
    )


def test_log_group_of_a_model_function_uses_a_literal_log_group_only():
    """FIDELITY 2.7.6: a symbolic LogGroup (Ref) is left to the deployed function."""
    assert log_group_of(_function(None), "app-Api-X1") == "/aws/lambda/app-Api-X1"
    assert log_group_of(_function("/custom/api"), "app-Api-X1") == "/custom/api"
    assert log_group_of(_function(Ref("Logs")), "app-Api-X1") == "/aws/lambda/app-Api-X1"


def test_stream_short_id_is_the_environment_id_of_a_lambda_stream():
    assert stream_short_id(STREAM) == "01234567"
    assert stream_short_id("2026/11/23/[3]fedcba9876543210") == "fedcba98"
    assert stream_short_id("my-own-stream-name") == "eam-name"


def test_format_event_is_time_stream_and_message_without_the_newline():
    line = format_event(_event("1", 1_769_860_800_123, "START RequestId: r1 Version: $LATEST\n"))
    assert line == "2026-01-31T12:00:00.123Z 01234567 START RequestId: r1 Version: $LATEST"


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("START RequestId: r1 Version: $LATEST\n", "start"),  # FIDELITY 2.7.1
        ("END RequestId: r1\n", "end"),
        ("REPORT RequestId: r1\tDuration: 1.00 ms\tBilled Duration: 1 ms\n", "report"),
        ("[ERROR]\t2026-01-31T12:00:00.000Z\tr1\tboom\n", "error"),  # FIDELITY 2.7.2
        ("[INFO]\t2026-01-31T12:00:00.000Z\tr1\tfine\n", "other"),
        ('{"level": "ERROR", "message": "boom"}', "error"),  # FIDELITY 2.7.3
        ('{"log_level": "ERROR", "errorType": "KeyError"}', "error"),  # FIDELITY 2.7.4
        ('{"type": "platform.report", "record": {"requestId": "r1"}}', "report"),  # 2.7.5
        ('{"level": "INFO", "message": "ok"}', "other"),
        ("{not json", "other"),
    ],
)
def test_event_kind_names_platform_lines_and_errors(message, kind):
    assert event_kind(message) == kind


def test_event_json_is_one_object_with_the_record_of_a_json_log_line():
    """FIDELITY 2.7.3: JSON log records are given parsed."""
    text = event_json(_event("7", 1_769_860_800_000, "plain text\n"))
    assert "\n" not in text
    assert json.loads(text) == {
        "timestamp": "2026-01-31T12:00:00.000Z",
        "timestampMs": 1_769_860_800_000,
        "logStream": STREAM,
        "eventId": "7",
        "message": "plain text",
    }
    record = json.loads(event_json(_event("8", NOW, '{"level": "INFO", "message": "hi"}\n')))
    assert record["record"] == {"level": "INFO", "message": "hi"}


def test_next_window_starts_at_the_newest_event_and_drops_those_shown():
    first, window = next_window(TailWindow(NOW), [_event("2", NOW + 5), _event("1", NOW + 1)])
    assert [e.event_id for e in first] == ["1", "2"]
    assert window == TailWindow(NOW + 5, frozenset({(STREAM, "2")}))
    # The same query again, plus one event in the same millisecond and one later.
    again = [_event("2", NOW + 5), _event("3", NOW + 5), _event("4", NOW + 9)]
    second, window = next_window(window, again)
    assert [e.event_id for e in second] == ["3", "4"]
    assert window == TailWindow(NOW + 9, frozenset({(STREAM, "4")}))


def test_next_window_without_new_events_keeps_the_window():
    window = TailWindow(NOW + 5, frozenset({(STREAM, "2")}))
    assert next_window(window, [_event("2", NOW + 5)]) == ([], window)


def test_next_window_remembers_every_event_of_the_newest_millisecond():
    _, window = next_window(TailWindow(NOW), [_event("1", NOW)])
    _, window = next_window(window, [_event("1", NOW), _event("2", NOW)])
    assert window.seen == {(STREAM, "1"), (STREAM, "2")}


class _GrowingLog:
    """An in-memory LogSource whose events the test appends between polls."""

    def __init__(self, events: list[LogEvent]) -> None:
        self.events = events
        self.queries: list[int] = []

    def filter_log_events(
        self, group: str, start_ms: int, end_ms: int | None, filter_pattern: str | None
    ) -> list[LogEvent]:
        assert group == "/aws/lambda/fn"
        self.queries.append(start_ms)
        return [e for e in self.events if e.timestamp_ms >= start_ms]


def test_tail_shows_each_event_once_and_stops_after_max_polls():
    source = _GrowingLog([_event("1", NOW + 1)])
    arrivals = iter([[_event("2", NOW + 1), _event("3", NOW + 2)], []])
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        source.events.extend(next(arrivals))

    shown = tail(
        source,
        "/aws/lambda/fn",
        start_ms=NOW,
        filter_pattern=None,
        interval_seconds=0.5,
        sleep=sleep,
        max_polls=3,
    )
    assert [e.event_id for e in shown] == ["1", "2", "3"]
    assert source.queries == [NOW, NOW + 1, NOW + 2]
    assert sleeps == [0.5, 0.5]
