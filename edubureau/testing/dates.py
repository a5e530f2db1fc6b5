"""Dates for factories, all relative to the test clock (``timezone.localdate()``).

A factory default is never a calendar constant: a fixed date is one day in the past,
or inside an expiry window, and the suite fails on that day. Tests that need an exact
day freeze the clock (time_machine) and the defaults follow it.
"""

from __future__ import annotations

from datetime import date, timedelta

import factory
from django.utils import timezone


def today() -> date:
    return timezone.localdate()


def in_days(days: int) -> factory.LazyFunction:
    """A factory default ``days`` after (negative: before) the test clock's today."""
    return factory.LazyFunction(lambda: today() + timedelta(days=days))


def school_year_start(day: date) -> int:
    """The start year of the school year ``day`` falls in (9月1日 to 次年8月31日)."""
    return day.year if day.month >= 9 else day.year - 1


def month_start(day: date) -> date:
    return day.replace(day=1)
