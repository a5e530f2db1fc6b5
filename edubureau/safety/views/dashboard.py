"""The safety dashboard and the circular downloads.

Who sees what:
- the dashboard: everyone signed in, over the schools they may see (a school user
  their own school, an inspector their assigned schools, bureau staff, leaders and
  administrators their bureau's subtree — safety records are not sensitive data),
  narrowed by ``?bureau=`` (a bureau of that subtree; with ``direct=1`` the schools
  it runs itself), ``?township=`` or ``?school=`` through the scoping door
  (``scope_from_params``): another bureau's, township's or school's id answers 404
  and is audited;
- circulars (.docx): the safety department's staff and bureau leaders, over their
  whole scope (a city's circular names its counties and their schools). A school
  user gets 403 for every circular, their own school's included: a circular names
  every school of its scope;
- a campaign's feedback to one school (检查情况反馈, .docx): anyone who sees the
  campaign and the school — the school itself, the campaign's team, bureau staff.
  It is read for that school alone and names no other.
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from edubureau.audit.models import Action
from edubureau.audit.services import audit_log
from edubureau.core.downloads import DOCX_CONTENT_TYPE, attachment
from edubureau.core.facts import Period
from edubureau.core.officialdoc import render_docx
from edubureau.downloads import services as downloads
from edubureau.orgs.access import get_visible_or_404
from edubureau.orgs.http import AuthedRequest
from edubureau.orgs.scoping import scope_for, scope_from_params
from edubureau.safety import downloads as safety_downloads
from edubureau.safety.circulars import (
    CircularContent,
    campaign_feedback,
    can_download_circulars,
    circular_outline,
)
from edubureau.safety.models import Campaign
from edubureau.safety.selectors.dashboard import dashboard_for


def _period(request: AuthedRequest, today: date) -> Period:
    """``?year=2026`` (the year) or ``?year=2026&month=5`` (a month); default this year."""
    year, month = request.GET.get("year", "").strip(), request.GET.get("month", "").strip()
    if not year and not month:
        return Period.calendar_year(today.year)
    try:
        return Period.parse(f"{year}-{int(month):02d}" if month else year)
    except ValueError as exc:
        messages.error(request, f"{exc}；已显示{today.year}年的数据。")
        return Period.calendar_year(today.year)


@login_required
@require_GET
def dashboard(request: AuthedRequest) -> HttpResponse:
    today = timezone.localdate()
    period = _period(request, today)
    scope = scope_from_params(request.user, request.GET)
    fresh = request.GET.get("fresh") == "1"
    board = dashboard_for(scope=scope, period=period, today=today, fresh=fresh)
    again = request.GET.copy()
    again["fresh"] = "1"
    context = {
        "board": board,
        "refresh_query": again.urlencode(),
        "scope_params": scope.params,
        "years": range(today.year, today.year - 6, -1),
        "months": range(1, 13),
        "can_download": can_download_circulars(request.user),
    }
    return render(request, "safety/dashboard/dashboard.html", context)


def _docx(request: AuthedRequest, content: CircularContent, name: str) -> HttpResponse:
    data = render_docx(circular_outline(content))
    audit_log(
        actor=request.user,
        action=Action.EXPORT,
        model_label=Campaign._meta.label if content.kind != "month" else "safety.Circular",
        detail=f"下载通报：{content.title}",
    )
    return attachment(data, content_type=DOCX_CONTENT_TYPE, filename=name)


@login_required
@require_GET
def circular_campaign(request: AuthedRequest, campaign_id: int) -> HttpResponse:
    """The campaign's circular: made at once for a small campaign, in the background
    (``downloads.answer``) when it covers many schools."""
    campaign = get_visible_or_404(Campaign, request.user, campaign_id)
    if not can_download_circulars(request.user):
        raise PermissionDenied("只有安全股工作人员和局领导可以下载检查通报")
    size = scope_for(request.user).schools().filter(pk__in=campaign.schools.all()).count()
    return downloads.answer(
        request,
        safety_downloads.CIRCULAR_CAMPAIGN,
        size=size,
        params=QueryDict(f"campaign={campaign.pk}"),
        title=f"{campaign.name}通报",
    )


@login_required
@require_GET
def campaign_feedback_download(
    request: AuthedRequest, campaign_id: int, school_id: int
) -> HttpResponse:
    campaign = get_visible_or_404(Campaign, request.user, campaign_id)
    scope = scope_for(request.user, school=school_id)
    school = scope.school
    if school is None or not campaign.schools.filter(pk=school.pk).exists():
        raise Http404("该学校不在本次检查范围内")
    content = campaign_feedback(campaign=campaign, scope=scope)
    return _docx(request, content, f"{campaign.name}检查情况反馈（{school.name}）.docx")


@login_required
@require_GET
def circular_month(request: AuthedRequest, year: int, month: int) -> HttpResponse:
    """The month's circular: made at once for a county, in the background
    (``downloads.answer``) for a scope of many schools (a city's 2,000)."""
    if not can_download_circulars(request.user):
        raise PermissionDenied("只有安全股工作人员和局领导可以下载月度通报")
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return HttpResponse("月份无效：年份须在2000至2100之间，月份须在1至12之间", status=400)
    return downloads.answer(
        request,
        safety_downloads.CIRCULAR_MONTH,
        size=scope_for(request.user).schools().count(),
        params=safety_downloads.month_params(year, month),
        title=safety_downloads.circular_month_title(year, month),
    )
