"""Safety's to-dos on the workbench (``core.workbench``).

Every count is the row count of the list its item links to, computed by the selector
that list's view calls with the same parameters (``hazard_list`` over the link's own
query string, ``ledger_rows``, the 未报送 list's ``missing_self_inspection_schools``),
so a count and its list cannot drift apart: the hazard items of a role in one query
(``hazard_list_counts``, each count the list's own condition), a few more for the
rest, none per school.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from django.http import QueryDict
from django.urls import reverse

from edubureau.core.roles import Role
from edubureau.core.workbench import DONE, DUE, INFO, OVERDUE, WorkItem
from edubureau.orgs.models import School
from edubureau.rectification.models import Severity, Status
from edubureau.safety.models import Inspection, InspectionKind, InspectionStatus
from edubureau.safety.models.inspections import owes_self_inspection_q
from edubureau.safety.selectors.hazards import UNRESOLVED, HazardFilter, hazard_list_counts
from edubureau.safety.selectors.inspections import (
    InspectionFilter,
    campaign_list,
    inspection_list,
)
from edubureau.safety.selectors.ledger_specs import CANTEEN, DEFAULT_EXPIRY_DAYS, PLAN, VEHICLE
from edubureau.safety.selectors.ledgers import LedgerFilter, ledger_rows
from edubureau.safety.services.chase import missing_self_inspection_schools
from edubureau.safety.services.inspections import (
    can_fill_any_self,
    is_safety_staff,
    month_start,
    self_inspection_due_on,
)

GROUP = "安全工作"
PREFIX = "safety."

# The level of the ladder at which an overdue hazard reaches the bureau's leaders
# (报分管局领导; 5 is 挂牌督办).
LEADER_LEVEL = 4


def _month_day(day: date) -> str:
    return f"{day.month}月{day.day}日"


class _Hazards:
    """Items over the hazard list: each one's count is ``hazard_list`` of its link,
    all of them counted in one query (``hazard_list_counts``) by :meth:`counted`."""

    def __init__(self, user: Any, today: date) -> None:
        self.user, self.today = user, today
        self.base = reverse("safety:hazard-list")
        self.filters: dict[str, HazardFilter] = {}  # by the item's key without "safety."

    def item(self, key: str, query: str, label: str, urgency: str, detail: str = "") -> WorkItem:
        """The item, its count to be filled in by :meth:`counted`."""
        self.filters[key] = HazardFilter.from_params(QueryDict(query))
        return WorkItem(
            key=f"{PREFIX}{key}",
            group=GROUP,
            label=label,
            count=0,
            url=f"{self.base}?{query}",
            urgency=urgency,
            detail=detail,
        )

    def counted(self, items: list[WorkItem]) -> list[WorkItem]:
        """``items`` with the counts of the hazard items among them."""
        counts = hazard_list_counts(user=self.user, filters=self.filters, today=self.today)
        ours = {f"{PREFIX}{key}": key for key in self.filters}
        return [replace(i, count=counts[ours[i.key]]) if i.key in ours else i for i in items]


def _missing_schools(user: Any, today: date, *, key: str) -> WorkItem:
    """The schools ``user`` sees that have not submitted this month's self-inspection:
    the rows of the 未报送 list, counted by the rule that list uses."""
    period = month_start(today)
    due_on = self_inspection_due_on(period)
    schools = School.objects.visible_to(user).filter(is_active=True)
    count = missing_self_inspection_schools(schools=schools, period=period).count()
    late = today > due_on
    return WorkItem(
        key=f"safety.{key}",
        group=GROUP,
        label=f"{period.month}月月度自查{'逾期未报送' if late else '尚未报送'}的学校",
        count=count,
        url=f"{reverse('safety:self-inspection-missing')}?period={period:%Y-%m}",
        urgency=OVERDUE if late else INFO,
        due=due_on,
        detail=f"应于{_month_day(due_on)}前报送" + ("，请催报" if late else ""),
    )


def _campaigns(user: Any, today: date) -> WorkItem:
    """Campaigns in progress today: the campaign list's ``?active=1``."""
    return WorkItem(
        key="safety.campaigns_running",
        group=GROUP,
        label="进行中的检查活动",
        count=campaign_list(user=user, running_on=today).count(),
        url=f"{reverse('safety:campaign-list')}?active=1",
        urgency=INFO,
        detail="查看各校检查进度",
    )


