"""Report pages: the list, drafting, the editor, the lifecycle and the exports.
Thin: every decision is in :mod:`edubureau.reports.services`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, ExpressionWrapper
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from edubureau.audit.models import Action
from edubureau.audit.services import audit_log
from edubureau.core.concurrency import EditConflict, version_token
from edubureau.core.downloads import DOCX_CONTENT_TYPE, attachment
from edubureau.core.listing import ListSpec, apply_list_query, list_context, read_list_query
from edubureau.core.officialdoc.text import heading_number
from edubureau.core.params import param_date, param_id, param_int
from edubureau.orgs.access import get_visible_or_404
from edubureau.reports import placeholders, services
from edubureau.reports.genres import GENRES
from edubureau.reports.models import Report, ReportStatus, receipt_overdue_q
from edubureau.reports.selectors import PENDING_LABELS, pending

LAYOUT_ACTIONS = {
    "up": "段落已上移。",
    "down": "段落已下移。",
    "drop": "该段落不再纳入正文。",
    "restore": "该段落已重新纳入正文。",
    "add": "已添加段落。",
    "remove": "已删除该段落。",
}


# The reports list as the list component reads it (core.listing).
REPORT_LIST = ListSpec(
    filters=frozenset({"genre", "status", "pending"}),
    search=("title", "number"),
    search_hint="标题或文号",
    sorts={"title": ("title",), "updated": ("updated_at",)},
)


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    query = read_list_query(REPORT_LIST, request.GET)
    reports = services.visible_reports(request.user)
    waiting = request.GET.get("pending", "")
    if waiting in PENDING_LABELS:
        reports = pending(request.user, waiting)
    status = request.GET.get("status", "")
    if status in ReportStatus.values:
        reports = reports.filter(status=status)
    genre_key = request.GET.get("genre", "")
    if genre_key in GENRES:
        reports = reports.filter(genre=genre_key)
    today = timezone.localdate()
    # Which notices' 回执 are overdue, by the model's one rule, for the red tag.
    late = ExpressionWrapper(receipt_overdue_q(today), output_field=BooleanField())
    reports = apply_list_query(
        REPORT_LIST, reports.select_related("to_school").annotate(receipt_late=late), query
    )
    draftable = services.genres_for(request.user)
    # The drafting form asks only what the user's genres need (a month, a half-year, a
    # campaign, a school): the office drafting work summaries is not offered campaigns.
    kinds = {kind for g in draftable for kind in g.period_kinds}
    needs_campaign = any(g.needs_campaign for g in draftable)
    needs_school = any(g.needs_school for g in draftable)
    return render(
        request,
        "reports/list.html",
        {
            **list_context(request, REPORT_LIST, reports, query),
            "genres": GENRES,
            "statuses": ReportStatus.choices,
            "status": status,
            "genre": genre_key,
            "pending": waiting,
            "pending_labels": PENDING_LABELS,
            "draftable": draftable,
            "asks_year": bool(kinds & {"year", "half_year"}),
            "asks_half": "half_year" in kinds,
            "asks_month": "month" in kinds,
            "campaigns": services.campaigns_for(request.user)[:50] if needs_campaign else [],
            "notice_schools": services.notice_schools(request.user) if needs_school else [],
            "months": range(1, 13),
            "default_month": (today.replace(day=1) - timedelta(days=1)).month,
            "years": range(today.year, today.year - 4, -1),
            "default_half": 1 if today.month >= 7 else 2,
            "default_year": today.year if today.month >= 7 else today.year - 1,
        },
    )


@login_required
@require_POST
def report_create(request: HttpRequest) -> HttpResponse:
    genre_key = request.POST.get("genre", "")
    year = param_int(request.POST.get("year"), minimum=2000, maximum=2100)
    half = param_int(request.POST.get("half"), minimum=1, maximum=2)
    month = param_int(request.POST.get("month"), minimum=1, maximum=12)
    campaign_id = param_id(request.POST.get("campaign"))
    try:
        if genre_key not in GENRES:
            raise services.ReportError("请选择文种")
        spec = GENRES[genre_key]
        if spec.needs_school:
            school_id = param_id(request.POST.get("to_school"))
            to_school = (
                services.notice_schools(request.user).filter(pk=school_id).first()
                if school_id is not None
                else None
            )
            report = services.create_report(
                user=request.user, genre_key=genre_key, to_school=to_school
            )
        elif spec.needs_campaign:
            campaign = (
                services.campaigns_for(request.user).filter(pk=campaign_id).first()
                if campaign_id is not None
                else None
            )
            report = services.create_report(
                user=request.user, genre_key=genre_key, campaign=campaign
            )
        else:
            period = services.parse_period(genre_key, year, half, month)
            report = services.create_report(user=request.user, genre_key=genre_key, period=period)
    except services.ReportError as error:
        messages.error(request, str(error))
        return redirect("reports:list")
    messages.success(request, "已根据数据生成草稿，请逐段核对修改。")
    return redirect("reports:detail", report_id=report.pk)


def _report(request: HttpRequest, report_id: int) -> Report:
    return get_visible_or_404(Report, request.user, report_id)


@login_required
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _report(request, report_id)
    user = request.user
    sections: list[dict[str, Any]] = []
    changed = 0
    sources: dict[str, dict[str, str]] = {}
    counters = [0, 0, 0, 0, 0]
    for section in report.sections.all():
        number = ""
        # Numbered as the document will be: an empty run-in part is left out of it.
        if (
            section.enabled
            and section.level
            and (section.text or section.tables or not section.run_in)
        ):
            level = min(section.level, 4)
            counters[level] += 1
            counters[level + 1 :] = [0] * (len(counters) - level - 1)
            number = heading_number(level, counters[level])
        values = section.values or {}
        changed += len(section.changed or [])
        for token, one in values.items():
            if (one.get("source") or one.get("note")) and token.split("|")[0] not in sources:
                sources[token.split("|")[0]] = one
        sections.append(
            {
                "s": section,
                "number": number,
                # One <p> per line, each indented as the document's paragraphs are.
                "paragraphs": [
                    mark_safe(line)
                    for line in placeholders.render_html(
                        section.text, values, frozenset(section.changed or [])
                    ).split("\n")
                ],
            }
        )
    return render(
        request,
        "reports/detail.html",
        {
            "report": report,
            "genre": GENRES.get(report.genre),
            "sections": sections,
            "sources": sorted(sources.items(), key=lambda kv: kv[1].get("label", "")),
            "version": version_token(report),
            "can_edit": services.can_edit(user, report),
            "can_submit": services.can_submit(user, report),
            "can_approve": services.can_approve(user, report),
            "can_return": services.can_return(user, report),
            "can_issue": services.can_issue(user, report),
            "can_reply": services.can_reply(user, report),
            "can_check_receipt": services.can_check_receipt(user, report),
            "can_chase_receipt": services.can_chase_receipt(user, report, timezone.localdate()),
            "days_overdue": report.receipt_days_overdue(timezone.localdate()),
            "can_save_variant": services.can_save_variant(user, report),
            "changed": changed,
            "today": timezone.localdate(),
        },
    )


def _act(
    request: HttpRequest, report_id: int, action: Any, success: str, **kwargs: Any
) -> HttpResponse:
    report = _report(request, report_id)
    try:
        action(report, user=request.user, loaded_version=request.POST.get("version"), **kwargs)
    except (services.ReportError, EditConflict) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return redirect("reports:detail", report_id=report.pk)


@login_required
def report_progress(request: HttpRequest, report_id: int) -> HttpResponse:
    """The progress bar of a report generating in the worker (polled by htmx); once it
    is done the page reloads to show the draft."""
    report = _report(request, report_id)
    response = render(request, "reports/_progress.html", {"report": report})
    if not report.generating and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def report_edit(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _report(request, report_id)
    if not services.can_edit(request.user, report):
        raise PermissionDenied("只有草稿状态的报告可以由起草人修改")
    key = request.POST.get("section", "")
    version = request.POST.get("version")
    action = request.POST.get("action", "")
    try:
        if action in LAYOUT_ACTIONS:
            services.change_layout(
                report,
                user=request.user,
                key=key,
                action=action,
                loaded_version=version,
                heading=request.POST.get("heading", ""),
                text=request.POST.get("text", ""),
                level=param_int(request.POST.get("level"), minimum=1, maximum=3) or 2,
            )
            messages.success(request, LAYOUT_ACTIONS[action])
        elif action == "reset":
            services.reset_section(report, user=request.user, key=key, loaded_version=version)
            messages.success(request, "已恢复为生成的正文。")
        else:
            services.save_section(
                report,
                user=request.user,
                key=key,
                heading=request.POST.get("heading", ""),
                text=request.POST.get("text", ""),
                loaded_version=version,
            )
            messages.success(request, "段落已保存。")
    except (services.ReportError, EditConflict) as error:
        messages.error(request, str(error))
    return redirect(reverse("reports:detail", args=[report.pk]) + f"#s-{key[:60]}")


@login_required
@require_POST
def report_regenerate(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _report(request, report_id)
    if not services.can_edit(request.user, report):
        raise PermissionDenied("只有草稿状态的报告可以由起草人重新生成")
    try:
        changed = services.regenerate(
            report, user=request.user, loaded_version=request.POST.get("version")
        )
    except (services.ReportError, EditConflict) as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"已按最新数据重新生成，{len(changed)}处数字有变化，已用黄色标出，请核对。"
            if changed
            else "已按最新数据重新生成，数字没有变化。",
        )
    return redirect("reports:detail", report_id=report.pk)


@login_required
@require_POST
def report_submit(request: HttpRequest, report_id: int) -> HttpResponse:
    return _act(request, report_id, services.submit_for_review, "已送审，审核人会收到通知。")


@login_required
@require_POST
def report_approve(request: HttpRequest, report_id: int) -> HttpResponse:
    return _act(request, report_id, services.approve, "已审核通过，可以印发。")


@login_required
@require_POST
def report_return(request: HttpRequest, report_id: int) -> HttpResponse:
    return _act(
        request,
        report_id,
        services.return_to_draft,
        "已退回修改。",
        reason=request.POST.get("reason", ""),
    )


@login_required
@require_POST
def report_issue(request: HttpRequest, report_id: int) -> HttpResponse:
    dated = param_date(request.POST.get("dated"))
    if request.POST.get("dated") and dated is None:
        messages.error(request, "成文日期格式不正确，请按“2026-12-02”的格式填写")
        return redirect("reports:detail", report_id=report_id)
    response = _act(request, report_id, services.issue, "已印发，定稿已保存。", dated=dated)
    report = _report(request, report_id)
    if report.is_issued and not report.pdf:
        services.store_pdf(report)
    return response


@login_required
@require_POST
def report_variant(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _report(request, report_id)
    if not services.can_save_variant(request.user, report):
        raise PermissionDenied("只有本局起草该文种的股室工作人员可以保存本局模板")
    try:
        if request.POST.get("action") == "forget":
            services.forget_variant(report, user=request.user)
            messages.success(request, "已恢复默认结构，以后起草的该文种按系统默认结构生成。")
        else:
            services.save_variant(report, user=request.user)
            messages.success(request, "已保存为本局模板，以后起草的该文种按此结构生成。")
    except services.ReportError as error:
        messages.error(request, str(error))
    return redirect("reports:detail", report_id=report.pk)


@login_required
@require_POST
def report_reply(request: HttpRequest, report_id: int) -> HttpResponse:
    return _act(
        request,
        report_id,
        services.submit_receipt,
        "回执已提交。",
        text=request.POST.get("text", ""),
    )


@login_required
@require_POST
def report_check_receipt(request: HttpRequest, report_id: int) -> HttpResponse:
    accept = request.POST.get("decision") == "accept"
    return _act(
        request,
        report_id,
        services.check_receipt,
        "已确认回执。" if accept else "已退回回执，学校会收到通知。",
        accept=accept,
        note=request.POST.get("note", ""),
    )


@login_required
@require_POST
def report_chase_receipt(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _report(request, report_id)
    try:
        sent = services.chase_receipt(report, user=request.user, today=timezone.localdate())
    except services.ReportError as error:
        messages.error(request, str(error))
    else:
        if sent:
            messages.success(request, "已催办，学校会收到通知。")
        else:
            messages.info(request, "今天已催办过该校，明天可再次催办。")
    return redirect("reports:detail", report_id=report.pk)


@login_required
def report_docx(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _report(request, report_id)
    data = services.docx_of(report)
    audit_log(actor=request.user, action=Action.EXPORT, obj=report, detail="下载Word版")
    return attachment(
        data, content_type=DOCX_CONTENT_TYPE, filename=services.file_name(report, "docx")
    )


@login_required
def report_pdf(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _report(request, report_id)
    try:
        data = services.pdf_of(report)
    except services.CONVERSION_ERRORS as error:
        messages.error(request, f"PDF生成失败：{error}")
        return redirect("reports:detail", report_id=report.pk)
    audit_log(actor=request.user, action=Action.EXPORT, obj=report, detail="下载PDF版")
    return attachment(
        data, content_type="application/pdf", filename=services.file_name(report, "pdf")
    )
