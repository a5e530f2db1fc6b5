"""Test data for inspections: a small checklist (fast), inspections, campaigns, photos
and image bytes for upload tests."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Max
from PIL import Image

from edubureau.orgs.models import Bureau, School, SchoolKind
from edubureau.rectification.models import Severity
from edubureau.safety.models import (
    Campaign,
    Checklist,
    ChecklistCategory,
    ChecklistItem,
    Inspection,
    InspectionKind,
    InspectionPhoto,
    InspectionStatus,
)
from edubureau.safety.services.inspections import self_inspection_due_on
from edubureau.testing.dates import month_start, today

# key, category, text, default severity, applies_to
SMALL_ITEMS = [
    ("fire_extinguishers", "fire", "灭火器在有效期内且压力正常", Severity.MINOR, []),
    ("fire_exits", "fire", "疏散通道、安全出口畅通", Severity.MAJOR, []),
    ("bld_railings", "buildings", "楼梯、走廊栏杆牢固", Severity.MAJOR, []),
    ("bld_kg_playground", "buildings", "大型玩具完好", Severity.MINOR, [SchoolKind.KINDERGARTEN]),
]
SMALL_CATEGORIES = [("fire", "消防安全"), ("buildings", "校舍安全")]


def small_checklist(bureau: Bureau) -> Checklist:
    """The bureau's current checklist; if it has none, a small one: two categories and
    four items (the last only for kindergartens), so a primary school sees three."""
    existing = Checklist.objects.filter(bureau=bureau, is_current=True).first()
    if existing is not None:
        return existing
    number = Checklist.objects.filter(bureau=bureau).aggregate(m=Max("version"))["m"] or 0
    checklist = Checklist.objects.create(
        bureau=bureau, name="测试排查指南", version=number + 1, is_current=True
    )
    cats = {
        key: ChecklistCategory.objects.create(checklist=checklist, key=key, name=name, sort_order=i)
        for i, (key, name) in enumerate(SMALL_CATEGORIES, start=1)
    }
    for i, (key, cat, text, severity, kinds) in enumerate(SMALL_ITEMS, start=1):
        ChecklistItem.objects.create(
            checklist=checklist,
            category=cats[cat],
            key=key,
            text=text,
            guidance=f"{text}为合格",
            default_severity=severity,
            applies_to=list(kinds),
            sort_order=i,
        )
    return checklist


def items_for(checklist: Checklist, school: School) -> list[ChecklistItem]:
    return [
        i
        for i in checklist.items.order_by("category__sort_order", "sort_order")
        if i.applies_to_kind(school.kind)
    ]


def make_self_inspection(
    school: School,
    *,
    period: date | None = None,
    status: str = InspectionStatus.DRAFT,
    results: dict[str, Any] | None = None,
    created_by: Any = None,
    **fields: Any,
) -> Inspection:
    """A self-inspection row made directly (no service): for lists and isolation.
    ``period`` defaults to the test clock's month."""
    period = period or month_start(today())
    return Inspection.objects.create(
        school=school,
        kind=InspectionKind.SELF,
        checklist=small_checklist(school.bureau),
        period=period,
        due_on=self_inspection_due_on(period),
        inspected_on=fields.pop("inspected_on", period),
        status=status,
        results=results or {},
        created_by=created_by,
        **fields,
    )


def make_campaign(
    bureau: Bureau,
    *,
    schools: list[School],
    team: Sequence[Any] = (),
    name: str = "",
    kind: str = InspectionKind.SPECIAL,
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> Campaign:
    """A campaign running from a week ago to three weeks ahead unless dated."""
    starts_on = starts_on or today() - timedelta(days=7)
    ends_on = ends_on or starts_on + timedelta(days=28)
    name = name or f"{starts_on.year}年秋季开学前安全专项检查"
    campaign = Campaign.objects.create(
        bureau=bureau,
        kind=kind,
        name=name,
        theme="开学前",
        starts_on=starts_on,
        ends_on=ends_on,
        checklist=small_checklist(bureau),
    )
    campaign.schools.set(schools)
    campaign.team.set(team)
    return campaign


def make_photo(inspection: Inspection, *, uploaded_by: Any, path: str = "x/none.jpg") -> Any:
    """A photo row without a file (enough where access is refused before opening it)."""
    return InspectionPhoto.objects.create(
        school_id=inspection.school_id,
        inspection=inspection,
        uploaded_by=uploaded_by,
        path=path,
        content_type="image/jpeg",
        size=1,
        width=1,
        height=1,
    )


def image_bytes(
    fmt: str = "JPEG", size: tuple[int, int] = (40, 30), exif: bytes | None = None
) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, (200, 30, 30))
    kwargs: dict[str, Any] = {"exif": exif} if exif is not None else {}
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    """A JPEG whose EXIF carries a GPS position (as a phone camera writes it)."""
    exif = Image.Exif()
    exif[0x010F] = "TestPhone"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (30.0, 40.0, 12.5)
    gps[3] = "E"
    gps[4] = (104.0, 3.0, 45.0)
    return image_bytes("JPEG", exif=exif.tobytes())


def at(day: date, hour: int = 10) -> dt.datetime:
    """An aware local time on ``day``, for ``time_machine``."""
    return dt.datetime.combine(day, dt.time(hour), tzinfo=ZoneInfo("Asia/Shanghai"))


def form_data(
    items: Sequence[ChecklistItem],
    answers: dict[str, dict[str, str] | str],
    *,
    action: str = "save",
    client_id: Any = None,
    inspected_on: str | None = None,
) -> dict[str, Any]:
    """POST data of the inspection form. ``answers`` maps an item key to a result
    ("pass" / "na") or a dict with r, d, l, s, n for a failed item."""
    data: dict[str, Any] = {"action": action}
    if client_id is not None:
        data["client_id"] = str(client_id)
    if inspected_on is not None:
        data["inspected_on"] = inspected_on
    for item in items:
        answer = answers.get(item.key)
        if answer is None:
            continue
        fields = {"r": answer} if isinstance(answer, str) else dict(answer)
        for name, value in fields.items():
            data[f"{name}_{item.pk}"] = value
    return data
