"""Hazard pages: the list (and its Excel export), the ad hoc report form, the detail
page with the lifecycle's action forms, the photo view; for a city (or the province)
its counties side by side with 催办; and the bureau's safety settings.

Every action posts to its own URL and goes through the shared lifecycle
(edubureau.rectification.lifecycle), which enforces the state machine and who may
act; the detail page only offers what the lifecycle would accept.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from edubureau.core.concurrency import EditConflict, version_token
from edubureau.core.downloads import export_refused
from edubureau.core.listing import (
    apply_list_query,
    list_context,
    needs_defaults,
    read_list_query,
)
from edubureau.core.photos import PhotoRejected, photo_file_path
from edubureau.core.roles import BUREAU_ROLES
from edubureau.downloads import services as downloads
from edubureau.orgs.access import get_visible_or_404
from edubureau.orgs.http import AuthedRequest
from edubureau.orgs.models import Bureau
from edubureau.orgs.scoping import is_department_staff, moved_away, moved_away_schools
from edubureau.orgs.selectors import place_chooser
from edubureau.rectification.lifecycle import (
    NotAllowed,
    Plan,
    TransitionError,
    can_verify,
    rectification_close,
    rectification_plan,
    rectification_verify,
)
from edubureau.rectification.models import PlanKind, Severity, Status
from edubureau.safety import downloads as safety_downloads
from edubureau.safety.forms.hazards import (
    CloseForm,
    HazardReportForm,
    PlanForm,
    RectifyForm,
    SafetySettingsForm,
    VerifyForm,
)
from edubureau.safety.models import SAFETY, Hazard, HazardPhoto
from edubureau.safety.selectors import hazards as selectors
from edubureau.safety.selectors import verification as verification_selectors
from edubureau.safety.selectors.inspections import parse_period
from edubureau.safety.services import hazards as services
from edubureau.safety.services import overdue, verification


@login_required
def hazard_list(request: AuthedRequest) -> HttpResponse:
    today = timezone.localdate()
    defaults = needs_defaults(selectors.HAZARD_LIST, request.GET)
    if defaults:
        return redirect(f"{request.path}?{defaults}")
    listing = read_list_query(selectors.HAZARD_LIST, request.GET)
    filters = selectors.HazardFilter.from_params(request.GET)
    hazards = selectors.hazard_list(user=request.user, filters=filters, today=today)
    hazards = apply_list_query(selectors.HAZARD_LIST, hazards, listing)
    listed = list_context(request, selectors.HAZARD_LIST, hazards, listing)
    page = listed["page"]
    page.object_list = selectors.with_lights(page.object_list, today=today)
    query = request.GET.copy()
    query.pop("page", None)
    user = request.user
    # The 待复查 list lets a verifier tick rows and verify them in one POST; only the
    # rows the lifecycle would accept from them get a box.
    bulk = filters.status == Status.RECTIFIED
    verifiable = (
        verification_selectors.verifiable_ids(user, [h.pk for h in page.object_list])
        if bulk
        else set()
    )
    for h in page.object_list:
        h.bulk_version = version_token(h) if h.pk in verifiable else ""
    return render(
        request,
        "safety/hazards/list.html",
        {
            **listed,
            "filters": filters,
            "counts": selectors.hazard_counts(hazards, today=today),
            "count_links": {
                "unresolved": _query_with(query, status=selectors.UNRESOLVED),
                "overdue": _query_with(query, overdue="1"),
                "repeats": _query_with(query, repeat="1"),
            },
            "statuses": selectors.STATUS_FILTER_CHOICES,
            "severities": Severity.choices,
            "categories": selectors.category_choices(user),
            "bureaus": selectors.child_bureaus(user),
            "place": place_chooser(user, request.GET),
            "moved_away_schools": moved_away_schools(user),
            "can_report": selectors.can_report_hazards(user),
            "can_edit_settings": services.can_edit_safety_settings(user),
            # A verifier's way to the 待复查 rows, where the bulk form is.
            "verify_link": filters.status != Status.RECTIFIED
            and Hazard.objects.verifiable_by(user).exists(),
            "bulk_verify": bool(verifiable),
            "bulk_can_close": bool(verifiable)
            and verification.verify_closes_allowed(user.bureau_id),
        },
    )


@login_required
@require_POST
def hazard_bulk_verify(request: AuthedRequest) -> HttpResponse:
    """复查通过 (and 销号 where the bureau allows it) for the hazards ticked on the
    待复查 list. Each goes through the lifecycle on its own (see
    ``services.verification.hazards_verify_bulk``); the message lists the refused ones."""
    user = request.user
    if not Hazard.objects.verifiable_by(user).exists():
        raise PermissionDenied("您没有复查隐患的权限")
    ids = _posted_ids(request.POST.getlist("hazard"))
    back = reverse("safety:hazard-list") + "?" + _list_query(request.POST.get("next", ""))
    if not ids:
        messages.warning(request, "请先勾选要复查的隐患。")
        return redirect(back)
    versions = {pk: request.POST.get(f"version_{pk}", "") for pk in ids}
    close = request.POST.get("close") == "1"
    try:
        outcome = verification.hazards_verify_bulk(
            actor=user, hazard_ids=ids, close=close, versions=versions
        )
    except TransitionError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    if outcome.closed:
        messages.success(request, f"{len(outcome.closed)}条隐患复查通过并已销号。")
    done = len(outcome.verified) - len(outcome.closed)
    if done:
        kept = "（本局未开启“复查通过即可销号”的，须另行销号）" if outcome.kept_open else ""
        messages.success(request, f"{done}条隐患复查通过，待销号{kept}。")
    if outcome.refused:
        names = "；".join(
            f"{r.label or f'编号{r.hazard_id}'}（{r.reason}）" for r in outcome.refused
        )
        messages.warning(request, f"{len(outcome.refused)}条未能复查：{names}")
    return redirect(back)


@login_required
def hazard_export(request: AuthedRequest) -> HttpResponse:
    """The filtered list as .xlsx; made in the background when it is large."""
    hazards = safety_downloads.hazard_export_queryset(
        request.user, request.GET, timezone.localdate()
    )
    total = hazards.count()
    refused = export_refused(request, total, list_url=reverse("safety:hazard-list"))
    if refused is not None:
        return refused
    return downloads.answer(request, safety_downloads.HAZARDS, size=total)


@login_required
@require_http_methods(["GET", "POST"])
def hazard_report(request: AuthedRequest) -> HttpResponse:
    if not selectors.can_report_hazards(request.user):
        raise PermissionDenied("您没有登记隐患的权限")
    checklist = selectors.current_checklist(request.user)
    form = HazardReportForm(
        request.POST or None, request.FILES or None, user=request.user, checklist=checklist
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            hazard = services.hazard_report_ad_hoc(actor=request.user, **data)
        except (PhotoRejected, ValueError, TransitionError) as exc:
            form.add_error("photos" if isinstance(exc, PhotoRejected) else None, str(exc))
        else:
            messages.success(request, "隐患已登记，请尽快制定整改方案。")
            return redirect("safety:hazard-detail", hazard_id=hazard.pk)
    return render(request, "safety/hazards/report.html", {"form": form}, status=_status(form))


@login_required
def hazard_detail(request: AuthedRequest, hazard_id: int) -> HttpResponse:
    hazard = get_visible_or_404(Hazard, request.user, hazard_id)
    return _detail(request, hazard)


@login_required
@require_POST
def hazard_plan(request: AuthedRequest, hazard_id: int) -> HttpResponse:
    hazard = get_visible_or_404(Hazard, request.user, hazard_id, for_write=True)
    form = PlanForm(request.POST, hazard=hazard)
    if form.is_valid():
        d = form.cleaned_data
        kind = d["kind"]
        plan = Plan(
            kind=kind,
            plan_text=d["plan_text"],
            deadline=d["deadline"] if kind == PlanKind.BY_DEADLINE else d["target_date"],
            deferral_reason=d["deferral_reason"],
            interim_measures=d["interim_measures"],
            escalated_to=d["escalated_to"],
            responsible_person=d["responsible_person"],
        )
        done = _act(form, rectification_plan, request, obj=hazard, plan=plan)
        if done:
            return _saved(request, hazard, "整改方案已保存。")
    return _detail(request, hazard, plan_form=form)


@login_required
@require_POST
def hazard_rectify(request: AuthedRequest, hazard_id: int) -> HttpResponse:
    hazard = get_visible_or_404(Hazard, request.user, hazard_id, for_write=True)
    form = RectifyForm(request.POST, request.FILES)
    if form.is_valid():
        d = form.cleaned_data
        done = _act(
            form,
            services.hazard_rectify,
            request,
            hazard=hazard,
            evidence_text=d["evidence_text"],
            rectified_on=d["rectified_on"],
            photos=d["photos"],
        )
        if done:
            return _saved(request, hazard, "整改结果已提交，等待复查。")
    return _detail(request, hazard, rectify_form=form)


@login_required
@require_POST
def hazard_verify(request: AuthedRequest, hazard_id: int) -> HttpResponse:
    hazard = get_visible_or_404(Hazard, request.user, hazard_id)
    form = VerifyForm(request.POST, can_close=verification.can_verify_and_close(hazard))
    if form.is_valid():
        decision = form.cleaned_data["decision"]
        reason = form.cleaned_data["reason"]
        if decision == VerifyForm.ACCEPT_CLOSE:
            done = _act(
                form, verification.hazard_verify_and_close, request, hazard=hazard, note=reason
            )
            if done:
                return _saved(request, hazard, "复查通过，隐患已销号。")
        else:
            accept = decision == VerifyForm.ACCEPT
            if _act(form, rectification_verify, request, obj=hazard, accept=accept, reason=reason):
                text = "复查通过，可以销号。" if accept else "复查未通过，已退回学校重新整改。"
                return _saved(request, hazard, text)
    return _detail(request, hazard, verify_form=form)


@login_required
@require_POST
def hazard_close(request: AuthedRequest, hazard_id: int) -> HttpResponse:
    hazard = get_visible_or_404(Hazard, request.user, hazard_id)
    form = CloseForm(request.POST)
    if form.is_valid():
        note = form.cleaned_data["note"]
        if _act(form, rectification_close, request, obj=hazard, note=note):
            return _saved(request, hazard, "隐患已销号。")
    return _detail(request, hazard, close_form=form)


@login_required
def hazard_photo(request: AuthedRequest, hazardphoto_id: int) -> FileResponse:
    photo = get_visible_or_404(HazardPhoto, request.user, hazardphoto_id)
    try:
        handle = photo_file_path(photo.path).open("rb")
    except (OSError, PhotoRejected):
        raise Http404("照片文件不存在") from None
    response = FileResponse(handle, content_type=photo.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# A city's counties side by side, and 催办 ------------------------------------------


@login_required
def hazard_bureaus(request: AuthedRequest) -> HttpResponse:
    """The bureaus directly below the user's (a city's counties) and its own schools:
    open, overdue and 挂牌督办 hazards, missing self-inspections, each linked to its
    rows; the safety department chases a county from here."""
    user = request.user
    if user.role not in BUREAU_ROLES:
        raise PermissionDenied("只有教育局工作人员可以查看下级教育局情况")
    today = timezone.localdate()
    period = parse_period(request.GET.get("period")) or today.replace(day=1)
    if period > today:
        period = today.replace(day=1)
    report = selectors.bureau_rows(user=user, today=today, period=period)
    return render(
        request,
        "safety/hazards/bureaus.html",
        {"report": report, "can_chase": is_department_staff(user, SAFETY)},
    )


@login_required
@require_POST
def bureau_chase(request: AuthedRequest, bureau_id: int) -> HttpResponse:
    """催办: the safety department of a higher bureau chases one below it."""
    target = get_visible_or_404(Bureau, request.user, bureau_id)
    period = parse_period(request.POST.get("period"))
    try:
        outcome = overdue.bureau_chase(
            actor=request.user, target=target, today=timezone.localdate(), period=period
        )
    except NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    name = target.display_name
    if outcome.chase is not None:
        messages.success(request, f"已向{name}发出催办通知（{outcome.chase.notified}人）。")
    elif outcome.already_today:
        messages.info(request, f"{name}今天已催办过，未重复发送。")
    else:
        messages.info(request, f"{name}没有逾期隐患和未报送的月度自查，无需催办。")
    query = f"?period={period:%Y-%m}" if period else ""
    return redirect(reverse("safety:hazard-bureaus") + query)


@login_required
@require_http_methods(["GET", "POST"])
def safety_settings(request: AuthedRequest) -> HttpResponse:
    """The bureau's safety settings: whether the townships' central schools verify
    and close their schools' minor hazards."""
    user = request.user
    if not services.can_edit_safety_settings(user):
        raise PermissionDenied("只有本局安全股工作人员可以修改安全工作设置")
    current = services.safety_settings_for(user)
    initial = {
        "township_verifies_minor": current.township_verifies_minor,
        "verify_closes": current.verify_closes,
        "version": version_token(current),
    }
    form = SafetySettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.safety_settings_save(
                actor=user,
                township_verifies_minor=form.cleaned_data["township_verifies_minor"],
                verify_closes=form.cleaned_data["verify_closes"],
                loaded_version=form.cleaned_data["version"] or "",
            )
        except EditConflict as exc:
            form.add_error(None, str(exc))
            form.conflict = True  # type: ignore[attr-defined]
        else:
            messages.success(request, "安全工作设置已保存。")
            return redirect("safety:safety-settings")
    return render(request, "safety/hazards/settings.html", {"form": form}, status=_status(form))


