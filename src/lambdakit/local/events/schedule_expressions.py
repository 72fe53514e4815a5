"""When a schedule fires next: EventBridge's ``rate(...)``, ``cron(...)`` and ``at(...)``, in UTC.

Stages, all pure: the expression text → a parsed `Schedule` (`parse`; a bad expression raises
`TemplateError` naming where it was written) → the first instant strictly after a given one
(`Schedule.next_fire`, or `next_fire` for both steps).

Cron follows EventBridge (FIDELITY 4.6.3): six fields ``Minutes Hours Day-of-month Month
Day-of-week Year``; ``*``, ``a-b``, lists, ``/`` increments everywhere; ``?`` in exactly one of
day-of-month and day-of-week; ``L`` (last day), ``nW`` (nearest weekday) and ``LW`` in
day-of-month; ``L`` (Saturday), ``nL`` (last such weekday of the month) and ``n#k`` (k-th such
weekday) in day-of-week; JAN-DEC and SUN-SAT, with 1 = SUN ... 7 = SAT. A rate runs every period
from an anchor (when the scheduler started); ``at(yyyy-mm-ddThh:mm:ss)`` fires once.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from lambdakit.errors import TemplateError

_RATE = re.compile(r"^rate\(\s*(\d+)\s+([a-z]+)\s*\)$", re.IGNORECASE)
_CRON = re.compile(r"^cron\((.*)\)$", re.IGNORECASE | re.DOTALL)
_AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$", re.IGNORECASE)
_UNITS = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS = {name.upper(): i for i, name in enumerate(calendar.month_abbr) if name}
_DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_FIRST_YEAR, _LAST_YEAR = 1970, 2199
_CRON_FIELDS = 6
_HINT = (
    "write rate(Value Unit) or cron(Minutes Hours Day-of-month Month Day-of-week Year) in UTC, "
    "e.g. rate(5 minutes), rate(1 hour), cron(0 18 ? * MON-FRI *) (FIDELITY 4.6.3)"
)


class _InvalidError(Exception):
    """One problem with an expression, before `parse` says where it was written."""


@dataclass(frozen=True)
class Rate:
    """``rate(Value Unit)``: every `seconds` from an anchor."""

    seconds: int

    def next_fire(self, after: datetime, *, anchor: datetime | None = None) -> datetime:
        """The first ``anchor + k * period`` strictly after `after` (anchor: `after` itself)."""
        after, period = _utc(after), timedelta(seconds=self.seconds)
        start = after if anchor is None else _utc(anchor)
        if start > after:
            return start + period
        periods = (after - start) // period + 1
        return start + periods * period


@dataclass(frozen=True)
class At:
    """``at(yyyy-mm-ddThh:mm:ss)``: once (EventBridge Scheduler's one-time schedules)."""

    when: datetime

    def next_fire(self, after: datetime, *, anchor: datetime | None = None) -> datetime | None:
        """`when` if it is still ahead of `after`, else None."""
        return self.when if self.when > _utc(after) else None


DayTest = Callable[[date], bool]


@dataclass(frozen=True)
class Cron:
    """``cron(...)``: the allowed minutes, hours, months and years, and a test for the day."""

    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    months: frozenset[int]
    years: tuple[int, ...]
    day: DayTest

    def next_fire(self, after: datetime, *, anchor: datetime | None = None) -> datetime | None:
        """The first whole minute strictly after `after` the expression allows, else None."""
        start = _utc(after).replace(second=0, microsecond=0) + timedelta(minutes=1)
        day = start.date()
        while day.year <= self.years[-1]:
            if day.year not in self.years:
                later = [y for y in self.years if y > day.year]
                if not later:
                    return None
                day = date(later[0], 1, 1)
            elif day.month not in self.months:
                day = _first_of_next_month(day)
            elif self.day(day):
                floor = (start.hour, start.minute) if day == start.date() else (0, 0)
                for hour in self.hours:
                    for minute in self.minutes:
                        if (hour, minute) >= floor:
                            return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
                day += timedelta(days=1)
            else:
                day += timedelta(days=1)
        return None


Schedule = Rate | Cron | At


def next_fire(
    expression: str,
    after: datetime,
    *,
    anchor: datetime | None = None,
    where: str | None = None,
) -> datetime | None:
    """When `expression` fires first after `after` (UTC); None if it never fires again."""
    return parse(expression, where=where).next_fire(after, anchor=anchor)


def parse(expression: str, *, where: str | None = None) -> Schedule:
    """`expression` parsed; `TemplateError` naming `where` (the rule) when AWS would reject it."""
    text = expression.strip()
    try:
        if (rate := _RATE.match(text)) is not None:
            return _rate(int(rate[1]), rate[2].lower())
        if (cron := _CRON.match(text)) is not None:
            return _cron(cron[1])
        if (at := _AT.match(text)) is not None:
            return At(datetime.fromisoformat(at[1]).replace(tzinfo=UTC))
        raise _InvalidError("it is neither rate(...) nor cron(...)")
    except (_InvalidError, ValueError) as problem:
        prefix = f"{where}: " if where else ""
        raise TemplateError(
            f"{prefix}{expression!r} is not a valid schedule expression: {problem}", hint=_HINT
        ) from None


def _rate(value: int, unit: str) -> Rate:
    singular = unit.removesuffix("s")
    if singular not in _UNITS:
        raise _InvalidError(f"the unit must be minute(s), hour(s) or day(s), not {unit!r}")
    if value < 1:
        raise _InvalidError("the value must be a positive whole number")
    if value == 1 and unit != singular:
        raise _InvalidError(f"with 1 the unit is singular: rate(1 {singular})")
    if value > 1 and unit == singular:
        raise _InvalidError(f"with {value} the unit is plural: rate({value} {singular}s)")
    return Rate(value * _UNITS[singular])


def _cron(body: str) -> Cron:
    fields = body.split()
    if len(fields) != _CRON_FIELDS:
        raise _InvalidError(
            f"cron needs 6 fields (Minutes Hours Day-of-month Month Day-of-week Year), "
            f"got {len(fields)}"
        )
    minutes, hours, dom, month, dow, year = (f.upper() for f in fields)
    if (dom == "?") == (dow == "?"):
        raise _InvalidError(
            "exactly one of Day-of-month and Day-of-week must be '?' "
            "(e.g. cron(0 10 * * ? *) or cron(0 18 ? * MON-FRI *))"
        )
    years = tuple(sorted(_values(year, "Year", _FIRST_YEAR, _LAST_YEAR)))
    return Cron(
        minutes=tuple(sorted(_values(minutes, "Minutes", 0, 59))),
        hours=tuple(sorted(_values(hours, "Hours", 0, 23))),
        months=frozenset(_values(month, "Month", 1, 12, _MONTHS)),
        years=years,
        day=_day_of_month(dom) if dow == "?" else _day_of_week(dow),
    )


def _values(
    text: str, name: str, low: int, high: int, names: dict[str, int] | None = None
) -> set[int]:
    """The numbers a ``*``, ``a``, ``a-b``, ``*/n``, ``a/n``, ``a-b/n`` list allows."""
    found: set[int] = set()
    for term in text.split(","):
        base, slash, step_text = term.partition("/")
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) < 1:
                raise _InvalidError(f"{name}: {term!r} needs a positive increment after '/'")
            step = int(step_text)
        if base == "*":
            first, last = low, high
        elif "-" in base:
            left, _, right = base.partition("-")
            first, last = (
                _number(left, name, low, high, names),
                _number(right, name, low, high, names),
            )
        else:
            first = _number(base, name, low, high, names)
            last = high if slash else first
        if first > last:  # a wrapping range, e.g. FRI-MON or 22-2
            found.update(range(first, high + 1, step))
            found.update(v for v in range(low, last + 1) if (v - first) % step == 0)
        else:
            found.update(range(first, last + 1, step))
    return found


