"""Weekly reminders about ledger documents that expire (证照到期提醒).

Vehicles (driver licence, vehicle inspection, insurance), canteens (food business
licence) and emergency plans (review date) carry dates that lapse. The ledger home
and the dashboard show them as alerts; this job makes sure somebody is told even if
nobody opens those pages:

- each school with a document expiring within ``DEFAULT_EXPIRY_DAYS`` (or already
  expired) gets one notification listing them, addressed to its users who can act
  (not read-only);
- each bureau's safety department gets one digest: how many documents, at how many
  schools, which are already expired.

Once a week: the job runs every day (``safety.remind_expiring_documents``) but only
on working days, and a school or bureau already reminded since Monday is skipped. So
the reminder goes out on the first working day of the week the job runs, a missed
day is made up the next working day, and running it twice sends nothing twice.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from edubureau.audit.models import Action
from edubureau.audit.services import audit_log
from edubureau.core.calendar import is_working_day
from edubureau.notifications.models import Level, Notification
from edubureau.notifications.services import notify
from edubureau.orgs.models import Bureau, Role, School, User
from edubureau.orgs.scoping import system_scope
from edubureau.orgs.selectors import recipients_by_school
from edubureau.safety.models import Hazard
from edubureau.safety.selectors.ledger_coverage import ExpiringDocument, documents_expiring
from edubureau.safety.selectors.ledger_specs import DEFAULT_EXPIRY_DAYS

SCHOOL_TOPIC = "safety.documents_expiring"
BUREAU_TOPIC = "safety.documents_expiring_digest"
# A notification lists at most this many documents; the link shows them all.
LISTED = 10
SYSTEM_ACTOR_NAME = "系统（证照到期提醒任务）"


@dataclass
class ExpiryRun:
    today: date
    ran: bool
    schools: list[School] = field(default_factory=list)  # reminded in this run
    skipped: int = 0  # schools already reminded this week
    unreachable: list[School] = field(default_factory=list)  # no account to tell
    bureaus: int = 0  # bureau digests sent
    documents: int = 0
    notified: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "date": self.today.isoformat(),
            "ran": self.ran,
            "schools": len(self.schools),
            "skipped": self.skipped,
            "unreachable": len(self.unreachable),
            "bureaus": self.bureaus,
            "documents": self.documents,
            "notified": self.notified,
        }


def week_start(today: date) -> datetime:
    """Monday 00:00 (local time) of ``today``'s week: the start of "this week"."""
    monday = today - timedelta(days=today.weekday())
    return timezone.make_aware(datetime.combine(monday, time.min))


def documents_expiry_remind(*, today: date, dry_run: bool = False) -> ExpiryRun:
    """Remind every bureau's schools and safety department of expiring documents."""
    run = ExpiryRun(today=today, ran=is_working_day(today))
    if not run.ran:
        return run
    since = week_start(today)
    for bureau in Bureau.objects.order_by("pk"):
        _remind_bureau(bureau, run=run, since=since, dry_run=dry_run)
    return run


def _remind_bureau(bureau: Bureau, *, run: ExpiryRun, since: datetime, dry_run: bool) -> None:
    # The schools the bureau runs itself: each bureau reminds its own, once.
    docs = documents_expiring(
        scope=system_scope(bureau, direct=True), within_days=DEFAULT_EXPIRY_DAYS, today=run.today
    )
    if not docs:
        return
    per_school: dict[int, list[ExpiringDocument]] = defaultdict(list)
    for doc in docs:
        per_school[doc.school_id].append(doc)
    reminded = set(
        Notification.objects.filter(
            topic=SCHOOL_TOPIC, school_id__in=per_school, created_at__gte=since
        ).values_list("school_id", flat=True)
    )
    schools = School.objects.filter(pk__in=per_school).order_by("pk")
    due = [s for s in schools if s.pk not in reminded]
    run.skipped += len(per_school) - len(due)
    recipients = recipients_by_school([s.pk for s in due])
    # A school without an account that can act is left to the department's digest.
    run.unreachable += [s for s in due if s.pk not in recipients]
    due = [s for s in due if s.pk in recipients]
    staff = list(
        User.objects.filter(
            is_active=True,
            bureau=bureau,
            role=Role.DEPARTMENT_STAFF,
            department__code=Hazard.owner_department_code,
        )
    )
    digest_due = (
        bool(staff)
        and not Notification.objects.filter(
            topic=BUREAU_TOPIC, recipient__in=staff, created_at__gte=since
        ).exists()
    )
    run.schools += due
    run.documents += sum(len(per_school[s.pk]) for s in due)
    if dry_run or not (due or digest_due):
        return
    link = reverse("safety:ledger-home")
    notified = 0
    with transaction.atomic():
        for school in due:
            mine = per_school[school.pk]
            notified += len(
                notify(
                    recipients=recipients[school.pk],
                    title=_title(mine),
                    body=_body(mine),
                    link=link,
                    level=Level.WARNING,
                    topic=SCHOOL_TOPIC,
                    school_id=school.pk,
                )
            )
        if digest_due:
            notified += len(
                notify(
                    recipients=staff,
                    title=f"【证照到期】{len(per_school)}所学校{_counts(docs)}",
                    body=_body(docs, with_school=True),
                    link=link,
                    level=Level.WARNING,
                    topic=BUREAU_TOPIC,
                )
            )
            run.bureaus += 1
        audit_log(
            actor=None,
            actor_name=SYSTEM_ACTOR_NAME,
            action=Action.CREATE,
            model_label=Notification._meta.label,
            detail=(
                f"{bureau.name}证照到期提醒：{len(due)}所学校"
                f"{'，安全股汇总' if digest_due else ''}，通知{notified}人次"
            ),
        )
    run.notified += notified


def _counts(docs: list[ExpiringDocument]) -> str:
    """Names only what there is: never "0份证照30天内到期" when all have expired."""
    expired = sum(d.expired for d in docs)
    soon = len(docs) - expired
    if not expired:
        return f"{soon}份证照{DEFAULT_EXPIRY_DAYS}天内到期"
    if not soon:
        return f"{expired}份证照已过期"
    return f"{soon}份证照{DEFAULT_EXPIRY_DAYS}天内到期，{expired}份已过期"


def _title(docs: list[ExpiringDocument]) -> str:
    return f"【证照到期】本校{_counts(docs)}"


def _body(docs: list[ExpiringDocument], *, with_school: bool = False) -> str:
    lines = []
    for doc in docs[:LISTED]:
        when = (
            f"已过期{doc.days_overdue}天"
            if doc.expired
            else ("今天到期" if doc.days_left == 0 else f"还有{doc.days_left}天")
        )
        school = f"{doc.school_name}：" if with_school else ""
        lines.append(f"{school}{doc.subject} {doc.document} {doc.expires_on:%Y-%m-%d}（{when}）")
    if len(docs) > LISTED:
        lines.append(f"……共{len(docs)}份，请在安全台账中查看全部。")
    lines.append("请及时办理年检、换证或修订，并在安全台账中更新日期。")
    return "\n".join(lines)
