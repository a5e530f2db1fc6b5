"""The statistics demo on other reference dates and scales: a demo built in the filing
window, and the city demo with seed 001's figures. Each builds its own demo inside the
test's transaction (rolled back at its end)."""

from __future__ import annotations

from edubureau.core import phrasing
from edubureau.orgs.scoping import system_scope
from edubureau.stats import indicators
from edubureau.stats.facts import stat_facts
from edubureau.stats.models import ReturnStatus, StatReturn
from edubureau.stats.tests.test_demo_stats import AFTER_LOCK, IN_PROGRESS, _build


def test_a_demo_in_the_filing_window_has_drafts_and_nothing_locked(db):
    _build(IN_PROGRESS, scale="county")
    this_year = StatReturn.objects.filter(school_year__start_year=2025)
    statuses = set(this_year.values_list("status", flat=True))
    assert ReturnStatus.LOCKED not in statuses
    assert {ReturnStatus.DRAFT, ReturnStatus.SUBMITTED} <= statuses
    assert not this_year.filter(submitted_at__date__gt=IN_PROGRESS).exists()


def test_the_city_demo_writes_seed_001s_figures(db):
    ctx = _build(AFTER_LOCK, scale="city", schools=300)
    facts = stat_facts(system_scope(ctx.bureau), 2026)
    entrants = facts["count.senior.entrants"]
    assert (entrants.value, entrants.previous) == (46608, 38307)
    assert phrasing.count_change(46608, 38307, unit="人") == "比上年增加8301人，增长21.67%"
    assert (facts["count.senior.enrolled"].value, facts["count.senior.enrolled"].previous) == (
        115969,
        96117,
    )
    vocational = facts["count.vocational.entrants"]
    assert (vocational.value, vocational.previous) == (20800, 16400)
    assert facts["count.vocational.enrolled"].value == 46268
    assert facts["indicator.vocational_share"].value is not None
    share = indicators.compute(system_scope(ctx.bureau), 2026)["vocational_share"]
    assert share.text == "3.1:6.9"
