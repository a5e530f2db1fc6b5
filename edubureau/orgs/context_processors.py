"""Role-aware navigation for the page shell."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from edubureau.orgs.models import Role

# (label, url name, roles that see it); None means every signed-in role.
# Modules add their entries here as they arrive.
NAV_ITEMS: list[tuple[str, str, set[str] | None]] = [
    ("首页", "home", None),
    ("安全看板", "safety:dashboard", None),
    ("安全检查", "safety:inspection-list", None),
    ("隐患整改", "safety:hazard-list", None),
    ("安全台账", "safety:ledger-home", None),
    ("学校名录", "orgs:school-list", None),
    ("账号管理", "orgs:user-list", {Role.ADMINISTRATOR}),
    ("工作日历", "core:calendar", {Role.ADMINISTRATOR, Role.BUREAU_LEADER, Role.DEPARTMENT_STAFF}),
    ("消息推送", "notifications:webhook-list", {Role.ADMINISTRATOR}),
    ("审计日志", "audit:event-list", {Role.ADMINISTRATOR, Role.BUREAU_LEADER}),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for label, url_name, roles in NAV_ITEMS:
        if roles is None or user.role in roles:
            url = reverse(url_name)
            active = request.path == url if url == "/" else request.path.startswith(url)
            items.append({"label": label, "url": url, "active": active})
    return {"nav_items": items}
