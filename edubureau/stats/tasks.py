"""Background jobs of the stats module (registered with edubureau.jobs)."""

from __future__ import annotations

from datetime import time
from typing import Any

from django.utils import timezone

from edubureau.jobs.scheduler import recurring


@recurring(name="stats.chase_returns", daily_at=time(9, 10))
def chase_returns() -> dict[str, Any]:
    """催报: from a few days before the due date, remind schools whose annual statistical
    return is not submitted (working days only; a school at most once a day)."""
    from edubureau.stats.chase import returns_chase_due

    return returns_chase_due(today=timezone.localdate()).as_dict()