# Helpers ------------------------------------------------------------------------


def _act(form: Any, service: Any, request: AuthedRequest, **kwargs: Any) -> bool:
    """Call a lifecycle service with the form's version; put its refusal on the form.

    A refusal because of *who* is acting (``NotAllowed``) is a 403: the page never
    offers such an action, so the request was crafted."""
    try:
        service(actor=request.user, loaded_version=form.cleaned_data["version"] or None, **kwargs)
    except NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    except (EditConflict, TransitionError, PhotoRejected, ValueError) as exc:
        form.add_error(None, str(exc))
        form.conflict = isinstance(exc, EditConflict)
        return False
    return True


def _posted_ids(values: list[str]) -> list[int]:
    """The ticked ids, in order, without repeats; a value that is not an id is
    dropped (nothing can be verified by it)."""
    ids: list[int] = []
    for value in values:
        if value.isdigit() and int(value) not in ids:
            ids.append(int(value))
    return ids


def _list_query(raw: str) -> str:
    """The list's filters the bulk form came from, re-encoded (a query string only,
    never a URL: the redirect stays on the list). Defaults to the 待复查 rows."""
    query = QueryDict(raw[:2000], mutable=True)
    query.pop("page", None)
    if not query:
        query["status"] = Status.RECTIFIED
    return query.urlencode()


