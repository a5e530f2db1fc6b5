"""Inspections: starting monthly self-inspections and campaign inspections, saving
drafts, photos, submission (failed items become hazards) and return by the bureau.
Campaigns themselves are in ``services.campaigns``, chasing missing self-inspections
in ``services.chase``.

Who fills what:
- a monthly self-inspection is filled by the school's own (not read-only) users;
- a campaign inspection (spot / special / supervisory) is the bureau's check: the
  campaign's team and the safety department fill it, never the inspected school;
- the safety department sends a submitted self-inspection back with a reason; the
  school fixes it and submits again. Every round is in the audit log.

Draft results are saved item by item as the form is filled (no audit row for each
click: a draft is working state); creating, saving the whole draft, submitting,
returning and photos are audited, and the submit's audit row carries the results.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import IO, Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone

from edubureau.audit.models import AuditEvent
from edubureau.audit.services import (
    audit_append,
    audit_change,
    audit_create,
    audit_delete,
    changed_event,
    created_event,
    snapshot,
)
from edubureau.core.calendar import add_working_days
from edubureau.core.photos import (
    StoredPhoto,
    ensure_photo_room,
    remove_photo_files,
    removed_on_error,
    store_photos,
)
from edubureau.notifications.models import Level
from edubureau.notifications.services import notify
from edubureau.orgs import wall
from edubureau.orgs.models import Bureau, School
from edubureau.orgs.scoping import is_department_staff, schools_writable_by
from edubureau.orgs.selectors import school_recipients
from edubureau.rectification.lifecycle import NotAllowed
from edubureau.rectification.models import Severity
from edubureau.safety import notices
from edubureau.safety.models import (
    SAFETY,
    Campaign,
    Checklist,
    ChecklistItem,
    Hazard,
    HazardSource,
    Inspection,
    InspectionKind,
    InspectionPhoto,
    InspectionStatus,
    ItemResult,
)
from edubureau.safety.models.inspections import self_inspection_schools
from edubureau.safety.services.checklists import checklist_install_default
from edubureau.safety.services.hazards import Finding, hazard_report_many

RETURN_TOPIC = "safety.inspection_returned"
MAX_MISSING_LISTED = 10
# Checked for every item of every save; ``Choices.values`` builds a new list each time.
RESULTS = frozenset(ItemResult.values)
SEVERITIES = frozenset(Severity.values)


class InspectionError(ValueError):
    """An inspection change that cannot be made; the message says why, in Chinese."""


class InspectionIncomplete(InspectionError):
    """A submit with items left without a result (or failed items without a description)."""

    def __init__(self, message: str, missing: Sequence[ChecklistItem]) -> None:
        super().__init__(message)
        self.missing = list(missing)


# Due dates --------------------------------------------------------------------


def due_working_day() -> int:
    """The working day of the month by which the monthly self-inspection is due."""
    value = int(getattr(settings, "SAFETY_SELF_INSPECTION_DUE_WORKING_DAY", 5))
    return min(max(value, 1), 20)


def month_start(day: date) -> date:
    return day.replace(day=1)


def self_inspection_due_on(period: date, *, working_day: int | None = None) -> date:
    """The Nth working day of ``period``'s month (holidays and make-up days honoured):
    in October 2026, after the National Day holiday, the 5th working day is the 13th."""
    n = working_day if working_day is not None else due_working_day()
    return add_working_days(month_start(period) - timedelta(days=1), n)


# Permissions --------------------------------------------------------------------


def is_safety_staff(user: Any) -> bool:
    return is_department_staff(user, SAFETY)


def can_fill_self(user: Any, school: School) -> bool:
    """The school's own users fill its monthly self-inspection (not read-only ones):
    the door's writers narrowed in ``models.inspections.self_inspection_schools``."""
    return self_inspection_schools(user).filter(pk=school.pk).exists()


