"""Inspection pages: the list, the mobile form (self-inspections and campaign
inspections), the detail page with the bureau's return action, photos, the missing
self-inspections of a month with 催报, campaigns, and the checklist pages.

The form works without JavaScript (保存草稿 / 提交 post the whole form, photos
included); static/js/inspection.js adds saving item by item as the form is filled
and static/js/photos.js resizes photos in the browser before uploading them.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from edubureau.core.concurrency import EditConflict
from edubureau.core.downloads import export_refused
from edubureau.core.listing import (
    apply_list_query,
    list_context,
    needs_defaults,
    read_list_query,
)
from edubureau.core.photos import PhotoRejected, photo_file_path
from edubureau.downloads import services as downloads
from edubureau.orgs.access import get_visible_or_404
from edubureau.orgs.http import AuthedRequest
from edubureau.orgs.models import School, SchoolKind
from edubureau.orgs.scoping import bureau_of, moved_away, moved_away_schools, scope_from_params
from edubureau.orgs.selectors import PLACE_PARAMS, place_chooser
from edubureau.rectification.lifecycle import NotAllowed
from edubureau.rectification.models import Severity
from edubureau.safety import downloads as safety_downloads
from edubureau.safety.circulars import can_download_circulars
from edubureau.safety.forms import inspections as f
from edubureau.safety.models import (
    Campaign,
    Checklist,
    ChecklistItem,
    Inspection,
    InspectionKind,
    InspectionPhoto,
    InspectionStatus,
)
from edubureau.safety.selectors import inspections as sel
from edubureau.safety.services import campaigns, chase
from edubureau.safety.services import checklists as checklist_services
from edubureau.safety.services import inspections as services

PAGE_SIZE = 50


def _this_month() -> Any:
    return services.month_start(timezone.localdate())


def _is_ajax(request: AuthedRequest) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def _inspection_or_404(
    request: AuthedRequest, inspection_id: int, *, related: tuple[str, ...] = ()
) -> Inspection:
    """An inspection through the door, or one of a campaign the user's team fills (an
    inspector named on a city's team, at a county's school); 404 (audited) otherwise."""
    team = (
        Inspection.objects.filled_by(request.user)
        .select_related(*related)
        .filter(pk=inspection_id)
        .first()
    )
    return team or get_visible_or_404(Inspection, request.user, inspection_id, related=related)


def _photo_or_404(request: AuthedRequest, photo_id: int) -> InspectionPhoto:
    """A photo, as :func:`_inspection_or_404`."""
    team = InspectionPhoto.objects.filled_by(request.user).filter(pk=photo_id).first()
    return team or get_visible_or_404(InspectionPhoto, request.user, photo_id)


# List and detail ------------------------------------------------------------------


@login_required
def inspection_list(request: AuthedRequest) -> HttpResponse:
    user = request.user
    defaults = needs_defaults(sel.INSPECTION_LIST, request.GET)
    if defaults:
        return redirect(f"{request.path}?{defaults}")
    listing = read_list_query(sel.INSPECTION_LIST, request.GET)
    filters = sel.InspectionFilter.from_params(request.GET)
    inspections = sel.inspection_list(user=user, filters=filters)
    rows = apply_list_query(sel.INSPECTION_LIST, inspections, listing)
    own = sel.own_self_inspection(user, _this_month())
    return render(
        request,
        "safety/inspections/list.html",
        {
            **list_context(request, sel.INSPECTION_LIST, rows, listing),
            "filters": filters,
            "counts": sel.inspection_counts(rows),
            "moved_away_schools": moved_away_schools(request.user),
            "kinds": InspectionKind.choices,
            "statuses": InspectionStatus.choices,
            "place": place_chooser(user, request.GET),
            "campaigns": sel.campaign_list(user=user)[:50],
            "can_fill_self": services.can_fill_any_self(user),
            "own_this_month": own,
            "own_this_month_open": own is not None and services.is_editable(own),
            "is_safety_staff": services.is_safety_staff(user),
            "this_month": _this_month(),
        },
    )


@login_required
@require_GET
def inspection_export(request: AuthedRequest) -> HttpResponse:
    """The filtered list as .xlsx: every inspection the user may see, no paging; made
    in the background when it is large (``downloads.answer``)."""
    total = safety_downloads.inspection_export_queryset(request.user, request.GET).count()
    refused = export_refused(request, total, list_url=reverse("safety:inspection-list"))
    if refused is not None:
        return refused
    return downloads.answer(request, safety_downloads.INSPECTIONS, size=total)


@login_required
def inspection_detail(request: AuthedRequest, inspection_id: int) -> HttpResponse:
    inspection = _inspection_or_404(request, inspection_id)
    return _detail(request, inspection)


def _detail(
    request: AuthedRequest, inspection: Inspection, return_form: Any = None, status: int = 200
) -> HttpResponse:
    user = request.user
    inspection = Inspection.objects.select_related(
        "school__township", "campaign", "checklist", "submitted_by"
    ).get(pk=inspection.pk)
    can_return = services.can_return(user, inspection)
    return render(
        request,
        "safety/inspections/detail.html",
        {
            "inspection": inspection,
            "sections": sel.inspection_sections(inspection, with_hazards=True),
            "general_photos": sel.general_photos(inspection),
            "hazards": inspection.hazards.visible_to(user).select_related("category"),
            "history": sel.inspection_history(inspection),
            "can_edit": services.is_editable(inspection) and services.can_fill(user, inspection),
            "return_form": return_form or (f.ReturnForm() if can_return else None),
            "moved_away": moved_away(user, inspection.school_id),
        },
        status=status,
    )


@login_required
@require_POST
def inspection_return(request: AuthedRequest, inspection_id: int) -> HttpResponse:
    inspection = get_visible_or_404(Inspection, request.user, inspection_id)
    if not services.is_safety_staff(request.user):
        raise PermissionDenied("只有安全股工作人员可以退回检查")
    form = f.ReturnForm(request.POST)
    if form.is_valid():
        try:
            services.inspection_return(
                actor=request.user, inspection=inspection, reason=form.cleaned_data["reason"]
            )
        except NotAllowed as exc:
            raise PermissionDenied(str(exc)) from exc
        except services.InspectionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "已退回学校，学校修改后将重新提交。")
            return redirect("safety:inspection-detail", inspection_id=inspection.pk)
    return _detail(request, inspection, return_form=form, status=400)


# The form -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def self_inspection_new(request: AuthedRequest) -> HttpResponse:
    """This month's (or ``?period=``'s) self-inspection of the user's school: the form of
    a new one, or a redirect to the one already started."""
    user = request.user
    school = user.school
    if school is None or not services.can_fill_self(user, school):
        raise PermissionDenied("只有学校（非只读）用户可以填报月度自查")
    period = sel.parse_period(request.GET.get("period")) or _this_month()
    if period > _this_month():
        raise Http404("不能填报未来月份的自查")
    inspection = sel.own_self_inspection(user, period)
    if request.method == "POST":
        return _save(
            request,
            inspection_id=inspection.pk if inspection is not None else None,
            school=school,
            period=period,
        )
    if inspection is not None:
        target = "safety:inspection-edit" if services.is_editable(inspection) else None
        return redirect(target or "safety:inspection-detail", inspection_id=inspection.pk)
    checklist = services.current_checklist_for(school.bureau_id)
    return _form_page(request, school=school, checklist=checklist, period=period)


@login_required
@require_http_methods(["GET", "POST"])
def inspection_edit(request: AuthedRequest, inspection_id: int) -> HttpResponse:
    if request.method == "POST":
        # The save reads the row itself, locked, through the same rule: a submit
        # reads it once.
        return _save(request, inspection_id=inspection_id)
    inspection = _fillable(request, inspection_id)
    if not services.is_editable(inspection):
        messages.info(request, "本次检查已提交，不能再修改。")
        return redirect("safety:inspection-detail", inspection_id=inspection.pk)
    return _form_page(request, inspection=inspection)


def _fillable(request: AuthedRequest, inspection_id: int) -> Inspection:
    """The inspection if the user fills it (``services.can_fill``'s rule and the row in
    one query, with its school and checklist); else 404 (audited) where they may not
    read it either, 403 where they may."""
    inspection = (
        Inspection.objects.writable_by(request.user)
        .select_related("school", "checklist")
        .filter(pk=inspection_id)
        .first()
    )
    if inspection is None:
        _inspection_or_404(request, inspection_id)
        raise PermissionDenied("您不能填写该检查")
    return inspection


def _save(
    request: AuthedRequest,
    *,
    inspection_id: int | None,
    school: School | None = None,
    period: Any = None,
) -> HttpResponse:
    """Parse the posted form (whole or one item), save it, optionally submit. Without
    ``inspection_id``: the first save of ``school``'s self-inspection of ``period``."""
    ajax = _is_ajax(request)
    submit = request.POST.get("action") == "submit"
    client_id = f.parse_client_id(request.POST.get("client_id"))
    entries = f.parse_entries(request.POST)
    header_form = f.HeaderForm(request.POST) if "inspected_on" in request.POST else None
    error = ""
    missing: list[ChecklistItem] = []
    outcome = None
    try:
        if header_form is not None and not header_form.is_valid():
            raise services.InspectionError("请填写正确的检查日期")
        kwargs: dict[str, Any] = {
            "entries": entries,
            "header": header_form.header() if header_form is not None else None,
            "photos": f.parse_photos(request.FILES),
        }
        if inspection_id is None:
            assert school is not None
            if client_id is None:
                raise services.InspectionError("表单已过期，请刷新页面后重新填写")
            outcome = services.inspection_save_new_self(
                actor=request.user,
                school=school,
                period=period,
                client_id=client_id,
                submit=submit,
                audit=not ajax,
                **kwargs,
            )
        else:
            outcome = services.inspection_save(
                actor=request.user,
                inspection=inspection_id,
                submit=submit,
                audit=not ajax,
                **kwargs,
            )
    except NotAllowed as exc:
        if inspection_id is not None:
            _fillable(request, inspection_id)  # 404 (audited) unless they may read it
        raise PermissionDenied(str(exc)) from exc
    except services.InspectionIncomplete as exc:
        error, missing = str(exc), exc.missing
    except (services.InspectionError, PhotoRejected, forms.ValidationError) as exc:
        error = exc.messages[0] if isinstance(exc, forms.ValidationError) else str(exc)
    inspection = None
    if outcome is None and inspection_id is not None:
        # Refused before the service read the row (a bad date, too many photos): the
        # answer is the one the form's page would give, 404 or 403 to an outsider.
        inspection = _fillable(request, inspection_id)
    if ajax:
        if outcome is None:
            return JsonResponse({"ok": False, "error": error}, status=400)
        return JsonResponse(_urls(outcome.inspection) | {"ok": True})
    if outcome is None:
        messages.error(request, error)
        return _form_page(
            request,
            inspection=inspection,
            school=school,
            checklist=(
                services.current_checklist_for(school.bureau_id)
                if inspection is None and school is not None
                else None
            ),
            period=period,
            posted=entries,
            missing=missing,
            header_form=header_form,
            client_id=client_id,
            status=400,
        )
    saved = outcome.inspection
    if outcome.already_submitted:
        messages.info(request, "本次检查已提交，重复提交已忽略。")
    elif outcome.submitted:
        n = len(outcome.hazards_created)
        text = f"已提交。发现隐患{n}个，已生成隐患整改记录。" if n else "已提交，未发现隐患。"
        messages.success(request, text)
    else:
        messages.success(request, "草稿已保存。")
        return redirect("safety:inspection-edit", inspection_id=saved.pk)
    return redirect("safety:inspection-detail", inspection_id=saved.pk)


