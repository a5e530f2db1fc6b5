"""Test data for hazards: a small current checklist, hazards made through the real
services (so history steps exist), and a helper that walks a hazard to a state."""

from __future__ import annotations

import datetime as dt
import io
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import factory
from PIL import Image

from edubureau.orgs.models import Bureau, School
from edubureau.rectification.lifecycle import (
    Plan,
    rectification_close,
    rectification_plan,
    rectification_rectify,
    rectification_verify,
)
from edubureau.rectification.models import PlanKind, Severity, Status
from edubureau.safety.models import (
    Checklist,
    ChecklistCategory,
    ChecklistItem,
    Hazard,
    HazardPhoto,
    HazardSource,
)
from edubureau.safety.services.hazards import hazard_report
from edubureau.testing.cast import Cast
from edubureau.testing.dates import today

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int = 10) -> dt.datetime:
    """An aware local time on ``day``, for ``time_machine.move_to``."""
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


class ChecklistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Checklist

    name = "中小学幼儿园安全隐患排查指南"
    version = factory.Sequence(lambda n: n + 1)
    is_current = True


class ChecklistCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChecklistCategory

    checklist = factory.SubFactory(ChecklistFactory)
    key = factory.Sequence(lambda n: f"cat{n}")
    name = factory.Sequence(lambda n: f"第{n}类")


class ChecklistItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChecklistItem

    category = factory.SubFactory(ChecklistCategoryFactory)
    checklist = factory.SelfAttribute("category.checklist")
    key = factory.Sequence(lambda n: f"item{n}")
    text = factory.Sequence(lambda n: f"排查事项{n}")


def current_checklist(bureau: Bureau) -> Checklist:
    """The bureau's current checklist with two categories (fire, building) and three items."""
    existing = Checklist.objects.filter(bureau=bureau, is_current=True).first()
    if existing is not None:
        return existing
    checklist = ChecklistFactory(bureau=bureau)
    fire = ChecklistCategoryFactory(checklist=checklist, key="fire", name="消防安全", sort_order=1)
    building = ChecklistCategoryFactory(
        checklist=checklist, key="building", name="校舍安全", sort_order=2
    )
    ChecklistItemFactory(
        category=fire, key="fire.extinguisher", text="灭火器配置齐全、压力正常、在有效期内"
    )
    ChecklistItemFactory(category=fire, key="fire.exit", text="安全出口、疏散通道畅通")
    ChecklistItemFactory(category=building, key="building.cracks", text="墙体无裂缝、无危房")
    return checklist


def category(bureau: Bureau, key: str = "fire") -> ChecklistCategory:
    return current_checklist(bureau).categories.get(key=key)


def item(bureau: Bureau, key: str = "fire.extinguisher") -> ChecklistItem:
    return current_checklist(bureau).items.get(key=key)


def make_hazard(
    cast: Cast,
    *,
    school: School | None = None,
    reported_on: date | None = None,
    severity: str = Severity.MINOR,
    item_key: str | None = None,
    description: str = "教学楼二楼灭火器压力不足",
    actor: Any = None,
    category_key: str = "fire",
) -> Hazard:
    """A reported hazard, through ``hazard_report`` (history step and audit included)."""
    school = school or cast.school_a
    bureau = school.bureau
    return hazard_report(
        actor=actor or cast.safety_staff,
        school=school,
        category=category(bureau, category_key),
        item=item(bureau, item_key) if item_key else None,
        description=description,
        source=HazardSource.WALKAROUND,
        reported_on=reported_on or today(),
        severity=severity,
        location="教学楼二楼",
    )


PLAN_BY_DEADLINE = Plan(
    kind=PlanKind.BY_DEADLINE, plan_text="更换灭火器", responsible_person="张三"
)


def hazard_in_state(cast: Cast, status: str, **kwargs: Any) -> Hazard:
    """A hazard of ``cast.school_a`` (unless ``school`` is given) walked to ``status``
    through the lifecycle: school officer plans and rectifies, safety staff verify
    and close."""
    hazard = make_hazard(cast, **kwargs)
    school = hazard.school
    writer = cast.school_a_officer if school == cast.school_a else cast.school_b_officer
    order = [Status.REPORTED, Status.PLANNED, Status.RECTIFIED, Status.VERIFIED, Status.CLOSED]
    steps = order.index(Status(status))
    if steps >= 1:
        hazard = rectification_plan(actor=writer, obj=hazard, plan=PLAN_BY_DEADLINE)
    if steps >= 2:
        hazard = rectification_rectify(
            actor=writer,
            obj=hazard,
            evidence_text="已更换新灭火器",
            rectified_on=hazard.reported_on,
        )
    if steps >= 3:
        hazard = rectification_verify(actor=cast.safety_staff, obj=hazard, accept=True)
    if steps >= 4:
        hazard = rectification_close(actor=cast.safety_staff, obj=hazard)
    return hazard


def png_bytes(size: tuple[int, int] = (40, 30), colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def add_photo(hazard: Hazard, *, user: Any, stage: str = HazardPhoto.Stage.REPORT) -> HazardPhoto:
    """A photo row with a real file under MEDIA_ROOT (tests point MEDIA_ROOT at tmp)."""
    from edubureau.core.photos import store_photo

    stored = store_photo(io.BytesIO(png_bytes()), folder=f"hazards/{hazard.school_id}")
    return HazardPhoto.objects.create(
        school_id=hazard.school_id,
        hazard=hazard,
        stage=stage,
        uploaded_by=user,
        path=stored.path,
        content_type=stored.content_type,
        size=stored.size,
        width=stored.width,
        height=stored.height,
    )