def _my_campaigns(user: Any, today: date) -> list[WorkItem]:
    """Campaigns in progress whose inspection team ``user`` is on, whatever the role
    (an inspector, the safety department's staff, a city's team): their schools wait
    to be inspected. The campaign list's ``?active=1&mine=1``."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [
        WorkItem(
            key="safety.campaigns_mine",
            group=GROUP,
            label="我参加的进行中检查活动",
            count=campaign_list(user=user, running_on=today, on_team=True).count(),
            url=f"{reverse('safety:campaign-list')}?active=1&mine=1",
            urgency=DUE,
            detail="按活动逐校填写检查记录",
        )
    ]


def _own_self_inspection(user: Any, today: date) -> list[WorkItem]:
    """A school's own self-inspection of this month: what state it is in, by when."""
    period = month_start(today)
    owes = School.objects.filter(pk=user.school_id).filter(owes_self_inspection_q(period)).exists()
    if not owes:
        return []
    due_on = self_inspection_due_on(period)
    inspection = (
        Inspection.objects.visible_to(user)
        .filter(school_id=user.school_id, kind=InspectionKind.SELF, period=period)
        .only("status")
        .first()
    )
    label = f"{period.month}月月度自查"
    if inspection is not None and inspection.status == InspectionStatus.SUBMITTED:
        # Shown although nothing is left to do: "has it gone in?" is the question a
        # school asks every month. The list of the month's self-inspections shows it.
        return [
            WorkItem(
                key="safety.self_inspection",
                group=GROUP,
                label=f"{label}已提交 ✓",
                count=1,
                url=f"{reverse('safety:inspection-list')}?kind=self&period={period:%Y-%m}",
                urgency=DONE,
                due=due_on,
            )
        ]
    if inspection is None:
        state, action = "未开始", "开始填报"
    elif inspection.status == InspectionStatus.RETURNED:
        state, action = "已退回，请修改后重新提交", "修改重报"
    else:
        state, action = "草稿未提交", "继续填报"
    late = today > due_on
    when = f"已过应报日期（{_month_day(due_on)}）" if late else f"{_month_day(due_on)}前提交"
    fills = can_fill_any_self(user)
    return [
        WorkItem(
            key="safety.self_inspection",
            group=GROUP,
            label=label,
            # The 未报送 list of a school user holds its own school, or nothing.
            count=1,
            url=f"{reverse('safety:self-inspection-missing')}?period={period:%Y-%m}",
            urgency=OVERDUE if late else DUE,
            due=due_on,
            detail=f"{state}；{when}",
            action_url=reverse("safety:self-inspection-new") if fills else "",
            action_label=action if fills else "",
        )
    ]


def _returned_earlier(user: Any, today: date) -> WorkItem:
    """Self-inspections of earlier months sent back and not yet resubmitted (this
    month's is the month's own item): the inspection list over the same query."""
    last_month = (month_start(today) - timedelta(days=1)).replace(day=1)
    query = f"kind={InspectionKind.SELF}&status={InspectionStatus.RETURNED}&until={last_month}"
    filters = InspectionFilter.from_params(QueryDict(query))
    return WorkItem(
        key="safety.self_inspections_returned",
        group=GROUP,
        label="被退回、待修改重报的往月自查",
        count=inspection_list(user=user, filters=filters).count(),
        url=f"{reverse('safety:inspection-list')}?{query}",
        urgency=DUE,
        detail="请按退回意见修改后重新提交",
    )


def _expiring(user: Any, today: date) -> list[WorkItem]:
    """Ledger rows with a document running out within the reminder's horizon (or
    already lapsed): one item per ledger, counted by the ledger list's own filter."""
    days = DEFAULT_EXPIRY_DAYS
    query = f"expiring={days}"
    labels = {
        VEHICLE.key: f"校车及学生专车证件{days}天内到期或已过期",
        CANTEEN.key: f"食堂许可证{days}天内到期或已过期",
        PLAN.key: f"应急预案{days}天内到期需修订",
    }
    items = []
    for spec in (VEHICLE, CANTEEN, PLAN):
        filters = LedgerFilter.from_params(spec, QueryDict(query))
        count = ledger_rows(spec=spec, user=user, filters=filters, today=today).count()
        items.append(
            WorkItem(
                key=f"safety.expiring.{spec.key}",
                group=GROUP,
                label=labels[spec.key],
                count=count,
                url=f"{reverse(f'safety:{spec.key}-list')}?{query}",
                urgency=DUE,
                detail="请及时办理年检、换证或修订，并在台账中更新日期",
            )
        )
    return items


