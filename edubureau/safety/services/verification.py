"""Verifying hazards the way a verifier works: verify and close in one step where the
bureau allows it (``SafetySettings.verify_closes``), and many hazards from the 待复查
list at once.

Both go through the shared lifecycle (``rectification_verify`` then
``rectification_close``), hazard by hazard, so who may act, separation of duties
(never the rectifier, never the school), the state machine and the version are
checked exactly as on the detail page; nothing here re-implements a transition.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from edubureau.audit.services import audit_denied
from edubureau.core.concurrency import UNCHECKED, EditConflict, LoadedVersion
from edubureau.orgs.access import audit_out_of_scope
from edubureau.rectification.lifecycle import (
    NotAllowed,
    TransitionError,
    rectification_close,
    rectification_verify,
)
from edubureau.safety import notices
from edubureau.safety.models import Hazard, SafetySettings

# One POST verifies at most a page of the list (the list shows 50 rows).
MAX_BULK = 100
NOT_FOUND = "记录不存在或无权访问"


def verifying_bureau_id(hazard: Hazard) -> int:
    """The bureau whose rules apply to verifying ``hazard``: the higher bureau whose
    campaign keeps its verification, else the school's own."""
    if hazard.verifying_bureau_id is not None:
        return hazard.verifying_bureau_id
    school_bureau: int = hazard.school.bureau_id
    return school_bureau


def verify_closes_allowed(bureau_id: int | None) -> bool:
    """Whether the bureau lets a verification close the hazard in the same step
    (off by default, and for a bureau that never saved its settings)."""
    if bureau_id is None:
        return False
    return SafetySettings.objects.filter(bureau_id=bureau_id, verify_closes=True).exists()


def can_verify_and_close(hazard: Hazard) -> bool:
    return verify_closes_allowed(verifying_bureau_id(hazard))


@transaction.atomic
def hazard_verify_and_close(
    *, actor: Any, hazard: Hazard, note: str = "", loaded_version: LoadedVersion = UNCHECKED
) -> Hazard:
    """复查通过并销号: the lifecycle's verify (accept) and close, in one transaction,
    where the verifying bureau allows it. Both steps check who may act; a refusal of
    either leaves the hazard as it was (待复查)."""
    if not can_verify_and_close(hazard):
        raise TransitionError("本局未开启“复查通过即可销号”，请先复查，再另行销号")
    verified = rectification_verify(
        actor=actor, obj=hazard, accept=True, reason=note, loaded_version=loaded_version
    )
    # The version was checked by the verify above, under the row lock this transaction
    # still holds: no one else can have changed the hazard in between.
    return rectification_close(actor=actor, obj=verified, note=note)


@dataclass(frozen=True)
class Refusal:
    hazard_id: int
    label: str  # the school and the hazard, or "" for an id the actor may not see
    reason: str


@dataclass
class BulkOutcome:
    verified: list[Hazard] = field(default_factory=list)
    closed: list[Hazard] = field(default_factory=list)
    # Verified but left for a separate close: the verifying bureau does not allow both.
    kept_open: list[Hazard] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)


@notices.batched()  # one message per school for the whole batch, not one per hazard
def hazards_verify_bulk(
    *,
    actor: Any,
    hazard_ids: Iterable[int],
    close: bool = False,
    versions: Mapping[int, str] | None = None,
    note: str = "",
) -> BulkOutcome:
    """复查通过 (and, with ``close``, 销号 where the bureau allows it) for each hazard.

    Per hazard, not all-or-nothing: each hazard is its own transaction (verified and
    closed, or untouched), and the outcome names every refused one with the reason.
    A verifier ticking twenty rows expects the nineteen that pass to pass; one hazard
    rectified again since the list was loaded, or outside their remit, should not
    undo the others, and retrying the batch is harmless (a verified hazard is refused
    for its state, not verified twice).

    Ids outside what the actor may read are refused without revealing the record
    and audited like the door's 404s (``audit_out_of_scope``); refusals because of who is
    acting are audited as the 403s of the detail page are.
    """
    outcome = BulkOutcome()
    ids = list(dict.fromkeys(hazard_ids))[: MAX_BULK + 1]
    if len(ids) > MAX_BULK:
        raise TransitionError(f"一次最多复查{MAX_BULK}条隐患，请分批办理")
    visible = {
        h.pk: h
        for h in Hazard.objects.visible_to(actor)
        .filter(pk__in=ids)
        .select_related("school", "school__bureau")
    }
    for hazard_id in ids:
        hazard = visible.get(hazard_id)
        if hazard is None:
            audit_out_of_scope(actor, Hazard, hazard_id, detail="批量复查范围外的隐患")
            outcome.refused.append(Refusal(hazard_id, "", NOT_FOUND))
            continue
        label = f"{hazard.school.name}：{hazard.description[:30]}"
        # A page posts each row's version ("" when missing: a conflict, as on the
        # detail page); a caller without a page behind it passes no versions.
        loaded: LoadedVersion = UNCHECKED if versions is None else versions.get(hazard_id, "")
        both = close and can_verify_and_close(hazard)
        try:
            if both:
                done = hazard_verify_and_close(actor=actor, hazard=hazard, loaded_version=loaded)
            else:
                done = rectification_verify(
                    actor=actor, obj=hazard, accept=True, reason=note, loaded_version=loaded
                )
        except NotAllowed as exc:
            audit_denied(actor=actor, model=Hazard, object_id=hazard_id, detail=f"批量复查：{exc}")
            outcome.refused.append(Refusal(hazard_id, label, str(exc)))
            continue
        except EditConflict as exc:
            outcome.refused.append(Refusal(hazard_id, label, str(exc)))
            continue
        except TransitionError as exc:
            outcome.refused.append(Refusal(hazard_id, label, str(exc)))
            continue
        outcome.verified.append(done)
        if both:
            outcome.closed.append(done)
        elif close:
            outcome.kept_open.append(done)
    return outcome
