"""Background jobs of the safety module (registered with edubureau.jobs)."""

from __future__ import annotations

from datetime import time
from typing import Any

from django.utils import timezone

from edubureau.jobs.scheduler import recurring


@recurring(name="safety.mark_overdue", daily_at=time(7, 30))
def mark_overdue_hazards() -> dict[str, Any]:
    """Mark overdue hazards and escalate them, before the working day starts."""
    from edubureau.safety.services.overdue import hazards_mark_overdue

    return hazards_mark_overdue(today=timezone.localdate()).as_dict()


@recurring(name="safety.chase_self_inspections", daily_at=time(9, 0))
def chase_self_inspections() -> dict[str, Any]:
    """催报: after the due date, notify schools whose monthly self-inspection is missing
    (working days only; a school is chased at most once a day)."""
    from edubureau.safety.services.chase import self_inspections_chase_due

    return self_inspections_chase_due(today=timezone.localdate(), working_days_only=True).as_dict()


@recurring(name="safety.remind_expiring_documents", daily_at=time(8, 0))
def remind_expiring_documents() -> dict[str, Any]:
    """证照到期提醒: once a week (first working day the job runs), tell schools and the
    safety department about licences, inspections and plans expiring within 30 days."""
    from edubureau.safety.services.expiry import documents_expiry_remind

    return documents_expiry_remind(today=timezone.localdate()).as_dict()


@recurring(name="safety.remind_hazards_due", daily_at=time(8, 30))
def remind_hazards_due() -> dict[str, Any]:
    """整改期限将至: on working days, tell schools of hazards due within one working day
    (once per hazard and deadline)."""
    from edubureau.safety.notices import hazards_due_remind

    return hazards_due_remind(today=timezone.localdate()).as_dict()
