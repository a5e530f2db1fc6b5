"""Row makers for the dashboard, the facts and the circulars.

Rows are created directly (not through the services): these tests read the
record, and need hazards in exact states on exact dates that walking the lifecycle
would make long-winded. Defaults are relative to the test clock; the dated county
these tests share is :mod:`edubureau.safety.tests.scenario_2026`.
"""

from __future__ import annotations

import datetime as dt
from datetime import date
from zoneinfo import ZoneInfo

from django.utils import timezone

from edubureau.orgs.models import Bureau, School
from edubureau.rectification.models import PlanKind, Severity, Status
from edubureau.safety.models import (
    Campaign,
    ChecklistCategory,
    ChecklistItem,
    Hazard,
    HazardSource,
    Inspection,
    InspectionKind,
    InspectionStatus,
)
from edubureau.safety.tests.factories_hazards import (
    ChecklistCategoryFactory,
    ChecklistItemFactory,
    current_checklist,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(day: date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


def checklist_parts(
    bureau: Bureau,
) -> tuple[dict[str, ChecklistCategory], dict[str, ChecklistItem]]:
    """The bureau's current checklist with a third category (food) and its item."""
    checklist = current_checklist(bureau)
    if not checklist.categories.filter(key="food").exists():
        food = ChecklistCategoryFactory(
            checklist=checklist, key="food", name="食品卫生与传染病防控", sort_order=3
        )
        ChecklistItemFactory(category=food, key="food.storage", text="食材储存分类分架、隔墙离地")
    categories = {c.key: c for c in checklist.categories.all()}
    items = {i.key: i for i in checklist.items.all()}
    return categories, items


def make_hazard_row(
    school: School,
    *,
    reported_on: date,
    category: str = "fire",
    item: str | None = None,
    severity: str = Severity.MINOR,
    status: str = Status.REPORTED,
    deadline: date | None = None,
    rectified_on: date | None = None,
    closed_at: dt.datetime | None = None,
    repeat_of: Hazard | None = None,
    inspection: Inspection | None = None,
    description: str = "灭火器压力不足",
    plan_kind: str = "",
) -> Hazard:
    categories, items = checklist_parts(school.bureau)
    checklist_item = items[item] if item else None
    return Hazard.objects.create(
        school=school,
        source=HazardSource.INSPECTION if inspection else HazardSource.WALKAROUND,
        inspection=inspection,
        item=checklist_item,
        item_key=checklist_item.key if checklist_item else "",
        category=categories[category],
        category_key=category,
        description=description,
        location="教学楼",
        severity=severity,
        status=status,
        reported_on=reported_on,
        deadline=deadline,
        plan_kind=plan_kind or (PlanKind.BY_DEADLINE if status != Status.REPORTED else ""),
        plan_text="按期整改" if status != Status.REPORTED else "",
        responsible_person="张主任",
        rectified_on=rectified_on,
        closed_at=closed_at,
        repeat_of=repeat_of,
    )


def make_self_inspection(
    school: School,
    month: date,
    *,
    status: str = InspectionStatus.SUBMITTED,
    submitted_on: date | None = None,
    due_on: date | None = None,
) -> Inspection:
    due_on = due_on or month.replace(day=8)
    submitted_on = submitted_on or month.replace(day=5)
    return Inspection.objects.create(
        school=school,
        kind=InspectionKind.SELF,
        checklist=current_checklist(school.bureau),
        period=month,
        due_on=due_on,
        inspected_on=submitted_on,
        status=status,
        submitted_at=local(submitted_on) if status == InspectionStatus.SUBMITTED else None,
        items_total=3,
    )


def make_campaign(
    bureau: Bureau,
    schools: list[School],
    *,
    name: str = "",
    starts_on: date | None = None,
    ends_on: date | None = None,
    kind: str = InspectionKind.SPECIAL,
    good_practice: str = "",
    inspected: list[School] | None = None,
) -> Campaign:
    """A campaign of ``schools`` with an inspection of each one in ``inspected``
    (default: all), running from a week before the test clock's today unless dated."""
    starts_on = starts_on or timezone.localdate() - dt.timedelta(days=7)
    ends_on = ends_on or starts_on + dt.timedelta(days=7)
    name = name or f"{starts_on.year}年春季开学安全专项检查"
    campaign = Campaign.objects.create(
        bureau=bureau,
        kind=kind,
        name=name,
        theme="开学前",
        starts_on=starts_on,
        ends_on=ends_on,
        checklist=current_checklist(bureau),
        good_practice=good_practice,
    )
    campaign.schools.set(schools)
    for school in schools if inspected is None else inspected:
        Inspection.objects.create(
            school=school,
            kind=kind,
            campaign=campaign,
            checklist=campaign.checklist,
            due_on=ends_on,
            inspected_on=starts_on + dt.timedelta(days=1),
            status=InspectionStatus.SUBMITTED,
            submitted_at=local(starts_on + dt.timedelta(days=1)),
            items_total=3,
        )
    return campaign


def campaign_inspection(campaign: Campaign, school: School) -> Inspection:
    return Inspection.objects.get(campaign=campaign, school=school)
