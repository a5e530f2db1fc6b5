"""Versioned checklists (排查指南): categories (大类) and items (事项).

A checklist version is immutable once used: editing creates a new version, and
past inspections keep the version they used. An item's ``key`` is stable across
versions, so "the same item failing again" is recognised after an edit.
"""

from __future__ import annotations

from typing import Any, Self

from django.conf import settings
from django.db import models

from edubureau.orgs.models import Bureau
from edubureau.orgs.scoping import BureauScopedQuerySet, is_department_staff
from edubureau.rectification.models import Severity

# The department that owns the safety module's records (and revises its checklist).
SAFETY = "safety"


class ChecklistQuerySet(BureauScopedQuerySet):
    """A bureau's checklist is a bureau-owned record (the door's ``BureauScopedQuerySet``):
    visible to the bureau and, read-only, to the bureaus above it; a school, township
    or inspector reads its own bureau's. "This bureau's checklist" is ``owned_by``.

    Writes: the bureau's own safety department revises it (not the administrator,
    who maintains the door's other bureau-owned rows): a narrowing of ``owned_by``.
    """

    def writable_by(self, user: Any) -> Self:
        if not is_department_staff(user, SAFETY):
            return self.none()
        return self.owned_by(user)

    def current(self) -> Self:
        return self.filter(is_current=True)


class ChecklistItemQuerySet(models.QuerySet):
    """Items and categories are read and revised with their checklist."""

    def visible_to(self, user: Any) -> Self:
        return self.filter(checklist__in=Checklist.objects.visible_to(user).values("pk"))

    def writable_by(self, user: Any) -> Self:
        return self.filter(checklist__in=Checklist.objects.writable_by(user).values("pk"))


class Checklist(models.Model):
    bureau = models.ForeignKey(Bureau, on_delete=models.PROTECT, related_name="checklists")
    name = models.CharField("名称", max_length=100)
    version = models.PositiveIntegerField("版本")
    is_current = models.BooleanField("现行版本", default=False)
    note = models.CharField("修订说明", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ChecklistQuerySet.as_manager()

    class Meta:
        verbose_name = "排查指南"
        verbose_name_plural = "排查指南"
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["bureau", "version"], name="checklist_unique_version"),
            models.UniqueConstraint(
                fields=["bureau"], condition=models.Q(is_current=True), name="checklist_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（第{self.version}版）"


class ChecklistCategory(models.Model):
    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="categories")
    key = models.SlugField("代码", max_length=40, help_text="跨版本稳定的英文代码，如 fire")
    name = models.CharField("大类名称", max_length=40)
    sort_order = models.PositiveSmallIntegerField(default=0)

    objects = ChecklistItemQuerySet.as_manager()

    class Meta:
        verbose_name = "排查大类"
        verbose_name_plural = "排查大类"
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["checklist", "key"], name="category_unique_key"),
        ]

    def __str__(self) -> str:
        return self.name


class ChecklistItem(models.Model):
    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="items")
    category = models.ForeignKey(ChecklistCategory, on_delete=models.CASCADE, related_name="items")
    key = models.SlugField("代码", max_length=60, help_text="跨版本稳定，用于识别重复隐患")
    text = models.CharField("排查事项", max_length=200)
    guidance = models.TextField("合格标准", blank=True)
    basis = models.CharField("依据", max_length=200, blank=True)
    default_severity = models.CharField(
        "默认隐患等级", max_length=10, choices=Severity.choices, default=Severity.MINOR
    )
    # School kinds the item applies to; empty means every kind.
    applies_to = models.JSONField("适用学校类型", default=list, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    objects = ChecklistItemQuerySet.as_manager()

    class Meta:
        verbose_name = "排查事项"
        verbose_name_plural = "排查事项"
        ordering = ["category__sort_order", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["checklist", "key"], name="item_unique_key"),
        ]

    def __str__(self) -> str:
        return self.text

    def applies_to_kind(self, kind: str) -> bool:
        return not self.applies_to or kind in self.applies_to
