"""The statistics pages: the list of schools and their returns for a census year, a
return's form (generated from the data dictionary), its detail with the review rounds
and the review actions. Views parse input, fetch through the door and call
``stats.services``; who may do what is decided there."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from edubureau.core.concurrency import EditConflict, version_token
from edubureau.core.listing import apply_list_query, list_context, read_list_query
from edubureau.core.params import param_int
from edubureau.core.roles import BUREAU_ROLES
from edubureau.orgs.access import get_visible_or_404
from edubureau.orgs.http import AuthedRequest
from edubureau.orgs.models import Role
from edubureau.orgs.scoping import moved_away_schools, scope_from_params
from edubureau.orgs.selectors import place_chooser
from edubureau.rectification.lifecycle import NotAllowed
from edubureau.stats import chase, selectors, services
from edubureau.stats.dictionary import fields_for
from edubureau.stats.models import (
    KgCategory,
    Population,
    ReturnStatus,
    StatReturn,
)
from edubureau.stats.rules import Problem

YEARS_SHOWN = 5


def _year(request: AuthedRequest) -> tuple[int, list[int]]:
    current = services.census_year(timezone.localdate())
    years = list(range(current, current - YEARS_SHOWN, -1))
    chosen = param_int(request.GET.get("year"), minimum=current - 50, maximum=current)
    return (chosen if chosen is not None else current), years


@login_required
@require_GET
def return_list(request: AuthedRequest) -> HttpResponse:
    """Every school of the viewer's scope with its return of the census year: status,
    timeliness; filters by status and township. A school's own account sees its row
    and starts its return from here."""
    user = request.user
    start_year, years = _year(request)
    scope = scope_from_params(user, request.GET)
    status = request.GET.get("status", "")
    if status not in dict(selectors.STATUS_FILTERS):
        status = ""
    today = timezone.localdate()
    listing = read_list_query(selectors.RETURN_LIST, request.GET)
    schools = selectors.schools_for_list(scope, start_year, status=status)
    listed = list_context(
        request,
        selectors.RETURN_LIST,
        apply_list_query(selectors.RETURN_LIST, schools, listing),
        listing,
    )
    page = listed["page"]
    rows = selectors.rows_for(list(page.object_list), scope, start_year, today=today)
    own_school = user.school if user.role == Role.SCHOOL_USER else None
    context = {
        **listed,
        "start_year": start_year,
        "years": years,
        "status": status,
        "statuses": selectors.STATUS_FILTERS,
        "place": place_chooser(user, request.GET) if user.role != Role.SCHOOL_USER else None,
        "rows": rows,
        "summary": selectors.summary(scope, start_year, today=today),
        "own_school": own_school,
        "can_start": own_school is not None and services.can_fill_school(user, own_school),
        "can_chase": chase.chaseable_schools(user, start_year) is not None,
        "moved_away_schools": moved_away_schools(user),
        "show_population": user.role in BUREAU_ROLES and bool(user.bureau_id),
    }
    return render(request, "stats/list.html", context)


@login_required
@require_POST
def return_start(request: AuthedRequest) -> HttpResponse:
    """A school's account opens its return of the census year (made as a draft,
    carried over from last year's, if there is none)."""
    user = request.user
    if user.role != Role.SCHOOL_USER or user.school is None:
        raise PermissionDenied("只有学校用户可以填报本校的统计报表")
    current = services.census_year(timezone.localdate())
    start_year = param_int(request.POST.get("year"), minimum=current - 50, maximum=current)
    try:
        stat_return = services.return_open(
            actor=user, school=user.school, start_year=start_year or current
        )
    except NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    return redirect("stats:return-edit", return_id=stat_return.pk)


