"""Statistics' downloads, registered with ``edubureau.downloads`` from ``ready()``: the
dashboard's drill-down to the schools behind a figure (学校明细), which at province
scale lists 30,000 schools. The build reads the drill as its owner, through the same
scope and the same ``dashboard.drill`` as the page."""

from __future__ import annotations

from typing import Any

from django.http import Http404, QueryDict
from django.utils import timezone

from edubureau.audit.models import Action
from edubureau.audit.services import audit_log
from edubureau.core import download_kinds as registry
from edubureau.core.download_kinds import Built, Progress
from edubureau.core.excel import XLSX_CONTENT_TYPE, Column, write_workbook
from edubureau.core.params import param_int
from edubureau.orgs.scoping import scope_from_params
from edubureau.stats import dashboard as dash
from edubureau.stats.indicators import BY_CODE
from edubureau.stats.models import ReturnStatus
from edubureau.stats.services import census_year

DRILL = "stats.drill"
DRILL_INLINE_SCHOOLS = 2000
YEARS_BACK = 50


def year_of(params: Any, available: list[int]) -> tuple[int, list[int]]:
    """The census year asked for (``year``; without one, the latest with returns) and
    the years to offer."""
    current = census_year(timezone.localdate())
    chosen = param_int(params.get("year"), minimum=current - YEARS_BACK, maximum=current)
    if chosen is None:
        chosen = next((y for y in available if y <= current), current)
    choices = sorted({current, chosen, *(y for y in available if y <= current)}, reverse=True)
    return chosen, choices


def drill_from_params(user: Any, params: Any) -> dash.Drill:
    """The schools behind one figure (``indicator`` or ``count``, ``group``/``key``,
    ``year``, ``provisional``, and the place), as ``user`` may see them."""
    scope = scope_from_params(user, params)
    provisional = params.get("provisional") == "1"
    # Without a year, the dashboard's: the latest with counted returns.
    available = [] if params.get("year") else dash.years_with_returns(scope)
    year, _ = year_of(params, available)
    code = params.get("indicator", "")
    count = params.get("count", "")
    indicator = BY_CODE.get(code) if code else None
    if indicator is None and count not in dash.KEY_COUNTS:
        indicator = dash.choose_indicator(None)
    try:
        return dash.drill(
            scope,
            year,
            indicator=indicator,
            count="" if indicator is not None else count,
            group=params.get("group", ""),
            key=params.get("key", ""),
            provisional=provisional,
        )
    except dash.NotFound as exc:
        raise Http404(str(exc)) from exc


def drill_title(d: dash.Drill) -> str:
    return f"{d.slice_label}{d.year}年{d.title}"


def build_drill(user: Any, params: QueryDict, progress: Progress) -> Built:
    d = drill_from_params(user, params)
    progress(1, 2)
    if d.indicator is not None:
        columns = [
            Column("school", "学校", width=30),
            Column("township", "乡镇（街道）", width=16),
            Column("status", "报表状态", width=10),
            Column("numerator", "分子", width=12),
            Column("denominator", "分母", width=12),
            Column("value", d.title, width=16),
        ]
    else:
        columns = [
            Column("school", "学校", width=30),
            Column("township", "乡镇（街道）", width=16),
            Column("status", "报表状态", width=10),
            Column("value", d.count_label, width=16),
        ]
    statuses = dict(ReturnStatus.choices)
    rows: list[list[Any]] = []
    for r in d.rows:
        line: list[Any] = [r.school, r.township, statuses.get(r.status, r.status), r.numerator]
        if d.indicator is not None:
            line += [r.denominator, r.text]
        rows.append(line)
    if d.rest is not None:
        rows.append(["本年无计入报表的学校（往年报表）", "", "", d.rest[0], d.rest[1] or None, ""])
    total: list[Any] = ["合计", "", "", d.numerator]
    if d.indicator is not None:
        total += [d.denominator, d.figure_text]
    rows.append(total)
    title = drill_title(d)
    content = write_workbook(title="学校明细", columns=columns, rows=rows, note=title)
    audit_log(
        actor=user,
        action=Action.EXPORT,
        model_label="stats.StatReturn",
        detail=f"导出统计看板明细：{title}（{len(d.rows)}所学校）",
    )
    progress(2, 2)
    return Built(f"{title}.xlsx", XLSX_CONTENT_TYPE, content)


def register() -> None:
    registry.register(
        DRILL, title="统计看板学校明细", build=build_drill, inline_up_to=DRILL_INLINE_SCHOOLS
    )
