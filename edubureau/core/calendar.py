"""Chinese working days, for deadlines counted in working days.

A day is a working day by the first rule that knows its year:

1. **official** — an administrator entered the year's schedule published by the
   State Council (:class:`~edubureau.core.models.CalendarYear`). It replaces the
   package for that whole year.
2. **package** — the ``chinesecalendar`` package knows the year (it raises
   ``NotImplementedError`` for the years it does not).
3. **fallback** — Monday to Friday. Administrators are warned
   (:func:`calendar_warnings`), because deadlines computed this way may fall
   on a public holiday.

Deadlines for hundreds of hazards are computed in loops, so a year's schedule is
loaded once (one database query) and kept in memory. The service that saves a
schedule clears this process's copy at once; other processes (more web
workers, the background worker) pick the change up within
:data:`CACHE_SECONDS`, which is fine for a schedule that changes once a year.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal, NamedTuple

import chinese_calendar

from edubureau.core.models import CalendarDayKind, CalendarYear

Coverage = Literal["official", "package", "fallback"]

COVERAGE_LABELS: dict[Coverage, str] = {
    "official": "已录入官方安排",
    "package": "内置节假日数据",
    "fallback": "未录入，按周一至周五",
}

CACHE_SECONDS = 300
ONE_DAY = timedelta(days=1)
WEEKDAY_NAMES = "一二三四五六日"


class CalendarEntry(NamedTuple):
    """One declared date: a day off or a make-up working day, with its festival."""

    day: date
    kind: str  # a CalendarDayKind value
    name: str


class EntryRange(NamedTuple):
    """Consecutive entries of the same kind and festival, as the official notice
    writes them ("10月1日至8日放假")."""

    start: date
    end: date
    kind: str
    name: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class YearSchedule:
    """Everything needed to decide whether a day of ``year`` is a working day."""

    year: int
    coverage: Coverage
    holidays: Mapping[date, str]  # days off (any weekday) -> festival name
    workdays: Mapping[date, str]  # make-up working days -> festival name

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    @functools.cached_property
    def _working_through(self) -> tuple[int, ...]:
        # _working_through[i] = working days from 1 January to the (i+1)-th day of the
        # year, inclusive: any count within the year is then one subtraction.
        counts, total, day = [], 0, date(self.year, 1, 1)
        while day.year == self.year:
            total += self.is_working_day(day)
            counts.append(total)
            day += ONE_DAY
        return tuple(counts)

    def working_days_through(self, day: date) -> int:
        """Working days from 1 January up to and including ``day`` (a day of ``year``)."""
        return self._working_through[day.timetuple().tm_yday - 1]

    @property
    def working_days(self) -> int:
        """Working days in the whole year."""
        return self._working_through[-1]

    def entries(self) -> list[CalendarEntry]:
        """The declared dates in date order."""
        rows = [CalendarEntry(d, CalendarDayKind.HOLIDAY, n) for d, n in self.holidays.items()]
        rows += [CalendarEntry(d, CalendarDayKind.WORKDAY, n) for d, n in self.workdays.items()]
        return sorted(rows)


# Loading and caching ---------------------------------------------------------

_cache: dict[int, tuple[float, YearSchedule]] = {}


def year_schedule(year: int) -> YearSchedule:
    """The schedule that decides ``year``, from the in-memory cache when fresh."""
    now = time.monotonic()
    hit = _cache.get(year)
    if hit is not None and hit[0] > now:
        return hit[1]
    schedule = _entered_schedule(year) or _package_schedule(year) or _fallback_schedule(year)
    _cache[year] = (now + CACHE_SECONDS, schedule)
    return schedule


def invalidate_cache() -> None:
    """Forget every loaded year. Called by the services that change a schedule."""
    _cache.clear()


def _entered_schedule(year: int) -> YearSchedule | None:
    """The administrator's entry for ``year`` in one query, or None if not entered."""
    rows = list(
        CalendarYear.objects.filter(year=year).values_list("days__date", "days__kind", "days__name")
    )
    if not rows:
        return None
    holidays: dict[date, str] = {}
    workdays: dict[date, str] = {}
    for day, kind, name in rows:
        if day is None:  # the year row joined to no day
            continue
        (workdays if kind == CalendarDayKind.WORKDAY else holidays)[day] = name
    return YearSchedule(year, "official", holidays, workdays)


