"""Reporting hazards. The rest of a hazard's life (plan, rectify, verify, close)
goes through the shared lifecycle in edubureau.rectification.lifecycle."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import IO, Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from edubureau.audit.services import audit_change, audit_create, snapshot
from edubureau.core.concurrency import UNCHECKED, LoadedVersion, ensure_unchanged
from edubureau.core.photos import StoredPhoto, removed_on_error, store_photos
from edubureau.orgs.models import Bureau, School
from edubureau.orgs.scoping import bureau_id_of, is_department_staff, schools_writable_by
from edubureau.rectification.lifecycle import NotAllowed, default_deadline, rectification_rectify
from edubureau.rectification.models import RectificationStep, Severity, Status
from edubureau.safety import notices
from edubureau.safety.models import (
    SAFETY,
    ChecklistCategory,
    ChecklistItem,
    Hazard,
    HazardPhoto,
    HazardSource,
    Inspection,
    SafetySettings,
)


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
    verifying_bureau: Bureau | None = None,
) -> Hazard:
    """Record a hazard. Its default deadline counts working days by severity; a hazard
    of an item that already failed at this school within the window is flagged as a repeat.
    ``verifying_bureau``: a higher bureau whose campaign found it verifies and closes
    it (``Campaign.verifier_for``); the hazard still belongs to the school's bureau."""
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
        verifying_bureau=verifying_bureau,
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


# Ad hoc reports and photos ------------------------------------------------------
#
# Photo files are written before the rows that point at them (a bad photo then
# changes nothing) and removed again when the transaction fails, so no file is
# left without its row. An outer transaction of a caller that rolls back after
# these functions returned would still leave the files; no caller does that.


def hazard_report_ad_hoc(
    *,
    actor: Any,
    school: School,
    category: ChecklistCategory,
    description: str,
    source: str,
    reported_on: date,
    severity: str = Severity.MINOR,
    item: ChecklistItem | None = None,
    location: str = "",
    responsible_person: str = "",
    photos: Sequence[IO[bytes]] = (),
) -> Hazard:
    """A hazard found outside an inspection (walk-around, complaint, circular from
    above), with its photos, for a school whose hazards the actor may write (the
    door's ``schools_writable_by``)."""
    if source not in HazardSource.values or source == HazardSource.INSPECTION:
        raise ValueError("请选择隐患来源：日常巡查、群众举报或上级通报")
    writable = schools_writable_by(actor, owner=Hazard.owner_department_code)
    if not writable.filter(pk=school.pk, is_active=True).exists():
        raise NotAllowed("您不能为该学校登记隐患")
    if category.checklist.bureau_id != school.bureau_id or (
        item is not None and item.category_id != category.pk
    ):
        raise ValueError("隐患类别或排查事项无效")
    stored = store_photos(photos, folder=f"hazards/{school.pk}")
    with removed_on_error(stored), transaction.atomic():
        hazard = hazard_report(
            actor=actor,
            school=school,
            category=category,
            description=description,
            source=source,
            reported_on=reported_on,
            severity=severity,
            item=item,
            location=location,
            responsible_person=responsible_person,
        )
        _photo_rows(actor, hazard, stored, stage=HazardPhoto.Stage.REPORT, action="report")
        notices.hazard_reported(hazard=hazard, actor=actor)
    return hazard


def hazard_rectify(
    *,
    actor: Any,
    hazard: Hazard,
    evidence_text: str,
    rectified_on: date,
    photos: Sequence[IO[bytes]] = (),
    loaded_version: LoadedVersion = UNCHECKED,
) -> Hazard:
    """Record the rectification (the lifecycle's ``rectification_rectify``) together
    with its evidence photos, all or nothing."""
    stored = store_photos(photos, folder=f"hazards/{hazard.school_id}")
    with removed_on_error(stored), transaction.atomic():
        hazard = rectification_rectify(
            actor=actor,
            obj=hazard,
            evidence_text=evidence_text,
            rectified_on=rectified_on,
            loaded_version=loaded_version,
        )
        step = _photo_rows(
            actor, hazard, stored, stage=HazardPhoto.Stage.EVIDENCE, action="rectify"
        )
        # The hazard keeps only the latest round's text; the round's step keeps its
        # own, so that a rejected round still reads as it was in the history.
        RectificationStep.objects.filter(pk=step.pk).update(note=hazard.evidence_text)
    return hazard


def _photo_rows(
    actor: Any, hazard: Hazard, stored: Sequence[StoredPhoto], *, stage: str, action: str
) -> RectificationStep:
    """The photos' rows, each linked to the step just written (the latest ``action``
    step of the hazard: the caller holds its lock, so no other step comes between);
    returns that step."""
    step = (
        RectificationStep.objects.filter(
            content_type=ContentType.objects.get_for_model(Hazard),
            object_id=hazard.pk,
            action=action,
        )
        .order_by("-pk")
        .first()
    )
    assert step is not None, f"no {action} step for hazard {hazard.pk}"
    for s in stored:
        photo = HazardPhoto.objects.create(
            school_id=hazard.school_id,
            hazard=hazard,
            stage=stage,
            step=step,
            uploaded_by=actor,
            **s.fields(),
        )
        audit_create(actor=actor, obj=photo, detail=HazardPhoto.Stage(stage).label)
    return step


# The bureau's safety settings ---------------------------------------------------------


def can_edit_safety_settings(user: Any) -> bool:
    """The bureau's own safety department (``SafetySettings.objects.writable_by``)."""
    return is_department_staff(user, SAFETY)


def safety_settings_for(user: Any) -> SafetySettings:
    """The user's bureau's settings: its row, or an unsaved one with the defaults."""
    found = SafetySettings.objects.owned_by(user).first()
    return found or SafetySettings(bureau_id=bureau_id_of(user))


@transaction.atomic
def safety_settings_save(
    *,
    actor: Any,
    township_verifies_minor: bool,
    verify_closes: bool | None = None,
    loaded_version: LoadedVersion = UNCHECKED,
) -> SafetySettings:
    """Save the actor's bureau's settings (a county delegating the verification of
    its townships' minor hazards to their central schools; verification closing the
    hazard in the same step). ``verify_closes`` None keeps the saved value. Audited."""
    if not can_edit_safety_settings(actor):
        raise NotAllowed("只有本局安全股工作人员可以修改安全工作设置")
    found = SafetySettings.objects.writable_by(actor).select_for_update().first()
    if found is None:
        # The first save: the page showed the defaults (no version to compare).
        created = SafetySettings.objects.create(
            bureau_id=bureau_id_of(actor),
            township_verifies_minor=township_verifies_minor,
            verify_closes=bool(verify_closes),
        )
        audit_create(actor=actor, obj=created)
        return created
    ensure_unchanged(found, loaded_version, what="安全工作设置")
    before = snapshot(found)
    found.township_verifies_minor = township_verifies_minor
    if verify_closes is not None:
        found.verify_closes = verify_closes
    found.save()
    audit_change(actor=actor, obj=found, before=before)
    return found
