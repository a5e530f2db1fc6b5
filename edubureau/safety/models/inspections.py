"""Inspections (排查) and campaigns (检查活动).

Item results are stored as one JSON document per inspection (``results``),
not one row per item: a province files ~360,000 inspections and ~32M item
results a year, and every figure the bureau asks for is either per inspection
(done / on time / hazards found, kept as columns here) or per hazard (hazards
are rows). See safety/README.md and bench/safety_province.py for the measurement.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models

from edubureau.core.photos import PhotoFile
from edubureau.orgs.models import Bureau, School
from edubureau.orgs.scoping import SchoolScopedQuerySet, is_department_staff
from edubureau.safety.models.checklists import Checklist, ChecklistItem


class InspectionKind(models.TextChoices):
    SELF = "self", "月度自查"
    SPOT = "spot", "抽查"
    SPECIAL = "special", "专项检查"
    SUPERVISORY = "supervisory", "督查"


class InspectionStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"
    RETURNED = "returned", "已退回"


class ItemResult(models.TextChoices):
    PASS = "pass", "合格"
    HAZARD = "hazard", "存在隐患"
    NOT_APPLICABLE = "na", "不适用"


class CampaignQuerySet(models.QuerySet):
    """Bureau staff see every campaign; a school sees campaigns that include it;
    an inspector sees campaigns they are on or that cover their schools."""

    def visible_to(self, user: Any) -> CampaignQuerySet:
        if not (user.is_authenticated and user.is_active):
            return self.none()
        mine = self.filter(bureau_id=user.bureau_id)
        if user.role in ("bureau_leader", "department_staff", "administrator"):
            return mine
        if user.role == "school_user":
            return mine.filter(schools=user.school_id).distinct()
        if user.role == "inspector":
            return mine.filter(
                models.Q(team=user) | models.Q(schools__in=user.assigned_schools.values("pk"))
            ).distinct()
        return self.none()

    def writable_by(self, user: Any) -> CampaignQuerySet:
        if not is_department_staff(user, "safety"):
            return self.none()
        return self.filter(bureau_id=user.bureau_id)


class Campaign(models.Model):
    """A spot check, special inspection or supervisory check over a set of schools."""

    bureau = models.ForeignKey(Bureau, on_delete=models.PROTECT, related_name="campaigns")
    kind = models.CharField(
        "检查类型",
        max_length=12,
        choices=[c for c in InspectionKind.choices if c[0] != InspectionKind.SELF],
    )
    name = models.CharField("名称", max_length=100)
    theme = models.CharField("主题", max_length=40, blank=True, help_text="如 开学前、汛期、节前")
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="+")
    schools = models.ManyToManyField(School, related_name="campaigns", verbose_name="检查范围")
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="campaigns", blank=True, verbose_name="检查组"
    )
    good_practice = models.TextField("好的做法", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = "检查活动"
        verbose_name_plural = "检查活动"
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="campaign_dates"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class InspectionQuerySet(SchoolScopedQuerySet):
    def submitted(self) -> InspectionQuerySet:
        return self.filter(status=InspectionStatus.SUBMITTED)

    def self_inspections(self) -> InspectionQuerySet:
        return self.filter(kind=InspectionKind.SELF)


class Inspection(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="inspections")
    kind = models.CharField("检查类型", max_length=12, choices=InspectionKind.choices)
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, null=True, blank=True, related_name="inspections"
    )
    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="inspections")
    # First day of the month a self-inspection covers; null for campaign inspections.
    period = models.DateField("所属月份", null=True, blank=True)
    due_on = models.DateField("应报日期", null=True, blank=True)
    inspected_on = models.DateField("检查日期")
    status = models.CharField(
        "状态", max_length=12, choices=InspectionStatus.choices, default=InspectionStatus.DRAFT
    )
    # {"<item id>": {"r": "pass" | "hazard" | "na", "n": "note"}}
    results = models.JSONField("检查结果", default=dict, blank=True)
    items_total = models.PositiveSmallIntegerField("检查事项数", default=0)
    hazards_found = models.PositiveSmallIntegerField("发现隐患数", default=0)
    leader = models.CharField("带队人", max_length=40, blank=True)
    participants = models.CharField("参加人员", max_length=200, blank=True)
    summary = models.TextField("总体情况", blank=True)
    return_reason = models.TextField("退回原因", blank=True)
    # Client-generated id: a retried submit finds the same row instead of making a second.
    client_id = models.UUIDField("客户端ID", default=uuid.uuid4, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InspectionQuerySet.as_manager()
    owner_department_code = "safety"

    class Meta:
        verbose_name = "安全检查"
        verbose_name_plural = "安全检查"
        ordering = ["-inspected_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "period"],
                condition=models.Q(kind="self"),
                name="inspection_one_self_per_month",
            ),
            models.UniqueConstraint(
                fields=["school", "campaign"],
                condition=models.Q(campaign__isnull=False),
                name="inspection_one_per_campaign_school",
            ),
        ]
        indexes = [
            # Covers the month's completion figures (submitted, on time, missing
            # schools) with index-only scans: the rows themselves are wide (results).
            # See safety/README.md, "Dashboard at province scale".
            models.Index(
                fields=["kind", "period", "status", "school", "submitted_at", "due_on", "id"],
                name="inspection_month_cover_idx",
            ),
            models.Index(fields=["school", "kind", "period"]),
        ]

    def __str__(self) -> str:
        if self.kind == InspectionKind.SELF and self.period:
            return f"{self.school} {self.period:%Y年%m月}自查"
        return f"{self.school} {self.get_kind_display()} {self.inspected_on:%Y-%m-%d}"

    @property
    def submitted_on_time(self) -> bool | None:
        if self.submitted_at is None or self.due_on is None:
            return None
        from django.utils import timezone

        return timezone.localdate(self.submitted_at) <= self.due_on


class InspectionPhoto(PhotoFile):
    """A photo taken during an inspection (of one item, or of the whole visit)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos")
    item = models.ForeignKey(
        ChecklistItem, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = SchoolScopedQuerySet.as_manager()
    owner_department_code = "safety"

    class Meta(PhotoFile.Meta):
        verbose_name = "检查照片"
