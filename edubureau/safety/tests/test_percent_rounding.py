"""One rounding for every percentage: a campaign's progress and the ledgers' rates are
rounded once, half up, in Decimal (core.facts.rounded through core.phrasing.percent_text).

397 of 400 is exactly 99.25%: Python's round() on the float gave 99 on the campaign page
and 99.2 in the ledger totals (half to even), while the dashboard showed 99.3."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from edubureau.core.facts import percent
from edubureau.safety.selectors.dashboard import Figure, TierCoverage
from edubureau.safety.selectors.inspections import CampaignProgress
from edubureau.safety.selectors.ledgers import ledger_overview
from edubureau.safety.tests.factories_ledgers import ResponsibilityLetterFactory, SchoolYearFactory

TODAY = date(2026, 3, 16)

# (signed or inspected, due or in scope, as every page shows it)
CASES = [
    (397, 400, "99.3%"),  # 99.25: round() gave 99.2
    (1, 16, "6.3%"),  # 6.25: round() gave 6.2
    (3, 16, "18.8%"),  # 18.75
    (400, 400, "100%"),  # all: no decimals
    (0, 400, "0%"),
    (1, 2, "50.0%"),
]


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime(2026, 3, 16, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)


@pytest.mark.parametrize(("part", "whole", "text"), CASES)
def test_a_campaigns_progress_rounds_half_up(part, whole, text):
    progress = CampaignProgress(rows=[], in_scope=whole, inspected=part, hazards=0)
    assert progress.percent == percent(part, whole)  # exact until shown
    assert progress.percent_text == text


def test_an_empty_campaign_has_no_percentage():
    assert CampaignProgress(rows=[], in_scope=0, inspected=0, hazards=0).percent_text == "—"


@pytest.mark.django_db
@pytest.mark.parametrize(("part", "whole", "text"), CASES)
def test_the_ledgers_agree_with_the_campaign_page_and_the_dashboard(
    cast, client_for, part, whole, text
):
    year = SchoolYearFactory(bureau=cast.bureau, start_year=2025)
    ResponsibilityLetterFactory(
        school=cast.school_a,
        school_year=year,
        tier="school_staff",
        due_count=whole,
        signed_count=part,
    )
    campaign = CampaignProgress(rows=[], in_scope=whole, inspected=part, hazards=0)

    page = client_for(cast.leader).get(reverse("safety:letter-list"))
    totals = page.context["totals"]
    assert totals["rate_text"] == campaign.percent_text == text
    footer = page.text.split('data-testid="totals"')[1].split("</tr>")[0]
    assert f"签订率 {text}" in footer

    card = next(
        c for c in ledger_overview(user=cast.leader, today=TODAY).cards if c.spec.key == "letter"
    )
    assert ("签订率", text) in card.figures

    # The dashboard's rates are written by the same function, 100% and 0% included.
    assert Figure("签订率", percent(part, whole), unit="%").percent_display == text
    assert TierCoverage("学校与教职工", part, whole, percent(part, whole), "").rate_display == text
