"""A bureau's work plan (工作要点): numbered tasks under headed groups, their targets
and milestones, and the progress departments report against them.

Who sees what is the scoping door's (:mod:`edubureau.orgs.scoping`): a plan is a
bureau-owned record; a task may concern many schools, so a school-side account reads
the tasks that concern one of its schools (the door's many-schools scope), never the
whole plan.
"""

from __future__ import annotations

from typing import Any, Self

from django.conf import settings
from django.db import models

from edubureau.core.photos import PhotoFile
from edubureau.core.phrasing import plain_number
from edubureau.core.roles import Role
from edubureau.orgs.models import Bureau, Department, School
from edubureau.orgs.scoping import BureauScopedQuerySet, schools_visible_to, subtree_ids
from edubureau.plans.progress import TaskStatus

BUREAU_ROLES = (Role.BUREAU_LEADER, Role.DEPARTMENT_STAFF, Role.ADMINISTRATOR)


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    ISSUED = "issued", "已印发"


class WorkPlanQuerySet(BureauScopedQuerySet):
    """A bureau's plan, read like every bureau record by the bureau and the bureaus
    above it; once issued, also by the bureaus below it, to which it is addressed
    (a city's plan directs its counties: “各县区要…”)."""

    def visible_to(self, user: Any) -> Self:
        own = super().visible_to(user)
        if getattr(user, "role", None) not in BUREAU_ROLES or not getattr(user, "bureau_id", None):
            # School-side accounts: their bureau's issued plans (addressed to 各中小学),
            # of which they read the tasks that concern their schools.
            return own.filter(status=PlanStatus.ISSUED)
        above = user.bureau.ancestor_ids
        return own | self.filter(bureau_id__in=above, status=PlanStatus.ISSUED)

    def writable_by(self, user: Any) -> Self:
        """Leaders and department staff of the plan's own bureau edit its plan (the
        office drafts it; each department then keeps its own tasks: :class:`TaskQuerySet`)."""
        if not writes_plans(user):
            return self.none()
        return self.owned_by(user)


def writes_plans(user: Any) -> bool:
    """Whether ``user`` may write their own bureau's plans (and so create one): an
    active leader or department staff member of a bureau."""
    return bool(
        getattr(user, "is_authenticated", False)
        and getattr(user, "is_active", False)
        and getattr(user, "bureau_id", None)
        and getattr(user, "role", None) in (Role.BUREAU_LEADER, Role.DEPARTMENT_STAFF)
    )


