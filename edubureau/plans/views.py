"""The work-plan pages: the list of plans the viewer reads, the import of a plan from
pasted (or uploaded) text with a review step, and a plan's page. Views parse input,
fetch through the door and call ``plans.services``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from edubureau.audit.models import Action
from edubureau.audit.services import audit_log
from edubureau.core import metrics
from edubureau.core.concurrency import EditConflict
from edubureau.core.downloads import DOCX_CONTENT_TYPE, attachment
from edubureau.core.officialdoc import render_docx
from edubureau.core.params import param_date, param_id, param_int, param_month
from edubureau.core.photos import PhotoRejected, photo_file_path
from edubureau.orgs.access import get_visible_or_404
from edubureau.orgs.http import AuthedRequest
from edubureau.orgs.models import Department, School
from edubureau.orgs.scoping import bureau_id_of
from edubureau.plans import followups, selectors, services
from edubureau.plans.document import default_recipients, plan_document
from edubureau.plans.models import (
    BUREAU_ROLES,
    FollowUp,
    FollowUpStatus,
    ProgressPhoto,
    Target,
    TargetSource,
    Task,
    WorkPlan,
    writes_plans,
)
from edubureau.plans.progress import TaskStatus
from edubureau.plans.textload import MAX_UPLOAD_READ, UnreadableText, text_of_upload
from edubureau.plans.textparse import ParsedPlan, parse_plan

MAX_TEXT_CHARS = 200_000
CLOSED_SHOWN_DAYS = 90  # lifted follow-ups the board still shows


@login_required
@require_GET
def plan_list(request: AuthedRequest) -> HttpResponse:
    """The plans the viewer reads; for department staff, what their department owes:
    the tasks it leads in this year's plans, their status and whether this month's
    progress is in; for school-side accounts, the tasks that concern their schools."""
    user = request.user
    today = timezone.localdate()
    plans = WorkPlan.objects.visible_to(user).select_related("bureau")
    tasks = (
        Task.objects.visible_to(user)
        .select_related("plan", "group")
        .order_by("-plan__year", "number")
        if not plans.exists()
        else Task.objects.none()
    )
    owed = selectors.owed_by(user, today=today)
    only_unreported = request.GET.get("owed") == "unreported"
    context = {
        "plans": plans,
        "tasks": tasks[:200],
        "owed": selectors.unreported(owed) if only_unreported else owed,
        "only_unreported": only_unreported,
        "month": today.replace(day=1),
        "can_write": writes_plans(user),
        "show_board": user.role in BUREAU_ROLES,
    }
    return render(request, "plans/list.html", context)


def _choices(request: AuthedRequest, parsed: ParsedPlan) -> dict[int, services.TaskChoice]:
    choices: dict[int, services.TaskChoice] = {}
    for task in parsed.tasks:
        lead = param_id(request.POST.get(f"lead-{task.number}"))
        keep = tuple(
            i for i in range(len(task.targets)) if request.POST.get(f"target-{task.number}-{i}")
        )
        choices[task.number] = services.TaskChoice(lead_department_id=lead, keep_targets=keep)
    return choices


@login_required
@require_http_methods(["GET", "POST"])
def plan_import(request: AuthedRequest) -> HttpResponse:
    """Paste (or upload) → review the recognised groups, tasks and targets, choose lead
    departments → save. Nothing is saved before the user confirms."""
    user = request.user
    if not writes_plans(user):
        raise PermissionDenied("只有本局领导和股室工作人员可以制定本局的工作要点")
    this_year = timezone.localdate().year
    year = param_int(request.POST.get("year"), minimum=2000, maximum=2100) or this_year
    text = request.POST.get("text", "")[:MAX_TEXT_CHARS]
    errors: list[str] = []
    upload = request.FILES.get("file")
    if upload is not None:
        try:
            text = text_of_upload(upload.name or "", upload.read(MAX_UPLOAD_READ))
        except UnreadableText as exc:
            errors.append(str(exc))
    parsed: ParsedPlan | None = parse_plan(text) if text.strip() and not errors else None
    # Recognising takes the year from the plan's title; the user may change it before
    # saving, and the save keeps what the form says.
    if parsed is not None and parsed.year and request.POST.get("action") != "save":
        year = parsed.year
    if request.method == "POST" and request.POST.get("action") == "save" and parsed is not None:
        try:
            plan = services.save_parsed_plan(
                actor=user, parsed=parsed, year=year, choices=_choices(request, parsed)
            )
        except services.PlanInvalid as exc:
            errors += exc.problems
        else:
            messages.success(
                request,
                f"已保存{plan.title}：{plan.groups.count()}组，{plan.tasks.count()}项任务。",
            )
            return redirect("plans:plan-detail", plan_id=plan.pk)
    departments = Department.objects.filter(bureau_id=bureau_id_of(user), is_active=True).order_by(
        "sort_order", "pk"
    )
    context: dict[str, Any] = {
        "year": year,
        "text": text,
        "parsed": parsed,
        "errors": errors,
        "departments": departments,
        "own_department": user.department_id,
    }
    return render(request, "plans/import.html", context)


@login_required
@require_GET
def plan_detail(request: AuthedRequest, plan_id: int) -> HttpResponse:
    """The plan and where it stands: tasks by status and by department, each task with
    its progress against the expected pace (every task for bureau accounts; a
    school-side account those that concern its schools)."""
    plan = get_visible_or_404(WorkPlan, request.user, plan_id)
    tasks = (
        Task.objects.visible_to(request.user)
        .filter(plan=plan)
        .select_related("plan__bureau", "group", "lead_department", "carried_from")
        .prefetch_related("targets", "milestones")
    )
    rows = selectors.plan_progress(
        plan, tasks, scope=selectors.plan_scope(request.user, plan), today=timezone.localdate()
    )
    status = request.GET.get("status", "")
    status = status if status in TaskStatus.values else ""
    department = request.GET.get("department", "")[:12]
    shown = selectors.filtered(rows, status=status, department=department)
    groups: dict[int, tuple[Any, list[selectors.TaskProgress]]] = {}
    for row in shown:
        groups.setdefault(row.task.group.position, (row.task.group, []))[1].append(row)
    context = {
        "plan": plan,
        "narrowed": bool(status or department),
        "can_issue": services.can_issue(request.user, plan),
        "can_download": request.user.role in BUREAU_ROLES,
        "can_carry_over": WorkPlan.objects.writable_by(request.user).filter(pk=plan.pk).exists()
        and not WorkPlan.objects.filter(bureau_id=plan.bureau_id, year=plan.year + 1).exists(),
        "today": timezone.localdate(),
        "default_recipients": default_recipients(plan.bureau),
        "groups": [groups[k] for k in sorted(groups)],
        "summary": selectors.summarise(rows),
        "statuses": TaskStatus.choices,
        "lagging": [r for r in rows if r.status in (TaskStatus.LAGGING, TaskStatus.OVERDUE)],
    }
    return render(request, "plans/detail.html", context)


def _task_context(request: AuthedRequest, task: Task) -> dict[str, Any]:
    today = timezone.localdate()
    found = selectors.task_progress(
        task,
        today=today,
        readings=selectors.readings_for(
            task.plan, selectors.plan_scope(request.user, task.plan), today
        ),
        latest=selectors.latest_reports([task]).get(task.pk),
    )
    writable = Task.objects.writable_by(request.user).filter(pk=task.pk).exists()
    editable = services.can_edit_task(request.user, task)
    reports = (
        task.progress_reports.select_related("reported_by")
        .prefetch_related("photos")
        .order_by("-period_start")
    )
    return {
        "task": task,
        "progress": found,
        "writable": writable,
        "editable": editable,
        "reports": reports,
        "history": task.status_changes.all(),
        "follow_ups": task.follow_ups.select_related("responded_by"),
        "levels": followups.LEVELS,
        "metrics": metrics.metrics() if writable else [],
        "month": today.replace(day=1) if today.year == task.plan.year else None,
        "reported_targets": [r for r in found.targets if r.target.source == TargetSource.REPORTED],
    }


def _task(request: AuthedRequest, task_id: int) -> Task:
    task = get_visible_or_404(Task, request.user, task_id)
    return (
        Task.objects.select_related("plan__bureau", "group", "lead_department")
        .prefetch_related("targets", "milestones")
        .get(pk=task.pk)
    )


@login_required
@require_GET
def task_detail(request: AuthedRequest, task_id: int) -> HttpResponse:
    task = _task(request, task_id)
    return render(request, "plans/task.html", _task_context(request, task))


@login_required
@require_POST
def task_report(request: AuthedRequest, task_id: int) -> HttpResponse:
    """The lead department reports this month's progress."""
    task = _task(request, task_id)
    today = timezone.localdate()
    month = param_month(request.POST.get("month")) or today.replace(day=1)
    values = {t.pk: request.POST.get(f"value-{t.pk}", "") for t in task.targets.all()}
    try:
        services.report_progress(
            actor=request.user,
            task=task,
            month=month,
            narrative=request.POST.get("narrative", "")[:5000],
            percent=request.POST.get("percent"),
            values=values,
            photos=request.FILES.getlist("photos"),
            loaded=request.POST.get("version"),
            today=today,
        )
    except services.PlanInvalid as exc:
        context = _task_context(request, task)
        context["errors"] = exc.problems
        context["posted"] = request.POST
        return render(request, "plans/task.html", context, status=400)
    except EditConflict as exc:
        messages.error(request, str(exc))
        return redirect("plans:task-detail", task_id=task.pk)
    messages.success(request, f"已保存{month.year}年{month.month}月的进展。")
    return redirect("plans:task-detail", task_id=task.pk)