def can_fill_any_self(user: Any) -> bool:
    """Whether the user fills a self-inspection at all (the list's 填报 button)."""
    return self_inspection_schools(user).exists()


def can_fill_campaign(user: Any, campaign: Campaign) -> bool:
    """A campaign is its bureau's check: its team fills it (``Campaign.objects.fillable_by``)."""
    return Campaign.objects.fillable_by(user).filter(pk=campaign.pk).exists()


def can_fill(user: Any, inspection: Inspection) -> bool:
    """Who fills an inspection: ``Inspection.objects.writable_by`` (the rule of both kinds)."""
    return Inspection.objects.writable_by(user).filter(pk=inspection.pk).exists()


def _reviews(user: Any, inspection: Inspection) -> bool:
    """The door's writers of the school's safety records, narrowed to the safety
    department: returning is the bureau's review of what the school filed, not the
    school's own nor an inspector's."""
    return is_safety_staff(user) and (
        schools_writable_by(user, owner=Inspection.owner_department_code)
        .filter(pk=inspection.school_id)
        .exists()
    )


def can_return(user: Any, inspection: Inspection) -> bool:
    """The safety department sends a submitted self-inspection back."""
    return (
        inspection.kind == InspectionKind.SELF
        and inspection.status == InspectionStatus.SUBMITTED
        and _reviews(user, inspection)
    )


def is_editable(inspection: Inspection) -> bool:
    return inspection.status in (InspectionStatus.DRAFT, InspectionStatus.RETURNED)


# Results ------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemEntry:
    """One item's answer as posted: result, note and, for a hazard, its details."""

    result: str = ""
    note: str = ""
    description: str = ""
    location: str = ""
    severity: str = ""

    def as_json(self) -> dict[str, str]:
        """The stored form; hazard details are kept only for a failed item."""
        data = {"r": self.result, "n": self.note}
        if self.result == ItemResult.HAZARD:
            data |= {"d": self.description, "l": self.location, "s": self.severity}
        return {k: v for k, v in data.items() if v}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> ItemEntry:
        data = data or {}
        return cls(
            result=data.get("r", ""),
            note=data.get("n", ""),
            description=data.get("d", ""),
            location=data.get("l", ""),
            severity=data.get("s", ""),
        )


@dataclass(frozen=True)
class Header:
    inspected_on: date | None = None
    leader: str | None = None
    participants: str | None = None
    summary: str | None = None


@dataclass
class SaveOutcome:
    inspection: Inspection
    submitted: bool = False
    already_submitted: bool = False
    hazards_created: list[Hazard] = field(default_factory=list)


def applicable_items(checklist: Checklist, school_kind: str) -> list[ChecklistItem]:
    """The items of ``checklist`` that apply to a school of ``school_kind``, in order.

    A checklist version is never edited (``services.checklists``: an edit makes a new
    version), so its items are read once per process and version, not on every form,
    save and submit. The instances are shared between requests: read them, never
    change them."""
    items = _checklist_items(
        checklist.pk, checklist.bureau_id, checklist.version, checklist.created_at
    )
    return [i for i in items if i.applies_to_kind(school_kind)]


@lru_cache(maxsize=256)
def _checklist_items(
    checklist_id: int, bureau_id: int, version: int, created_at: Any
) -> tuple[ChecklistItem, ...]:
    # Keyed by more than the id: a test database rolled back reuses ids (SQLite hands
    # out the next id after the highest row), so another test's checklist 1 of the
    # same bureau id would otherwise get these items. The bureau, the version and the
    # creation time tell them apart, and the root conftest clears the cache around
    # every test as well (a frozen clock gives two tests the same creation time).
    # In production ids are never reused and a version never changes.
    return tuple(
        ChecklistItem.objects.filter(checklist_id=checklist_id)
        .select_related("category")
        .order_by("category__sort_order", "sort_order", "id")
    )


def clear_item_cache() -> None:
    """Forget the cached items (tests, whose rolled-back ids come back)."""
    _checklist_items.cache_clear()


