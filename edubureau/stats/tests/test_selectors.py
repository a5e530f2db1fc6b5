"""The list's counts: by status and by timeliness over the whole scope, in SQL, agreeing
with the per-return rule of ``services.timeliness``."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine

from edubureau.orgs.scoping import scope_for
from edubureau.stats import selectors, services
from edubureau.stats.models import ReturnStatus
from edubureau.stats.tests.factories import StatReturnFactory
from edubureau.testing.factories import SchoolFactory

pytestmark = pytest.mark.django_db


@time_machine.travel(datetime(2026, 10, 8, 4, tzinfo=UTC), tick=False)
def test_the_summary_counts_status_and_timeliness(cast):
    third = SchoolFactory.create(bureau=cast.bureau, township=cast.township_a, name="甲镇第二小学")
    SchoolFactory.create(bureau=cast.bureau, township=cast.township_a, is_active=False)
    # Submitted at 23:30 Beijing time on the due day: on time (the local day counts).
    on_time = StatReturnFactory.create(
        school=cast.school_a,
        school_year__start_year=2026,
        status=ReturnStatus.LOCKED,
        submitted_at=datetime(2026, 9, 20, 15, 30, tzinfo=UTC),
    )
    late = StatReturnFactory.create(
        school=cast.school_b,
        school_year__start_year=2026,
        status=ReturnStatus.RETURNED,
        submitted_at=datetime(2026, 9, 21, 1, 0, tzinfo=UTC),
    )
    StatReturnFactory.create(school=third, school_year__start_year=2026)  # a draft
    today = date(2026, 10, 8)
    found = selectors.summary(scope_for(cast.leader), 2026, today=today)
    assert found.schools == 3 and found.not_started == 0
    assert found.by_status == {
        "draft": 1, "submitted": 0, "returned": 1, "accepted": 0, "locked": 1,
    }  # fmt: skip
    assert found.by_timeliness == {"on_time": 1, "late": 1, "missing": 1, "not_due": 0}
    assert services.timeliness(on_time, start_year=2026, today=today) == "on_time"
    assert services.timeliness(late, start_year=2026, today=today) == "late"
    # Before the due date nobody is missing yet.
    early = selectors.summary(scope_for(cast.leader), 2026, today=date(2026, 9, 10))
    assert early.by_timeliness["missing"] == 0 and early.by_timeliness["not_due"] == 1
    # A school sees its own school only.
    own = selectors.summary(scope_for(cast.school_a_officer), 2026, today=today)
    assert own.schools == 1 and own.by_status["locked"] == 1
