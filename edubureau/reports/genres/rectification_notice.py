"""隐患整改通知书: the bureau's numbered notice to one school, listing its hazards not
yet rectified with their deadlines, and asking for a written reply (回执). Seed 004
篇十四 counts them ("下发隐患整改通知书223份"); the school answers in the platform.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet

from edubureau.core.officialdoc import OfficialDocument, Section, Table
from edubureau.core.phrasing import date_text, table_date
from edubureau.orgs.models import School
from edubureau.orgs.scoping import SchoolScope
from edubureau.rectification.models import OPEN_STATUSES
from edubureau.reports.genres.base import GenreSpec
from edubureau.safety.models import Hazard

# Without a deadline on any of its hazards, the school has this long to reply.
DEFAULT_REPLY_DAYS = 15


def with_open_hazards(schools: QuerySet[School]) -> QuerySet[School]:
    """The schools of ``schools`` a notice has something to say to: those with hazards
    not yet rectified, each with how many (``open_hazards``)."""
    return schools.annotate(
        open_hazards=Count("hazards", filter=Q(hazards__status__in=OPEN_STATUSES))
    ).filter(open_hazards__gt=0)


def notice_hazards(scope: SchoolScope) -> list[Hazard]:
    """The school's hazards still open (reported or planned), oldest first."""
    return list(
        scope.rows(Hazard)
        .filter(status__in=OPEN_STATUSES)
        .select_related("category")
        .order_by("reported_on", "pk")
    )


def reply_by(*, scope: SchoolScope, today: date) -> date:
    """The latest deadline still ahead among the school's open hazards, or
    :data:`DEFAULT_REPLY_DAYS` from today when none is."""
    deadlines = [
        d
        for d in scope.rows(Hazard)
        .filter(status__in=OPEN_STATUSES, deadline__gte=today)
        .values_list("deadline", flat=True)
        if d is not None
    ]
    return max(deadlines) if deadlines else today + timedelta(days=DEFAULT_REPLY_DAYS)


def _outline(*, report: Any, scope: SchoolScope, today: date) -> OfficialDocument:
    school = report.to_school
    hazards = notice_hazards(scope)
    overdue = sum(1 for h in hazards if h.deadline and h.deadline < today)
    rows = tuple(
        (
            str(i),
            h.category.name if h.category_id else "",
            h.description,
            h.location or "—",
            h.get_severity_display(),
            table_date(h.reported_on),
            table_date(h.deadline) if h.deadline else "未定",
        )
        for i, h in enumerate(hazards, start=1)
    )
    found = (
        f"经排查，你校现有{len(hazards)}项安全隐患尚未完成整改"
        + (f"，其中{overdue}项已超过整改期限" if overdue else "")
        + "，具体如下表。"
        if hazards
        else "经排查，你校目前没有未整改的安全隐患。"
    )
    due = report.reply_by
    assert due is not None, "reports.services sets reply_by (GenreSpec.reply_by) first"
    table = Table(
        headers=("序号", "隐患类别", "隐患描述", "部位", "等级", "发现日期", "整改期限"),
        rows=rows,
        caption="未完成整改的安全隐患",
    )
    return OfficialDocument(
        title=f"关于{school.name}安全隐患限期整改的通知书",
        issuer=report.bureau.name,
        dated=None,
        recipients=f"{school.name}：",
        opening=(found,),
        sections=(
            Section(heading="隐患情况", paragraphs=(), tables=(table,) if rows else ()),
            Section(
                heading="整改要求",
                paragraphs=(
                    "请你校高度重视，按照整改措施、责任、资金、时限和预案“五落实”的要求，"
                    "逐项制定整改方案，明确责任人，落实整改；整改期间落实临时管控措施，"
                    "确保师生安全。",
                    f"请于{date_text(due)}前完成整改，并在平台填写回执，"
                    "报告整改情况；对确因客观原因暂时无法整改的，须书面说明原因和管控措施。",
                ),
            ),
        ),
    )


RECTIFICATION_NOTICE = GenreSpec(
    key="rectification_notice",
    label="隐患整改通知书",
    owner_department=Hazard.owner_department_code,
    period_kinds=("notice",),
    scopes=("bureau",),
    outline=_outline,
    needs_school=True,
    reply_by=reply_by,
    summary="致一所学校：未完成整改的隐患清单、整改要求和回执期限",
)