# Starting an inspection -----------------------------------------------------------


def current_checklist_for(bureau_id: int) -> Checklist:
    checklist = Checklist.objects.filter(bureau_id=bureau_id, is_current=True).first()
    if checklist is None:
        # A bureau that never set one up gets the default; a school is never blocked.
        checklist = checklist_install_default(bureau=Bureau.objects.get(pk=bureau_id))
    return checklist


def inspection_start_self(
    *, actor: Any, school: School, period: date, client_id: uuid.UUID | None = None
) -> Inspection:
    """The school's self-inspection for ``period``'s month: the existing one, or a new
    draft against the current checklist. One per school per month (a constraint)."""
    if not can_fill_self(actor, school):
        raise NotAllowed("只有本校（非只读）用户可以填报本校的月度自查")
    period = month_start(period)
    today = timezone.localdate()
    if period > month_start(today):
        raise InspectionError("不能填报未来月份的自查")
    existing = Inspection.objects.filter(
        school=school, kind=InspectionKind.SELF, period=period
    ).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            inspection = Inspection.objects.create(
                school=school,
                kind=InspectionKind.SELF,
                checklist=current_checklist_for(school.bureau_id),
                period=period,
                due_on=self_inspection_due_on(period),
                inspected_on=min(today, month_end(period)),
                client_id=client_id or uuid.uuid4(),
                created_by=actor,
            )
            audit_create(actor=actor, obj=inspection, detail="开始月度自查")
    except IntegrityError:
        # Two taps at once: the other request created it.
        return Inspection.objects.get(school=school, kind=InspectionKind.SELF, period=period)
    return inspection


def inspection_start_campaign(
    *, actor: Any, campaign: Campaign, school: School, client_id: uuid.UUID | None = None
) -> Inspection:
    """The campaign's inspection of ``school`` (existing or a new draft)."""
    if not can_fill_campaign(actor, campaign):
        raise NotAllowed("只有检查组成员或安全股工作人员可以填写该检查")
    if not campaign.schools.filter(pk=school.pk).exists():
        raise InspectionError("该学校不在本次检查范围内")
    existing = Inspection.objects.filter(campaign=campaign, school=school).first()
    if existing is not None:
        return existing
    today = timezone.localdate()
    try:
        with transaction.atomic():
            inspection = Inspection.objects.create(
                school=school,
                kind=campaign.kind,
                campaign=campaign,
                checklist=campaign.checklist,
                due_on=campaign.ends_on,
                inspected_on=min(max(today, campaign.starts_on), campaign.ends_on),
                client_id=client_id or uuid.uuid4(),
                created_by=actor,
            )
            audit_create(actor=actor, obj=inspection, detail=f"开始检查：{campaign.name}")
    except IntegrityError:
        return Inspection.objects.get(campaign=campaign, school=school)
    return inspection


def month_end(period: date) -> date:
    nxt = (period.replace(day=28) + timedelta(days=4)).replace(day=1)
    return nxt - timedelta(days=1)


# Saving and submitting ------------------------------------------------------------


@transaction.atomic
def inspection_save_new_self(
    *,
    actor: Any,
    school: School,
    period: date,
    client_id: uuid.UUID,
    entries: Mapping[int, ItemEntry],
    header: Header | None = None,
    photos: Mapping[int | None, Sequence[IO[bytes]]] | None = None,
    submit: bool = False,
    audit: bool = True,
) -> SaveOutcome:
    """The first save of a self-inspection form that had no row yet. A retried post
    (same ``client_id``) finds the row it created instead of making another; a refused
    submit leaves no row behind."""
    # Across the database wall (orgs/wall.py): an id another school's row holds must
    # be known here, or the insert below would collide with it. Only its school is read.
    with wall.unrestricted():
        owner = Inspection.objects.filter(client_id=client_id).values_list("school_id").first()
    existing = None
    if owner is not None:
        existing = Inspection.objects.filter(client_id=client_id, school=school).first()
    if existing is not None:
        inspection = existing
    else:
        # An id already taken elsewhere is not reused (it identifies that other row).
        inspection = inspection_start_self(
            actor=actor,
            school=school,
            period=period,
            client_id=client_id if owner is None else None,
        )
    return inspection_save(
        actor=actor,
        inspection=inspection,
        entries=entries,
        header=header,
        photos=photos,
        submit=submit,
        audit=audit,
    )


