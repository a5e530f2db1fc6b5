"""Isolation-check targets for the campaign and dashboard routes (see
edubureau/testing/isolation.py).

``campaign_id``: each party's campaign, run by the bureau of the party's school over
that school alone, named with its marker, with one of the school's hazards found by
the campaign, so a leak into the circular (.docx) would be caught. School B's is
甲县's campaign over school B: school A's officer and inspector must get 404 (it does
not include school A). A campaign is its bureau's record: the bureaus above read it.
"""

from __future__ import annotations

from django.utils import timezone

from edubureau.safety.models import Campaign
from edubureau.safety.tests.factories_dashboard import (
    campaign_inspection,
    make_campaign,
    make_hazard_row,
)
from edubureau.testing.cast import Cast
from edubureau.testing.isolation import Party, parties, register_rowless_route, register_target


def _campaign(cast: Cast, party: Party) -> Campaign:
    name = f"专项检查{party.marker}"
    existing = Campaign.objects.filter(name=name).first()
    if existing is not None:
        return existing
    campaign = make_campaign(party.school_bureau, [party.school], name=name)
    make_hazard_row(
        party.school,
        reported_on=timezone.localdate(),
        inspection=campaign_inspection(campaign, party.school),
        description=f"围墙破损{party.marker}",
    )
    return campaign


def _school_b_campaign(cast: Cast) -> Campaign:
    return _campaign(cast, parties(cast)[0])


register_target("campaign_id", _campaign, listed_by=("safety:campaign-list",))
register_rowless_route("safety:ledger-home", "counts per ledger; its expiring list is dated")