@login_required
@require_POST
def return_chase(request: AuthedRequest) -> HttpResponse:
    """催报: the statistics department (its own bureau's schools) or township staff (their
    township's) remind the schools whose return of the year is not submitted (each
    school at most once a day)."""
    user = request.user
    current = services.census_year(timezone.localdate())
    start_year = param_int(request.POST.get("year"), minimum=current - 50, maximum=current)
    start_year = start_year or current
    try:
        result = chase.returns_chase(actor=user, start_year=start_year, today=timezone.localdate())
    except NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    if result.schools:
        messages.success(
            request, f"已催报{len(result.schools)}所学校（通知{result.notified}人次）。"
        )
    elif result.skipped_today:
        messages.info(request, f"{len(result.skipped_today)}所学校今天已催报过，未重复发送。")
    else:
        messages.info(request, "所有学校均已上报，无需催报。")
    return redirect(reverse("stats:return-list") + f"?year={start_year}")


def _filled(request: AuthedRequest, stat_return: StatReturn) -> services.Filled:
    post = request.POST
    kind = stat_return.school.kind
    return services.Filled(
        values={spec.code: post.get(spec.code, "") for spec in fields_for(kind)},
        kg_category=post.get("kg_category", ""),
        explanations={
            key.removeprefix("explain-"): str(post.get(key, ""))
            for key in post
            if key.startswith("explain-")
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def return_edit(request: AuthedRequest, return_id: int) -> HttpResponse:
    """The school fills its return: inputs by level and group, errors inline, warnings
    with a box for the explanation. "保存" keeps a draft; "上报" validates and submits."""
    user = request.user
    stat_return = get_visible_or_404(StatReturn, user, return_id)
    if request.method == "GET" and not (
        services.can_fill(user, stat_return) and services.is_editable(stat_return)
    ):
        return redirect("stats:return-detail", return_id=stat_return.pk)
    errors: list[Problem] = []
    warnings: list[Problem] = []
    values: dict[str, Any] = dict(stat_return.values)
    kg_category = stat_return.kg_category
    explanations = dict(stat_return.explanations)
    status = 200
    if request.method == "POST":
        filled = _filled(request, stat_return)
        values, kg_category = dict(filled.values), filled.kg_category
        explanations = dict(filled.explanations)
        version = request.POST.get("version") or None
        try:
            if request.POST.get("action") == "submit":
                services.return_submit(
                    actor=user, stat_return=stat_return, filled=filled, loaded_version=version
                )
                messages.success(request, "统计报表已上报，等待教育局审核。")
                return redirect("stats:return-detail", return_id=stat_return.pk)
            checked = services.return_save(
                actor=user, stat_return=stat_return, filled=filled, loaded_version=version
            )
            stat_return = checked.stat_return
            errors, warnings = checked.errors, checked.warnings
            messages.success(request, "已保存草稿。")
        except NotAllowed as exc:
            raise PermissionDenied(str(exc)) from exc
        except services.ReturnInvalid as exc:
            errors, warnings = exc.errors, exc.warnings
            messages.error(request, str(exc))
        except (services.ReturnError, EditConflict) as exc:
            messages.error(request, str(exc))
            if not services.is_editable(StatReturn.objects.get(pk=stat_return.pk)):
                # Submitted, sent on or locked meanwhile: its page says what happens next.
                return redirect("stats:return-detail", return_id=stat_return.pk)
            status = 409 if isinstance(exc, EditConflict) else 200
    previous = services.previous_values(stat_return)
    context = {
        "ret": stat_return,
        "blocks": selectors.form_layout(
            stat_return.school.kind,
            values,
            hints=services.hints(stat_return.school.kind, previous),
            errors=errors,
        ),
        "errors": errors,
        "warnings": [(w, explanations.get(w.code, "")) for w in warnings],
        "kg_category": kg_category,
        "kg_categories": KgCategory.choices,
        "needs_kg_category": services.needs_kg_category(stat_return.school),
        "version": version_token(stat_return),
        "has_previous": previous is not None,
        "due": services.due_date(stat_return.start_year),
    }
    return render(request, "stats/edit.html", context, status=status)


@login_required
@require_GET
def return_detail(request: AuthedRequest, return_id: int) -> HttpResponse:
    user = request.user
    stat_return = get_visible_or_404(StatReturn, user, return_id)
    errors, warnings = services.check(stat_return)
    context = {
        "ret": stat_return,
        "blocks": selectors.form_layout(stat_return.school.kind, stat_return.values),
        "rounds": stat_return.rounds.select_related("actor").order_by("at", "id"),
        "warnings": warnings,
        "errors": errors if stat_return.status != ReturnStatus.DRAFT else [],
        "timeliness": services.timeliness(
            stat_return, start_year=stat_return.start_year, today=timezone.localdate()
        ),
        "due": services.due_date(stat_return.start_year),
        "version": version_token(stat_return),
        "can_fill": services.can_fill(user, stat_return) and services.is_editable(stat_return),
        "can_review": services.can_review(user, stat_return),
        "can_unlock": services.can_unlock(user, stat_return)
        and stat_return.status == ReturnStatus.LOCKED,
    }
    return render(request, "stats/detail.html", context)


REVIEW_ACTIONS: dict[str, tuple[Callable[..., StatReturn], str]] = {
    "return": (services.return_send_back, "已退回学校修改。"),
    "accept": (services.return_accept, "已审核通过。"),
    "lock": (services.return_lock, "已锁定。"),
    "unlock": (services.return_unlock, "已解锁，并退回学校修改。"),
}


@login_required
@require_POST
def return_review(request: AuthedRequest, return_id: int) -> HttpResponse:
    """The bureau's review: send back with a comment, accept, lock; a leader unlocks
    with a reason. A refusal because of who is acting is a 403 (the page never offers
    the action); one because of the return's state is a message."""
    user = request.user
    stat_return = get_visible_or_404(StatReturn, user, return_id)
    action = request.POST.get("action", "")
    if action not in REVIEW_ACTIONS:
        messages.error(request, "未知的操作。")
        return redirect("stats:return-detail", return_id=stat_return.pk)
    service, done = REVIEW_ACTIONS[action]
    comment = request.POST.get("comment", "")
    kwargs: dict[str, Any] = {}
    if action == "return":
        kwargs["comment"] = comment
    elif action == "unlock":
        kwargs["reason"] = comment
    elif action == "accept":
        kwargs["comment"] = comment
    try:
        service(
            actor=user,
            stat_return=stat_return,
            loaded_version=request.POST.get("version") or None,
            **kwargs,
        )
    except NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    except (services.ReturnError, EditConflict) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect(reverse("stats:return-detail", kwargs={"return_id": stat_return.pk}))


@login_required
@require_http_methods(["GET", "POST"])
def population(request: AuthedRequest) -> HttpResponse:
    """The population of the viewer's own bureau's area by single year of age (0—25岁)
    for a census year, which the enrolment ratios divide by; its statistics department
    records it."""
    user = request.user
    if user.role not in BUREAU_ROLES or not user.bureau_id:
        raise PermissionDenied("只有教育局账号可以查看分年龄人口")
    start_year, years = _year(request)
    editable = services.can_edit_population(user)
    typed: dict[int, Any] = {}
    if request.method == "POST":
        posted_year = param_int(request.POST.get("year"), minimum=years[-1] - 50, maximum=years[0])
        start_year = posted_year or start_year
        typed = {age: request.POST.get(f"age{age}", "") for age in services.POPULATION_AGES}
        try:
            count = services.population_save(actor=user, year=start_year, counts=typed)
        except NotAllowed as exc:
            raise PermissionDenied(str(exc)) from exc
        except services.ReturnError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"已保存{start_year}年分年龄人口（{count}个年龄）。")
            return redirect(reverse("stats:population") + f"?year={start_year}")
    saved = {p.age: p.count for p in Population.objects.owned_by(user).filter(year=start_year)}
    rows = [
        (age, typed.get(age, saved.get(age, "")) if typed else saved.get(age, ""))
        for age in services.POPULATION_AGES
    ]
    context = {
        "start_year": start_year,
        "years": years,
        "rows": rows,
        "editable": editable,
        "total": sum(saved.values()),
    }
    return render(request, "stats/population.html", context)