def inspection_save(
    *,
    actor: Any,
    inspection: Inspection | int,
    entries: Mapping[int, ItemEntry],
    header: Header | None = None,
    photos: Mapping[int | None, Sequence[IO[bytes]]] | None = None,
    submit: bool = False,
    audit: bool = True,
) -> SaveOutcome:
    """Merge the posted item answers into the draft (only the items posted), attach
    photos, and with ``submit`` check completeness and submit.

    ``inspection`` is the row or its id: either way it is read once more, locked,
    through ``Inspection.objects.writable_by(actor)`` (:class:`NotAllowed` if the actor
    may not fill it), so a caller need not read it first — the submit's one read of
    the row. Answers and photos naming an item that is not one of its checklist's
    items for the school are refused. A submit of an inspection that is already
    submitted returns it unchanged (``already_submitted``): a retried submit never
    makes duplicate hazards. A refused submit changes nothing at all. ``audit=False``
    is the per-item autosave.
    """
    inspection_id = inspection if isinstance(inspection, int) else inspection.pk
    pairs = [(item_id, upload) for item_id, uploads in (photos or {}).items() for upload in uploads]
    files: list[StoredPhoto] = []
    if pairs:
        # Photos posted with the form (the page without JavaScript) are checked and
        # written before the row is locked (re-encoding is slow), for the school an
        # unlocked read names; a submit retried after it went through stores none.
        target = Inspection.objects.writable_by(actor).filter(pk=inspection_id).first()
        if target is None:
            raise NotAllowed("您不能填写该检查")
        if submit and target.status == InspectionStatus.SUBMITTED:
            return SaveOutcome(inspection=target, already_submitted=True)
        _ensure_photo_room(target, len(pairs))
        files = store_photos((u for _, u in pairs), folder=f"inspections/{target.school_id}")
    stored = [(item_id, f) for (item_id, _), f in zip(pairs, files, strict=True)]
    with removed_on_error(files), transaction.atomic():
        return _save_locked(
            actor=actor,
            inspection_id=inspection_id,
            entries=entries,
            header=header,
            stored=stored,
            submit=submit,
            audit=audit,
        )


