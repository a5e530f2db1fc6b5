"""Column heads that sort a list (``core.listing``): ``{% sort_header "deadline" "整改期限" %}``."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_header(context: Any, key: str, label: str) -> str:
    """A link that sorts by ``key`` (ascending first, then the other way), keeping
    the list's filters and going back to page 1; the current order is marked."""
    query = context.get("list_query")
    base = context.get("query_unsorted", "")
    current = query is not None and query.sort == key
    descending = bool(current and query.descending)
    target = key if (not current or descending) else f"-{key}"
    href = f"?{base}{'&' if base else ''}sort={target}"
    if not current:
        return format_html('<a class="sort" href="{}">{}</a>', href, label)
    arrow, state = ("↓", "descending") if descending else ("↑", "ascending")
    return format_html(
        '<a class="sort on" href="{}" aria-sort="{}">{}<span aria-hidden="true">{}</span></a>',
        href,
        state,
        label,
        arrow,
    )
