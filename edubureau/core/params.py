"""Tolerant parsing of query parameters for list filters and pages: a malformed
value is ignored (``None``), never an error page."""

from __future__ import annotations

from datetime import date
from typing import Any

# The largest key a BigAutoField holds: a larger "id" would overflow the database
# driver (a 500) instead of matching nothing.
MAX_ID = 2**63 - 1
# Dates outside these years are typos or probes, and arithmetic on 9999-12-31
# (the day after, a year earlier) overflows.
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2100, 12, 31)


def param_int(value: Any, *, minimum: int | None = None, maximum: int | None = None) -> int | None:
    try:
        text = str(value).strip() if value not in (None, "") else ""
        # Refuse absurdly long digit strings before int() spends time on them.
        number = int(text) if text and len(text) <= 20 else None
    except (TypeError, ValueError):
        return None
    if number is None:
        return None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        return None
    return number


def param_id(value: Any) -> int | None:
    """A row id: a positive integer that fits the database's keys."""
    return param_int(value, minimum=1, maximum=MAX_ID)


def param_date(value: Any) -> date | None:
    try:
        day = date.fromisoformat(str(value).strip()) if value else None
    except (TypeError, ValueError):
        return None
    if day is None or not MIN_DATE <= day <= MAX_DATE:
        return None
    return day


def param_month(value: Any) -> date | None:
    """``2026-10`` → 2026-10-01, within the years :func:`param_date` accepts."""
    year, _, month = str(value or "").strip().partition("-")
    if not (len(year) == 4 and year.isdigit() and month.isdigit() and 1 <= int(month) <= 12):
        return None
    day = date(int(year), int(month), 1)
    return day if MIN_DATE <= day <= MAX_DATE else None
