"""Inspections (排查) and campaigns (检查活动).

Item results are stored as one JSON document per inspection (``results``),
not one row per item: a province files ~360,000 inspections and ~32M item
results a year, and every figure the bureau asks for is either per inspection
(done / on time / hazards found, kept as columns here) or per hazard (hazards
are rows). See safety/README.md and bench/safety_province.py for the measurement.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce

from edubureau.core.photos import PhotoFile
from edubureau.core.roles import BUREAU_ROLES, Role
from edubureau.orgs.models import Bureau, School
from edubureau.orgs.scoping import (
    SchoolScopedQuerySet,
    is_department_staff,
    is_live,
    school_write_q,
    schools_visible_to,
    subtree_ids,
)
from edubureau.safety.models.checklists import SAFETY, Checklist, ChecklistItem


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
    """A campaign spans many schools, so it takes the door's many-schools scope.

    Read: like a bureau-owned record, by its bureau and (read-only) the bureaus above
    it; and by anyone who can see one of its target schools (``schools_visible_to``):
    the school, its township, its inspector, its county when a city runs the
    campaign. An inspector named on the team reads it too.

    Write (edit the campaign itself): the safety department of its own bureau.
    Fill its inspections: :meth:`fillable_by`, the campaign's team.
    """

    def visible_to(self, user: Any) -> Self:
        if not is_live(user):
            return self.none()
        through = Campaign.schools.through.objects
        covering = through.filter(school_id__in=schools_visible_to(user).values("pk"))
        if user.role in BUREAU_ROLES:
            # Target schools are picked from the campaign bureau's own subtree, so
            # only a campaign of a bureau above can cover a school of this subtree
            # without being in it: the through table is searched for those alone.
            above = user.bureau.ancestor_ids if user.bureau_id else []
            return self.filter(
                models.Q(bureau_id__in=subtree_ids(user))
                | models.Q(bureau_id__in=above, pk__in=covering.values("campaign_id"))
            )
        rule = models.Q(pk__in=covering.values("campaign_id"))
        if user.role == Role.INSPECTOR:
            rule |= models.Q(pk__in=through_team().filter(user_id=user.pk).values("campaign_id"))
        return self.filter(rule)

    def writable_by(self, user: Any) -> Self:
        if not is_department_staff(user, SAFETY):
            return self.none()
        return self.filter(bureau_id=user.bureau_id)

    def fillable_by(self, user: Any) -> Self:
        """Campaigns whose inspections ``user`` fills: its team, i.e. the safety
        department of the campaign's bureau and the people it named (its own staff,
        leaders and inspectors). This is the one place where someone writes records
        of a school the door would not let them write: a city's team fills the
        inspections of a county's schools in the city's campaign. Nothing else of
        those schools becomes writable to them."""
        if not is_live(user) or user.role == Role.SCHOOL_USER:
            return self.none()
        team = through_team().filter(user_id=user.pk).values("campaign_id")
        rule = models.Q(pk__in=team)
        if is_department_staff(user, SAFETY):
            rule |= models.Q(bureau_id=user.bureau_id)
        return self.filter(rule)


def through_team() -> models.QuerySet:
    return Campaign.team.through.objects.all()


def team_schools(user: Any) -> models.QuerySet:
    """The schools of the campaigns whose team ``user`` is named on: the team reads and
    fills their inspections wherever they are (``fillable_by``), so the database wall
    (orgs/wall.py) lets the user's requests through to them."""
    team = through_team().filter(user_id=user.pk).values("campaign_id")
    return Campaign.schools.through.objects.filter(campaign_id__in=team).values("school_id")


def self_inspection_q(user: Any, *, school_key: str, bureau_key: str) -> models.Q:
    """The rows of the schools whose monthly self-inspection ``user`` fills: the door's
    write rule for safety records (``school_write_q``), narrowed to the user's own
    school. A self-inspection (自查) is the school checking itself; the bureau's staff
    and inspectors check a school through campaigns, and one they filled would not be
    a self-inspection."""
    own = getattr(user, "school_id", None)
    if not own:
        return models.Q(pk__in=[])
    writable = school_write_q(user, school_key=school_key, bureau_key=bureau_key, owner=SAFETY)
    return writable & models.Q(**{school_key: own})


def self_inspection_schools(user: Any) -> models.QuerySet[School]:
    """:func:`self_inspection_q` as the schools themselves."""
    return School.objects.filter(self_inspection_q(user, school_key="pk", bureau_key="bureau_id"))


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
    # A campaign of a city (or the province) over schools of a bureau below it: its
    # findings stay the school's bureau's hazards, verified and closed by the
    # campaign's bureau unless it hands that to the school's own bureau.
    verification_delegated = models.BooleanField(
        "复查销号交由学校所属教育局",
        default=False,
        help_text="不勾选时，下级教育局学校的隐患由本局复查销号；勾选后由学校所属县（区）教育局复查销号",
    )
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

    def verifier_for(self, school: School) -> Bureau | None:
        """The bureau that verifies and closes the hazards this campaign finds at
        ``school``, when it is not the school's own bureau: the campaign's bureau, for
        a school of a bureau below it, unless it delegated that. None otherwise."""
        if school.bureau_id == self.bureau_id or self.verification_delegated:
            return None
        return self.bureau