class WorkPlan(models.Model):
    bureau = models.ForeignKey(Bureau, on_delete=models.PROTECT, related_name="work_plans")
    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("标题", max_length=120)
    guiding_idea = models.TextField("指导思想", blank=True)
    approach = models.TextField("工作思路", blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    # The plan it was carried over from (next year's plan starts as a copy).
    carried_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Issued as a notice (印发通知): its 发文字号 and 成文日期 (orgs.services.numbering).
    issuer_code = models.CharField("发文机关代字", max_length=20, blank=True)
    serial = models.PositiveIntegerField("序号", null=True, blank=True)
    number = models.CharField("文号", max_length=40, blank=True)
    dated = models.DateField("成文日期", null=True, blank=True)
    recipients = models.CharField("主送机关", max_length=200, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    issued_at = models.DateTimeField("印发时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WorkPlanQuerySet.as_manager()

    class Meta:
        verbose_name = "工作要点"
        verbose_name_plural = "工作要点"
        ordering = ["-year", "bureau_id"]
        constraints = [
            models.UniqueConstraint(fields=["bureau", "year"], name="work_plan_one_per_year"),
        ]

    def __str__(self) -> str:
        return self.title


class PlanGroup(models.Model):
    """A headed group of tasks: “（二）坚持立德树人，抓好阳光德育工程”."""

    plan = models.ForeignKey(WorkPlan, on_delete=models.CASCADE, related_name="groups")
    position = models.PositiveSmallIntegerField("序号")
    title = models.CharField("标题", max_length=200)

    class Meta:
        verbose_name = "任务分组"
        verbose_name_plural = "任务分组"
        ordering = ["plan_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "position"], name="plan_group_position"),
        ]

    def __str__(self) -> str:
        return self.title


class TaskQuerySet(models.QuerySet):
    """A task reads like its plan for bureau accounts; a school-side account (school,
    township, inspector) reads the tasks that concern one of the schools it sees,
    through the door's many-schools scope. Writes: the lead department's staff of the
    plan's own bureau (its text, targets and progress)."""

    def visible_to(self, user: Any) -> Self:
        if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
            return self.none()
        if getattr(user, "role", None) in BUREAU_ROLES:
            return self.filter(plan__in=WorkPlan.objects.visible_to(user).values("pk"))
        concerned = Task.schools.through.objects.filter(
            school_id__in=schools_visible_to(user).values("pk")
        )
        return self.filter(pk__in=concerned.values("task_id"), plan__status=PlanStatus.ISSUED)

    def writable_by(self, user: Any) -> Self:
        if getattr(user, "role", None) != Role.DEPARTMENT_STAFF or not user.bureau_id:
            return self.none()
        return self.filter(plan__bureau_id=user.bureau_id, lead_department_id=user.department_id)

    def of_subtree(self, user: Any) -> Self:
        return self.filter(plan__bureau_id__in=subtree_ids(user))


class Task(models.Model):
    """A numbered task (工作举措): numbered 1…N across the whole plan."""

    plan = models.ForeignKey(WorkPlan, on_delete=models.CASCADE, related_name="tasks")
    group = models.ForeignKey(PlanGroup, on_delete=models.CASCADE, related_name="tasks")
    number = models.PositiveSmallIntegerField("序号")
    title = models.CharField("任务", max_length=200)
    text = models.TextField("内容")
    lead_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="led_tasks",
        null=True,
        blank=True,
        verbose_name="牵头股室",
    )
    supporting_departments = models.ManyToManyField(
        Department, related_name="supported_tasks", blank=True, verbose_name="配合股室"
    )
    schools = models.ManyToManyField(
        School, related_name="plan_tasks", blank=True, verbose_name="涉及学校"
    )
    start = models.DateField("开始日期", null=True, blank=True)
    deadline = models.DateField("完成时限", null=True, blank=True)
    # The task of last year's plan this one continues (carry over).
    carried_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Computed by plans.services.refresh_task (never typed): kept so lists, counts and
    # dashboards are queries; TaskStatusChange keeps the history.
    status = models.CharField(
        "状态",
        max_length=12,
        choices=TaskStatus.choices,
        default=TaskStatus.NOT_STARTED,
        editable=False,
    )
    percent = models.PositiveSmallIntegerField("完成进度（%）", default=0, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = "工作任务"
        verbose_name_plural = "工作任务"
        ordering = ["plan_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_task_number"),
        ]

    def __str__(self) -> str:
        return f"{self.number}．{self.title}"


class TargetSource(models.TextChoices):
    REPORTED = "reported", "股室填报"
    LINKED = "linked", "系统自动统计"


class Target(models.Model):
    """A quantified target of a task: “培训中小学班主任 860 人”. Its actual is reported
    by the department or, when ``metric_key`` names a metric another module publishes
    (:mod:`edubureau.core.metrics`), counted from the record."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="targets")
    position = models.PositiveSmallIntegerField("序号", default=1)
    metric = models.CharField("指标", max_length=200)
    unit = models.CharField("单位", max_length=10)
    value = models.DecimalField("目标值", max_digits=14, decimal_places=2)
    written = models.CharField("原文", max_length=40, blank=True)
    source = models.CharField(
        "数据来源", max_length=10, choices=TargetSource.choices, default=TargetSource.REPORTED
    )
    metric_key = models.CharField("关联指标", max_length=80, blank=True)

    class Meta:
        verbose_name = "目标"
        verbose_name_plural = "目标"
        ordering = ["task_id", "position"]

    def __str__(self) -> str:
        return f"{self.metric}{plain_number(self.value)}{self.unit}"


class Milestone(models.Model):
    """A dated step of a task; by ``due`` the task should be ``expected_percent`` done.
    A passed milestone without that progress makes the task lag."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="milestones")
    due = models.DateField("时间节点")
    label = models.CharField("节点内容", max_length=200)
    expected_percent = models.PositiveSmallIntegerField("应完成比例（%）", default=100)

    class Meta:
        verbose_name = "时间节点"
        verbose_name_plural = "时间节点"
        ordering = ["task_id", "due"]

    def __str__(self) -> str:
        return f"{self.due} {self.label}"


class ProgressReport(models.Model):
    """What the lead department reported for one period (a month by default): the
    progress of each reported target, a narrative, attachments."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="progress_reports")
    period_start = models.DateField("所属期间")
    percent = models.PositiveSmallIntegerField("完成进度（%）", null=True, blank=True)
    # {target id: actual so far}, for the reported targets.
    values = models.JSONField("目标完成数", default=dict, blank=True)
    narrative = models.TextField("进展情况")
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    reported_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "进展报告"
        verbose_name_plural = "进展报告"
        ordering = ["task_id", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "period_start"], name="progress_one_per_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task} {self.period_start:%Y年%m月}"


class TaskStatusChange(models.Model):
    """The history of a task's computed status: a row each time it changes (after a
    progress report, or the daily refresh notices a deadline or milestone passing)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="status_changes")
    status = models.CharField("状态", max_length=12, choices=TaskStatus.choices)
    percent = models.PositiveSmallIntegerField("完成进度（%）")
    on = models.DateField("日期")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "状态变化"
        verbose_name_plural = "状态变化"
        ordering = ["task_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.task} {self.on} {self.status}"


class FollowUpStatus(models.TextChoices):
    OPEN = "open", "待答复"
    ANSWERED = "answered", "已答复"
    CLOSED = "closed", "已解除"


class FollowUpQuerySet(models.QuerySet):
    """A follow-up reads like its task (the door's rule for tasks)."""

    def visible_to(self, user: Any) -> Self:
        return self.filter(task__in=Task.objects.visible_to(user).values("pk"))

    def writable_by(self, user: Any) -> Self:
        """The lead department answers its task's follow-ups."""
        return self.filter(task__in=Task.objects.writable_by(user).values("pk"))


class FollowUp(models.Model):
    """督办: a lagging or overdue task's request for an answer from its lead department,
    by a date in working days. Unanswered past it, it climbs the shared escalation
    ladder (:mod:`edubureau.rectification.ladder`): the department, its leader in
    charge, the bureau's leaders (挂牌督办). It is lifted when the task is back on track
    or done."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="follow_ups")
    opened_on = models.DateField("督办日期")
    reason = models.CharField("督办事由", max_length=200)
    respond_by = models.DateField("答复期限")
    status = models.CharField(
        "状态", max_length=10, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )
    overdue_level = models.PositiveSmallIntegerField("督办级别", default=0)
    overdue_since = models.DateField("逾期起始", null=True, blank=True)
    response = models.TextField("答复", blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    responded_at = models.DateTimeField("答复时间", null=True, blank=True)
    closed_on = models.DateField("解除日期", null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = "督办"
        verbose_name_plural = "督办"
        ordering = ["-opened_on", "-id"]
        indexes = [models.Index(fields=["status", "respond_by"])]

    def __str__(self) -> str:
        return f"督办：{self.task}"


class ProgressPhotoQuerySet(models.QuerySet):
    """A progress photo reads like its task; the lead department adds them."""

    def visible_to(self, user: Any) -> Self:
        return self.filter(report__task__in=Task.objects.visible_to(user).values("pk"))

    def writable_by(self, user: Any) -> Self:
        return self.filter(report__task__in=Task.objects.writable_by(user).values("pk"))


class ProgressPhoto(PhotoFile):
    """A photo attached to a progress report (培训现场, 活动照片): checked by content,
    stripped of EXIF, served only through a view that checks access (core.photos)."""

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="photos")

    objects = ProgressPhotoQuerySet.as_manager()

    class Meta(PhotoFile.Meta):
        verbose_name = "进展照片"
        verbose_name_plural = "进展照片"
