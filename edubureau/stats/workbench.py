"""Statistics' to-dos on the workbench (``core.workbench``): a school's return of the
census year, the returns a statistics department has to review, the schools that
have not reported (chased until the season closes, ``season_closes``).

Every count is ``selectors.schools_for_list`` — the rows of the return list — over the
scope and status filter of the item's link, so a count equals the list it opens.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.urls import reverse

from edubureau.core.roles import Role
from edubureau.core.workbench import DONE, DUE, INFO, OVERDUE, WorkItem
from edubureau.orgs.scoping import SchoolScope, is_department_staff, scope_for
from edubureau.stats.models import STATS_DEPARTMENT, ReturnStatus
from edubureau.stats.selectors import NOT_STARTED, returns_of_year, schools_for_list
from edubureau.stats.services import census_year, due_date, season_closes

GROUP = "教育统计"

# How long after the due date a school still sees its return as done (✓): the
# season's question "has it gone in?"; after that the item would be noise all year.
DONE_SHOWN_DAYS = 30


def _month_day(day: date) -> str:
    return f"{day.month}月{day.day}日"


class _Returns:
    def __init__(self, user: Any, today: date) -> None:
        self.today = today
        self.year = census_year(today)
        self.due = due_date(self.year)
        self.late = today > self.due
        # Past the season, a return nobody filed is the bureau's record, not a to-do.
        self.chasing = today <= season_closes(self.year)
        self.scope: SchoolScope = scope_for(user)

    def item(self, key: str, status: str, label: str, urgency: str, **extra: Any) -> WorkItem:
        count = schools_for_list(self.scope, self.year, status=status).count()
        return WorkItem(
            key=f"stats.{key}",
            group=GROUP,
            label=label,
            count=count,
            url=f"{reverse('stats:return-list')}?year={self.year}&status={status}",
            urgency=urgency,
            due=self.due,
            **extra,
        )


def _school(user: Any, today: date) -> list[WorkItem]:
    r = _Returns(user, today)
    own = returns_of_year(r.scope, r.year).filter(school_id=user.school_id).only("status").first()
    status = own.status if own is not None else NOT_STARTED
    label = f"{r.year}年教育事业统计报表"
    when = f"已过报送截止日（{_month_day(r.due)}）" if r.late else f"{_month_day(r.due)}前上报"
    urgency = OVERDUE if r.late else DUE
    if status in (ReturnStatus.SUBMITTED, ReturnStatus.ACCEPTED, ReturnStatus.LOCKED):
        if today > r.due + timedelta(days=DONE_SHOWN_DAYS):
            return []
        done = "已上报，待审核" if status == ReturnStatus.SUBMITTED else "已审核"
        return [r.item("own_return", status, f"{label}{done} ✓", DONE)]
    if status == ReturnStatus.RETURNED:
        return [r.item("own_return", status, label, DUE, detail="已退回，请修改后重新上报")]
    if not r.chasing:
        return []
    state = "未填报" if status == NOT_STARTED else "填报中，尚未上报"
    return [r.item("own_return", status, label, urgency, detail=f"{state}；{when}")]


def _not_reported(r: _Returns) -> list[WorkItem]:
    if not r.chasing:
        return []
    urgency = OVERDUE if r.late else INFO
    when = f"报送截止：{_month_day(r.due)}"
    return [
        r.item("schools_not_started", NOT_STARTED, "未填报统计报表的学校", urgency, detail=when),
        r.item("schools_draft", ReturnStatus.DRAFT, "统计报表填报中、未上报的学校", urgency),
    ]


def _department(user: Any, today: date) -> list[WorkItem]:
    r = _Returns(user, today)
    return [
        r.item(
            "returns_to_review",
            ReturnStatus.SUBMITTED,
            "待审核的统计报表",
            DUE,
            detail="审核通过或退回",
        ),
        *_not_reported(r),
        r.item("returns_sent_back", ReturnStatus.RETURNED, "已退回、待学校重报的统计报表", INFO),
    ]


def _school_side(user: Any, today: date) -> list[WorkItem]:
    """A township's or an inspector's schools: who has not reported, once it is due."""
    r = _Returns(user, today)
    return _not_reported(r) if r.late else []


def items(user: Any, today: date) -> list[WorkItem]:
    """The statistics to-dos of ``user`` on ``today``."""
    role = getattr(user, "role", None)
    if role == Role.SCHOOL_USER and user.school_id:
        return _school(user, today)
    if role == Role.DEPARTMENT_STAFF and is_department_staff(user, STATS_DEPARTMENT):
        return _department(user, today)
    if role in (Role.TOWNSHIP_STAFF, Role.INSPECTOR):
        return _school_side(user, today)
    return []
