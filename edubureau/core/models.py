"""The national holiday schedule as entered by an administrator.

Each November the General Office of the State Council publishes next year's
schedule of public holidays (放假) and the weekend days that become working days
to make up for them (调休上班). The ``chinesecalendar`` package carries the
schedules it knew when it was released; a year an administrator enters here
overrides the package for that whole year (see :mod:`edubureau.core.calendar`).

The schedule is national, so these tables belong to no bureau.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

# Years the calendar accepts: wide enough for any real schedule, narrow enough
# that a typo such as 20277 is refused.
MIN_YEAR = 2000
MAX_YEAR = 2100


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", "放假"
    WORKDAY = "workday", "调休上班"


class CalendarYear(models.Model):
    """Marks that a year's official schedule has been entered.

    Its existence is what makes a year "official": even a day the schedule does
    not mention is then an ordinary Monday–Friday working day, whatever the
    package says.
    """

    year = models.PositiveSmallIntegerField(
        "年份",
        unique=True,
        validators=[MinValueValidator(MIN_YEAR), MaxValueValidator(MAX_YEAR)],
    )
    published_on = models.DateField("通知发布日期", null=True, blank=True)
    note = models.CharField("文号或说明", max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="录入人",
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "节假日安排年度"
        verbose_name_plural = "节假日安排年度"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}年节假日安排"


class CalendarDay(models.Model):
    """One date an entered schedule declares: a day off or a make-up working day."""

    calendar_year = models.ForeignKey(
        CalendarYear, on_delete=models.CASCADE, related_name="days", verbose_name="年度"
    )
    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=10, choices=CalendarDayKind.choices)
    name = models.CharField("节日名称", max_length=30, help_text="如 国庆节")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="录入人",
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "节假日安排"
        verbose_name_plural = "节假日安排"
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=CalendarDayKind.values),
                name="calendar_day_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.name}{self.get_kind_display()}"
