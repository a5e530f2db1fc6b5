"""Role-aware navigation for the page shell."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from edubureau.core import navigation as menu


def navigation(request: HttpRequest) -> dict[str, Any]:
    # Each app registers its own entries from its AppConfig.ready() (core.navigation).
    return {"nav_items": menu.items_for(request)}
