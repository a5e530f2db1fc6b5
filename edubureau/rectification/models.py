"""The rectification lifecycle, shared by safety hazards and supervision findings.

A concrete model (``safety.Hazard``, later ``supervision.Finding``) inherits
:class:`Rectifiable` for the lifecycle fields; every transition goes through
:mod:`edubureau.rectification.lifecycle`, which enforces the state machine and
writes a :class:`RectificationStep` (the kept history of every round).
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from edubureau.core.roles import Role
from edubureau.orgs.scoping import SchoolScopedQuerySet


class Status(models.TextChoices):
    REPORTED = "reported", "待制定整改方案"
    PLANNED = "planned", "整改中"
    RECTIFIED = "rectified", "待复查"
    VERIFIED = "verified", "复查通过待销号"
    CLOSED = "closed", "已销号"


OPEN_STATUSES = (Status.REPORTED, Status.PLANNED)
UNRESOLVED_STATUSES = (Status.REPORTED, Status.PLANNED, Status.RECTIFIED)


class PlanKind(models.TextChoices):
    IMMEDIATE = "immediate", "立即整改"
    BY_DEADLINE = "by_deadline", "限期整改"
    DEFERRED = "deferred", "暂无法整改（落实管控措施）"


class Severity(models.TextChoices):
    MINOR = "minor", "一般隐患"
    MAJOR = "major", "较大隐患"
    CRITICAL = "critical", "重大隐患"


class RectifiableQuerySet(SchoolScopedQuerySet):
    """The manager of a rectifiable model: the scoping door, plus who verifies.

    Plan and rectify belong to whoever may write the record (``writable_by``).
    Verifying and closing (复查、销号) belong to :meth:`verifiable_by`, by default the
    same writers except the record's own school: a school never verifies its own
    finding. A model whose findings are verified elsewhere (a higher bureau's
    campaign, a township's central school) narrows or extends it in its own
    queryset, in one place.
    """

    def verifiable_by(self, user: Any) -> Self:
        if getattr(user, "role", None) == Role.SCHOOL_USER:
            return self.none()
        return self.writable_by(user)


class Rectifiable(models.Model):
    """Lifecycle fields. Subclasses add ``school`` (a foreign key) and their own facts,
    use a :class:`RectifiableQuerySet` as their default manager and name what they are
    in ``noun`` (the lifecycle's messages say "该隐患", "该问题")."""

    noun: ClassVar[str] = "整改事项"

    severity = models.CharField(
        "隐患等级", max_length=10, choices=Severity.choices, default=Severity.MINOR
    )
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.REPORTED, db_index=True
    )
    reported_on = models.DateField("发现日期")
    responsible_person = models.CharField("整改责任人", max_length=40, blank=True)
    plan_kind = models.CharField("整改方式", max_length=12, choices=PlanKind.choices, blank=True)
    plan_text = models.TextField("整改措施", blank=True)
    deadline = models.DateField("整改期限", null=True, blank=True, db_index=True)
    deferral_reason = models.TextField("暂无法整改的原因", blank=True)
    interim_measures = models.TextField("临时管控措施", blank=True)
    escalated_to = models.CharField("已报告（上报）至", max_length=100, blank=True)
    evidence_text = models.TextField("整改情况说明", blank=True)
    rectified_on = models.DateField("整改完成日期", null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="复查人",
    )
    verified_at = models.DateTimeField("复查时间", null=True, blank=True)
    rejection_count = models.PositiveSmallIntegerField("复查未通过次数", default=0)
    last_rejection_reason = models.TextField("最近一次复查未通过原因", blank=True)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    overdue_level = models.PositiveSmallIntegerField(
        "督办级别",
        default=0,
        help_text="0 未逾期；1 责任人；2 校长；3 股室；4 分管局领导；5 挂牌督办",
    )
    overdue_since = models.DateField("逾期起始日", null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class RectificationStep(models.Model):
    """One transition of one rectifiable record: who, when, from which state to which, why."""

    school_id = models.BigIntegerField(db_index=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.BigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    action = models.CharField("动作", max_length=20)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    note = models.TextField("说明", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_status} -> {self.to_status}"