@login_required
@require_POST
def target_link(request: AuthedRequest, plan_target_id: int) -> HttpResponse:
    """Link a target to a metric of the record, or back to the department's reports."""
    target = get_object_or_404(Target.objects.select_related("task"), pk=plan_target_id)
    task = _task(request, target.task_id)
    try:
        services.link_target(
            actor=request.user,
            target=target,
            metric_key=request.POST.get("metric", "")[:80],
            today=timezone.localdate(),
        )
    except services.PlanInvalid as exc:
        messages.error(request, "；".join(exc.problems))
    else:
        messages.success(request, "已更新目标的数据来源。")
    return redirect("plans:task-detail", task_id=task.pk)


@login_required
@require_POST
def plan_issue(request: AuthedRequest, plan_id: int) -> HttpResponse:
    """印发: allocate the 文号 and date the notice."""
    plan = get_visible_or_404(WorkPlan, request.user, plan_id)
    dated = param_date(request.POST.get("dated"))
    if dated is None:
        messages.error(request, "请填写成文日期。")
        return redirect("plans:plan-detail", plan_id=plan.pk)
    try:
        issued = services.issue_plan(
            actor=request.user,
            plan=plan,
            dated=dated,
            recipients=request.POST.get("recipients", ""),
            loaded=request.POST.get("version"),
            today=timezone.localdate(),
        )
    except services.PlanInvalid as exc:
        messages.error(request, "".join(exc.problems))
    except EditConflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已印发，文号：{issued.number}。")
    return redirect("plans:plan-detail", plan_id=plan.pk)