@functools.cache
def _package_schedule(year: int) -> YearSchedule | None:
    """The package's schedule for ``year``; None for a year it does not know.

    The package's data never changes while the process runs, so it is kept for good.
    """
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return None
    holidays: dict[date, str] = {}
    workdays: dict[date, str] = {}
    day = date(year, 1, 1)
    while day.year == year:
        is_off, name = chinese_calendar.get_holiday_detail(day)
        if name is not None:
            (holidays if is_off else workdays)[day] = _chinese_festival_name(name)
        day += ONE_DAY
    return YearSchedule(year, "package", holidays, workdays)


def _chinese_festival_name(english: str) -> str:
    try:
        return str(chinese_calendar.Holiday(english).chinese)
    except ValueError:
        return english


def _fallback_schedule(year: int) -> YearSchedule:
    return YearSchedule(year, "fallback", {}, {})


# Working-day arithmetic ------------------------------------------------------


def _require_date(day: date) -> date:
    # A datetime would never match the date keys and would silently count
    # holidays as working days; its calendar date also depends on the time zone.
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"expected a date (use timezone.localdate()), got {type(day).__name__}")
    return day


def is_working_day(day: date) -> bool:
    """Whether ``day`` is a working day (honouring holidays and make-up workdays)."""
    day = _require_date(day)
    return year_schedule(day.year).is_working_day(day)


def add_working_days(start: date, n: int) -> date:
    """The date ``n`` working days after ``start`` (before it, for negative ``n``).

    ``start`` itself is never counted, so ``add_working_days(friday, 1)`` is the
    next working day (the following Monday, or a make-up Sunday before a
    holiday). ``n = 0`` means "the deadline is ``start`` itself": ``start`` if
    it is a working day, otherwise the next working day. Negative ``n`` walks
    back: ``add_working_days(monday, -1)`` is the previous working day.

    For ``n > 0``, ``working_days_between(start, result) == n`` always holds.
    """
    day = _require_date(start)
    if n == 0:
        while not is_working_day(day):
            day += ONE_DAY
        return day
    step = ONE_DAY if n > 0 else -ONE_DAY
    remaining = abs(n)
    while remaining:
        day += step
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(a: date, b: date) -> int:
    """The number of working days in ``(a, b]``: after ``a``, up to and including ``b``.

    So ``working_days_between(deadline, today)`` is how many working days a
    task is overdue, and ``working_days_between(today, deadline)`` how many are
    left. When ``b`` is before ``a`` the result is ``-working_days_between(b, a)``,
    so swapping the arguments flips the sign.
    """
    a, b = _require_date(a), _require_date(b)
    if b < a:
        return -working_days_between(b, a)
    # Per year, a table of running counts (built once per cached schedule) makes this
    # one subtraction per year spanned: overdue lists and escalation jobs call it per row.
    count = -year_schedule(a.year).working_days_through(a)
    for year in range(a.year, b.year):
        count += year_schedule(year).working_days
    return count + year_schedule(b.year).working_days_through(b)


# Coverage and warnings -------------------------------------------------------


def year_coverage(year: int) -> Coverage:
    """Which rule decides ``year``: "official", "package" or "fallback"."""
    return year_schedule(year).coverage


def calendar_warnings(today: date) -> list[str]:
    """Warnings for administrators about years worked out as plain Monday–Friday.

    The current year always matters; next year matters from November on, when
    the State Council publishes its schedule and deadlines start reaching into it.
    """
    messages = []
    if year_coverage(today.year) == "fallback":
        messages.append(
            f"{today.year}年的节假日安排尚未录入，工作日暂按周一至周五计算，"
            "请尽快录入国务院办公厅发布的节假日安排。"
        )
    if today.month >= 11 and year_coverage(today.year + 1) == "fallback":
        messages.append(
            f"{today.year + 1}年的节假日安排尚未录入，工作日暂按周一至周五计算，"
            "请在国务院办公厅发布通知后录入。"
        )
    return messages


# Presentation helpers --------------------------------------------------------


def day_label(day: date) -> str:
    """``2025-10-11(周六)``: the form used on pages and in the paste format."""
    return f"{day.isoformat()}（周{WEEKDAY_NAMES[day.weekday()]}）"


def group_ranges(entries: Iterable[CalendarEntry]) -> list[EntryRange]:
    """Merge consecutive dates of the same kind and festival into ranges."""
    ranges: list[EntryRange] = []
    for entry in sorted(entries):
        last = ranges[-1] if ranges else None
        if (
            last is not None
            and last.kind == entry.kind
            and last.name == entry.name
            and last.end + ONE_DAY == entry.day
        ):
            ranges[-1] = last._replace(end=entry.day)
        else:
            ranges.append(EntryRange(entry.day, entry.day, entry.kind, entry.name))
    return ranges
