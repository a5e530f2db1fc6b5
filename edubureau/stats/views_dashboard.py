"""The statistics dashboard (统计看板), its drill-down to the schools behind a figure,
their Excel exports, and the bureau's own targets (指标目标).

Who sees what: everyone who reads returns, over their scope (``scope_from_params``:
``bureau``, ``direct``, ``township``, ``school``; an unseen id answers 404, audited).
The targets page lists the national targets, those handed down by the bureaus above,
the bureau's own and (read-only) those its subtree's bureaus set; its leaders and
statistics staff add, change and delete their own (``target_services``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from edubureau.audit.models import Action
from edubureau.audit.services import audit_log
from edubureau.core.concurrency import EditConflict, version_token
from edubureau.core.downloads import attachment
from edubureau.core.excel import XLSX_CONTENT_TYPE, Column, write_workbook
from edubureau.downloads import services as downloads
from edubureau.orgs.access import get_visible_or_404
from edubureau.orgs.http import AuthedRequest
from edubureau.orgs.scoping import scope_from_params
from edubureau.rectification.lifecycle import NotAllowed
from edubureau.stats import dashboard as dash
from edubureau.stats import downloads as stats_downloads
from edubureau.stats import target_services
from edubureau.stats.indicators import BY_CODE, NOT_COMPUTED
from edubureau.stats.models import LocalTarget, ReturnStatus, TargetComparison, TargetKind
from edubureau.stats.targets import TARGETS, Target, from_row, targets_in_force

DRILL_PAGE_SIZE = 100


def _year(request: AuthedRequest, available: list[int]) -> tuple[int, list[int]]:
    return stats_downloads.year_of(request.GET, available)


def _provisional(request: AuthedRequest) -> bool:
    return request.GET.get("provisional") == "1"


@login_required
@require_GET
def dashboard(request: AuthedRequest) -> HttpResponse:
    scope = scope_from_params(request.user, request.GET)
    provisional = _provisional(request)
    available = dash.years_with_returns(scope, provisional=provisional)
    year, years = _year(request, available)
    asked = request.GET.get("indicator")
    indicator = dash.choose_indicator(asked) if asked else None
    board = dash.board(scope, year, indicator=indicator, provisional=provisional, years=available)
    if request.GET.get("format") == "xlsx":
        return _board_export(request, board, request.GET.get("table", ""))
    context = {
        "b": board,
        "years": years,
        "scope_params": scope.params,
        "indicators": [i for i in BY_CODE.values()],
        "export_query": request.GET.urlencode(),
        "tables": TABLES,
    }
    return render(request, "stats/dashboard.html", context)


# The dashboard's tables, each exported on its own (?format=xlsx&table=…).
TABLES = {
    "cards": "主要指标",
    "counts": "主要数量",
    "trend": "指标趋势",
    "child": "按下级单位",
    "township": "按乡镇",
    "school": "按学校",
    "kind": "按办学类型",
    "ownership": "按举办者",
    "locality": "按城乡分类",
}


def _board_export(request: AuthedRequest, b: dash.Board, table: str) -> HttpResponse:
    if table not in TABLES:
        raise Http404("没有该表格")
    columns: list[Column]
    rows: list[list[Any]]
    if table == "cards":
        columns = [
            Column("name", "指标", width=28),
            Column("value", "数值", width=12),
            Column("numerator", "分子", width=12),
            Column("denominator", "分母", width=12),
            Column("change", "比上年", width=28),
            Column("target", "目标", width=22),
            Column("gap", "与目标比较", width=32),
            Column("light", "达标情况", width=12),
        ]
        rows = [
            [
                c.name,
                c.text,
                c.measure.numerator,
                c.measure.denominator,
                c.change,
                _target_cell(c.judged.target),
                c.judged.gap,
                c.judged.light_word,
            ]
            for c in b.cards
        ]
    elif table == "counts":
        columns = [
            Column("name", "项目", width=24),
            Column("value", f"{b.year}年", width=12),
            Column("previous", f"{b.year - 1}年", width=12),
            Column("change", "比上年", width=32),
        ]
        rows = [[c.label, c.value, c.previous, c.change] for c in b.counts]
        rows.append(
            [
                "计入统计的学校（所）",
                b.schools_counted,
                b.schools_previous,
                b.schools_change,
            ]
        )
        rows.append(["范围内学校（所）", b.schools_in_scope, None, ""])
    elif table == "trend":
        columns = [
            Column("year", "统计年份", width=10),
            Column("value", b.indicator.name, width=16),
            Column("numerator", "分子", width=12),
            Column("denominator", "分母", width=12),
            Column("target", "目标", width=22),
        ]
        rows = [
            [
                f"{p.year}年",
                p.measure.text,
                p.measure.numerator,
                p.measure.denominator,
                _target_cell(p.target),
            ]
            for p in b.trend
        ]
    else:
        comparison = next((c for c in b.comparisons if c.group == table), None)
        if comparison is None:
            raise Http404("本范围没有该表格")
        columns = [
            Column("name", comparison.heading, width=24),
            Column("value", b.indicator.name, width=16),
            Column("numerator", "分子", width=12),
            Column("denominator", "分母", width=12),
            Column("gap", "与目标比较", width=32),
            Column("light", "达标情况", width=12),
        ]
        rows = [
            [
                line.name,
                line.text,
                line.measure.numerator if line.measure else None,
                line.measure.denominator if line.measure else None,
                line.judged.gap,
                line.judged.light_word if line.measure else "",
            ]
            for line in [*comparison.lines, comparison.total]
        ]
    title = f"{b.scope.label}{b.year}年{TABLES[table]}"
    note = (
        f"范围：{b.scope.label}；统计年份：{b.year}年（{b.year}年9月1日）；"
        f"{'含已上报未审核的报表（预览）' if b.provisional else '仅计已审核、已锁定的报表'}。"
    )
    content = write_workbook(title=TABLES[table], columns=columns, rows=rows, note=note)
    audit_log(
        actor=request.user,
        action=Action.EXPORT,
        model_label="stats.StatReturn",
        detail=f"导出统计看板：{title}",
    )
    return attachment(content, content_type=XLSX_CONTENT_TYPE, filename=f"{title}.xlsx")


def _target_cell(target: Any) -> str:
    if target is None:
        return ""
    return f"{target.label}：{target.comparison_text}{dash.target_value_text(target)}"


@login_required
@require_GET
def dashboard_schools(request: AuthedRequest) -> HttpResponse:
    """The schools behind one figure of the dashboard, with their contributions."""
    found = stats_downloads.drill_from_params(request.user, request.GET)
    if request.GET.get("format") == "xlsx":
        # The year pinned: a download that waits past the census day lists the same.
        params = request.GET.copy()
        params["year"] = str(found.year)
        return downloads.answer(
            request,
            stats_downloads.DRILL,
            size=len(found.rows),
            params=params,
            title=stats_downloads.drill_title(found),
        )
    provisional = _provisional(request)
    indicator = found.indicator
    page = Paginator(found.rows, DRILL_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    back = dash.dashboard_url(
        found.scope,
        year=found.year,
        indicator=indicator.code if indicator is not None else "",
        provisional="1" if provisional else "",
    )
    context = {
        "d": found,
        "page": page,
        "query": query.urlencode(),
        "back": back,
        "statuses": dict(ReturnStatus.choices),
        "provisional": provisional,
    }
    return render(request, "stats/dashboard_schools.html", context)


# Targets -------------------------------------------------------------------------------


def _input(request: AuthedRequest) -> target_services.TargetInput:
    post = request.POST
    return target_services.TargetInput(
        indicator=str(post.get("indicator", "")),
        kind=str(post.get("kind", "")),
        year=str(post.get("year", "")),
        value=str(post.get("value", "")),
        comparison=str(post.get("comparison", "")),
        label=str(post.get("label", "")),
        source=str(post.get("source", "")),
    )


def _form_context(
    request: AuthedRequest, typed: Any, errors: dict[str, str], target: LocalTarget | None
) -> dict[str, Any]:
    return {
        "typed": typed,
        "errors": errors,
        "editing": target,
        "version": version_token(target) if target is not None else "",
        "choices": target_services.targetable_indicators(),
        "kinds": TargetKind.choices,
        "comparisons": TargetComparison.choices,
    }


@login_required
@require_http_methods(["GET", "POST"])
def targets(request: AuthedRequest) -> HttpResponse:
    """The targets that apply to the viewer's bureau, and the form to add one."""
    user = request.user
    can_set = target_services.can_set_targets(user)
    errors: dict[str, str] = {}
    typed: Any = None
    status = 200
    if request.method == "POST":
        typed = _input(request)
        try:
            saved = target_services.target_save(actor=user, data=typed)
        except NotAllowed as exc:
            raise PermissionDenied(str(exc)) from exc
        except target_services.TargetInvalid as exc:
            errors = exc.errors
            messages.error(request, "目标未保存，请修改标出的内容。")
            status = 400
        else:
            messages.success(request, f"已设定“{saved.label}”。")
            return redirect("stats:targets")
    return _targets_page(request, typed, errors, None, can_set, status)


