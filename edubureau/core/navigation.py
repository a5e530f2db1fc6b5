"""The page shell's menu, filled by the apps themselves.

core sits below every app and names none of them: each app registers its own
entries from its ``AppConfig.ready()``::

    navigation.register("安全看板", "safety:dashboard", order=100)

and the context processor (``edubureau.orgs.context_processors.navigation``) shows
the entries a user's role may see, sorted by ``order``. Bands, so that a new module
finds its place without renumbering anyone:

====== ===============================================
0      首页 (orgs)
100s   safety
200s+  later work modules (stats, plans, reports, …)
500s   orgs: 学校名录, 下级教育局, 账号管理
600s   core: 工作日历
700s   notifications: 消息推送
800s   audit: 审计日志
====== ===============================================
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.urls import reverse


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    # Role values that see the entry; None: every signed-in role.
    roles: frozenset[str] | None
    order: int
    # A further condition on the user (e.g. "their bureau has bureaus below it"),
    # asked only of users whose role sees the entry.
    when: Callable[[Any], bool] | None = None


class Navigation:
    """A registry of menu entries, one per URL name."""

    def __init__(self) -> None:
        self._entries: dict[str, NavEntry] = {}

    def register(
        self,
        label: str,
        url_name: str,
        *,
        roles: Iterable[str] | None = None,
        order: int,
        when: Callable[[Any], bool] | None = None,
    ) -> None:
        entry = NavEntry(label, url_name, None if roles is None else frozenset(roles), order, when)
        known = self._entries.get(url_name)
        if known == entry:
            return  # ready() run again
        if known is not None:
            raise ImproperlyConfigured(f"Menu entry {url_name!r} registered twice, differently")
        # One entry per order number, so the menu's order never depends on which app
        # happened to register first.
        clash = next((e for e in self._entries.values() if e.order == order), None)
        if clash is not None:
            raise ImproperlyConfigured(
                f"Menu entries {clash.url_name!r} and {url_name!r} share order {order}"
            )
        self._entries[url_name] = entry

    def entries(self) -> list[NavEntry]:
        return sorted(self._entries.values(), key=lambda e: e.order)

    def items_for(self, request: HttpRequest) -> list[dict[str, Any]]:
        """The entries ``request.user`` may see, with their URL and whether the current
        page is under it (the home page only when it is the current page)."""
        user: Any = request.user
        if not user.is_authenticated:
            return []
        items = []
        for entry in self.entries():
            if entry.roles is not None and user.role not in entry.roles:
                continue
            if entry.when is None or entry.when(user):
                url = reverse(entry.url_name)
                active = request.path == url if url == "/" else request.path.startswith(url)
                items.append({"label": entry.label, "url": url, "active": active})
        return items


# The platform's menu.
menu = Navigation()
register = menu.register
entries = menu.entries
items_for = menu.items_for