def _save_locked(
    *,
    actor: Any,
    inspection_id: int,
    entries: Mapping[int, ItemEntry],
    header: Header | None,
    stored: Sequence[tuple[int | None, StoredPhoto]],
    submit: bool,
    audit: bool,
) -> SaveOutcome:
    # Who may fill it (can_fill), checked on the locked row itself; the inspection's row
    # only: FOR UPDATE would lock the joined school's and checklist's rows as well.
    # One row by its key: no ORDER BY (``first()`` would add one, and ordering costs
    # Django a pass over the ~70 columns selected).
    locked = next(
        iter(
            Inspection.objects.writable_by(actor)
            .select_for_update(of=("self",))
            .select_related("school", "checklist")
            .filter(pk=inspection_id)
            .order_by()[:1]
        ),
        None,
    )
    if locked is None:
        raise NotAllowed("您不能填写该检查")
    if submit and locked.status == InspectionStatus.SUBMITTED:
        return SaveOutcome(inspection=locked, already_submitted=True)
    if not is_editable(locked):
        raise InspectionError("本次检查已提交，不能再修改；如需修改，请联系教育局安全股退回。")
    before = snapshot(locked)
    # Read once per process and checklist version (applicable_items).
    items = applicable_items(locked.checklist, locked.school.kind)
    by_id = {i.pk: i for i in items}
    results = dict(locked.results or {})
    for item_id, entry in entries.items():
        item = by_id.get(item_id)
        if item is None:
            # A forged post, or a page opened before the checklist was changed.
            raise InspectionError(
                "提交的排查事项不属于本次检查（检查表可能已更新），请刷新页面后重新填写"
            )
        _check_entry(item, entry)
        key = str(item_id)
        previous = results.get(key)
        # Nothing kept yet (every item of a first submit): nothing to merge with.
        kept = (_merge(ItemEntry.from_json(previous), entry) if previous else entry).as_json()
        if kept:
            results[key] = kept
        else:
            results.pop(key, None)
    locked.results = results
    if header is not None:
        _apply_header(locked, header)
    # Every audit write locks the chain's one head row until the commit, for every
    # writer of the deployment: the events are collected and appended together as
    # the transaction's last writes (in the order they were made), so concurrent
    # submits wait on each other for those last queries only.
    events: list[AuditEvent | None] = []
    for photo_item_id, photo in stored:
        if photo_item_id is not None and photo_item_id not in by_id:
            raise InspectionError("照片对应的排查事项不属于本次检查")
        item = by_id.get(photo_item_id) if photo_item_id else None
        events.append(_photo_row(actor, locked, photo, item=item)[1])
    outcome = SaveOutcome(inspection=locked)
    if submit:
        _check_complete(items, results)
        outcome.hazards_created, earlier = _report_hazards(actor, locked, items, results, events)
        # One message for the whole submit (a burst of findings is one notification).
        notices.inspection_hazards_reported(
            inspection=locked, hazards=outcome.hazards_created, actor=actor
        )
        resubmit = locked.status == InspectionStatus.RETURNED
        now = timezone.now()
        locked.status = InspectionStatus.SUBMITTED
        # Timeliness is judged on the first submission; later rounds are in the audit log.
        if locked.submitted_at is None:
            locked.submitted_at = now
        locked.submitted_by = actor
        locked.items_total = sum(
            1 for i in items if results.get(str(i.pk), {}).get("r") != ItemResult.NOT_APPLICABLE
        )
        locked.hazards_found = earlier + len(outcome.hazards_created)
        _save_changed(locked, before)
        detail = "重新提交（退回后）" if resubmit else "提交检查"
        events.append(changed_event(actor=actor, obj=locked, before=before, detail=detail))
        outcome.submitted = True
    else:
        _save_changed(locked, before)
        if audit:
            events.append(changed_event(actor=actor, obj=locked, before=before, detail="保存草稿"))
    audit_append(events)
    return outcome


def _save_changed(inspection: Inspection, before: Mapping[str, Any]) -> None:
    """Write the columns that changed since ``before`` (its snapshot) and the time of
    the save (the form's 已保存 time, even when nothing changed). A submit's UPDATE
    then names its 8 changed columns rather than all 26."""
    after = snapshot(inspection)
    changed = [f.attname for f in _WRITABLE if after[f.attname] != before[f.attname]]
    inspection.save(update_fields=[*changed, "updated_at"])


# GeneratedField columns (the record date) are the database's to write.
_WRITABLE = [f for f in Inspection._meta.concrete_fields if not f.generated and not f.primary_key]


def _merge(old: ItemEntry, new: ItemEntry) -> ItemEntry:
    """A posted item replaces the stored one; an empty result keeps the stored result
    (a form that does not post a radio button did not mean to clear it)."""
    return ItemEntry(
        result=new.result or old.result,
        note=new.note,
        description=new.description,
        location=new.location,
        severity=new.severity,
    )


def _check_entry(item: ChecklistItem, entry: ItemEntry) -> None:
    if entry.result and entry.result not in RESULTS:
        raise InspectionError(f"“{item.text}”的检查结果无效")
    if entry.severity and entry.severity not in SEVERITIES:
        raise InspectionError(f"“{item.text}”的隐患等级无效")
    if len(entry.note) > 500 or len(entry.description) > 500 or len(entry.location) > 100:
        raise InspectionError(f"“{item.text}”的说明过长（备注、描述不超过500字，部位不超过100字）")


