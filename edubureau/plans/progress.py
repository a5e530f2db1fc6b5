"""How far a task has come, and its status — computed, never typed.

- **Actual of a target**: a *linked* target reads its metric from the record
  (:mod:`edubureau.core.metrics`, over the plan's year to the day asked); a *reported*
  one takes the latest value its department reported.
- **Progress of a task** (0–100%): the mean over its targets of actual ÷ target (each
  capped at 100%); a task without targets, the percentage last reported.
- **Expected progress** on a day: linear from the task's start (default 1 January of the
  plan's year) to its deadline (default 31 December), or piecewise through its
  milestones ("by 30 June, 50%").
- **Deadlines** that fall on a day off move to the next working day (a deadline on
  National Day is met on the first working day after the holiday).
- **Status**: 已完成 at 100%; 逾期 past the deadline; 滞后 when a milestone passed short
  of its share or progress trails the expected by more than :data:`LAG_TOLERANCE`
  points; 未开始 before the start with nothing reported; else 正常推进.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

from django.db.models import TextChoices

from edubureau.core.calendar import add_working_days
from edubureau.core.metrics import Readings

HUNDRED = Decimal(100)
LAG_TOLERANCE = Decimal(10)  # percentage points behind the pace before a task lags


class TaskStatus(TextChoices):
    NOT_STARTED = "not_started", "未开始"
    ON_TRACK = "on_track", "正常推进"
    LAGGING = "lagging", "滞后"
    OVERDUE = "overdue", "逾期"
    DONE = "done", "已完成"


@dataclass(frozen=True)
class Point:
    day: date
    percent: Decimal


def effective_deadline(day: date) -> date:
    """A deadline on a day off is met on the next working day."""
    return add_working_days(day, 0)


def task_span(start: date | None, deadline: date | None, year: int) -> tuple[date, date]:
    return (start or date(year, 1, 1), deadline or date(year, 12, 31))


def expected_percent(
    day: date, *, start: date, deadline: date, milestones: Sequence[Point] = ()
) -> Decimal:
    """The share of the task that should be done by ``day``: piecewise linear through
    (start, 0%), each milestone and (deadline, 100%)."""
    points = [Point(start, Decimal(0))]
    points += sorted((m for m in milestones if start < m.day < deadline), key=lambda m: m.day)
    points.append(Point(deadline, HUNDRED))
    if day <= start:
        return Decimal(0)
    if day >= deadline:
        return HUNDRED
    for before, after in pairwise(points):
        if before.day <= day <= after.day:
            span = (after.day - before.day).days or 1
            done = Decimal((day - before.day).days) / span
            return before.percent + (after.percent - before.percent) * done
    return HUNDRED  # pragma: no cover - the points cover [start, deadline]


def target_share(actual: Decimal | int | None, target: Decimal) -> Decimal:
    """actual ÷ target in per cent, capped at 100; 0 without an actual."""
    if actual is None or target <= 0:
        return Decimal(0)
    return min(HUNDRED, Decimal(actual) * HUNDRED / target)


def task_percent(shares: Iterable[Decimal], reported_percent: int | None) -> Decimal:
    """The task's progress: the mean of its targets' shares, or without targets the
    percentage last reported."""
    shares = list(shares)
    if shares:
        return sum(shares, Decimal(0)) / len(shares)
    return Decimal(reported_percent or 0)


def task_status(
    *,
    today: date,
    start: date,
    deadline: date,
    percent: Decimal,
    reported: bool,
    milestones: Sequence[Point] = (),
) -> TaskStatus:
    if percent >= HUNDRED:
        return TaskStatus.DONE
    if today > effective_deadline(deadline):
        return TaskStatus.OVERDUE
    for m in milestones:
        if today > effective_deadline(m.day) and percent < m.percent:
            return TaskStatus.LAGGING
    if today < start and not reported and percent == 0:
        return TaskStatus.NOT_STARTED
    expected = expected_percent(today, start=start, deadline=deadline, milestones=milestones)
    if expected - percent > LAG_TOLERANCE:
        return TaskStatus.LAGGING
    if not reported and percent == 0:
        return TaskStatus.NOT_STARTED
    return TaskStatus.ON_TRACK


def rounded(percent: Decimal) -> int:
    return int(percent.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class TargetActual:
    value: Decimal | int | None
    source: str  # a link to the rows (linked) or "" (reported)
    share: Decimal


def linked_actuals(
    readings: Readings, keys: Mapping[int, str]
) -> dict[int, tuple[Decimal | int | None, str]]:
    """{target id: (value, link)} for the linked targets, each metric read once."""
    out: dict[int, tuple[Decimal | int | None, str]] = {}
    for target_id, key in keys.items():
        reading = readings.get(key)
        out[target_id] = (reading.value, reading.source) if reading else (None, "")
    return out