@login_required
@require_GET
def plan_notice(request: AuthedRequest, plan_id: int) -> HttpResponse:
    """The notice with the plan as its attachment, in GB/T 9704 layout (.docx). A
    school-side account reads only its tasks, never the whole plan: refused."""
    plan = get_visible_or_404(WorkPlan, request.user, plan_id)
    if request.user.role not in BUREAU_ROLES:
        raise PermissionDenied("学校账号只能查看涉及本校的工作任务")
    data = render_docx(plan_document(plan))
    audit_log(
        actor=request.user, action=Action.EXPORT, obj=plan, detail=f"下载工作要点：{plan.title}"
    )
    return attachment(data, content_type=DOCX_CONTENT_TYPE, filename=f"{plan.title}.docx")


@login_required
@require_POST
def plan_carry_over(request: AuthedRequest, plan_id: int) -> HttpResponse:
    """结转: next year's plan starts as a copy of this one."""
    plan = get_visible_or_404(WorkPlan, request.user, plan_id)
    try:
        new = services.carry_over(actor=request.user, plan=plan)
    except services.PlanInvalid as exc:
        messages.error(request, "".join(exc.problems))
        return redirect("plans:plan-detail", plan_id=plan.pk)
    messages.success(request, f"已结转为{new.title}（草稿），上年未完成的任务已标注。")
    return redirect("plans:plan-detail", plan_id=new.pk)


@login_required
@require_GET
def follow_up_board(request: AuthedRequest) -> HttpResponse:
    """督办台账 for the office and the leaders: open follow-ups (those past their answer
    date first, with their level), answered ones, and those lifted in the last
    :data:`CLOSED_SHOWN_DAYS` days."""
    if request.user.role not in BUREAU_ROLES:
        raise PermissionDenied("督办台账供教育局查看")
    today = timezone.localdate()
    recent = today - timedelta(days=CLOSED_SHOWN_DAYS)
    # Narrowed from the workbench: the department's own (mine=1), or what reached the
    # leaders (level=2).
    mine = request.GET.get("mine") == "1"
    level = param_int(request.GET.get("level"), minimum=1, maximum=max(followups.LEVELS))
    rows = (
        selectors.board_follow_ups(request.user, mine=mine, level=level)
        .filter(
            Q(status__in=(FollowUpStatus.OPEN, FollowUpStatus.ANSWERED)) | Q(closed_on__gte=recent)
        )
        .select_related("task__plan__bureau", "task__lead_department", "responded_by")
        .order_by("status", "respond_by", "pk")
    )
    groups = {status: [f for f in rows if f.status == status] for status in FollowUpStatus}
    context = {
        "open": groups[FollowUpStatus.OPEN],
        "answered": groups[FollowUpStatus.ANSWERED],
        "closed": groups[FollowUpStatus.CLOSED],
        "today": today,
        "levels": followups.LEVELS,
        "response_days": followups.RESPONSE_WORKING_DAYS,
        "mine": mine,
        "level": level,
    }
    return render(request, "plans/follow_ups.html", context)


