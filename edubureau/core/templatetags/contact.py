"""Contact details on pages that people read on a phone."""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

# What a dialler accepts: digits, a leading plus, and the separators it ignores.
_DIALLABLE = re.compile(r"\+?[0-9][0-9\- ]{4,}[0-9]")


@register.filter
def phone(value: Any) -> SafeString | str:
    """A phone number as a ``tel:`` link, so that a township officer chasing a school
    calls it with one tap; anything that is not a number is shown as it is (escaped),
    and nothing as "—"."""
    text = str(value or "").strip()
    if not text:
        return "—"
    if not _DIALLABLE.fullmatch(text):
        return text
    return format_html('<a href="tel:{}">{}</a>', re.sub(r"[ \-]", "", text), text)
