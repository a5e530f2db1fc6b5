"""Reports: official documents drafted from the record, edited, approved and issued.

A :class:`Report` is one document of one genre (:mod:`edubureau.reports.genres`) for
one scope and period: a bureau's (its subtree's schools), a school's own, or an
inspector's schools'. Its text lives in :class:`ReportSection` rows — a heading and
a template whose numbers are placeholders (``{{hazards.found}}``,
:mod:`edubureau.reports.placeholders`), so regenerating refreshes the numbers of a
sentence a person rewrote. Issuing allocates the 发文字号 from ``orgs.services.numbering``
(gapless per bureau, issuer code and year), fixes the 成文日期 and freezes the .docx
bytes: an issued report re-exports identically whatever happens to the records.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Self

from django.conf import settings
from django.db import models

from edubureau.core.roles import Role
from edubureau.orgs.models import Bureau, School, SchoolPosition
from edubureau.orgs.scoping import SchoolScopedQuerySet, subtree_ids

_NOTHING = models.Q(pk__in=[])


class ReportStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    APPROVED = "approved", "已审核"
    ISSUED = "issued", "已印发"


def is_principal_of(user: Any, school_id: int | None) -> bool:
    """The school's principal, on a writable account: who approves, sends back and
    issues the school's own reports."""
    return bool(
        school_id
        and user.is_authenticated
        and user.is_active
        and user.role == Role.SCHOOL_USER
        and user.school_id == school_id
        and user.school_position == SchoolPosition.PRINCIPAL
        and not user.read_only
    )


class ReportQuerySet(SchoolScopedQuerySet):
    """Who reads and who edits reports: the one rule, used by every page and export.

    A school-scoped queryset (a report may be a school's) that refines the door's rule:
    a bureau's own reports have no school, and a notice is read by the school it is
    addressed to only once issued.

    - bureau leaders and department staff read the reports of their bureau's subtree
      (a city reads its counties' summaries and their schools'), administrators none
      (they keep accounts, not documents);
    - a school's accounts read their school's own reports and the notices issued to it
      (隐患整改通知书), township staff those of their township's schools, an inspector
      the reports they wrote;
    - drafts are edited by who writes them: a bureau's department staff their own
      bureau's reports (of the genres their department owns, see ``services``), a
      school's (not read-only) accounts the school's, an inspector their own.
    """

    def visible_to(self, user: Any) -> Self:
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        role = user.role
        if role in (Role.BUREAU_LEADER, Role.DEPARTMENT_STAFF) and user.bureau_id:
            return self.filter(bureau_id__in=subtree_ids(user))
        issued = models.Q(status=ReportStatus.ISSUED)
        if role == Role.SCHOOL_USER and user.school_id:
            return self.filter(
                models.Q(school_id=user.school_id)
                | (models.Q(to_school_id=user.school_id) & issued)
            )
        if role == Role.TOWNSHIP_STAFF and user.township_id:
            return self.filter(
                models.Q(school__township_id=user.township_id)
                | (models.Q(to_school__township_id=user.township_id) & issued)
            )
        if role == Role.INSPECTOR:
            return self.filter(inspector_id=user.pk)
        return self.none()

    def writable_by(self, user: Any) -> Self:
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        role = user.role
        if role == Role.DEPARTMENT_STAFF and user.bureau_id:
            return self.filter(
                bureau_id=user.bureau_id, school__isnull=True, inspector__isnull=True
            )
        if role == Role.SCHOOL_USER and user.school_id and not user.read_only:
            return self.filter(school_id=user.school_id)
        if role == Role.INSPECTOR:
            return self.filter(inspector_id=user.pk)
        return self.none()

    def awaiting_review_by(self, user: Any) -> Self:
        """Drafts sent for review (送审) that ``user`` is asked to review: a school's
        by its principal; a bureau's or an inspector's by the leader in charge (分管)
        of the drafter's department, or by every leader of the bureau when that
        department has no active one. (Any leader may still approve any draft of
        the bureau: ``services.can_approve``; this is whom it is sent to.)"""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        pending = self.filter(
            status=ReportStatus.DRAFT, submitted_at__isnull=False, generating=False
        )
        if is_principal_of(user, user.school_id):
            return pending.filter(school_id=user.school_id)
        if user.role == Role.BUREAU_LEADER and user.bureau_id:
            in_charge = "created_by__department__leader_in_charge"
            return pending.filter(
                models.Q(**{in_charge: user})
                | models.Q(**{f"{in_charge}__isnull": True})
                | models.Q(**{f"{in_charge}__is_active": False}),
                bureau_id=user.bureau_id,
                school__isnull=True,
            )
        return self.none()


