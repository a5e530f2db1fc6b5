"""Who hears of each step of a report's life (通知). The actor never hears of their own.

- sent for review (送审): its reviewers (``ReportQuerySet.awaiting_review_by``: the
  school's principal, or the leader in charge of the drafter's department)
  (``reports.review``);
- approved, or sent back with the reason: who drafted it and who sent it for review
  (``reports.review``);
- a 整改通知书 issued: the school it is addressed to, which answers with its 回执
  (``reports.notice``, not mutable: the school must act);
- a 回执 overdue chased (催回执, by the button or the daily job): the school
  (``reports.notice``);
- the 回执 sent: who drafted the notice and who issued it (``reports.notice``);
- the 回执 accepted, or sent back with what is missing: the school (``reports.notice``).

Called by ``services`` inside the step's transaction, so a message commits or rolls
back with its step.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.urls import reverse

from edubureau.core.phrasing import date_text
from edubureau.core.roles import Role
from edubureau.notifications import topics
from edubureau.notifications.models import Level
from edubureau.notifications.services import notify
from edubureau.orgs.models import User
from edubureau.orgs.selectors import school_recipients
from edubureau.reports.models import Report

REVIEW_TOPIC = "reports.review"
NOTICE_TOPIC = "reports.notice"
MODULE = "总结报告"


def register_topics() -> None:
    topics.register(
        REVIEW_TOPIC,
        "公文送审、审核通过与退回",
        module=MODULE,
        roles=[Role.BUREAU_LEADER, Role.DEPARTMENT_STAFF, Role.SCHOOL_USER, Role.INSPECTOR],
    )
    topics.register(NOTICE_TOPIC, "整改通知书及回执", module=MODULE, mutable=False)


def reviewers(report: Report) -> list[User]:
    """Whom a draft sent for review waits on: the accounts for which it is
    ``awaiting_review_by`` (one rule for the message and the workbench)."""
    if report.school_id:
        candidates = User.objects.filter(
            school_id=report.school_id, role=Role.SCHOOL_USER, is_active=True
        )
    else:
        candidates = User.objects.filter(
            bureau_id=report.bureau_id, role=Role.BUREAU_LEADER, is_active=True
        )
    return [
        u
        for u in candidates.order_by("pk")
        if Report.objects.awaiting_review_by(u).filter(pk=report.pk).exists()
    ]


def _others(users: Iterable[User | None], actor: Any) -> list[User]:
    """``users`` but the actor (None: a scheduled job, which is nobody)."""
    actor_id = getattr(actor, "pk", None)
    return [u for u in {u.pk: u for u in users if u is not None}.values() if u.pk != actor_id]


def _active(users: Iterable[User | None]) -> list[User | None]:
    return [u for u in users if u is not None and u.is_active]


def _link(report: Report) -> str:
    return reverse("reports:detail", kwargs={"report_id": report.pk})


def submitted(report: Report, *, actor: Any, to: list[User]) -> None:
    notify(
        recipients=_others(to, actor),
        title=f"待审核：{report.title}",
        body=f"{actor.display_name}送审，请审核后印发或退回修改。",
        link=_link(report),
        topic=REVIEW_TOPIC,
        school_id=report.school_id,
    )


def drafters_of(report: Report) -> list[User | None]:
    """Who wrote the draft and who sent it for review (read before a step clears it)."""
    return _active([report.created_by, report.submitted_by])


def approved(report: Report, *, actor: Any, drafters: list[User | None]) -> None:
    notify(
        recipients=_others(drafters, actor),
        title=f"审核通过：{report.title}",
        body=f"{actor.display_name}已审核通过，可以印发。",
        link=_link(report),
        topic=REVIEW_TOPIC,
        school_id=report.school_id,
    )


def returned(report: Report, *, actor: Any, drafters: list[User | None]) -> None:
    notify(
        recipients=_others(drafters, actor),
        title=f"退回修改：{report.title}",
        body=f"{actor.display_name}退回：{report.return_reason}",
        link=_link(report),
        level=Level.WARNING,
        topic=REVIEW_TOPIC,
        school_id=report.school_id,
    )


def notice_issued(report: Report, *, actor: Any) -> None:
    if report.to_school_id is None:
        return
    number = f"（{report.number}）" if report.number else ""
    by = f"请于{date_text(report.reply_by)}前" if report.reply_by else "请"
    notify(
        recipients=school_recipients(report.to_school_id, besides=actor),
        title=f"整改通知书：{report.title}{number}",
        body=f"{by}按通知书所列隐患完成整改，并在通知书页面填写回执。",
        link=_link(report),
        level=Level.WARNING,
        topic=NOTICE_TOPIC,
        school_id=report.to_school_id,
    )


def receipt_chased(report: Report, *, actor: Any, today: date) -> None:
    assert report.to_school_id is not None and report.reply_by is not None
    days = report.receipt_days_overdue(today)
    notify(
        recipients=school_recipients(report.to_school_id, besides=actor),
        title=f"【催办】请尽快填写回执：{report.title}",
        body=(
            f"回执期限为{date_text(report.reply_by)}，已逾期{days}天。"
            "请落实整改，并在通知书页面填写回执。"
        ),
        link=_link(report),
        level=Level.WARNING,
        topic=NOTICE_TOPIC,
        school_id=report.to_school_id,
    )


def receipt_sent(report: Report, *, actor: Any) -> None:
    school = report.to_school.name if report.to_school else ""
    notify(
        recipients=_others(_active([report.created_by, report.issued_by]), actor),
        title=f"{school}已回执：{report.title}",
        body=report.receipt_text[:200],
        link=_link(report),
        topic=NOTICE_TOPIC,
        school_id=report.to_school_id,
    )


def receipt_checked(report: Report, *, actor: Any, accepted: bool) -> None:
    assert report.to_school_id is not None
    if accepted:
        title, level = f"回执已确认：{report.title}", Level.INFO
        body = report.receipt_note or "教育局已确认你校的整改回执。"
    else:
        title, level = f"回执被退回：{report.title}", Level.WARNING
        body = f"请补充后重新提交：{report.receipt_note}"
    notify(
        recipients=school_recipients(report.to_school_id, besides=actor),
        title=title,
        body=body,
        link=_link(report),
        level=level,
        topic=NOTICE_TOPIC,
        school_id=report.to_school_id,
    )


__all__ = [
    "NOTICE_TOPIC",
    "REVIEW_TOPIC",
    "approved",
    "drafters_of",
    "notice_issued",
    "receipt_checked",
    "receipt_sent",
    "register_topics",
    "returned",
    "reviewers",
    "submitted",
]