def _urls(inspection: Inspection) -> dict[str, Any]:
    kw = {"inspection_id": inspection.pk}
    return {
        "id": inspection.pk,
        "action": reverse("safety:inspection-edit", kwargs=kw),
        "photo_url": reverse("safety:inspection-photo-upload", kwargs=kw),
        "saved_at": timezone.localtime(inspection.updated_at).strftime("%H:%M:%S"),
    }


def _form_page(
    request: AuthedRequest,
    *,
    inspection: Inspection | None = None,
    school: School | None = None,
    checklist: Checklist | None = None,
    period: Any = None,
    posted: dict[int, Any] | None = None,
    missing: list[ChecklistItem] | None = None,
    header_form: Any = None,
    client_id: Any = None,
    status: int = 200,
) -> HttpResponse:
    if inspection is not None:
        inspection = Inspection.objects.select_related("school", "campaign", "checklist").get(
            pk=inspection.pk
        )
        sections = sel.inspection_sections(inspection, posted=posted, missing=missing or [])
        action = reverse("safety:inspection-edit", kwargs={"inspection_id": inspection.pk})
        photo_url = reverse(
            "safety:inspection-photo-upload", kwargs={"inspection_id": inspection.pk}
        )
        school = inspection.school
        client_id = inspection.client_id
        initial = {
            "inspected_on": inspection.inspected_on,
            "leader": inspection.leader,
            "participants": inspection.participants,
            "summary": inspection.summary,
        }
    else:
        assert school is not None and checklist is not None
        sections = sel.new_form_sections(checklist, school, posted=posted, missing=missing or [])
        action = reverse("safety:self-inspection-new") + f"?period={period:%Y-%m}"
        photo_url = ""
        client_id = client_id or uuid.uuid4()
        initial = {"inspected_on": min(timezone.localdate(), services.month_end(period))}
    total = sum(len(s.rows) for s in sections)
    return render(
        request,
        "safety/inspections/form.html",
        {
            "inspection": inspection,
            "school": school,
            "period": inspection.period if inspection else period,
            "sections": sections,
            "total": total,
            "answered": sum(s.answered for s in sections),
            "action": action,
            "photo_url": photo_url,
            "client_id": client_id,
            "header_form": header_form or f.HeaderForm(initial=initial),
            "general_photos": sel.general_photos(inspection) if inspection else [],
            "missing_count": len(missing or []),
            "severities": Severity.choices,
            "due_day": services.due_working_day(),
        },
        status=status,
    )


