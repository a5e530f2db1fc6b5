"""Isolation-check targets for the dashboard routes (see edubureau/testing/isolation.py).

``campaign_id`` (the campaign circular): a campaign whose scope is school B only,
named with school B's marker, with one of school B's hazards, so a leak into the
.docx would be caught. School A's officer must get 404 (the campaign does not
include school A) and the inspector assigned to school A likewise.
"""

from __future__ import annotations

from django.utils import timezone

from edubureau.safety.models import Campaign
from edubureau.safety.tests.factories_dashboard import (
    campaign_inspection,
    make_campaign,
    make_hazard_row,
)
from edubureau.testing.cast import SCHOOL_B_MARKER, Cast
from edubureau.testing.isolation import register_target


def _school_b_campaign(cast: Cast) -> Campaign:
    existing = Campaign.objects.filter(
        bureau=cast.bureau, name=f"乙校专项检查{SCHOOL_B_MARKER}"
    ).first()
    if existing is not None:
        return existing
    campaign = make_campaign(cast.bureau, [cast.school_b], name=f"乙校专项检查{SCHOOL_B_MARKER}")
    make_hazard_row(
        cast.school_b,
        reported_on=timezone.localdate(),
        inspection=campaign_inspection(campaign, cast.school_b),
        description=f"乙校围墙破损{SCHOOL_B_MARKER}",
    )
    return campaign


register_target("campaign_id", _school_b_campaign)
