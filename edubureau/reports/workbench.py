"""Reports' to-dos on the workbench (``core.workbench``): drafts waiting for the user's
review, the user's drafts sent back, 整改通知书 waiting for the school's 回执, and 回执
waiting for the bureau to accept them.

Every count is ``selectors.pending_summary`` — the conditions of the rows the list shows
with the same ``pending`` filter, all in one query — so a count equals the list it opens.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import reverse

from edubureau.core.roles import Role
from edubureau.core.workbench import DUE, INFO, OVERDUE, WorkItem
from edubureau.reports.models import is_principal_of
from edubureau.reports.selectors import pending_summary

GROUP = "公文报告"


def items(user: Any, today: date) -> list[WorkItem]:
    """The reports to-dos of ``user`` on ``today`` (a 回执 is overdue after its 期限)."""
    role = getattr(user, "role", None)
    writes = role in (Role.DEPARTMENT_STAFF, Role.INSPECTOR) or (
        role == Role.SCHOOL_USER and not user.read_only
    )
    # (kind, label, urgency, detail) of the items this user has.
    wanted: list[tuple[str, str, str, str]] = []
    if role == Role.BUREAU_LEADER or is_principal_of(user, user.school_id):
        wanted.append(("review", "待审核的公文", DUE, "审核通过后印发，或退回修改"))
    if writes:
        wanted.append(("returned", "退回修改的公文", DUE, "按退回理由修改后重新送审"))
    if role == Role.SCHOOL_USER and not user.read_only:
        wanted.append(
            ("receipt_overdue", "逾期未回执的整改通知书", OVERDUE, "已过回执期限，请尽快填写回执")
        )
        wanted.append(("receipt", "待回执的整改通知书", DUE, "落实整改后在通知书页面填写回执"))
    elif role == Role.DEPARTMENT_STAFF:
        wanted.append(("receipt_check", "学校已回执待确认", DUE, "核实整改情况，确认或退回补充"))
        wanted.append(
            ("receipt_overdue", "逾期未回执的整改通知书", OVERDUE, "已过回执期限，可催办学校")
        )
        wanted.append(("receipt", "学校尚未回执的整改通知书", INFO, "已印发，等待学校回执"))
    found = pending_summary(user, [kind for kind, *_ in wanted], today=today)
    items = []
    for kind, label, urgency, detail in wanted:
        due = None
        if kind == "receipt" and role == Role.SCHOOL_USER and found.next_reply_by:
            # The school is told by when its nearest 回执 is due.
            due = found.next_reply_by
            detail = f"落实整改后于{due.month}月{due.day}日前在通知书页面填写回执"
        items.append(
            WorkItem(
                key=f"reports.{kind}",
                group=GROUP,
                label=label,
                count=found.counts[kind],
                url=f"{reverse('reports:list')}?pending={kind}",
                urgency=urgency,
                due=due,
                detail=detail,
            )
        )
    return items