# Photos ---------------------------------------------------------------------------


@login_required
@require_POST
def inspection_photo_upload(request: AuthedRequest, inspection_id: int) -> JsonResponse:
    """One photo (already resized by the browser), for an item or the whole visit."""
    inspection = _inspection_or_404(request, inspection_id)
    if not services.can_fill(request.user, inspection):
        raise PermissionDenied("您不能为该检查上传照片")
    upload = request.FILES.get("photo")
    item = None
    item_id = request.POST.get("item") or ""
    if item_id:
        # Through the scoped queryset and this inspection's checklist: another
        # bureau's item, another version's and a missing id get the same answer.
        item = (
            ChecklistItem.objects.visible_to(request.user)
            .filter(pk=item_id if item_id.isdigit() else 0, checklist_id=inspection.checklist_id)
            .first()
        )
        if item is None:
            return JsonResponse({"ok": False, "error": "排查事项不属于本次检查"}, status=400)
    if upload is None:
        return JsonResponse({"ok": False, "error": "请选择照片"}, status=400)
    try:
        photo = services.inspection_photo_add(
            actor=request.user, inspection=inspection, upload=upload, item=item
        )
    except NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    except (PhotoRejected, services.InspectionError) as exc:
        return JsonResponse({"ok": False, "error": str(exc)}, status=400)
    return JsonResponse(
        {
            "ok": True,
            "id": photo.pk,
            "item": photo.item_id,
            "url": reverse("safety:inspection-photo", kwargs={"inspectionphoto_id": photo.pk}),
            "delete_url": reverse(
                "safety:inspection-photo-delete", kwargs={"inspectionphoto_id": photo.pk}
            ),
        }
    )


