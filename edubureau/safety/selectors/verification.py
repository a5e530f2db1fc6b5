"""What a verifier reads on a hazard: the photos before and after, the inspection it
came from, every round of its history with that round's photos, and which rows of
the 待复查 list they may verify.

"Before" photos of a hazard found by an inspection are read through the inspection
(the item's ``InspectionPhoto`` rows), not copied: the inspection keeps the one row
and file, and the reader's access is the inspection photo's own (the door, or the
campaign's team), the same one ``safety:inspection-photo`` serves them through.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.urls import reverse

from edubureau.rectification.models import RectificationStep, Status
from edubureau.safety.models import Hazard, HazardPhoto, Inspection, InspectionPhoto
from edubureau.safety.selectors.hazards import hazard_history


@dataclass(frozen=True)
class ShownPhoto:
    url: str
    alt: str
    width: int
    height: int


@dataclass
class HistoryEntry:
    """One step of the history as the page shows it."""

    step: RectificationStep
    label: str
    from_label: str
    to_label: str
    text: str
    round: int = 0  # the rectification's number (1, 2, …) on a rectify step
    photos: list[ShownPhoto] = field(default_factory=list)


@dataclass
class HazardFile:
    """The verifier's view of a hazard: before and after, where it came from, history."""

    before: list[ShownPhoto]
    after: list[ShownPhoto]
    after_round: int  # the round the "after" photos are of; 0 before any rectification
    inspection: Inspection | None
    history: list[HistoryEntry]


def _hazard_photo(photo: HazardPhoto, n: int) -> ShownPhoto:
    return ShownPhoto(
        url=reverse("safety:hazard-photo", kwargs={"hazardphoto_id": photo.pk}),
        alt=f"{photo.get_stage_display()}{n}",
        width=photo.width,
        height=photo.height,
    )


def _inspection_photo(photo: InspectionPhoto, n: int) -> ShownPhoto:
    return ShownPhoto(
        url=reverse("safety:inspection-photo", kwargs={"inspectionphoto_id": photo.pk}),
        alt=f"检查时照片{n}",
        width=photo.width,
        height=photo.height,
    )


def readable_inspections(user: Any) -> Q:
    """Inspections ``user`` may open (``safety:inspection-detail``): the door's, and
    those of the campaigns whose team they are on."""
    return Q(pk__in=Inspection.objects.visible_to(user).values("pk")) | Q(
        pk__in=Inspection.objects.filled_by(user).values("pk")
    )


def source_inspection(user: Any, hazard: Hazard) -> Inspection | None:
    """The inspection that found ``hazard``, if the user may open it."""
    if hazard.inspection_id is None:
        return None
    return (
        Inspection.objects.filter(readable_inspections(user), pk=hazard.inspection_id)
        .select_related("campaign")
        .first()
    )


def inspection_item_photos(user: Any, hazard: Hazard) -> list[InspectionPhoto]:
    """The photos taken of the failed item on the inspection that found ``hazard``
    (its "before"), those the user may read."""
    if hazard.inspection_id is None or hazard.item_id is None:
        return []
    readable = Q(pk__in=InspectionPhoto.objects.visible_to(user).values("pk")) | Q(
        pk__in=InspectionPhoto.objects.filled_by(user).values("pk")
    )
    return list(
        InspectionPhoto.objects.filter(
            readable, inspection_id=hazard.inspection_id, item_id=hazard.item_id
        ).order_by("created_at", "pk")
    )


def _step_of(
    photo: HazardPhoto, reports: Sequence[int], rounds: Sequence[RectificationStep]
) -> int | None:
    """The step a photo belongs to: its own key, else (a photo stored before the key
    existed and not linked by the migration) the report, or the latest round
    recorded at or before it."""
    if photo.step_id is not None:
        return photo.step_id
    if photo.stage == HazardPhoto.Stage.REPORT:
        return reports[0] if reports else None
    earlier = [s for s in rounds if s.created_at <= photo.created_at]
    chosen = earlier[-1] if earlier else (rounds[-1] if rounds else None)
    return chosen.pk if chosen is not None else None


def hazard_file(user: Any, hazard: Hazard) -> HazardFile:
    """Everything the detail page shows about photos, source and rounds."""
    steps = hazard_history(hazard)
    reports = [s.pk for s in steps if s.action == "report"]
    rounds = [s for s in steps if s.action == "rectify"]
    photos = list(
        HazardPhoto.objects.visible_to(user).filter(hazard=hazard).order_by("created_at", "pk")
    )
    by_step: dict[int | None, list[HazardPhoto]] = {}
    for photo in photos:
        by_step.setdefault(_step_of(photo, reports, rounds), []).append(photo)

    item_photos = inspection_item_photos(user, hazard)
    before = [_inspection_photo(p, i) for i, p in enumerate(item_photos, 1)]
    reported = [p for p in photos if p.stage == HazardPhoto.Stage.REPORT]
    before += [_hazard_photo(p, i) for i, p in enumerate(reported, len(before) + 1)]

    entries = []
    round_no = 0
    for step in steps:
        entry = HistoryEntry(
            step=step,
            label=step.label,  # type: ignore[attr-defined]
            from_label=step.from_label,  # type: ignore[attr-defined]
            to_label=step.to_label,  # type: ignore[attr-defined]
            text=step.note,
        )
        if step.action == "report" and step.pk == (reports[0] if reports else None):
            entry.photos = list(before)
        elif step.action == "rectify":
            round_no += 1
            entry.round = round_no
            entry.label = f"第{round_no}次提交整改结果"
            own = by_step.get(step.pk, [])
            entry.photos = [_hazard_photo(p, i) for i, p in enumerate(own, 1)]
            if not entry.text and step is rounds[-1]:
                # Rounds recorded before the step kept its text: the hazard holds
                # the latest round's.
                entry.text = hazard.evidence_text
        entries.append(entry)

    latest = next((e for e in reversed(entries) if e.round), None)
    return HazardFile(
        before=before,
        after=latest.photos if latest is not None else [],
        after_round=latest.round if latest is not None else 0,
        inspection=source_inspection(user, hazard),
        history=entries,
    )


def verifiable_ids(user: Any, hazard_ids: Iterable[int]) -> set[int]:
    """Of ``hazard_ids``, the 待复查 hazards ``user`` may verify: the model's
    ``verifiable_by``, less those whose latest rectification they recorded (the
    lifecycle's separation of duties). One query each, for a page of the list; the
    lifecycle checks every hazard again when the verification is posted."""
    allowed = set(
        Hazard.objects.verifiable_by(user)
        .filter(pk__in=list(hazard_ids), status=Status.RECTIFIED)
        .values_list("pk", flat=True)
    )
    if not allowed:
        return set()
    last_rectifier: dict[int, int | None] = {}
    steps = (
        RectificationStep.objects.filter(
            content_type=ContentType.objects.get_for_model(Hazard),
            object_id__in=allowed,
            action="rectify",
        )
        .order_by("created_at", "pk")
        .values_list("object_id", "actor_id")
    )
    for object_id, actor_id in steps:
        last_rectifier[object_id] = actor_id
    return {pk for pk in allowed if last_rectifier.get(pk) != user.pk}
