"""Safety's downloads, registered with ``edubureau.downloads`` from ``ready()``: the
hazard, inspection, 未报送 and ledger exports and the circulars. Each build applies the scoping door
as the user it is given (the request's user inline, the download's owner in the
worker) through the selectors the list views call, and writes the export's audit
event with what it wrote once the file is made.

The inline limits were measured on the 2-core machine (bench/downloads_city.py):
at these sizes the file is made in well under a second; above them it is made in
the background with a progress bar.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone

from edubureau.audit.models import Action
from edubureau.audit.services import audit_log
from edubureau.core import download_kinds as registry
from edubureau.core.download_kinds import BuildRefused, Built, Progress, counted
from edubureau.core.downloads import DOCX_CONTENT_TYPE
from edubureau.core.excel import XLSX_CONTENT_TYPE, write_workbook
from edubureau.core.listing import apply_list_query, read_list_query
from edubureau.core.officialdoc import render_docx
from edubureau.orgs.access import get_visible_or_404
from edubureau.orgs.scoping import scope_for
from edubureau.safety.circulars import (
    CircularContent,
    can_download_circulars,
    circular_for_campaign,
    circular_for_month,
    circular_outline,
)
from edubureau.safety.models import Campaign, Hazard, Inspection
from edubureau.safety.selectors import hazards as hazard_sel
from edubureau.safety.selectors import inspections as inspection_sel
from edubureau.safety.selectors.ledger_specs import LEDGERS, LedgerSpec
from edubureau.safety.selectors.ledgers import LedgerFilter, ledger_list_spec, ledger_rows
from edubureau.safety.services.ledgers import ledger_workbook

INSPECTIONS = "safety.inspections"
HAZARDS = "safety.hazards"
CIRCULAR_MONTH = "safety.circular_month"
CIRCULAR_CAMPAIGN = "safety.circular_campaign"
MISSING = "safety.missing_self_inspections"
LEDGER_PREFIX = "safety.ledger."

# Rows of an export, schools of a circular, made in the request (see the docstring).
EXPORT_INLINE_ROWS = 2000
CIRCULAR_INLINE_SCHOOLS = 300


# The exports ------------------------------------------------------------------------


def inspection_export_queryset(user: Any, params: QueryDict) -> QuerySet[Inspection]:
    """The inspection list's rows for ``params``, as ``user`` may see them (a bad
    parameter raises ListQueryError: 400 in a request)."""
    listing = read_list_query(inspection_sel.INSPECTION_LIST, params)
    filters = inspection_sel.InspectionFilter.from_params(params)
    return apply_list_query(
        inspection_sel.INSPECTION_LIST,
        inspection_sel.inspection_list(user=user, filters=filters),
        listing,
    )


def build_inspections(user: Any, params: QueryDict, progress: Progress) -> Built:
    inspections = inspection_export_queryset(user, params)
    rows = counted(
        inspection_sel.inspection_export_rows(inspections), progress, inspections.count()
    )
    content = write_workbook(
        title="安全检查", columns=inspection_sel.INSPECTION_EXPORT_COLUMNS, rows=rows
    )
    audit_log(
        actor=user,
        action=Action.EXPORT,
        model_label=Inspection._meta.label,
        detail=f"导出安全检查{rows.done}条",
    )
    return Built(f"安全检查-{timezone.localdate():%Y%m%d}.xlsx", XLSX_CONTENT_TYPE, content)


def hazard_export_queryset(user: Any, params: QueryDict, today: date) -> QuerySet[Hazard]:
    filters = hazard_sel.HazardFilter.from_params(params)
    listing = read_list_query(hazard_sel.HAZARD_LIST, params)
    return apply_list_query(
        hazard_sel.HAZARD_LIST,
        hazard_sel.hazard_list(user=user, filters=filters, today=today),
        listing,
    )


def build_hazards(user: Any, params: QueryDict, progress: Progress) -> Built:
    today = timezone.localdate()
    hazards = hazard_export_queryset(user, params, today)
    columns, rows = hazard_sel.hazard_export_rows(hazards, today=today)
    written = counted(rows, progress, hazards.count())
    content = write_workbook(title="安全隐患", columns=columns, rows=written)
    audit_log(
        actor=user,
        action=Action.EXPORT,
        model_label=Hazard._meta.label,
        detail=f"导出安全隐患{written.done}条",
    )
    return Built(f"安全隐患-{today:%Y%m%d}.xlsx", XLSX_CONTENT_TYPE, content)


def missing_report_from_params(user: Any, params: QueryDict) -> inspection_sel.MissingReport:
    """The 未报送 list's month (``period``, default this month) and place, as ``user``
    may see them: the page, its export and the export's build ask the same."""
    period = inspection_sel.parse_period(params.get("period")) or timezone.localdate()
    filters = inspection_sel.InspectionFilter.from_params(params)
    return inspection_sel.missing_report(
        user=user,
        period=period,
        township_id=filters.township_id,
        bureau_id=filters.bureau_id,
        direct=filters.direct,
        school_id=filters.school_id,
    )