@login_required
@require_POST
def follow_up_respond(request: AuthedRequest, follow_up_id: int) -> HttpResponse:
    follow_up = get_visible_or_404(FollowUp, request.user, follow_up_id)
    try:
        followups.respond(
            actor=request.user, follow_up=follow_up, text=request.POST.get("response", "")[:2000]
        )
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "已答复督办。")
    return redirect("plans:task-detail", task_id=follow_up.task_id)


TARGET_ROWS = 3  # blank rows offered for new targets
MILESTONE_ROWS = 2


def _ids(values: list[str]) -> tuple[int, ...]:
    return tuple(i for i in (param_id(v) for v in values) if i is not None)


def _task_edit(request: AuthedRequest) -> services.TaskEdit:
    post = request.POST
    targets = tuple(
        services.TargetRow(m, v, u)
        for m, v, u in zip(
            post.getlist("target_metric"),
            post.getlist("target_value"),
            post.getlist("target_unit"),
            strict=False,
        )
    )
    milestones = tuple(
        services.MilestoneRow(param_date(d), label, pct)
        for d, label, pct in zip(
            post.getlist("milestone_due"),
            post.getlist("milestone_label"),
            post.getlist("milestone_percent"),
            strict=False,
        )
    )
    return services.TaskEdit(
        title=post.get("title", "")[:200],
        text=post.get("text", "")[:10000],
        lead_department_id=param_id(post.get("lead_department")),
        supporting_ids=_ids(post.getlist("supporting")),
        school_ids=_ids(post.getlist("schools")),
        start=param_date(post.get("start")),
        deadline=param_date(post.get("deadline")),
        targets=targets[:50],
        milestones=milestones[:20],
    )


@login_required
@require_http_methods(["GET", "POST"])
def task_edit(request: AuthedRequest, task_id: int) -> HttpResponse:
    """A task's text, departments, schools concerned, dates, targets and milestones."""
    task = _task(request, task_id)
    if not services.can_edit_task(request.user, task):
        raise PermissionDenied("您不能修改该工作任务")
    errors: list[str] = []
    if request.method == "POST":
        try:
            services.edit_task(
                actor=request.user,
                task=task,
                edit=_task_edit(request),
                loaded=request.POST.get("version"),
                today=timezone.localdate(),
            )
        except services.PlanInvalid as exc:
            errors = exc.problems
        except EditConflict as exc:
            errors = [str(exc)]
        else:
            messages.success(request, "已保存工作任务。")
            return redirect("plans:task-detail", task_id=task.pk)
    bureau = task.plan.bureau
    context = {
        "task": task,
        "errors": errors,
        "departments": Department.objects.filter(bureau=bureau, is_active=True).order_by(
            "sort_order", "pk"
        ),
        "can_reassign": services.can_reassign(request.user, task),
        "supporting": set(task.supporting_departments.values_list("pk", flat=True)),
        "schools": School.objects.filter(bureau__in=bureau.subtree(), is_active=True)
        .select_related("township")
        .order_by("township__sort_order", "township_id", "name"),
        "chosen_schools": set(task.schools.values_list("pk", flat=True)),
        "targets": list(task.targets.all()),
        "new_targets": range(TARGET_ROWS),
        "milestones": list(task.milestones.all()),
        "new_milestones": range(MILESTONE_ROWS),
    }
    return render(request, "plans/task_edit.html", context, status=400 if errors else 200)


@login_required
@require_GET
def progress_photo(request: AuthedRequest, progressphoto_id: int) -> FileResponse:
    photo = get_visible_or_404(ProgressPhoto, request.user, progressphoto_id)
    try:
        handle = photo_file_path(photo.path).open("rb")
    except (OSError, PhotoRejected):
        raise Http404("照片文件不存在") from None
    response = FileResponse(handle, content_type=photo.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
