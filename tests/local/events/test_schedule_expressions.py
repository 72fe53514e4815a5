"""EventBridge schedule expressions: when `rate(...)`, `cron(...)` and `at(...)` fire next."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from lambdakit.errors import TemplateError
from lambdakit.local.events.schedule_expressions import next_fire, parse

MONDAY = datetime(2026, 11, 23, 16, 47, 30, tzinfo=UTC)
"""Monday 23 November 2026, 16:47:30 UTC."""


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # AWS documentation examples
        ("cron(0 10 * * ? *)", "2026-11-24T10:00"),
        ("cron(15 12 * * ? *)", "2026-11-24T12:15"),
        ("cron(0 18 ? * MON-FRI *)", "2026-11-23T18:00"),
        ("cron(0 8 1 * ? *)", "2026-12-01T08:00"),
        ("cron(0/15 * * * ? *)", "2026-11-23T17:00"),
        ("cron(0/10 * ? * MON-FRI *)", "2026-11-23T16:50"),
        ("cron(0/5 8-17 ? * MON-FRI *)", "2026-11-23T16:50"),
        ("cron(0 9 ? * 2#1 *)", "2026-12-07T09:00"),
        # names, lists, ranges, increments, years
        ("cron(30 6 ? * SUN *)", "2026-11-29T06:30"),
        ("cron(0 0 ? * 1 *)", "2026-11-29T00:00"),
        ("cron(0 12 ? * SAT,SUN *)", "2026-11-28T12:00"),
        ("cron(0 0 ? * FRI-MON *)", "2026-11-27T00:00"),
        ("cron(0 22-2 * * ? *)", "2026-11-23T22:00"),
        ("cron(5,35 * * * ? *)", "2026-11-23T17:05"),
        ("cron(0 0 1 JAN ? *)", "2027-01-01T00:00"),
        ("cron(0 0 1 1-3/2 ? *)", "2027-01-01T00:00"),
        ("cron(0 0 29 FEB ? *)", "2028-02-29T00:00"),
        ("cron(0 0 31 * ? *)", "2026-12-31T00:00"),
        ("cron(0 0 1 * ? 2030)", "2030-01-01T00:00"),
        ("cron(0 0 1 * ? 2027-2029)", "2027-01-01T00:00"),
        ("cron(* * * * ? *)", "2026-11-23T16:48"),
        ("cron(47 16 23 NOV ? 2026)", None),
        # L, W and #
        ("cron(0 0 L * ? *)", "2026-11-30T00:00"),
        ("cron(0 0 L FEB ? 2028)", "2028-02-29T00:00"),
        ("cron(0 0 LW * ? *)", "2026-11-30T00:00"),
        ("cron(0 0 LW JAN ? 2027)", "2027-01-29T00:00"),  # the 31st is a Sunday
        ("cron(0 0 1W * ? *)", "2026-12-01T00:00"),
        ("cron(0 0 1W AUG ? 2026-2027)", "2027-08-02T00:00"),  # the 1st is a Sunday
        ("cron(0 0 15W MAY ? 2027)", "2027-05-14T00:00"),  # the 15th is a Saturday
        ("cron(0 0 ? * 6L *)", "2026-11-27T00:00"),
        ("cron(0 0 ? * FRIL *)", "2026-11-27T00:00"),
        ("cron(0 0 ? * L *)", "2026-11-28T00:00"),
        ("cron(0 0 ? * MON#5 *)", "2026-11-30T00:00"),
        ("cron(0 0 ? * 3#5 *)", "2026-12-29T00:00"),
        # one-time schedules (EventBridge Scheduler)
        ("at(2027-01-02T03:04:05)", "2027-01-02T03:04:05"),
        ("at(2020-01-01T00:00:00)", None),
    ],
)
def test_next_fire(expression: str, expected: str | None) -> None:
    assert next_fire(expression, MONDAY) == (at(expected) if expected else None)


@pytest.mark.parametrize(
    ("expression", "period"),
    [
        ("rate(5 minutes)", timedelta(minutes=5)),
        ("rate(1 minute)", timedelta(minutes=1)),
        ("rate(1 hour)", timedelta(hours=1)),
        ("rate(7 days)", timedelta(days=7)),
        ("rate(1 day)", timedelta(days=1)),
    ],
)
def test_a_rate_fires_every_period_from_its_anchor(expression: str, period: timedelta) -> None:
    anchor = MONDAY
    assert next_fire(expression, MONDAY) == MONDAY + period
    assert next_fire(expression, MONDAY + period, anchor=anchor) == MONDAY + 2 * period
    almost = MONDAY + 3 * period - timedelta(seconds=1)
    assert next_fire(expression, almost, anchor=anchor) == MONDAY + 3 * period


def test_a_cron_fires_strictly_after_the_given_instant() -> None:
    exactly = at("2026-11-24T10:00")
    assert next_fire("cron(0 10 * * ? *)", exactly) == at("2026-11-25T10:00")


def test_times_in_other_zones_and_naive_times_are_read_as_utc() -> None:
    paris = datetime(2026, 11, 23, 11, 0, tzinfo=timezone(timedelta(hours=1)))
    assert next_fire("cron(0 10 * * ? *)", paris) == at("2026-11-24T10:00")
    assert next_fire("cron(0 10 * * ? *)", datetime(2026, 11, 23, 9, 0)) == at("2026-11-23T10:00")


def test_a_consecutive_series_of_cron_fires() -> None:
    schedule = parse("cron(0/5 8-17 ? * MON-FRI *)")
    fires, moment = [], at("2026-11-27T17:50")  # a Friday
    for _ in range(4):
        moment = schedule.next_fire(moment)
        assert moment is not None
        fires.append(moment)
    assert fires == [
        at("2026-11-27T17:55"),
        at("2026-11-30T08:00"),
        at("2026-11-30T08:05"),
        at("2026-11-30T08:10"),
    ]


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("rate(1 minutes)", "with 1 the unit is singular: rate(1 minute)"),
        ("rate(5 minute)", "with 5 the unit is plural: rate(5 minutes)"),
        ("rate(0 minutes)", "positive"),
        ("rate(5 weeks)", "minute(s), hour(s) or day(s)"),
        ("rate(five minutes)", "neither rate(...) nor cron(...)"),
        ("every 5 minutes", "neither rate(...) nor cron(...)"),
        ("cron(0 10 * * ?)", "6 fields"),
        ("cron(0 10 * * * *)", "exactly one of Day-of-month and Day-of-week must be '?'"),
        ("cron(0 10 ? * ? *)", "exactly one of Day-of-month and Day-of-week must be '?'"),
        ("cron(60 10 * * ? *)", "Minutes: 60 is outside 0-59"),
        ("cron(0 24 * * ? *)", "Hours: 24 is outside 0-23"),
        ("cron(0 0 32 * ? *)", "Day-of-month: 32 is outside 1-31"),
        ("cron(0 0 1 13 ? *)", "Month: 13 is outside 1-12"),
        ("cron(0 0 1 FOO ? *)", "Month: 'FOO' is not one of 1-12 or JAN"),
        ("cron(0 0 ? * 8 *)", "Day-of-week: 8 is outside 1-7"),
        ("cron(0 0 ? * 2#6 *)", "needs 1-5 after '#'"),
        ("cron(0 0 1 * ? 1969)", "Year: 1969 is outside 1970-2199"),
        ("cron(0/0 * * * ? *)", "positive increment"),
        ("cron(0 0 L,5 * ? *)", "write L, LW or nW"),
        ("cron(0 0 ? * 5L,MON *)", "Day-of-week: '5L' is not one of 1-7"),
    ],
)
def test_invalid_expressions_are_template_errors(expression: str, problem: str) -> None:
    with pytest.raises(TemplateError) as raised:
        parse(expression, where="template.yaml: Nightly")
    message = str(raised.value)
    assert message.startswith(f"template.yaml: Nightly: {expression!r} is not a valid schedule")
    assert problem in message
    assert raised.value.hint is not None
    assert "rate(5 minutes)" in raised.value.hint
