"""The working-day calendar pages: which years are covered and how, a year's
holidays and make-up workdays, the administrator's entry form, and a small
working-day calculator for staff."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from edubureau.core import services
from edubureau.core.calendar import (
    COVERAGE_LABELS,
    YearSchedule,
    add_working_days,
    calendar_warnings,
    day_label,
    group_ranges,
    is_working_day,
    year_schedule,
)
from edubureau.core.concurrency import EditConflict
from edubureau.core.forms import CalendarYearForm, WorkingDayCalculatorForm
from edubureau.core.listing import ListQueryError
from edubureau.core.models import MAX_YEAR, MIN_YEAR, CalendarDayKind, CalendarYear


@login_required
@require_GET
def calendar_overview(request: HttpRequest) -> HttpResponse:
    _require_viewer(request.user)
    goto = request.GET.get("year", "")
    if goto.isdigit() and MIN_YEAR <= int(goto) <= MAX_YEAR:
        return redirect("core:calendar-year", year=int(goto))
    today = timezone.localdate()
    can_edit = services.calendar_can_edit(request.user)
    calculator = WorkingDayCalculatorForm(request.GET if "start" in request.GET else None)
    context = {
        "years": _year_rows(today),
        "calculator": calculator,
        "result": _calculate(calculator),
        "warnings": calendar_warnings(today) if can_edit else [],
        "can_edit": can_edit,
        "shared_note": _shared_note(request.user, can_edit),
        "min_year": MIN_YEAR,
        "max_year": MAX_YEAR,
    }
    return render(request, "core/calendar_overview.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def calendar_year(request: HttpRequest, year: int) -> HttpResponse:
    _require_viewer(request.user)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Http404("年份超出范围")
    can_edit = services.calendar_can_edit(request.user)
    if request.method == "POST":
        services.calendar_require_editor(request.user)
    entered = CalendarYear.objects.filter(year=year).select_related("entered_by").first()
    form = CalendarYearForm(request.POST or None, initial=_form_initial(year, entered))
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            _save_year(request, year, form)
        except ValidationError as exc:
            errors = exc.messages
        except EditConflict as exc:
            errors = [str(exc)]
        else:
            messages.success(request, f"{year}年节假日安排已保存，工作日计算即刻按新安排执行。")
            return redirect("core:calendar-year", year=year)
    schedule = year_schedule(year)
    context = {
        "year": year,
        "entered": entered,
        "coverage": schedule.coverage,
        "coverage_label": COVERAGE_LABELS[schedule.coverage],
        "ranges": _range_rows(schedule),
        "form": form if can_edit else None,
        "errors": errors,
        "shared_note": _shared_note(request.user, can_edit),
    }
    return render(request, "core/calendar_year.html", context)


def _shared_note(user: Any, can_edit: bool) -> str:
    """Why an administrator sees no entry form: the calendar is the platform's."""
    administrator = getattr(user, "role", None) == services.ADMINISTRATOR
    return services.SHARED_CALENDAR_NOTE if administrator and not can_edit else ""


@login_required
@require_POST
def calendar_year_delete(request: HttpRequest, year: int) -> HttpResponse:
    services.calendar_require_editor(request.user)
    try:
        services.calendar_year_delete(actor=request.user, year=year)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"已删除{year}年录入的节假日安排。")
    return redirect("core:calendar-year", year=year)


# Helpers ---------------------------------------------------------------------


def _require_viewer(user: Any) -> None:
    if not services.calendar_can_view(user):
        raise PermissionDenied("只有系统管理员和局机关人员可以查看工作日历")


def _save_year(request: HttpRequest, year: int, form: CalendarYearForm) -> None:
    data = form.cleaned_data
    entries = services.calendar_text_parse(text=data["schedule"], year=year)
    services.calendar_year_save(
        actor=request.user,
        year=year,
        entries=entries,
        published_on=data["published_on"],
        note=data["note"],
        # A form without its version is refused like a stale one.
        loaded_version=data["version"] or None,
    )


def _form_initial(year: int, entered: CalendarYear | None) -> dict[str, Any]:
    """Start from what decides the year now, so checking against the notice is quick."""
    schedule = year_schedule(year)
    initial: dict[str, Any] = {
        "schedule": services.calendar_text_format(schedule.entries()),
        "version": services.calendar_year_version(entered),
    }
    if entered:
        initial.update(published_on=entered.published_on, note=entered.note)
    return initial


def _year_rows(today: date) -> list[dict[str, Any]]:
    """Entered years plus last, this and next year, newest first."""
    entered = {row.year: row for row in CalendarYear.objects.all()}
    years = sorted(set(entered) | {today.year - 1, today.year, today.year + 1}, reverse=True)
    rows = []
    for year in years:
        schedule = year_schedule(year)
        rows.append(
            {
                "year": year,
                "coverage": schedule.coverage,
                "coverage_label": COVERAGE_LABELS[schedule.coverage],
                "holidays": len(schedule.holidays),
                "workdays": len(schedule.workdays),
                "entered": entered.get(year),
                "is_current": year == today.year,
            }
        )
    return rows


def _range_rows(schedule: YearSchedule) -> list[dict[str, Any]]:
    rows = []
    for r in group_ranges(schedule.entries()):
        when = day_label(r.start) if r.days == 1 else f"{day_label(r.start)}至{day_label(r.end)}"
        rows.append(
            {
                "when": when,
                "name": r.name,
                "kind": CalendarDayKind(r.kind).label,
                "is_holiday": r.kind == CalendarDayKind.HOLIDAY,
                "days": r.days,
            }
        )
    return rows


def _calculate(form: WorkingDayCalculatorForm) -> dict[str, Any] | None:
    if not form.is_bound or not form.is_valid():
        return None
    start, n = form.cleaned_data["start"], form.cleaned_data["n"]
    result = add_working_days(start, n)
    return {
        "start": day_label(start),
        "start_is_working": is_working_day(start),
        "n": n,
        "steps": abs(n),
        "result": day_label(result),
        "result_year_coverage": COVERAGE_LABELS[year_schedule(result.year).coverage],
        "result_is_fallback": year_schedule(result.year).coverage == "fallback",
    }


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400: a refused query (``core.listing``: an unknown parameter or sort
    key) says what was wrong, in Chinese. Other 400s (a malformed request) get the
    generic sentence; their messages are not meant for users."""
    message = str(exception) if isinstance(exception, ListQueryError) else ""
    return render(request, "400.html", {"message": message}, status=400)
