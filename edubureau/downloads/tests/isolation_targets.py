"""Autodiscovered by the generic isolation check (edubureau.testing.isolation): each
party's finished download (owned by an account of its school or bureau), its file
holding the party's marker. A download stays with its owner: nobody else reads it,
whatever their role, so no bureau above reads a party's (``readers=()``)."""

from __future__ import annotations

from django.core.files.base import ContentFile

from edubureau.downloads.models import Download, Status
from edubureau.testing.cast import Cast
from edubureau.testing.isolation import TARGETS, Party, register_target


def _download(cast: Cast, party: Party) -> Download:
    users = TARGETS.get("user_id")
    owner = users.make(cast, party) if users is not None and users.make else None
    owner = owner or cast.school_b_officer
    title = f"安全检查导出{party.marker}"
    found = Download.objects.filter(owner=owner, title=title).first()
    if found is not None:
        return found
    download = Download(
        owner=owner,
        bureau_id=owner.bureau_id,
        school_id=owner.school_id or (party.school.pk if party.bureau is None else None),
        kind="safety.inspections",
        title=title,
        status=Status.DONE,
        filename=f"安全检查{party.marker}.csv",
        content_type="text/csv",
        total=1,
        done=1,
    )
    download.file.save(
        f"{party.key}.csv", ContentFile(f"学校,{party.marker}\n".encode()), save=False
    )
    download.size = download.file.size
    download.save()
    return download


register_target("download_id", _download, listed_by=("downloads:list",), readers=())
