"""The demo's notifications: what the safety module would have sent about the
latest events of the demo county, so that a newcomer logging in as any account
finds unread messages that lead somewhere (the demo's hazards are bulk-written,
not walked through the services that notify).

They go through the real senders of ``safety.notices`` (the same recipients and
texts as in use), for a handful of recent records of the bureau that holds the
demo school: its newest reported hazards, a 较大 / 重大 one, rectifications awaiting
verification (the inspector's schools first), a rejection and a close-out at the
demo school, the hazards due by the next working day, the latest campaign, and
the escalation ladder's message of the highest-climbed overdue hazards (the demo
writes their levels as the daily job would have reached them). Only the demo
school has school accounts, so most school-side messages reach the bureau and the
group robots only. They are dated on the demo's reference day.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from edubureau.core.calendar import working_days_between
from edubureau.notifications.models import Notification
from edubureau.orgs.demo import DemoContext
from edubureau.rectification.ladder import Escalation
from edubureau.rectification.models import OPEN_STATUSES, Status
from edubureau.safety import notices
from edubureau.safety.models import Campaign, Hazard
from edubureau.safety.services.overdue import HazardPolicy

PER_KIND = 2


def build_notices(ctx: DemoContext) -> int:
    """Send the demo's notifications; returns how many were written."""
    if ctx.demo_school not in ctx.schools:
        return 0
    first = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    hazards = Hazard.objects.filter(school__bureau=ctx.bureau).select_related("school", "category")
    newest = ("-reported_on", "-pk")
    at_school = hazards.filter(school=ctx.demo_school)
    for hazard in at_school.filter(status=Status.REPORTED).order_by(*newest)[:PER_KIND]:
        notices.hazard_reported(hazard=hazard, actor=None)
    serious = (
        hazards.filter(status__in=(Status.REPORTED, Status.PLANNED))
        .filter(severity__in=notices.URGENT_SEVERITIES)
        .order_by(*newest)
        .first()
    )
    if serious is not None:
        notices.hazard_reported(hazard=serious, actor=None)
    inspector = ctx.users.get("inspector")
    assigned = list(inspector.assigned_schools.values_list("pk", flat=True)) if inspector else []
    rectified = hazards.filter(status=Status.RECTIFIED)
    for hazard in [
        *rectified.filter(school__in=assigned).order_by(*newest)[:PER_KIND],
        *rectified.exclude(school__in=assigned).order_by(*newest)[:1],
    ]:
        notices.rectification_submitted(hazard=hazard, actor=None)
    rejected = (
        at_school.filter(status=Status.PLANNED, rejection_count__gt=0).order_by(*newest).first()
    )
    if rejected is not None:
        notices.on_step(
            Hazard, obj=rejected, action="reject", actor=None, note=rejected.last_rejection_reason
        )
    closed = at_school.filter(status=Status.CLOSED).order_by("-closed_at", "-pk").first()
    if closed is not None:
        notices.on_step(Hazard, obj=closed, action="close", actor=None)
    notices.hazards_due_remind(today=ctx.reference_date)
    campaign = Campaign.objects.filter(bureau=ctx.bureau).order_by("-starts_on", "-pk").first()
    if campaign is not None:
        notices.campaign_assigned(campaign=campaign, actor=None)
    policy = HazardPolicy()
    overdue = hazards.filter(status__in=OPEN_STATUSES, overdue_level__gt=0, deadline__isnull=False)
    for hazard in overdue.order_by("-overdue_level", "deadline", "pk")[:3]:
        assert hazard.deadline is not None
        policy.announce(
            Escalation(
                obj=hazard,
                previous=hazard.overdue_level - 1,
                level=hazard.overdue_level,
                days=working_days_between(hazard.deadline, ctx.reference_date),
                since=hazard.overdue_since or hazard.deadline,
                note="",
            )
        )
    # Dated on the reference day (the demo may be built for another day), one minute
    # apart for each message, in the order they were sent.
    written = list(Notification.objects.filter(pk__gt=first).order_by("pk"))
    morning = timezone.make_aware(datetime.combine(ctx.reference_date, time(8, 0)))
    sent = {t: n for n, t in enumerate(sorted({note.created_at for note in written}))}
    for note in written:
        note.created_at = morning + timedelta(minutes=sent[note.created_at])
    Notification.objects.bulk_update(written, ["created_at"], batch_size=ctx.batch_size)
    return len(written)
