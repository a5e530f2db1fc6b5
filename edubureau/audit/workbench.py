"""The audit administrator's to-dos on the workbench (``core.workbench``): the week's
security events to review — requests refused for reaching beyond the account's
schools, failed sign-ins, accounts locked. Each count is ``selectors.audit_events``
over the filter of the item's link, so it equals the log page it opens.

Only the 审计管理员: a bureau leader may browse the log too, but reviewing it is the
auditor's job (三员分立), and a leader's workbench is for the bureau's work."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from edubureau.audit.models import Action
from edubureau.audit.selectors import AuditFilter, audit_events
from edubureau.core.roles import Role
from edubureau.core.workbench import DUE, INFO, WorkItem

GROUP = "审计"
# The review window: a week, today included.
DAYS = 7

# (action, label, urgency): a locked account is someone to call back today.
WATCHED = (
    (Action.LOCKED_OUT, "近7天账号锁定", DUE),
    (Action.ACCESS_DENIED, "近7天越权访问被拒绝", INFO),
    (Action.LOGIN_FAILED, "近7天登录失败", INFO),
)


def items(user: Any, today: date) -> list[WorkItem]:
    if user.role != Role.AUDITOR:
        return []
    since = today - timedelta(days=DAYS - 1)
    found = []
    for action, label, urgency in WATCHED:
        filters = AuditFilter(action=action, since=since)
        query = urlencode({"action": action, "since": since.isoformat()})
        found.append(
            WorkItem(
                key=f"audit.{action}",
                group=GROUP,
                label=label,
                count=audit_events(user=user, filters=filters).count(),
                url=f"{reverse('audit:event-list')}?{query}",
                urgency=urgency,
                detail="请逐条核实是否为本人操作，异常情况报告局领导",
            )
        )
    return found