def missing_title(report: inspection_sel.MissingReport) -> str:
    return f"{report.period:%Y年%m月}未报送月度自查"


def build_missing(user: Any, params: QueryDict, progress: Progress) -> Built:
    report = missing_report_from_params(user, params)
    title = missing_title(report)
    total = report.missing_count
    rows = list(counted(inspection_sel.missing_export_rows(report), progress, total))
    content = write_workbook(title=title, columns=inspection_sel.MISSING_EXPORT_COLUMNS, rows=rows)
    audit_log(
        actor=user,
        action=Action.EXPORT,
        model_label=Inspection._meta.label,
        detail=f"导出{title}学校{len(rows)}所",
    )
    return Built(f"{title}.xlsx", XLSX_CONTENT_TYPE, content)


def ledger_export_queryset(user: Any, spec: LedgerSpec, params: QueryDict) -> QuerySet[Any]:
    """The ledger list's rows for ``params``, as ``user`` may see them."""
    listing = read_list_query(ledger_list_spec(spec), params)
    filters = LedgerFilter.from_params(spec, params)
    rows = ledger_rows(spec=spec, user=user, filters=filters, today=timezone.localdate())
    return apply_list_query(ledger_list_spec(spec), rows, listing)


def ledger_kind(spec: LedgerSpec) -> str:
    return f"{LEDGER_PREFIX}{spec.key}"


def _ledger_build(spec: LedgerSpec) -> Any:
    def build(user: Any, params: QueryDict, progress: Progress) -> Built:
        rows = ledger_export_queryset(user, spec, params)
        written = counted(rows.iterator(chunk_size=2000), progress, rows.count())
        content = ledger_workbook(spec=spec, rows=written)
        audit_log(
            actor=user,
            action=Action.EXPORT,
            model_label=spec.model._meta.label,
            detail=f"导出{spec.title}{written.done}条",
        )
        return Built(f"{spec.title}.xlsx", XLSX_CONTENT_TYPE, content)

    return build


# The circulars ----------------------------------------------------------------------


def _docx(user: Any, content: CircularContent, name: str, progress: Progress) -> Built:
    progress(2, 3)
    data = render_docx(circular_outline(content))
    audit_log(
        actor=user,
        action=Action.EXPORT,
        model_label=Campaign._meta.label if content.kind != "month" else "safety.Circular",
        detail=f"下载通报：{content.title}",
    )
    progress(3, 3)
    return Built(name, DOCX_CONTENT_TYPE, data)


def month_params(year: int, month: int) -> QueryDict:
    return QueryDict(f"year={year}&month={month}")


def circular_month_title(year: int, month: int) -> str:
    return f"{year}年{month}月安全隐患排查整改情况通报"


def build_circular_month(user: Any, params: QueryDict, progress: Progress) -> Built:
    if not can_download_circulars(user):
        raise PermissionDenied("只有安全股工作人员和局领导可以下载月度通报")
    try:
        year, month = int(params.get("year", "")), int(params.get("month", ""))
    except ValueError:
        raise BuildRefused("月份无效。") from None
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise BuildRefused("月份无效：年份须在2000至2100之间，月份须在1至12之间。")
    progress(0, 3)
    content = circular_for_month(scope=scope_for(user), month=date(year, month, 1))
    progress(1, 3)
    return _docx(user, content, f"{circular_month_title(year, month)}.docx", progress)


def build_circular_campaign(user: Any, params: QueryDict, progress: Progress) -> Built:
    campaign = get_visible_or_404(Campaign, user, params.get("campaign", ""))
    if not can_download_circulars(user):
        raise PermissionDenied("只有安全股工作人员和局领导可以下载检查通报")
    progress(0, 3)
    content = circular_for_campaign(campaign=campaign, scope=scope_for(user))
    progress(1, 3)
    return _docx(user, content, f"{campaign.name}通报.docx", progress)


def register() -> None:
    registry.register(
        INSPECTIONS, title="安全检查导出", build=build_inspections, inline_up_to=EXPORT_INLINE_ROWS
    )
    registry.register(
        HAZARDS, title="安全隐患导出", build=build_hazards, inline_up_to=EXPORT_INLINE_ROWS
    )
    registry.register(
        MISSING, title="未报送月度自查导出", build=build_missing, inline_up_to=EXPORT_INLINE_ROWS
    )
    for spec in LEDGERS.values():
        registry.register(
            ledger_kind(spec),
            title=f"{spec.title}导出",
            build=_ledger_build(spec),
            inline_up_to=EXPORT_INLINE_ROWS,
        )
    registry.register(
        CIRCULAR_MONTH,
        title="月度安全通报",
        build=build_circular_month,
        inline_up_to=CIRCULAR_INLINE_SCHOOLS,
    )
    registry.register(
        CIRCULAR_CAMPAIGN,
        title="检查活动通报",
        build=build_circular_campaign,
        inline_up_to=CIRCULAR_INLINE_SCHOOLS,
    )
