"""Isolation-check targets for the inspections routes (see edubureau/testing/isolation.py):
school B's inspection and photo, a campaign over school B only, and another bureau's
checklist and item."""

from __future__ import annotations

from edubureau.safety.models import Campaign, Checklist, ChecklistItem, Inspection, InspectionPhoto
from edubureau.safety.tests.factories_inspections import (
    make_campaign,
    make_photo,
    make_self_inspection,
    small_checklist,
)
from edubureau.testing.cast import SCHOOL_B_MARKER, Cast
from edubureau.testing.isolation import OTHER_BUREAU_MARKER, register_target


def _school_b_inspection(cast: Cast) -> Inspection:
    existing = Inspection.objects.filter(school=cast.school_b).first()
    if existing is not None:
        return existing
    return make_self_inspection(
        cast.school_b,
        summary=f"乙校自查情况{SCHOOL_B_MARKER}",
        created_by=cast.school_b_officer,
    )


def _school_b_photo(cast: Cast) -> InspectionPhoto:
    photo: InspectionPhoto = make_photo(
        _school_b_inspection(cast), uploaded_by=cast.school_b_officer
    )
    return photo


def _school_b_campaign(cast: Cast) -> Campaign:
    return make_campaign(
        cast.bureau, schools=[cast.school_b], name=f"乙校专项检查{SCHOOL_B_MARKER}"
    )


def _other_bureau_checklist(cast: Cast) -> Checklist:
    checklist = small_checklist(cast.other_bureau)
    Checklist.objects.filter(pk=checklist.pk).update(note=f"外局指南{OTHER_BUREAU_MARKER}")
    return checklist


def _other_bureau_item(cast: Cast) -> ChecklistItem:
    item: ChecklistItem = _other_bureau_checklist(cast).items.first()  # type: ignore[assignment]
    return item


register_target("inspection_id", _school_b_inspection)
register_target("inspectionphoto_id", _school_b_photo)
register_target("campaign_id", _school_b_campaign)
register_target("checklist_id", _other_bureau_checklist)
register_target("checklistitem_id", _other_bureau_item)
