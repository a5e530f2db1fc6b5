"""The annual statistical return (教育事业统计基层表) of each school, its review rounds,
and the population of a bureau's area by single year of age.

A return's figures live in ``values`` as ``{field code: int}``; the codes and what
they mean are the data dictionary's (:mod:`edubureau.stats.dictionary`). The return
belongs to the school year of its school's bureau; ``school_year.start_year`` is the
census year (统计年份: the figures as of 1 September of that year).
"""

from __future__ import annotations

from typing import Any, Self

from django.conf import settings
from django.db import models

from edubureau.orgs import moves
from edubureau.orgs.models import Bureau, School, SchoolYear
from edubureau.orgs.scoping import BureauScopedQuerySet, SchoolScopedQuerySet, school_write_q

# The bureau department whose staff review, accept and lock the returns of their
# bureau's schools (the demo's 基础教育股 account, ``jichu``, is the statistician).
STATS_DEPARTMENT = "basic_education"


class ReturnStatus(models.TextChoices):
    DRAFT = "draft", "填报中"
    SUBMITTED = "submitted", "已上报"
    RETURNED = "returned", "已退回"
    ACCEPTED = "accepted", "已审核"
    LOCKED = "locked", "已锁定"


class KgCategory(models.TextChoices):
    PUBLIC = "public", "公办园"
    AFFORDABLE = "affordable", "普惠性民办园"
    PRIVATE = "private", "其他民办园"


class RoundAction(models.TextChoices):
    SUBMIT = "submit", "上报"
    RETURN = "return", "退回"
    ACCEPT = "accept", "审核通过"
    LOCK = "lock", "锁定"
    UNLOCK = "unlock", "解锁"


class StatReturnQuerySet(SchoolScopedQuerySet):
    """The door, with two rules of the census:

    - an inspector (责任督学) may write the records of the schools assigned to them, but
      a statistical return is filed by the school and reviewed by its bureau, never by
      an inspector;
    - a return belongs to the bureau that held its school when the return's school year
      began (the census takes the figures as of that day): that bureau reviews, locks
      and unlocks it, lists it and counts it, even after the school moved on
      (隶属关系调整, orgs.moves); the bureau that holds the school now reads it and
      takes the school's returns over from the next school year."""

    def with_holder(self) -> Self:
        """Each return with ``held_by``: the key of the bureau its school belonged to
        when its school year began (``orgs.moves.holder_on``)."""
        return self.annotate(
            held_by=moves.holder_on(
                school_key="school_id",
                bureau_key="school__bureau_id",
                day=models.OuterRef("school_year__starts_on"),
            )
        )

    def writable_by(self, user: Any) -> Self:
        from edubureau.core.roles import Role

        if getattr(user, "role", None) == Role.INSPECTOR:
            return self.none()
        # The door's write rule, with the bureau that held the school then as the
        # bureau that keeps the record.
        school_key, _ = self._scope_keys()
        owner = getattr(self.model, "owner_department_code", None)
        return self.with_holder().filter(
            school_write_q(user, school_key=school_key, bureau_key="held_by", owner=owner)
        )

    def of_year(self, start_year: int) -> Self:
        return self.filter(school_year__start_year=start_year)

    def closed(self) -> Self:
        """Returns whose figures count: accepted or locked."""
        return self.filter(status__in=(ReturnStatus.ACCEPTED, ReturnStatus.LOCKED))


