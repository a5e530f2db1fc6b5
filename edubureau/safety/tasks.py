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