def _targets_page(
    request: AuthedRequest,
    typed: Any,
    errors: dict[str, str],
    editing: LocalTarget | None,
    can_set: bool,
    status: int,
) -> HttpResponse:
    user = request.user
    bureau = user.bureau if user.bureau_id else None
    chain = targets_in_force(bureau)
    own = list(
        LocalTarget.objects.owned_by(user)
        .select_related("bureau")
        .order_by("indicator", "kind", "year")
    )
    below = (
        LocalTarget.objects.visible_to(user)
        .exclude(bureau_id=user.bureau_id)
        .select_related("bureau")
        .order_by("bureau__path", "indicator", "kind", "year")
    )
    context = {
        "national": [_target_row(t) for t in TARGETS if not t.superseded],
        "own": [{**_target_row(from_row(t)), "version": version_token(t)} for t in own],
        "inherited": [_target_row(t) for t in chain.inherited],
        "below": [_target_row(from_row(t)) for t in below],
        "can_set": can_set,
        "bureau": bureau,
        **_form_context(request, typed, errors, editing),
    }
    return render(request, "stats/targets.html", context, status=status)


def _target_row(target: Target) -> dict[str, Any]:
    indicator = BY_CODE.get(target.indicator)
    if indicator is not None:
        name = indicator.name
    else:  # a national target of an indicator the returns cannot compute
        name = NOT_COMPUTED.get(target.indicator, target.indicator).split("：")[0]
    return {
        "pk": target.pk,
        "indicator": name,
        "label": target.label,
        "requirement": f"{target.comparison_text}{dash.target_value_text(target)}",
        "year": target.year,
        "kind": TargetKind(target.kind).label if target.kind in TargetKind.values else "",
        "source": target.source,
        "bureau": target.bureau_name,
        "confirmed": target.confirmed,
    }