class StatReturn(models.Model):
    """One school's statistical return for one school year."""

    # A moved school's returns stay with the bureau it belonged to when the school year
    # began (orgs.moves).
    record_date_field = "school_year__starts_on"

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="stat_returns")
    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="stat_returns"
    )
    status = models.CharField(
        "状态", max_length=12, choices=ReturnStatus.choices, default=ReturnStatus.DRAFT
    )
    # {field code: int}; codes from stats.dictionary.FIELDS.
    values = models.JSONField("统计数据", default=dict, blank=True)
    # Only for a school with the kindergarten level; blank otherwise.
    kg_category = models.CharField(
        "幼儿园类别", max_length=12, choices=KgCategory.choices, blank=True
    )
    # {warning code: the school's written explanation}.
    explanations = models.JSONField("情况说明", default=dict, blank=True)
    submitted_at = models.DateTimeField("上报时间", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    locked_at = models.DateTimeField("锁定时间", null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # The workbook the figures last came from (None: typed in the browser), and for
    # each imported field its cell there: {code: "Sheet!C5"} — the provenance of a fact.
    import_batch = models.ForeignKey(
        "ReturnImport", on_delete=models.SET_NULL, related_name="returns", null=True, blank=True
    )
    import_cells = models.JSONField("导入单元格", default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StatReturnQuerySet.as_manager()
    owner_department_code = STATS_DEPARTMENT

    class Meta:
        verbose_name = "统计报表"
        verbose_name_plural = "统计报表"
        ordering = ["-school_year__start_year", "school_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year"], name="stat_return_one_per_school_year"
            ),
        ]
        indexes = [models.Index(fields=["school_year", "status", "school"])]

    def __str__(self) -> str:
        return f"{self.school} {self.school_year}统计报表"

    @property
    def start_year(self) -> int:
        return int(self.school_year.start_year)

    def value(self, code: str) -> int:
        """A figure of the return, 0 when not reported."""
        return int(self.values.get(code) or 0)


class ReturnRound(models.Model):
    """One step of a return's review, kept for good: who did what, with which comment,
    and the figures as they stood."""

    stat_return = models.ForeignKey(
        StatReturn, on_delete=models.CASCADE, related_name="rounds", verbose_name="统计报表"
    )
    # Denormalised so the door scopes rounds like every school row.
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    action = models.CharField("操作", max_length=10, choices=RoundAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    comment = models.TextField("意见", blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)
    values = models.JSONField("数据快照", default=dict, blank=True)

    objects = SchoolScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "审核记录"
        verbose_name_plural = "审核记录"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.stat_return} {self.get_action_display()}"


class Population(models.Model):
    """The population of a county's area at one age, in one census year (for gross and
    net enrolment ratios). ``year`` 2026 goes with the 2026—2027 school year."""

    bureau = models.ForeignKey(Bureau, on_delete=models.PROTECT, related_name="populations")
    year = models.PositiveSmallIntegerField("年份")
    age = models.PositiveSmallIntegerField("年龄")
    count = models.PositiveIntegerField("人口数")
    updated_at = models.DateTimeField(auto_now=True)

    objects = BureauScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "分年龄人口"
        verbose_name_plural = "分年龄人口"
        ordering = ["bureau_id", "year", "age"]
        constraints = [
            models.UniqueConstraint(fields=["bureau", "year", "age"], name="population_unique_age"),
            models.CheckConstraint(condition=models.Q(age__lte=25), name="population_age_range"),
        ]

    def __str__(self) -> str:
        return f"{self.bureau} {self.year}年 {self.age}岁"


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", "待确认"
    APPLIED = "applied", "已导入"
    DISCARDED = "discarded", "已放弃"


class ReturnImportQuerySet(SchoolScopedQuerySet):
    """An uploaded workbook is seen only where it was uploaded: a bureau's by that
    bureau's own accounts (it may hold many schools' figures; the bureaus above read
    the returns, not the files), a school's template by that school's accounts."""

    def visible_to(self, user: Any) -> Self:
        from edubureau.core.roles import BUREAU_ROLES, Role

        if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
            return self.none()
        role = getattr(user, "role", None)
        if role in BUREAU_ROLES and user.bureau_id:
            return self.filter(bureau_id=user.bureau_id)
        if role == Role.SCHOOL_USER and user.school_id:
            return self.filter(school_id=user.school_id)
        return self.none()

    def writable_by(self, user: Any) -> Self:
        # Who may confirm or discard a batch is imports.can_act's (who may upload it).
        return self.visible_to(user)


class ReturnImport(models.Model):
    """One uploaded workbook of returns (a bureau's workbook covering many schools, or
    one school's filled template), kept as sent: the preview reads it, the confirmation
    applies it all or nothing, and an imported figure's provenance names this batch,
    its sheet and its cell."""

    bureau = models.ForeignKey(Bureau, on_delete=models.PROTECT, related_name="return_imports")
    # Set when a school uploaded its own template; blank for a bureau's workbook.
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="return_imports", null=True, blank=True
    )
    year = models.PositiveSmallIntegerField("统计年份")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField("文件名", max_length=255)
    sha256 = models.CharField(max_length=64)
    data = models.BinaryField("文件")
    status = models.CharField(
        "状态", max_length=10, choices=ImportStatus.choices, default=ImportStatus.PREVIEWED
    )
    # What the preview found and the confirmation did: counts, schools, problems.
    summary = models.JSONField("导入结果", default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField("导入时间", null=True, blank=True)

    objects = ReturnImportQuerySet.as_manager()

    class Meta:
        verbose_name = "统计报表导入"
        verbose_name_plural = "统计报表导入"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename}（{self.get_status_display()}）"


class TargetKind(models.TextChoices):
    PROVINCIAL = "provincial", "省级目标"
    LOCAL = "local", "本地目标"


class TargetComparison(models.TextChoices):
    AT_LEAST = ">=", "不低于"
    ABOVE = ">", "高于"
    AT_MOST = "<=", "不高于"


class LocalTarget(models.Model):
    """A provincial or local target a bureau sets for one indicator (the national ones
    are code data in :mod:`edubureau.stats.targets`). A target set by a bureau applies
    to its own scope and to the bureaus below it unless they set their own."""

    bureau = models.ForeignKey(Bureau, on_delete=models.PROTECT, related_name="stat_targets")
    indicator = models.CharField("指标", max_length=40)
    kind = models.CharField("类别", max_length=12, choices=TargetKind.choices)
    year = models.PositiveSmallIntegerField("目标年份")
    value = models.DecimalField("目标值", max_digits=7, decimal_places=2)
    comparison = models.CharField(
        "比较", max_length=2, choices=TargetComparison.choices, default=TargetComparison.AT_LEAST
    )
    # How a report names it: "全省2025目标", "本县2025目标".
    label = models.CharField("称谓", max_length=40)
    source = models.CharField("依据文件", max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BureauScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "指标目标"
        verbose_name_plural = "指标目标"
        ordering = ["bureau_id", "indicator", "kind", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "indicator", "kind", "year"], name="stat_target_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bureau} {self.indicator} {self.label}"