def _number(text: str, name: str, low: int, high: int, names: dict[str, int] | None) -> int:
    if names and text in names:
        return names[text]
    if not text.isdigit():
        extra = f" or {', '.join(names)}" if names else ""
        raise _InvalidError(f"{name}: {text!r} is not one of {low}-{high}{extra}")
    value = int(text)
    if not low <= value <= high:
        raise _InvalidError(f"{name}: {value} is outside {low}-{high}")
    return value


def _day_of_month(text: str) -> DayTest:
    """``L``, ``LW``, ``nW``, or a list of days (a day past the month's end never matches)."""
    if text == "L":
        return lambda day: day.day == _month_length(day)
    if text == "LW":
        return lambda day: day == _nearest_weekday(day, _month_length(day))
    if text.endswith("W"):
        target = _number(text[:-1], "Day-of-month", 1, 31, None)
        return lambda day: target <= _month_length(day) and day == _nearest_weekday(day, target)
    if any(c in text for c in "LW#"):
        raise _InvalidError(
            f"Day-of-month: {text!r} uses L or W with other values; write L, LW or nW"
        )
    days = frozenset(_values(text, "Day-of-month", 1, 31))
    return lambda day: day.day in days


def _day_of_week(text: str) -> DayTest:
    """``L`` (Saturday), ``nL``, ``n#k``, or a list of days; 1 = SUN ... 7 = SAT."""
    if text == "L":
        text = "7"
    if "#" in text:
        weekday_text, _, nth_text = text.partition("#")
        weekday = _number(weekday_text, "Day-of-week", 1, 7, _DAYS)
        if not nth_text.isdigit() or not 1 <= int(nth_text) <= 5:
            raise _InvalidError(f"Day-of-week: {text!r} needs 1-5 after '#' (e.g. 2#1, MON#1)")
        nth = int(nth_text)
        return lambda day: _aws_weekday(day) == weekday and (day.day - 1) // 7 + 1 == nth
    if text.endswith("L"):
        weekday = _number(text[:-1], "Day-of-week", 1, 7, _DAYS)
        return lambda day: _aws_weekday(day) == weekday and day.day + 7 > _month_length(day)
    weekdays = frozenset(_values(text, "Day-of-week", 1, 7, _DAYS))
    return lambda day: _aws_weekday(day) in weekdays


def _aws_weekday(day: date) -> int:
    """1 = Sunday ... 7 = Saturday, as EventBridge cron counts."""
    return day.isoweekday() % 7 + 1


def _month_length(day: date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def _nearest_weekday(day: date, target: int) -> date:
    """The weekday nearest to day `target` of `day`'s month, never crossing into another month."""
    wanted = day.replace(day=target)
    if wanted.weekday() == 5:  # Saturday: Friday before, or Monday on the 1st
        return wanted + timedelta(days=2) if target == 1 else wanted - timedelta(days=1)
    if wanted.weekday() == 6:  # Sunday: Monday after, or Friday on the last day
        last = target == _month_length(day)
        return wanted - timedelta(days=2) if last else wanted + timedelta(days=1)
    return wanted


def _first_of_next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def _utc(moment: datetime) -> datetime:
    """`moment` in UTC; a naive datetime is taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