def _apply_header(inspection: Inspection, header: Header) -> None:
    if header.inspected_on is not None:
        if header.inspected_on > timezone.localdate():
            raise InspectionError("检查日期不能晚于今天")
        if inspection.period and header.inspected_on < inspection.period:
            raise InspectionError(f"检查日期不能早于{inspection.period:%Y年%m月}")
        inspection.inspected_on = header.inspected_on
    for name, limit in (("leader", 40), ("participants", 200), ("summary", 2000)):
        value = getattr(header, name)
        if value is not None:
            value = value.strip()
            if len(value) > limit:
                field = Inspection._meta.get_field(name)
                assert isinstance(field, models.Field)
                raise InspectionError(f"{field.verbose_name}过长")
            setattr(inspection, name, value)


def _check_complete(items: Sequence[ChecklistItem], results: Mapping[str, Any]) -> None:
    missing = [i for i in items if not results.get(str(i.pk), {}).get("r")]
    if missing:
        raise InspectionIncomplete(
            f"还有{len(missing)}个事项未填写检查结果，请逐项选择“合格”“存在隐患”或“不适用”后再提交："
            + _list_items(missing),
            missing,
        )
    undescribed = [
        i
        for i in items
        if results[str(i.pk)].get("r") == ItemResult.HAZARD and not results[str(i.pk)].get("d")
    ]
    if undescribed:
        raise InspectionIncomplete(
            "以下存在隐患的事项请填写隐患描述：" + _list_items(undescribed), undescribed
        )


def _list_items(items: Sequence[ChecklistItem]) -> str:
    shown = [f"{i.category.name}—{i.text}" for i in items[:MAX_MISSING_LISTED]]
    more = f"等，共{len(items)}项" if len(items) > MAX_MISSING_LISTED else ""
    return "；".join(shown) + more + "。"


def _report_hazards(
    actor: Any,
    inspection: Inspection,
    items: Sequence[ChecklistItem],
    results: Mapping[str, Any],
    events: list[AuditEvent | None],
) -> tuple[list[Hazard], int]:
    """A hazard for each failed item that has none from this inspection yet (so a
    resubmission after a return adds only what is new), and how many hazards the
    inspection had before. Their audit events go to ``events``."""
    # A draft was never submitted, and only a submit reports hazards for an inspection;
    # a returned one keeps those of its earlier rounds.
    earlier = (
        list(
            Hazard.objects.filter(inspection=inspection)
            .order_by()
            .values_list("item_id", flat=True)
        )
        if inspection.status != InspectionStatus.DRAFT
        else []
    )
    done = {item_id for item_id in earlier if item_id is not None}
    findings = []
    for item in items:
        answer = results.get(str(item.pk))
        if not answer or answer.get("r") != ItemResult.HAZARD or item.pk in done:
            continue
        entry = ItemEntry.from_json(answer)
        findings.append(
            Finding(
                category=item.category,
                description=entry.description,
                severity=entry.severity or item.default_severity,
                item=item,
                location=entry.location,
            )
        )
    if not findings:
        return [], len(earlier)
    created_events: list[AuditEvent] = []
    created = hazard_report_many(
        actor=actor,
        school=inspection.school,
        source=HazardSource.INSPECTION,
        reported_on=inspection.inspected_on,
        findings=findings,
        inspection=inspection,
        verifying_bureau=(
            inspection.campaign.verifier_for(inspection.school)
            if inspection.campaign is not None
            else None
        ),
        audit_events=created_events,
    )
    events.extend(created_events)
    return created, len(earlier)


# Return (send back) -----------------------------------------------------------------