def _query_with(query: QueryDict, **params: str) -> str:
    """The list's current filters with ``params`` set (a count's link to its rows)."""
    changed = query.copy()
    for key, value in params.items():
        changed[key] = value
    return changed.urlencode()


def _saved(request: AuthedRequest, hazard: Hazard, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect("safety:hazard-detail", hazard_id=hazard.pk)


def _status(form: Any) -> int:
    if not form.is_bound or not form.errors:
        return 200
    return 409 if getattr(form, "conflict", False) else 400


def _detail(request: AuthedRequest, hazard: Hazard, **bound: Any) -> HttpResponse:
    """The detail page; ``bound`` carries the submitted form that failed, if any.
    The other forms show the record as it is now (fresh version)."""
    user = request.user
    today = timezone.localdate()
    hazard = Hazard.objects.select_related(
        "school__township",
        "school__bureau",
        "category",
        "item",
        "repeat_of",
        "reported_by",
        "verified_by",
        "verifying_bureau",
        "inspection__campaign__bureau",
    ).get(pk=hazard.pk)
    version = {"version": version_token(hazard)}
    writer = Hazard.objects.writable_by(user).filter(pk=hazard.pk).exists()
    verifier = can_verify(user, hazard)
    status = hazard.status
    forms: dict[str, Any] = {}
    if writer and status in (Status.REPORTED, Status.PLANNED):
        forms["plan_form"] = PlanForm(initial=_plan_initial(hazard) | version, hazard=hazard)
    if writer and status == Status.PLANNED:
        forms["rectify_form"] = RectifyForm(initial=version)
    if verifier and status == Status.RECTIFIED:
        can_close = verification.can_verify_and_close(hazard)
        forms["verify_form"] = VerifyForm(initial=version, can_close=can_close)
    if verifier and status == Status.VERIFIED:
        forms["close_form"] = CloseForm(initial=version)
    forms.update(bound)
    failed = next(iter(bound.values()), None)
    return render(
        request,
        "safety/hazards/detail.html",
        {
            "hazard": hazard,
            "light": selectors.traffic_light(hazard, today=today),
            "file": verification_selectors.hazard_file(user, hazard),
            "escalation_label": selectors.escalation_label(hazard.overdue_level),
            "repeats": hazard.repeats.visible_to(user).order_by("-reported_on")[:10],
            "moved_away": moved_away(user, hazard.school_id),
            **forms,
        },
        status=_status(failed) if failed is not None else 200,
    )


def _plan_initial(hazard: Hazard) -> dict[str, Any]:
    return {
        "kind": hazard.plan_kind or PlanKind.BY_DEADLINE,
        "responsible_person": hazard.responsible_person,
        "plan_text": hazard.plan_text,
        "deadline": hazard.deadline
        if hazard.plan_kind != PlanKind.DEFERRED
        else selectors.default_deadline_for(hazard),
        "deferral_reason": hazard.deferral_reason,
        "interim_measures": hazard.interim_measures,
        "escalated_to": hazard.escalated_to,
        "target_date": hazard.deadline if hazard.plan_kind == PlanKind.DEFERRED else None,
    }
