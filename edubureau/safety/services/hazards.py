"""Reporting hazards. The rest of a hazard's life (plan, rectify, verify, close)
goes through the shared lifecycle in edubureau.rectification.lifecycle."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from edubureau.audit.services import audit_create
from edubureau.orgs.models import School
from edubureau.rectification.lifecycle import default_deadline
from edubureau.rectification.models import RectificationStep, Severity, Status
from edubureau.safety.models import ChecklistCategory, ChecklistItem, Hazard, Inspection


def repeat_window_days() -> int:
    return int(getattr(settings, "SAFETY_REPEAT_WINDOW_DAYS", 180))


def find_repeat_of(*, school_id: int, item_key: str, reported_on: date) -> Hazard | None:
    """The latest earlier hazard of the same item at the same school inside the window."""
    if not item_key:
        return None
    since = reported_on - timedelta(days=repeat_window_days())
    return (
        Hazard.objects.filter(
            school_id=school_id,
            item_key=item_key,
            reported_on__gte=since,
            reported_on__lte=reported_on,
        )
        .order_by("-reported_on", "-id")
        .first()
    )


@transaction.atomic
def hazard_report(
    *,
    actor: Any,
    school: School,
    category: ChecklistCategory,
    description: str,
    source: str,
    reported_on: date,
    severity: str = Severity.MINOR,
    item: ChecklistItem | None = None,
    inspection: Inspection | None = None,
    location: str = "",
    responsible_person: str = "",
) -> Hazard:
    """Record a hazard. Its default deadline counts working days by severity; a hazard
    of an item that already failed at this school within the window is flagged as a repeat."""
    if not description.strip():
        raise ValueError("请填写隐患描述")
    item_key = item.key if item is not None else ""
    hazard = Hazard.objects.create(
        school=school,
        source=source,
        inspection=inspection,
        item=item,
        item_key=item_key,
        category=category,
        category_key=category.key,
        severity=Severity(severity),
        description=description.strip(),
        location=location.strip(),
        responsible_person=responsible_person.strip(),
        reported_on=reported_on,
        reported_by=actor,
        deadline=default_deadline(severity=severity, found_on=reported_on),
        repeat_of=find_repeat_of(school_id=school.pk, item_key=item_key, reported_on=reported_on),
        status=Status.REPORTED,
    )
    RectificationStep.objects.create(
        school_id=school.pk,
        content_type=ContentType.objects.get_for_model(Hazard),
        object_id=hazard.pk,
        action="report",
        from_status="",
        to_status=Status.REPORTED,
        actor=actor,
    )
    audit_create(actor=actor, obj=hazard)
    return hazard