@transaction.atomic
def inspection_return(*, actor: Any, inspection: Inspection, reason: str) -> Inspection:
    """The safety department sends a submitted self-inspection back with a reason; the
    school's users are notified, fix it and submit again."""
    locked = Inspection.objects.select_for_update().select_related("school").get(pk=inspection.pk)
    if not _reviews(actor, locked):
        raise NotAllowed("只有安全股工作人员可以退回检查")
    if locked.kind != InspectionKind.SELF:
        raise InspectionError("只有月度自查可以退回学校")
    if locked.status != InspectionStatus.SUBMITTED:
        raise InspectionError("只有已提交的检查可以退回")
    reason = reason.strip()
    if not reason:
        raise InspectionError("请填写退回原因")
    before = snapshot(locked)
    locked.status = InspectionStatus.RETURNED
    locked.return_reason = reason[:2000]
    locked.save()
    audit_change(actor=actor, obj=locked, before=before, detail=f"退回：{reason[:200]}")
    users = school_recipients(locked.school_id)
    if users:
        notify(
            recipients=users,
            title=f"{locked}被退回，请修改后重新提交"[:200],
            body=f"退回原因：{reason}",
            link=reverse("safety:inspection-edit", kwargs={"inspection_id": locked.pk}),
            level=Level.WARNING,
            topic=RETURN_TOPIC,
            school_id=locked.school_id,
        )
    return locked


# Photos ---------------------------------------------------------------------------
#
# Files are written before the rows that point at them (a bad photo then changes
# nothing) and removed again when the transaction fails.


def inspection_photo_add(
    *, actor: Any, inspection: Inspection, upload: IO[bytes], item: ChecklistItem | None = None
) -> InspectionPhoto:
    """Check and store one photo (``PhotoRejected`` says why it was refused)."""
    if not can_fill(actor, inspection):
        raise NotAllowed("您不能为该检查上传照片")
    if not is_editable(inspection):
        raise InspectionError("本次检查已提交，不能再上传照片")
    if item is not None and (
        item.checklist_id != inspection.checklist_id
        or not item.applies_to_kind(inspection.school.kind)
    ):
        raise InspectionError("照片对应的排查事项不属于本次检查")
    _ensure_photo_room(inspection, 1)
    stored = store_photos([upload], folder=f"inspections/{inspection.school_id}")
    with removed_on_error(stored), transaction.atomic():
        photo, event = _photo_row(actor, inspection, stored[0], item=item)
        audit_append([event])
    return photo


# An inspection of ~90 items rarely needs more than one or two photos per failed item.
MAX_PHOTOS_PER_INSPECTION = 200


def _ensure_photo_room(inspection: Inspection, adding: int) -> None:
    ensure_photo_room(
        adding=adding,
        school_id=inspection.school_id,
        already=inspection.photos.count(),
        cap=MAX_PHOTOS_PER_INSPECTION,
        what="每次检查",
    )


@transaction.atomic
def inspection_photo_delete(*, actor: Any, photo: InspectionPhoto) -> None:
    inspection = photo.inspection
    if not can_fill(actor, inspection):
        raise NotAllowed("您不能删除该照片")
    if not is_editable(inspection):
        raise InspectionError("本次检查已提交，不能再删除照片")
    path = photo.path
    audit_delete(actor=actor, obj=photo)
    photo.delete()
    transaction.on_commit(lambda: remove_photo_files([path]))


def _photo_row(
    actor: Any, inspection: Inspection, stored: StoredPhoto, *, item: ChecklistItem | None
) -> tuple[InspectionPhoto, AuditEvent]:
    """The photo's row, and its audit event for the caller to write (``audit_append``)."""
    photo = InspectionPhoto.objects.create(
        school_id=inspection.school_id,
        inspection=inspection,
        item=item,
        uploaded_by=actor,
        **stored.fields(),
    )
    detail = f"检查照片：{item.text if item else '现场照片'}"
    return photo, created_event(actor=actor, obj=photo, detail=detail)
