"""Numbers in templates written as documents write them (``core.phrasing``)."""

from __future__ import annotations

from typing import Any

from django import template

from edubureau.core.phrasing import percent_text, plain_number

register = template.Library()


@register.filter
def percent(value: Any, places: int = 1) -> str:
    """A rate in per cent as every page and document writes it: "94.1%", "100%", "—"."""
    return percent_text(value, int(places))


@register.filter
def number(value: Any) -> str:
    """A number without trailing zeros or exponent: Decimal("860.00") → "860"."""
    if value is None or value == "":
        return "—"
    return plain_number(value)
