"""Background jobs of the plans module (registered with edubureau.jobs)."""

from __future__ import annotations

from datetime import time
from typing import Any

from django.utils import timezone

from edubureau.jobs.scheduler import recurring


@recurring(name="plans.refresh_statuses", daily_at=time(6, 30))
def refresh_statuses() -> dict[str, Any]:
    """Recompute every current plan's task statuses: a deadline or milestone passing
    makes a task lag or go overdue without anyone touching it, and linked targets
    follow the record."""
    from edubureau.orgs.scoping import system_scope
    from edubureau.plans.models import WorkPlan
    from edubureau.plans.services import refresh_plan

    today = timezone.localdate()
    plans = WorkPlan.objects.filter(year__in=(today.year, today.year - 1)).select_related("bureau")
    changed = sum(
        refresh_plan(plan, scope=system_scope(plan.bureau), today=today) for plan in plans
    )
    return {"plans": len(plans), "changed": changed}


@recurring(name="plans.follow_up", daily_at=time(6, 45))
def follow_up() -> dict[str, Any]:
    """督办: open follow-ups for lagging and overdue tasks, lift those back on track, and
    climb the ladder for those left unanswered (after the status refresh at 06:30)."""
    from edubureau.plans.followups import follow_up_daily

    return follow_up_daily(today=timezone.localdate()).as_dict()
