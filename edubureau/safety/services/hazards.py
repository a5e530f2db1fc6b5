"""Reporting hazards. The rest of a hazard's life (plan, rectify, verify, close)
goes through the shared lifecycle in edubureau.rectification.lifecycle."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import IO, Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from edubureau.audit.models import AuditEvent
from edubureau.audit.services import (
    audit_append,
    audit_change,
    audit_create,
    created_event,
    snapshot,
)
from edubureau.core.concurrency import UNCHECKED, LoadedVersion, ensure_unchanged
from edubureau.core.photos import (
    StoredPhoto,
    ensure_photo_room,
    removed_on_error,
    store_photos,
)
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
    item_key = item.key if item is not None else ""
    hazard = _new_hazard(
        actor=actor,
        school=school,
        source=source,
        reported_on=reported_on,
        finding=Finding(
            category=category,
            description=description,
            severity=severity,
            item=item,
            location=location,
            responsible_person=responsible_person,
        ),
        inspection=inspection,
        verifying_bureau=verifying_bureau,
        repeat_of=find_repeat_of(school_id=school.pk, item_key=item_key, reported_on=reported_on),
    )
    hazard.save(force_insert=True)
    _report_step(actor, hazard).save(force_insert=True)
    audit_create(actor=actor, obj=hazard)
    return hazard


@dataclass(frozen=True)
class Finding:
    """What one reported hazard says (:func:`hazard_report_many` takes a list)."""

    category: ChecklistCategory
    description: str
    severity: str = Severity.MINOR
    item: ChecklistItem | None = None
    location: str = ""
    responsible_person: str = ""


def hazard_report_many(
    *,
    actor: Any,
    school: School,
    source: str,
    reported_on: date,
    findings: Sequence[Finding],
    inspection: Inspection | None = None,
    verifying_bureau: Bureau | None = None,
    audit_events: list[AuditEvent] | None = None,
) -> list[Hazard]:
    """:func:`hazard_report` for several hazards of one school at once (an
    inspection's submit): the same rows — each hazard, its "report" step and its audit
    event — in a fixed number of queries however many there are. The findings must be
    of different items (an inspection has one answer per item), since none of them is
    a repeat of another. ``audit_events``: a list to add the audit events to, for a
    caller that appends its own with them at the end of its transaction
    (``audit_append``); without it they are written here."""
    keys = [f.item.key for f in findings if f.item is not None]
    if len(keys) != len(set(keys)):
        raise ValueError("同一排查事项不能在一次上报中出现两次")
    repeats = find_repeats_of(school_id=school.pk, item_keys=keys, reported_on=reported_on)
    hazards = [
        _new_hazard(
            actor=actor,
            school=school,
            source=source,
            reported_on=reported_on,
            finding=finding,
            inspection=inspection,
            verifying_bureau=verifying_bureau,
            repeat_of=repeats.get(finding.item.key) if finding.item is not None else None,
        )
        for finding in findings
    ]
    if not hazards:
        return hazards
    # No savepoint of its own: a failure here fails the caller's whole transaction.
    with transaction.atomic(savepoint=False):
        # Both databases return the new keys from a multi-row insert (PostgreSQL, and
        # SQLite from 3.35), which the steps and the audit events need.
        Hazard.objects.bulk_create(hazards)
        RectificationStep.objects.bulk_create([_report_step(actor, h) for h in hazards])
        events = [created_event(actor=actor, obj=h) for h in hazards]
        if audit_events is None:
            audit_append(events)
        else:
            audit_events.extend(events)
    return hazards


def find_repeats_of(
    *, school_id: int, item_keys: Collection[str], reported_on: date
) -> dict[str, Hazard]:
    """:func:`find_repeat_of` for several items in one query: by item key, the latest
    earlier hazard of that item at the school inside the window."""
    if not item_keys:
        return {}
    since = reported_on - timedelta(days=repeat_window_days())
    found: dict[str, Hazard] = {}
    earlier = Hazard.objects.filter(
        school_id=school_id,
        item_key__in=list(item_keys),
        reported_on__gte=since,
        reported_on__lte=reported_on,
    ).order_by("item_key", "-reported_on", "-id")
    # Only what a new hazard's repeat_of needs: this runs inside every submit.
    for hazard in earlier.only("pk", "item_key"):
        found.setdefault(hazard.item_key, hazard)
    return found


def _new_hazard(
    *,
    actor: Any,
    school: School,
    source: str,
    reported_on: date,
    finding: Finding,
    inspection: Inspection | None,
    verifying_bureau: Bureau | None,
    repeat_of: Hazard | None,
) -> Hazard:
    """The unsaved row of a newly reported hazard: one rule for one hazard and many."""
    if not finding.description.strip():
        raise ValueError("请填写隐患描述")
    item, category, severity = finding.item, finding.category, finding.severity
    return Hazard(
        school=school,
        source=source,
        inspection=inspection,
        item=item,
        item_key=item.key if item is not None else "",
        category=category,
        category_key=category.key,
        severity=Severity(severity),
        description=finding.description.strip(),
        location=finding.location.strip(),
        responsible_person=finding.responsible_person.strip(),
        reported_on=reported_on,
        reported_by=actor,
        deadline=default_deadline(severity=severity, found_on=reported_on),
        repeat_of=repeat_of,
        status=Status.REPORTED,
        verifying_bureau=verifying_bureau,
    )


def _report_step(actor: Any, hazard: Hazard) -> RectificationStep:
    """The unsaved "report" step every new hazard's history starts with."""
    return RectificationStep(
        school_id=hazard.school_id,
        content_type=ContentType.objects.get_for_model(Hazard),
        object_id=hazard.pk,
        action="report",
        from_status="",
        to_status=Status.REPORTED,
        actor=actor,
    )


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
    if photos:
        ensure_photo_room(adding=len(photos), school_id=school.pk)
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


# Every round of rectification adds its photos to the hazard's file (at most 9 a post).
MAX_PHOTOS_PER_HAZARD = 30


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
    if photos:
        ensure_photo_room(
            adding=len(photos),
            school_id=hazard.school_id,
            already=hazard.photos.count(),
            cap=MAX_PHOTOS_PER_HAZARD,
            what="每条隐患（各轮整改合计）",
        )
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