class InspectionQuerySet(SchoolScopedQuerySet):
    """The door; writes (who fills) and the team's reads follow the campaign's team
    (:meth:`CampaignQuerySet.fillable_by`).

    ``visible_to`` is the door's own, unrefined: dashboards aggregate inspections by
    school at province scale. The one reader it leaves out, an inspector named on a
    team, reaches the campaign's inspections through :meth:`filled_by`.
    """

    def filled_by(self, user: Any) -> Self:
        """Inspections of the campaigns whose team ``user`` is on: the team reads what
        it fills, at whichever school of the campaign (an inspector named on a city's
        team, at a county's school)."""
        return self.filter(campaign_id__in=Campaign.objects.fillable_by(user).values("pk"))

    def writable_by(self, user: Any) -> Self:
        """Who fills an inspection: a self-inspection, the school's own users
        (:func:`self_inspection_schools`); a campaign inspection, the campaign's team."""
        rule = models.Q(campaign__isnull=True) & self_inspection_q(
            user, school_key="school_id", bureau_key="school__bureau_id"
        )
        team = Campaign.objects.fillable_by(user)
        # A school's account fills no campaign: its submit's read is then one plain
        # condition, not a subquery that compiles to nothing.
        if not team.query.is_empty():
            rule |= models.Q(campaign_id__in=team.values("pk"))
        return self.filter(rule)

    def submitted(self) -> InspectionQuerySet:
        return self.filter(status=InspectionStatus.SUBMITTED)

    def self_inspections(self) -> InspectionQuerySet:
        return self.filter(kind=InspectionKind.SELF)


class Inspection(models.Model):
    # Where a moved school's inspection belongs (orgs.moves): ``record_on``.
    record_date_field = "record_on"
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
    # The day the record belongs to: a self-inspection's month's first day, the day a
    # campaign's inspection was done. A self-inspection is due where its school was on
    # the first of the month, so a school that moves mid-month files that month's for
    # the bureau it left, and is counted there, whatever day it inspected.
    record_on = models.GeneratedField(
        expression=Coalesce("period", "inspected_on"),
        output_field=models.DateField(),
        db_persist=True,
        verbose_name="记录所属日期",
    )
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
    owner_department_code = SAFETY

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
            # The inspection list at province scale (384k rows): its month filter
            # ("period = m" or, for a campaign's inspection, "inspected_on in m") as a
            # BitmapOr of these two, and its default order (inspected_on DESC, id DESC)
            # read backwards from the second with no sort when no month is chosen.
            models.Index(fields=["period"], name="inspection_period_idx"),
            models.Index(fields=["inspected_on", "id"], name="inspection_recent_idx"),
        ]

    def __str__(self) -> str:
        if self.kind == InspectionKind.SELF and self.period:
            return f"{self.school} {self.period:%Y年%m月}自查"
        return f"{self.school} {self.get_kind_display()} {self.inspected_on:%Y-%m-%d}"

    @property
    def submitted_on_time(self) -> bool | None:
        return submitted_on_time(self.submitted_at, self.due_on)


def submitted_on_time(submitted_at: datetime | None, due_on: date | None) -> bool | None:
    """Whether an inspection first submitted at ``submitted_at`` was in by its due date
    (the local day counts); None when it has no due date or is not submitted."""
    if submitted_at is None or due_on is None:
        return None
    from django.utils import timezone

    return timezone.localdate(submitted_at) <= due_on


class InspectionPhotoQuerySet(SchoolScopedQuerySet):
    """A photo is read by the door and written with its inspection."""

    def filled_by(self, user: Any) -> Self:
        """Photos of the inspections ``user``'s campaign team fills (see above)."""
        return self.filter(inspection__in=Inspection.objects.filled_by(user).values("pk"))

    def writable_by(self, user: Any) -> Self:
        return self.filter(inspection__in=Inspection.objects.writable_by(user).values("pk"))


class InspectionPhoto(PhotoFile):
    """A photo taken during an inspection (of one item, or of the whole visit)."""

    record_date_field = "inspection__record_on"

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos")
    item = models.ForeignKey(
        ChecklistItem, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = InspectionPhotoQuerySet.as_manager()
    owner_department_code = SAFETY

    class Meta(PhotoFile.Meta):
        verbose_name = "检查照片"


def owes_self_inspection_q(month_start: date) -> models.Q:
    """The schools (a filter on School) that owe the month's self-inspection: active,
    and run by a bureau live on the month's first day (``Bureau.go_live`` unset or on
    or before it). The one rule of the dashboard, the per-part table, the circulars,
    the 未报送 list and the chase."""
    live = models.Q(bureau__go_live__isnull=True) | models.Q(bureau__go_live__lte=month_start)
    return models.Q(is_active=True) & live


def owes_self_inspection(*, active: bool, go_live: date | None, month_start: date) -> bool:
    """:func:`owes_self_inspection_q` for one school known in Python (a moved school,
    under the bureau it belonged to on the month's first day)."""
    return active and (go_live is None or go_live <= month_start)
