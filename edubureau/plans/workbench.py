"""Work plans' to-dos on the workbench (``core.workbench``): the progress a department
owes this month on the tasks it leads, the 督办 it has to answer, and what climbed to
the leaders.

Counts come from the selectors the pages show (``owed_by`` and ``unreported`` on the
plans page, ``open_follow_ups`` on the 督办台账), with the same parameters as the link.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date
from typing import Any

from django.urls import reverse

from edubureau.core.roles import Role
from edubureau.core.workbench import DUE, OVERDUE, WorkItem
from edubureau.plans.selectors import open_follow_ups, owed_by, unreported

GROUP = "工作要点"

# The ladder's level at which a follow-up reaches the leaders (报分管局领导).
LEADER_LEVEL = 2


def _owed(user: Any, today: date) -> WorkItem:
    last = today.replace(day=monthrange(today.year, today.month)[1])
    return WorkItem(
        key="plans.progress_unreported",
        group=GROUP,
        label=f"{today.month}月进展未填报的牵头任务",
        count=len(unreported(owed_by(user, today=today))),
        url=f"{reverse('plans:plan-list')}?owed=unreported",
        urgency=DUE,
        due=last,
        detail=f"{last.month}月{last.day}日前填报本月进展",
    )


def _follow_ups(user: Any, *, mine: bool, level: int | None) -> WorkItem:
    query = "mine=1" if mine else f"level={level}"
    return WorkItem(
        key="plans.follow_ups_mine" if mine else "plans.follow_ups_escalated",
        group=GROUP,
        label="待答复的督办" if mine else "已报局领导的工作任务督办",
        count=open_follow_ups(user, mine=mine, level=level).count(),
        url=f"{reverse('plans:follow-up-board')}?{query}",
        urgency=OVERDUE,
        detail="任务滞后或逾期，请说明原因和措施" if mine else "牵头股室逾期未答复",
    )


def items(user: Any, today: date) -> list[WorkItem]:
    """The work-plan to-dos of ``user`` on ``today``."""
    role = getattr(user, "role", None)
    if role == Role.DEPARTMENT_STAFF:
        return [_follow_ups(user, mine=True, level=None), _owed(user, today)]
    if role == Role.BUREAU_LEADER:
        return [_follow_ups(user, mine=False, level=LEADER_LEVEL)]
    return []
