"""Per-bureau safety settings, and a higher bureau chasing a lower one (催办)."""

from __future__ import annotations

from typing import Any, Self

from django.conf import settings
from django.db import models

from edubureau.orgs.models import Bureau
from edubureau.orgs.scoping import BureauScopedQuerySet, is_department_staff
from edubureau.safety.models.checklists import SAFETY


class SafetySettingsQuerySet(BureauScopedQuerySet):
    """Bureau-owned (the door's ``BureauScopedQuerySet``). A safety policy, like the
    checklist, is set by the bureau's own safety department, not its administrator."""

    def writable_by(self, user: Any) -> Self:
        if not is_department_staff(user, SAFETY):
            return self.none()
        return self.owned_by(user)


class SafetySettings(models.Model):
    """How a bureau (a county) runs its safety work. One row per bureau, made when first
    saved; a bureau without a row has the defaults."""

    bureau = models.OneToOneField(
        Bureau, on_delete=models.PROTECT, related_name="safety_settings", verbose_name="教育局"
    )
    township_verifies_minor = models.BooleanField(
        "中心校（学区）复查销号一般隐患",
        default=False,
        help_text="勾选后，中心校（学区）工作人员可复查、销号本乡镇学校的一般隐患；"
        "较大、重大隐患仍由安全股复查销号",
    )
    # Off by default: the two-step way (复查, then 销号) is the rule the hazard
    # register was designed around; a bureau that signs off on the spot opts in.
    verify_closes = models.BooleanField(
        "复查通过即可销号",
        default=False,
        help_text="勾选后，复查人员可“复查通过并销号”一步完成（单个或批量）；"
        "复查与销号仍须由整改人以外、有复查权限的人员办理",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = SafetySettingsQuerySet.as_manager()

    class Meta:
        verbose_name = "安全工作设置"
        verbose_name_plural = "安全工作设置"

    def __str__(self) -> str:
        return f"{self.bureau}安全工作设置"


class BureauChase(models.Model):
    """A higher bureau's 催办 of a lower one: what was overdue or missing when it
    chased, whom it told. Bureau-owned by the bureau that chased."""

    bureau = models.ForeignKey(
        Bureau, on_delete=models.PROTECT, related_name="+", verbose_name="催办单位"
    )
    target = models.ForeignKey(
        Bureau, on_delete=models.PROTECT, related_name="+", verbose_name="被催办单位"
    )
    period = models.DateField("自查月份")
    overdue_hazards = models.PositiveIntegerField("逾期隐患", default=0)
    supervised_hazards = models.PositiveIntegerField("挂牌督办隐患", default=0)
    missing_self_inspections = models.PositiveIntegerField("未报自查学校", default=0)
    notified = models.PositiveIntegerField("通知人数", default=0)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField("催办时间", auto_now_add=True)

    objects = BureauScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "催办记录"
        verbose_name_plural = "催办记录"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target", "created_at"])]

    def __str__(self) -> str:
        return f"{self.bureau}催办{self.target}"