def awaiting_receipt_q() -> models.Q:
    """Issued notices whose school has not answered (or whose answer was sent back):
    the query form of :attr:`Report.awaits_receipt`."""
    return models.Q(status=ReportStatus.ISSUED, to_school__isnull=False, receipt_at__isnull=True)


def receipt_overdue_q(today: date) -> models.Q:
    """The query form of :meth:`Report.receipt_overdue`."""
    return awaiting_receipt_q() & models.Q(reply_by__lt=today)


class Report(models.Model):
    bureau = models.ForeignKey(
        Bureau, on_delete=models.PROTECT, related_name="reports", verbose_name="教育局"
    )
    # A school's own report (its records only) …
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        related_name="reports",
        null=True,
        blank=True,
        verbose_name="学校",
    )
    # … or an inspector's report on the schools assigned to them.
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="inspector_reports",
        null=True,
        blank=True,
        verbose_name="责任督学",
    )
    # The school a notice is addressed to (隐患整改通知书): it reads the issued notice
    # and answers with its receipt (回执); it never edits the notice.
    to_school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        related_name="notices",
        null=True,
        blank=True,
        verbose_name="受文学校",
    )
    # The day the notice asks the school to answer by ("请于…前…填写回执"), fixed when
    # the notice is drafted, with its text; a 回执 still missing after it is overdue.
    reply_by = models.DateField("回执期限", null=True, blank=True)
    # The last reminder (催回执) sent to the school: at most one a day.
    receipt_chased_at = models.DateTimeField("最近催办时间", null=True, blank=True)
    receipt_text = models.TextField("回执（整改情况）", blank=True)
    receipt_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name="回执人",
    )
    receipt_at = models.DateTimeField("回执时间", null=True, blank=True)
    # The bureau reads the 回执: accepted (the notice's loop is closed, the school can no
    # longer change it) or sent back with what is missing (the school answers again).
    receipt_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name="回执确认人",
    )
    receipt_checked_at = models.DateTimeField("回执确认时间", null=True, blank=True)
    receipt_note = models.CharField("回执意见", max_length=200, blank=True)
    # The campaign a campaign circular reports on.
    campaign = models.ForeignKey(
        "safety.Campaign",
        on_delete=models.PROTECT,
        related_name="reports",
        null=True,
        blank=True,
        verbose_name="专项检查",
    )
    genre = models.CharField("文种", max_length=40)
    period_kind = models.CharField("期间类型", max_length=20)
    period_start = models.DateField("期间开始")
    period_end = models.DateField("期间结束")
    period_label = models.CharField("期间", max_length=60)
    title = models.CharField("标题", max_length=200)
    title_edited = models.BooleanField("标题已人工修改", default=False)
    recipients = models.CharField("主送", max_length=200, blank=True)
    issuer = models.CharField("落款", max_length=100)
    status = models.CharField(
        "状态", max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    # What the numbers were computed from, for the record: the facts of the last
    # generation (every value, label and source), frozen with the report when issued.
    facts_snapshot = models.JSONField("数据快照", default=dict, blank=True)
    generated_at = models.DateTimeField("生成时间", null=True, blank=True)
    # Generation of a large scope runs in the worker: how far it is (0–100) while
    # ``generating``, and why it failed if it did.
    generating = models.BooleanField("正在生成", default=False)
    progress = models.PositiveSmallIntegerField("生成进度", default=0)
    generation_error = models.CharField("生成失败原因", max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="起草人",
    )
    created_at = models.DateTimeField("起草时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    # 送审: the drafter asks for review; the reviewers (``awaiting_review_by``) are told
    # and find it on their workbench. Cleared when the report is sent back.
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name="送审人",
    )
    submitted_at = models.DateTimeField("送审时间", null=True, blank=True)
    # Why it was last sent back (退回修改), shown to the drafter until they send it
    # for review again or it is approved.
    return_reason = models.CharField("退回理由", max_length=200, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name="审核人",
    )
    approved_at = models.DateTimeField("审核时间", null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name="印发人",
    )
    issued_at = models.DateTimeField("印发时间", null=True, blank=True)
    issuer_code = models.CharField("发文机关代字", max_length=20, blank=True)
    year = models.PositiveSmallIntegerField("文号年份", null=True, blank=True)
    serial = models.PositiveIntegerField("文号序号", null=True, blank=True)
    number = models.CharField("发文字号", max_length=60, blank=True)
    dated = models.DateField("成文日期", null=True, blank=True)
    docx = models.BinaryField("定稿（Word）", null=True, blank=True, editable=False)
    pdf = models.BinaryField("定稿（PDF）", null=True, blank=True, editable=False)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = "报告"
        verbose_name_plural = "报告"
        ordering = ["-updated_at", "-pk"]
        indexes = [models.Index(fields=["bureau", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "issuer_code", "year", "serial"],
                condition=models.Q(serial__isnull=False),
                name="report_number_unique",
            ),
            models.CheckConstraint(
                condition=~models.Q(school__isnull=False, inspector__isnull=False),
                name="report_one_kind_of_scope",
            ),
            # A notice is the bureau's, addressed to a school; never a school's own.
            models.CheckConstraint(
                condition=~models.Q(school__isnull=False, to_school__isnull=False),
                name="report_notice_is_a_bureaus",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_draft(self) -> bool:
        return self.status == ReportStatus.DRAFT

    @property
    def is_issued(self) -> bool:
        return self.status == ReportStatus.ISSUED

    @property
    def awaits_review(self) -> bool:
        """Sent for review and ready to be read: while its numbers are regenerated in
        the worker it waits on nobody (as ``awaiting_review_by`` says)."""
        return self.is_draft and self.submitted_at is not None and not self.generating

    @property
    def state_label(self) -> str:
        """The status as the drafter and the reviewer say it: a draft is 待审核 once
        sent for review and 退回修改 once sent back; 正在生成 while the worker drafts it."""
        if self.is_draft and self.generating:
            return "正在生成"
        if self.awaits_review:
            return "待审核"
        if self.is_draft and self.return_reason:
            return "退回修改"
        return str(self.get_status_display())

    @property
    def awaits_receipt(self) -> bool:
        return self.is_issued and self.to_school_id is not None and self.receipt_at is None

    def receipt_overdue(self, today: date) -> bool:
        """A notice whose school has not answered by the day it asked for."""
        return self.awaits_receipt and self.reply_by is not None and today > self.reply_by

    def receipt_days_overdue(self, today: date) -> int:
        return (today - self.reply_by).days if self.receipt_overdue(today) and self.reply_by else 0

    @property
    def awaits_receipt_check(self) -> bool:
        return self.receipt_at is not None and self.receipt_checked_at is None

    @property
    def scope_kind(self) -> str:
        if self.school_id:
            return "school"
        if self.inspector_id:
            return "assigned"
        return "bureau"


class ReportSection(models.Model):
    """One part of a report: a heading (numbered by the renderer) and its text.

    ``text`` is a template: literal prose with ``{{key}}`` placeholders for facts.
    ``generated`` is what the genre drafted last; ``edited`` says a person changed
    ``text``, so regeneration keeps it and only refreshes its placeholders.
    ``values`` holds each placeholder's text and source as last filled; ``changed``
    the placeholders whose value moved at the last regeneration (highlighted until
    the section is saved or marked as checked)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="sections")
    key = models.CharField("段落标识", max_length=60)
    level = models.PositiveSmallIntegerField("层级", default=1)
    position = models.PositiveSmallIntegerField("顺序")
    heading = models.CharField("标题", max_length=120, blank=True)
    heading_edited = models.BooleanField("标题已人工修改", default=False)
    run_in = models.BooleanField("标题与正文同段", default=False)
    text = models.TextField("正文", blank=True)
    generated = models.TextField("生成的正文", blank=True)
    edited = models.BooleanField("已人工修改", default=False)
    # A person may leave a part out of the document, or write a part of their own.
    enabled = models.BooleanField("纳入正文", default=True)
    custom = models.BooleanField("自行添加", default=False)
    values = models.JSONField("数值", default=dict, blank=True)
    # Tables the genre drafted (circulars' per-school results): [{"caption", "headers",
    # "rows"}]; regenerated with the numbers, never edited by hand.
    tables = models.JSONField("表格", default=list, blank=True)
    changed = models.JSONField("变动的数值", default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "报告段落"
        verbose_name_plural = "报告段落"
        ordering = ["report", "position"]
        constraints = [
            models.UniqueConstraint(fields=["report", "key"], name="report_section_key_unique"),
        ]

    def __str__(self) -> str:
        return self.heading or self.key


class GenreVariant(models.Model):
    """A bureau's own shape of a genre: its sections' order, headings, which are left
    out and the parts it adds, applied to every new draft of the genre it makes.

    ``layout`` is a list of ``{"key", "heading", "level", "enabled", "custom", "text"}``
    in order (``text`` only for added parts)."""

    bureau = models.ForeignKey(
        Bureau, on_delete=models.CASCADE, related_name="genre_variants", verbose_name="教育局"
    )
    genre = models.CharField("文种", max_length=40)
    layout = models.JSONField("结构", default=list)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "本局文种模板"
        verbose_name_plural = "本局文种模板"
        constraints = [
            models.UniqueConstraint(fields=["bureau", "genre"], name="genre_variant_unique")
        ]

    def __str__(self) -> str:
        return f"{self.bureau}：{self.genre}"
