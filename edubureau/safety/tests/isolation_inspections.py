"""Isolation-check targets for the inspections routes (see edubureau/testing/isolation.py):
each party's self-inspection and its photo, and each party bureau's checklist and item.
A bureau's checklist is its own setting: the bureaus above do not read it."""

from __future__ import annotations

import io

from edubureau.core.photos import store_photo
from edubureau.safety.models import Checklist, ChecklistItem, Inspection, InspectionPhoto
from edubureau.safety.tests.factories_hazards import png_bytes
from edubureau.safety.tests.factories_inspections import (
    make_photo,
    make_self_inspection,
    small_checklist,
)
from edubureau.testing.cast import Cast
from edubureau.testing.isolation import (
    Party,
    parties,
    register_listing,
    register_rowless_route,
    register_target,
)


def _inspection(cast: Cast, party: Party) -> Inspection:
    existing = Inspection.objects.filter(school=party.school, campaign=None).first()
    if existing is not None:
        return existing
    return make_self_inspection(party.school, summary=f"自查情况{party.marker}")


def _photo(cast: Cast, party: Party) -> InspectionPhoto:
    """With its file (under the walk's MEDIA_ROOT), so that a reader gets 200."""
    inspection = _inspection(cast, party)
    existing: InspectionPhoto | None = inspection.photos.first()
    if existing is not None:
        return existing
    stored = store_photo(io.BytesIO(png_bytes()), folder=f"isolation/{party.key}")
    photo: InspectionPhoto = make_photo(
        inspection, uploaded_by=cast.school_b_officer, path=stored.path
    )
    return photo


def _checklist(cast: Cast, party: Party) -> Checklist | None:
    if party.bureau is None:  # school B's bureau is school A's: its checklist is theirs
        return None
    checklist = small_checklist(party.bureau)
    Checklist.objects.filter(pk=checklist.pk).update(note=f"本局指南{party.marker}")
    return checklist


def _item(cast: Cast, party: Party) -> ChecklistItem | None:
    checklist = _checklist(cast, party)
    return checklist.items.first() if checklist is not None else None


def _school_b_inspection(cast: Cast) -> Inspection:
    return _inspection(cast, parties(cast)[0])


register_target(
    "inspection_id",
    _inspection,
    listed_by=("safety:inspection-list", "safety:inspection-export"),
)
register_target("inspectionphoto_id", _photo)
register_target(
    "checklist_id",
    _checklist,
    listed_by=("safety:checklist-versions", "safety:checklist-current"),
    readers=(),
)
register_target("checklistitem_id", _item, readers=())
# The schools that have not sent this month's self-inspection (every party's is a draft).
register_listing(
    "school_id", "safety:self-inspection-missing", "safety:self-inspection-missing-export"
)
for _name, _reason in {
    "safety:self-inspection-new": "the school's own form",
    "safety:self-inspection-chase": "an action",
    "safety:checklist-install": "an action",
    "safety:checklist-item-add": "a form on the bureau's own checklist",
    "safety:campaign-create": "a form",
}.items():
    register_rowless_route(_name, _reason)