def _school(user: Any, today: date) -> list[WorkItem]:
    h = _Hazards(user, today)
    return h.counted(
        [
            *_own_self_inspection(user, today),
            _returned_earlier(user, today),
            h.item("hazards_overdue", "overdue=1", "逾期未整改的隐患", OVERDUE, "请尽快整改"),
            h.item(
                "hazards_to_plan",
                f"status={Status.REPORTED}",
                "待制定整改方案的隐患",
                DUE,
            ),
            h.item(
                "hazards_sent_back",
                f"status={Status.PLANNED}&rejected=1",
                "复查未通过、需重新整改的隐患",
                DUE,
            ),
            h.item(
                "hazards_to_rectify",
                f"status={Status.PLANNED}",
                "整改中、待提交整改结果的隐患",
                INFO,
            ),
            *_expiring(user, today),
        ]
    )


def _serious(h: _Hazards) -> list[WorkItem]:
    """较大 and 重大 hazards not yet rectified: the department and its leaders follow
    each one until it is closed (each is also announced the moment it is reported)."""
    return [
        h.item(
            "hazards_critical_open",
            f"status={UNRESOLVED}&severity={Severity.CRITICAL}",
            "未整改完成的重大隐患",
            OVERDUE,
            "重大隐患须挂牌督办、限期整改",
        ),
        h.item(
            "hazards_major_open",
            f"status={UNRESOLVED}&severity={Severity.MAJOR}",
            "未整改完成的较大隐患",
            DUE,
        ),
    ]


def _to_verify(h: _Hazards) -> list[WorkItem]:
    """Rectifications waiting on whoever verifies and closes them (``verifiable=1``)."""
    return [
        h.item(
            "hazards_to_verify",
            f"status={Status.RECTIFIED}&verifiable=1",
            "待复查的隐患",
            DUE,
            "学校已提交整改结果",
        ),
        h.item(
            "hazards_to_close",
            f"status={Status.VERIFIED}&verifiable=1",
            "复查通过、待销号的隐患",
            DUE,
        ),
    ]


def _safety_department(user: Any, today: date) -> list[WorkItem]:
    h = _Hazards(user, today)
    return h.counted(
        [
            *_serious(h),
            *_to_verify(h),
            h.item("hazards_supervised", "supervised=1", "挂牌督办的隐患", OVERDUE),
            h.item("hazards_overdue", "overdue=1", "逾期未整改的隐患", OVERDUE),
            _missing_schools(user, today, key="schools_missing"),
            _campaigns(user, today),
            *_expiring(user, today),
        ]
    )


def _leader(user: Any, today: date) -> list[WorkItem]:
    h = _Hazards(user, today)
    return h.counted(
        [
            *_serious(h),
            h.item(
                "hazards_escalated",
                f"overdue=1&level={LEADER_LEVEL}",
                "逾期隐患已报局领导督办",
                OVERDUE,
                "逾期较久，已升级至分管局领导或挂牌督办",
            ),
            h.item("hazards_supervised", "supervised=1", "挂牌督办的隐患", OVERDUE),
            h.item("hazards_overdue", "overdue=1", "逾期未整改的隐患", INFO),
            _missing_schools(user, today, key="schools_missing"),
        ]
    )


def _school_side(user: Any, today: date) -> list[WorkItem]:
    """An inspector's assigned schools, a township's schools: their open items."""
    h = _Hazards(user, today)
    return h.counted(
        [
            *_to_verify(h),
            h.item("hazards_overdue", "overdue=1", "逾期未整改的隐患", OVERDUE, "请督促学校整改"),
            h.item("hazards_unresolved", f"status={UNRESOLVED}", "未整改完成的隐患", INFO),
            _missing_schools(user, today, key="schools_missing"),
        ]
    )


def items(user: Any, today: date) -> list[WorkItem]:
    """The safety to-dos of ``user`` on ``today``."""
    role = getattr(user, "role", None)
    by_role: Callable[[Any, date], list[WorkItem]] | None = None
    if role == Role.SCHOOL_USER and user.school_id:
        by_role = _school
    elif role == Role.DEPARTMENT_STAFF and is_safety_staff(user):
        by_role = _safety_department
    elif role == Role.BUREAU_LEADER:
        by_role = _leader
    elif role in (Role.INSPECTOR, Role.TOWNSHIP_STAFF):
        by_role = _school_side
    own = by_role(user, today) if by_role is not None else []
    return [*_my_campaigns(user, today), *own]
