"""Isolation-check targets for the reports routes (see edubureau/testing/isolation.py):
a school's own safety summary at each party's school, its text naming the school."""

from __future__ import annotations

from edubureau.core.facts import Period
from edubureau.core.roles import Role
from edubureau.reports.models import Report, ReportSection, ReportStatus
from edubureau.testing.cast import Cast
from edubureau.testing.dates import today
from edubureau.testing.isolation import Party, register_rowless_route, register_target


def _report(cast: Cast, party: Party) -> Report:
    existing = Report.objects.filter(school=party.school).first()
    if existing is not None:
        return existing
    period = Period.calendar_year(today().year)
    report = Report.objects.create(
        bureau=party.school.bureau,
        school=party.school,
        genre="annual_safety",
        period_kind=period.kind,
        period_start=period.start,
        period_end=period.end,
        period_label=period.label,
        title=f"{party.school.name}{period.label}学校安全工作总结",
        issuer=party.school.name,
        created_by=cast.admin,
    )
    _notice(cast, party)
    ReportSection.objects.create(
        report=report,
        key="opening",
        level=0,
        position=0,
        text=f"{party.marker}全年排查隐患{{{{hazards.found}}}}个。",
        values={"hazards.found": {"text": "3", "source": "/safety/hazards/", "label": "隐患"}},
    )
    return report


def _notice(cast: Cast, party: Party) -> Report:
    """An issued 整改通知书 to the party's school: its school reads it, nobody else's."""
    today_ = today()
    return Report.objects.create(
        bureau=party.school.bureau,
        to_school=party.school,
        genre="rectification_notice",
        period_kind="notice",
        period_start=today_,
        period_end=today_,
        period_label=f"{today_.year}年",
        title=f"关于{party.school.name}安全隐患限期整改的通知书",
        issuer=party.school.bureau.name,
        status=ReportStatus.ISSUED,
        receipt_text=f"{party.marker}已整改",
        created_by=cast.admin,
    )


register_target(
    "report_id",
    _report,
    listed_by=("reports:list",),
    # Reports are documents, not records: administrators keep accounts and read none.
    readers=(Role.BUREAU_LEADER, Role.DEPARTMENT_STAFF),
)
register_rowless_route("reports:create", "an action: drafts the user's own report")
