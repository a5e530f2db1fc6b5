"""orgs' downloads (``core.download_kinds``), registered from ``ready()``: the school
directory, which at province scale lists 30,000 schools. Its view answers through
``core.hooks.answer_download`` (the downloads app sits above orgs)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone

from edubureau.audit.models import Action
from edubureau.audit.services import audit_log
from edubureau.core import download_kinds
from edubureau.core.download_kinds import Built, Progress, counted
from edubureau.core.excel import XLSX_CONTENT_TYPE
from edubureau.core.listing import apply_list_query, read_list_query
from edubureau.orgs import selectors
from edubureau.orgs.models import School
from edubureau.orgs.services.schools import schools_workbook

SCHOOLS = "orgs.schools"
SCHOOLS_INLINE = 2000


def school_export_queryset(user: Any, params: QueryDict) -> QuerySet[School]:
    """The school directory's rows for ``params``, as ``user`` may see them."""
    listing = read_list_query(selectors.SCHOOL_LIST, params)
    filters = selectors.SchoolFilter.from_params(params)
    return apply_list_query(
        selectors.SCHOOL_LIST, selectors.school_list(user=user, filters=filters), listing
    )


def build_schools(user: Any, params: QueryDict, progress: Progress) -> Built:
    schools = school_export_queryset(user, params)
    written = counted(schools.iterator(chunk_size=2000), progress, schools.count())
    content = schools_workbook(written)
    audit_log(
        actor=user,
        action=Action.EXPORT,
        model_label=School._meta.label,
        detail=f"导出学校名录{written.done}所",
    )
    return Built(f"学校名录-{timezone.localdate():%Y%m%d}.xlsx", XLSX_CONTENT_TYPE, content)


def register() -> None:
    download_kinds.register(
        SCHOOLS, title="学校名录导出", build=build_schools, inline_up_to=SCHOOLS_INLINE
    )
