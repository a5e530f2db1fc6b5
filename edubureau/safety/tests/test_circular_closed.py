"""A month's circular counts what was closed by the month's end — the dashboard's and the
summaries' rule (closed_q) — so reading it later does not change it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from edubureau.core.facts import Period
from edubureau.orgs.scoping import scope_for
from edubureau.rectification.models import Status
from edubureau.safety.circulars import circular_for_month
from edubureau.safety.facts import safety_facts
from edubureau.safety.tests.factories_hazards import hazard_in_state

pytestmark = pytest.mark.django_db


def test_a_hazard_closed_after_the_month_is_not_closed_in_that_months_circular(cast):
    today = timezone.localdate()
    last_month_start = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    hazard_in_state(cast, Status.CLOSED, reported_on=last_month_start)  # closed today
    hazard_in_state(cast, Status.REPORTED, reported_on=last_month_start)
    scope = scope_for(cast.safety_staff)
    month = Period.month(last_month_start.year, last_month_start.month)
    circular = circular_for_month(scope=scope, month=last_month_start, today=today)
    facts = safety_facts(scope=scope, period=month, today=today)
    assert (circular.found, circular.closed) == (2, 0)
    assert facts.value("hazards.found") == 2 and facts.value("hazards.closed") == 0
    this_month = Period.month(today.year, today.month)
    # The month it was closed in does not count it either: it was found before.
    assert circular_for_month(scope=scope, month=this_month.start, today=today).closed == 0