@login_required
@require_http_methods(["GET", "POST"])
def target_edit(request: AuthedRequest, target_id: int) -> HttpResponse:
    user = request.user
    target = get_visible_or_404(LocalTarget, user, target_id)
    if not target_services.can_set_targets(user) or target.bureau_id != user.bureau_id:
        raise PermissionDenied("只有本局领导和统计股室工作人员可以修改本局设定的目标")
    errors: dict[str, str] = {}
    typed: Any = target_services.TargetInput(
        target.indicator,
        target.kind,
        str(target.year),
        str(target.value),
        target.comparison,
        target.label,
        target.source,
    )
    status = 200
    if request.method == "POST":
        typed = _input(request)
        try:
            target_services.target_save(
                actor=user,
                data=typed,
                target=target,
                loaded_version=request.POST.get("version") or None,
            )
        except NotAllowed as exc:
            raise PermissionDenied(str(exc)) from exc
        except target_services.TargetInvalid as exc:
            errors = exc.errors
            messages.error(request, "目标未保存，请修改标出的内容。")
            status = 400
        except EditConflict as exc:
            messages.error(request, str(exc))
            status = 409
        else:
            messages.success(request, "已保存目标。")
            return redirect("stats:targets")
    return _targets_page(request, typed, errors, target, True, status)


@login_required
@require_POST
def target_delete(request: AuthedRequest, target_id: int) -> HttpResponse:
    user = request.user
    target = get_visible_or_404(LocalTarget, user, target_id)
    try:
        target_services.target_delete(
            actor=user, target=target, loaded_version=request.POST.get("version") or None
        )
    except NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    except EditConflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已删除“{target.label}”。")
    return redirect(reverse("stats:targets"))
