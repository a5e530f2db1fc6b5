"""Autodiscovered by the generic isolation check (edubureau.testing.isolation): each
party's import job (owned by an account of its school or bureau), its title holding
the party's marker. A job stays with its owner: nobody else reads it, whatever their
role (``readers=()``)."""

from __future__ import annotations

from edubureau.imports.models import ImportJob, Status
from edubureau.testing.cast import Cast
from edubureau.testing.isolation import TARGETS, Party, register_target


def _job(cast: Cast, party: Party) -> ImportJob:
    users = TARGETS.get("user_id")
    owner = users.make(cast, party) if users is not None and users.make else None
    owner = owner or cast.school_b_officer
    title = f"应急演练导入{party.marker}"
    found = ImportJob.objects.filter(owner=owner, title=title).first()
    if found is not None:
        return found
    return ImportJob.objects.create(
        owner=owner,
        bureau_id=owner.bureau_id,
        school_id=owner.school_id or (party.school.pk if party.bureau is None else None),
        kind="safety.ledger.drill",
        title=title,
        status=Status.REJECTED,
        rows=2,
        total=2,
        error="发现1处问题，未导入任何数据。",
        errors=[f"工作表“台账”第2行A列（“学校标识码”）：{party.marker}"],
    )


register_target("job_id", _job, listed_by=(), readers=())
