"""Hazards (隐患): a failed checklist item, or one reported ad hoc, with the shared
rectification lifecycle (edubureau.rectification)."""

from __future__ import annotations

from typing import Any, Self

from django.conf import settings
from django.db import models

from edubureau.core.photos import PhotoFile
from edubureau.core.roles import Role
from edubureau.orgs.models import Bureau, School
from edubureau.orgs.scoping import (
    SchoolScopedQuerySet,
    is_department_staff,
    school_read_q,
    school_write_q,
)
from edubureau.rectification.models import (
    UNRESOLVED_STATUSES,
    Rectifiable,
    RectifiableQuerySet,
    RectificationStep,
    Severity,
    Status,
)
from edubureau.safety.models.checklists import SAFETY, ChecklistCategory, ChecklistItem
from edubureau.safety.models.inspections import Inspection


class HazardSource(models.TextChoices):
    INSPECTION = "inspection", "检查发现"
    WALKAROUND = "walkaround", "日常巡查"
    COMPLAINT = "complaint", "群众举报"
    CIRCULAR = "circular", "上级通报"


class HazardQuerySet(RectifiableQuerySet):
    def verifiable_by(self, user: Any) -> Self:
        """Who verifies and closes a hazard (复查、销号); never its own school.

        - A hazard a higher bureau's campaign found (``verifying_bureau`` set) is
          verified by that bureau's safety department: the city reads its county's
          schools through the door and writes none of their records but this.
          The county, which follows the rectification, does not verify it.
        - Any other hazard: the door's writers outside the school (the school's
          bureau's safety department, the assigned inspector), and, where the
          county delegates it (``SafetySettings.township_verifies_minor``), the
          township's central school for minor (一般) hazards of its schools.
        """
        if not (user is not None and user.is_authenticated and user.is_active):
            return self.none()
        if user.role == Role.SCHOOL_USER:
            return self.none()
        keys = {"school_key": "school_id", "bureau_key": "school__bureau_id"}
        reads = school_read_q(user, sensitive=False, **keys)
        kept_here = models.Q(verifying_bureau__isnull=True)
        rule = kept_here & school_write_q(user, owner=SAFETY, **keys)
        if is_department_staff(user, SAFETY):
            rule |= models.Q(verifying_bureau_id=user.bureau_id) & reads
        if user.role == Role.TOWNSHIP_STAFF:
            rule |= (
                kept_here
                & models.Q(
                    severity=Severity.MINOR,
                    school__bureau__safety_settings__township_verifies_minor=True,
                )
                & reads
            )
        return self.filter(rule)

    def unresolved(self) -> HazardQuerySet:
        return self.filter(status__in=UNRESOLVED_STATUSES)

    def closed(self) -> HazardQuerySet:
        return self.filter(status=Status.CLOSED)


class Hazard(Rectifiable):
    # Where a moved school's hazard belongs (orgs.moves): the day it was reported.
    record_date_field = "reported_on"
    noun = "隐患"

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="hazards")
    source = models.CharField("来源", max_length=12, choices=HazardSource.choices)
    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, null=True, blank=True, related_name="hazards"
    )
    item = models.ForeignKey(
        ChecklistItem, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Stable keys (across checklist versions) for grouping and repeat detection.
    item_key = models.CharField("事项代码", max_length=60, blank=True, db_index=True)
    category = models.ForeignKey(
        ChecklistCategory, on_delete=models.PROTECT, related_name="+", verbose_name="隐患类别"
    )
    category_key = models.CharField("类别代码", max_length=40, db_index=True)
    location = models.CharField("隐患部位", max_length=100, blank=True)
    description = models.TextField("隐患描述")
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    # The bureau that verifies and closes the hazard when it is not the school's own:
    # a city's campaign found it (Campaign.verifier_for). The hazard stays the
    # school's bureau's record; this bureau only verifies and closes it.
    verifying_bureau = models.ForeignKey(
        Bureau,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="复查销号单位",
    )
    repeat_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="repeats",
        verbose_name="重复出现（上次隐患）",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = HazardQuerySet.as_manager()
    owner_department_code = SAFETY

    class Meta:
        verbose_name = "安全隐患"
        verbose_name_plural = "安全隐患"
        ordering = ["-reported_on", "-id"]
        indexes = [
            models.Index(fields=["school", "status"]),
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["reported_on"]),
            models.Index(fields=["school", "item_key", "reported_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.school}：{self.description[:30]}"

    @property
    def is_repeat(self) -> bool:
        return self.repeat_of_id is not None


class HazardPhoto(PhotoFile):
    record_date_field = "hazard__reported_on"

    class Stage(models.TextChoices):
        REPORT = "report", "隐患照片"
        EVIDENCE = "evidence", "整改照片"

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    hazard = models.ForeignKey(Hazard, on_delete=models.CASCADE, related_name="photos")
    stage = models.CharField(max_length=10, choices=Stage.choices)
    # The step the photo was taken for (the report, or one round's rectification):
    # a round rejected and rectified again keeps its own photos. A foreign key, not
    # the photo's time, because several steps can share a timestamp (a frozen test
    # clock, a demo built in bulk) and a key says it without guessing.
    step = models.ForeignKey(
        RectificationStep,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="所属环节",
    )

    objects = SchoolScopedQuerySet.as_manager()
    owner_department_code = SAFETY

    class Meta(PhotoFile.Meta):
        verbose_name = "隐患照片"