@login_required
def inspection_photo(request: AuthedRequest, inspectionphoto_id: int) -> FileResponse:
    photo = _photo_or_404(request, inspectionphoto_id)
    try:
        handle = photo_file_path(photo.path).open("rb")
    except (OSError, PhotoRejected):
        raise Http404("照片文件不存在") from None
    response = FileResponse(handle, content_type=photo.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def inspection_photo_delete(request: AuthedRequest, inspectionphoto_id: int) -> HttpResponse:
    photo = _photo_or_404(request, inspectionphoto_id)
    try:
        services.inspection_photo_delete(actor=request.user, photo=photo)
    except NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    except services.InspectionError as exc:
        if _is_ajax(request):
            return JsonResponse({"ok": False, "error": str(exc)}, status=400)
        messages.error(request, str(exc))
    if _is_ajax(request):
        return JsonResponse({"ok": True})
    return redirect("safety:inspection-edit", inspection_id=photo.inspection_id)


# Missing self-inspections -----------------------------------------------------------


def _missing_report(request: AuthedRequest) -> sel.MissingReport:
    """The month (``?period=``, default this month) and the place the page asks for."""
    return safety_downloads.missing_report_from_params(request.user, request.GET)


@login_required
def self_inspection_missing(request: AuthedRequest) -> HttpResponse:
    """The schools that have not reported a month, a page at a time (a province has
    30,000), with how many under each place one step down."""
    user = request.user
    listing = read_list_query(sel.MISSING_LIST, request.GET)
    report = _missing_report(request)
    listed = list_context(
        request,
        sel.MISSING_LIST,
        apply_list_query(sel.MISSING_LIST, report.schools, listing),
        listing,
    )
    page = listed["page"]
    page.object_list = sel.missing_rows(report, list(page.object_list))
    place = place_chooser(user, request.GET)
    # The narrowing alone: for the links to the submitted inspections and for 催报.
    place_params = [(k, request.GET[k]) for k in PLACE_PARAMS if request.GET.get(k)]
    return render(
        request,
        "safety/inspections/missing.html",
        {
            **listed,
            "report": report,
            "missing_count": page.paginator.count,
            "township_id": report.township_id,
            "place": place,
            # The narrowing alone, for the links to the submitted inspections.
            "place_params": place_params,
            "place_query": urlencode(place_params),
            "groups": sel.missing_by_place(report, place, request.GET),
            "can_chase": services.is_safety_staff(user),
            "due_day": services.due_working_day(),
        },
    )


@login_required
@require_GET
def self_inspection_missing_export(request: AuthedRequest) -> HttpResponse:
    """The 未报送 list of a month as .xlsx, with each school's principal and phone; made
    in the background when it is long (a province's month can miss thousands)."""
    report = _missing_report(request)
    # The month is pinned: a download that waits past midnight of the month's last
    # day still lists the month it was asked for.
    params = request.GET.copy()
    params["period"] = f"{report.period:%Y-%m}"
    return downloads.answer(
        request,
        safety_downloads.MISSING,
        size=report.missing_count,
        params=params,
        title=safety_downloads.missing_title(report),
    )


@login_required
@require_POST
def self_inspection_chase(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if not services.is_safety_staff(user):
        raise PermissionDenied("只有安全股工作人员可以催报")
    period = sel.parse_period(request.POST.get("period")) or _this_month()
    # The place the list was narrowed to (bureau, direct, township, school), through the
    # scoping door like the list itself: a foreign id answers 404.
    scope = scope_from_params(user, request.POST)
    result = chase.self_inspection_chase(actor=user, schools=scope.schools(), period=period)
    if result.not_due:
        messages.info(
            request, f"尚未到应报日期（{result.due_on:%Y年%m月%d日}），应报日期过后才能催报。"
        )
    if result.schools:
        messages.success(
            request, f"已向{len(result.schools)}所学校发出催报通知（共{result.notified}人）。"
        )
    if result.skipped_today:
        messages.info(request, f"{len(result.skipped_today)}所学校今天已催报过，未重复发送。")
    if not (result.schools or result.skipped_today or result.not_due):
        messages.info(request, "没有需要催报的学校。")
    query = urlencode([("period", f"{period:%Y-%m}"), *scope.params.items()])
    return redirect(reverse("safety:self-inspection-missing") + "?" + query)


# Campaigns ------------------------------------------------------------------------


@login_required
def campaign_list(request: AuthedRequest) -> HttpResponse:
    # ?active=1: those in progress today; ?mine=1: those whose team I am on (the
    # workbench links here).
    active = request.GET.get("active") == "1"
    mine = request.GET.get("mine") == "1"
    running_on = timezone.localdate() if active else None
    campaigns = sel.campaign_list(user=request.user, running_on=running_on, on_team=mine)
    return render(
        request,
        "safety/inspections/campaign_list.html",
        {
            "campaigns": campaigns,
            "active": active,
            "mine": mine,
            "can_create": services.is_safety_staff(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if not services.is_safety_staff(user):
        raise PermissionDenied("只有安全股工作人员可以创建检查活动")
    form = f.CampaignForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        data = campaigns.CampaignData(
            name=d["name"],
            kind=d["kind"],
            theme=d["theme"],
            starts_on=d["starts_on"],
            ends_on=d["ends_on"],
            schools=d["scope"],
            team=list(d["team"]),
            checklist=d["checklist"],
            verification_delegated=bool(d.get("verification_delegated")),
        )
        try:
            campaign = campaigns.campaign_create(actor=user, data=data)
        except services.InspectionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"检查活动已创建，检查范围{len(d['scope'])}所学校。")
            return redirect("safety:campaign-detail", campaign_id=campaign.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "safety/inspections/campaign_form.html", {"form": form}, status=status)


@login_required
def campaign_detail(request: AuthedRequest, campaign_id: int) -> HttpResponse:
    campaign = get_visible_or_404(Campaign, request.user, campaign_id)
    return render(
        request,
        "safety/inspections/campaign_detail.html",
        {
            "campaign": campaign,
            "progress": sel.campaign_progress(user=request.user, campaign=campaign),
            "team": campaign.team.all(),
            "can_fill": services.can_fill_campaign(request.user, campaign),
            "checklist_visible": Checklist.objects.visible_to(request.user)
            .filter(pk=campaign.checklist_id)
            .exists(),
            "spans_below": campaign.schools.exclude(bureau_id=campaign.bureau_id).exists(),
            "can_download": can_download_circulars(request.user),
        },
    )


@login_required
@require_POST
def campaign_inspect(request: AuthedRequest, campaign_id: int, school_id: int) -> HttpResponse:
    """Start (or continue) the campaign's inspection of one school."""
    campaign = get_visible_or_404(Campaign, request.user, campaign_id)
    if services.can_fill_campaign(request.user, campaign):
        # The team inspects the campaign's whole scope (an inspector named on a city's
        # team included); anything else it names is out of scope.
        school = campaign.schools.filter(pk=school_id).first()
        if school is None:
            school = get_visible_or_404(School, request.user, school_id)
    else:
        school = get_visible_or_404(School, request.user, school_id)
    try:
        inspection = services.inspection_start_campaign(
            actor=request.user, campaign=campaign, school=school
        )
    except NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    except services.InspectionError as exc:
        messages.error(request, str(exc))
        return redirect("safety:campaign-detail", campaign_id=campaign.pk)
    target = "safety:inspection-edit" if services.is_editable(inspection) else None
    return redirect(target or "safety:inspection-detail", inspection_id=inspection.pk)


# Checklists -----------------------------------------------------------------------


@login_required
def checklist_current(request: AuthedRequest) -> HttpResponse:
    checklist = sel.current_checklist(request.user)
    if checklist is None:
        return render(
            request,
            "safety/checklists/detail.html",
            {"checklist": None, "can_edit": checklist_services.can_edit_checklists(request.user)},
        )
    return _checklist_page(request, checklist)


@login_required
def checklist_detail(request: AuthedRequest, checklist_id: int) -> HttpResponse:
    return _checklist_page(request, get_visible_or_404(Checklist, request.user, checklist_id))


def _checklist_page(request: AuthedRequest, checklist: Checklist) -> HttpResponse:
    return render(
        request,
        "safety/checklists/detail.html",
        {
            "checklist": checklist,
            "sections": sel.checklist_sections(checklist),
            "kinds": SchoolKind.choices,
            "can_edit": checklist.is_current
            and Checklist.objects.writable_by(request.user).filter(pk=checklist.pk).exists(),
        },
    )


@login_required
def checklist_versions(request: AuthedRequest) -> HttpResponse:
    return render(
        request,
        "safety/checklists/versions.html",
        {"versions": sel.checklist_versions(request.user)},
    )


@login_required
@require_POST
def checklist_install(request: AuthedRequest) -> HttpResponse:
    if not checklist_services.can_edit_checklists(request.user):
        raise PermissionDenied("只有安全股工作人员可以设置排查指南")
    checklist_services.checklist_install_default(bureau=bureau_of(request.user), actor=request.user)
    messages.success(request, "已启用默认排查指南。")
    return redirect("safety:checklist-current")


@login_required
@require_http_methods(["GET", "POST"])
def checklist_item_edit(request: AuthedRequest, checklistitem_id: int) -> HttpResponse:
    item = _item(request, checklistitem_id)
    checklist = item.checklist
    initial = {
        "category": item.category_id,
        "text": item.text,
        "guidance": item.guidance,
        "basis": item.basis,
        "default_severity": item.default_severity,
        "applies_to": item.applies_to,
        "version": checklist.version,
    }
    form = f.ChecklistItemForm(request.POST or None, initial=initial, checklist=checklist)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        edit = {k: d[k] for k in ("text", "guidance", "basis", "default_severity", "applies_to")}
        edit["category"] = d["category"].key
        changes = checklist_services.ChecklistChanges(note=d["note"], edits={item.key: edit})
        if _new_version(request, form, checklist, changes):
            return redirect("safety:checklist-current")
    return _item_form(request, form, checklist, item=item)


@login_required
@require_http_methods(["GET", "POST"])
def checklist_item_add(request: AuthedRequest) -> HttpResponse:
    if not checklist_services.can_edit_checklists(request.user):
        raise PermissionDenied("只有安全股工作人员可以修订排查指南")
    checklist = sel.current_checklist(request.user)
    if checklist is None:
        raise Http404("尚未设置排查指南")
    category = checklist.categories.filter(key=request.GET.get("category") or "").first()
    initial = {"version": checklist.version, "category": category, "default_severity": "minor"}
    form = f.ChecklistItemForm(request.POST or None, initial=initial, checklist=checklist)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        addition = {
            k: d[k] for k in ("text", "guidance", "basis", "default_severity", "applies_to")
        }
        addition["category"] = d["category"].key
        changes = checklist_services.ChecklistChanges(note=d["note"], additions=[addition])
        if _new_version(request, form, checklist, changes):
            return redirect("safety:checklist-current")
    return _item_form(request, form, checklist, item=None)


@login_required
@require_http_methods(["GET", "POST"])
def checklist_item_remove(request: AuthedRequest, checklistitem_id: int) -> HttpResponse:
    item = _item(request, checklistitem_id)
    form = f.ChecklistRemoveForm(request.POST or None, initial={"version": item.checklist.version})
    if request.method == "POST" and form.is_valid():
        changes = checklist_services.ChecklistChanges(
            note=form.cleaned_data["note"], removals=[item.key]
        )
        if _new_version(request, form, item.checklist, changes):
            return redirect("safety:checklist-current")
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "safety/checklists/item_remove.html",
        {"form": form, "item": item},
        status=status,
    )


def _item(request: AuthedRequest, checklistitem_id: int) -> ChecklistItem:
    """An item of the user's bureau's checklist, which they may revise: 404 (audited)
    outside the door's reach, 403 for a checklist they read but do not revise."""
    item = get_visible_or_404(ChecklistItem, request.user, checklistitem_id)
    if not ChecklistItem.objects.writable_by(request.user).filter(pk=item.pk).exists():
        raise PermissionDenied("只有本局安全股工作人员可以修订排查指南")
    if not item.checklist.is_current:
        raise Http404("只能修改现行版本的排查事项")
    return item


def _new_version(request: AuthedRequest, form: Any, checklist: Checklist, changes: Any) -> bool:
    """Make the new version; a refusal (stale page, bad value) goes on the form."""
    try:
        if form.cleaned_data["version"] != checklist.version:
            raise EditConflict("排查指南已有更新的版本，请刷新页面后在最新版本上修改。")
        new = checklist_services.checklist_new_version(
            actor=request.user, base=checklist, changes=changes
        )
    except NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    except (EditConflict, checklist_services.ChecklistError) as exc:
        form.add_error(None, str(exc))
        return False
    messages.success(request, f"已保存为第{new.version}版排查指南；此前的检查仍按原版本保存。")
    return True


def _item_form(
    request: AuthedRequest, form: Any, checklist: Checklist, *, item: ChecklistItem | None
) -> HttpResponse:
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "safety/checklists/item_form.html",
        {"form": form, "item": item, "checklist": checklist},
        status=status,
    )
