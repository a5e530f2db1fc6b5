"""Safety ledgers (台账): responsibility letters, emergency plans, drills, education
activities, vehicles, canteens, guards and cameras. All school-owned."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from edubureau.orgs.models import School, SchoolYear
from edubureau.orgs.scoping import SchoolScopedQuerySet
from edubureau.safety.models.checklists import SAFETY


class LedgerBase(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    note = models.CharField("备注", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SchoolScopedQuerySet.as_manager()
    owner_department_code = SAFETY

    class Meta:
        abstract = True


class LetterTier(models.TextChoices):
    BUREAU_SCHOOL = "bureau_school", "教育局与学校"
    SCHOOL_STAFF = "school_staff", "学校与教职工"
    SCHOOL_PARENT = "school_parent", "学校与家长"


class ResponsibilityLetter(LedgerBase):
    """How many letters of one tier a school signed of how many were due, per school year."""

    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+")
    tier = models.CharField("层级", max_length=16, choices=LetterTier.choices)
    due_count = models.PositiveIntegerField("应签份数")
    signed_count = models.PositiveIntegerField("已签份数")
    signed_on = models.DateField("签订日期", null=True, blank=True)

    class Meta:
        verbose_name = "安全责任书"
        verbose_name_plural = "安全责任书"
        ordering = ["school_year", "school", "tier"]
        constraints = [
            models.UniqueConstraint(fields=["school", "school_year", "tier"], name="letter_unique"),
            models.CheckConstraint(
                condition=models.Q(signed_count__lte=models.F("due_count")),
                name="letter_signed_le_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school} {self.get_tier_display()} {self.signed_count}/{self.due_count}"


class EmergencyPlan(LedgerBase):
    name = models.CharField("预案名称", max_length=100)
    kind = models.CharField("类别", max_length=20)
    approved_on = models.DateField("印发日期")
    review_due = models.DateField("修订到期日", help_text="到期前30天提醒")

    class Meta:
        verbose_name = "应急预案"
        verbose_name_plural = "应急预案"
        ordering = ["school", "name"]
        # The ledger list opens newest first (approved_on DESC) across a province's
        # 160k plans: read from this index, not sorted whole.
        indexes = [models.Index(fields=["approved_on"], name="emergencyplan_recent_idx")]

    def __str__(self) -> str:
        return f"{self.school} {self.name}"


class DrillKind(models.TextChoices):
    FIRE = "fire", "消防疏散"
    EARTHQUAKE = "earthquake", "防震减灾"
    FLOOD = "flood", "防汛"
    DROWNING = "drowning", "防溺水"
    INTRUDER = "intruder", "防暴反恐"
    TRAFFIC = "traffic", "交通安全"
    FOOD = "food", "食品安全"
    OTHER = "other", "其他"


class Drill(LedgerBase):
    record_date_field = "held_on"
    held_on = models.DateField("演练日期")
    kind = models.CharField("演练类型", max_length=12, choices=DrillKind.choices)
    participants = models.PositiveIntegerField("参与人数")
    duration_minutes = models.PositiveSmallIntegerField("用时（分钟）", null=True, blank=True)

    class Meta:
        verbose_name = "应急演练"
        verbose_name_plural = "应急演练"
        ordering = ["-held_on", "-id"]
        # The ledger list opens newest first (held_on DESC): the second index.
        indexes = [
            models.Index(fields=["school", "held_on"]),
            models.Index(fields=["held_on"], name="drill_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.school} {self.held_on:%Y-%m-%d} {self.get_kind_display()}演练"


class EducationActivity(LedgerBase):
    record_date_field = "held_on"
    held_on = models.DateField("开展日期")
    kind = models.CharField(
        "活动类型", max_length=30, help_text="如 主题班会、安全第一课、防溺水专题教育"
    )
    title = models.CharField("主题", max_length=100)
    sessions = models.PositiveIntegerField("场次", default=1)
    participants = models.PositiveIntegerField("参与人次")

    class Meta:
        verbose_name = "安全教育活动"
        verbose_name_plural = "安全教育活动"
        ordering = ["-held_on", "-id"]
        # The ledger list opens newest first (held_on DESC): the second index.
        indexes = [
            models.Index(fields=["school", "held_on"]),
            models.Index(fields=["held_on"], name="activity_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.school} {self.held_on:%Y-%m-%d} {self.title}"


class VehicleKind(models.TextChoices):
    SCHOOL_BUS = "school_bus", "校车"
    SHUTTLE = "shuttle", "学生专车"


class Vehicle(LedgerBase):
    kind = models.CharField("类型", max_length=12, choices=VehicleKind.choices)
    plate = models.CharField("车牌号", max_length=12, unique=True)
    seats = models.PositiveSmallIntegerField("核载人数")
    driver_name = models.CharField("驾驶人", max_length=40)
    driver_licence_expires = models.DateField("驾驶证有效期至")
    inspection_expires = models.DateField("车辆检验有效期至")
    insurance_expires = models.DateField("保险有效期至", null=True, blank=True)
    gps_fitted = models.BooleanField("安装卫星定位", default=True)
    route = models.CharField("行驶线路", max_length=200, blank=True)
    operator = models.CharField("运营单位", max_length=100, blank=True)
    is_active = models.BooleanField("在用", default=True)

    class Meta:
        verbose_name = "校车及学生专车"
        verbose_name_plural = "校车及学生专车"
        ordering = ["school", "plate"]

    def __str__(self) -> str:
        return f"{self.plate}（{self.get_kind_display()}）"


class CanteenGrade(models.TextChoices):
    A = "A", "A级（优秀）"
    B = "B", "B级（良好）"
    C = "C", "C级（一般）"


class Canteen(LedgerBase):
    class Operation(models.TextChoices):
        SELF_RUN = "self_run", "自主经营"
        CONTRACTED = "contracted", "委托经营"

    name = models.CharField("食堂名称", max_length=60)
    grade = models.CharField("量化分级", max_length=1, choices=CanteenGrade.choices)
    licence_no = models.CharField("食品经营许可证号", max_length=40)
    licence_expires = models.DateField("许可证有效期至")
    operation = models.CharField("经营方式", max_length=12, choices=Operation.choices)
    contractor = models.CharField("受托单位", max_length=100, blank=True)
    is_active = models.BooleanField("在用", default=True)

    class Meta:
        verbose_name = "学校食堂"
        verbose_name_plural = "学校食堂"
        ordering = ["school", "name"]

    def __str__(self) -> str:
        return f"{self.school} {self.name}"


class SecurityResources(LedgerBase):
    """人防物防技防: one row per school, kept current."""

    guards_full_time = models.PositiveSmallIntegerField("专职保安人数", default=0)
    cameras = models.PositiveIntegerField("监控摄像头数", default=0)
    key_areas_covered = models.BooleanField("重点部位监控全覆盖", default=False)
    one_key_alarm = models.BooleanField("一键报警", default=False)
    alarm_linked_to_police = models.BooleanField("报警与公安联网", default=False)
    anti_collision_barriers = models.BooleanField("校门防冲撞设施", default=False)

    class Meta:
        verbose_name = "人防物防技防"
        verbose_name_plural = "人防物防技防"
        constraints = [models.UniqueConstraint(fields=["school"], name="security_one_per_school")]

    def __str__(self) -> str:
        return f"{self.school} 人防物防技防"
