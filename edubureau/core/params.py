"""Tolerant parsing of query parameters for list filters and pages: a malformed
value is ignored (``None``), never an error page."""

from __future__ import annotations

from datetime import date
from typing import Any


def param_int(value: Any, *, minimum: int | None = None) -> int | None:
    try:
        number = int(str(value).strip()) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
    if number is not None and minimum is not None and number < minimum:
        return None
    return number


def param_id(value: Any) -> int | None:
    """A row id: a positive integer."""
    return param_int(value, minimum=1)


def param_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value).strip()) if value else None
    except (TypeError, ValueError):
        return None
