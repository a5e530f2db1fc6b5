"""The drafting form on the reports list asks only what the user's genres need: the
office (work summaries) is asked a year and a half-year, never a month, a campaign or
a school; the safety department (circulars, notices) is asked all of them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from edubureau.safety.tests.factories_hazards import make_hazard
from edubureau.safety.tests.factories_inspections import make_campaign

pytestmark = pytest.mark.django_db


def _form(client) -> str:
    body = client.get(reverse("reports:list")).content.decode()
    return body.split('data-testid="report-create"', 1)[1].split("</section>", 1)[0]


def test_the_form_asks_each_drafter_only_what_their_genres_need(cast, client_for):
    make_campaign(cast.bureau, schools=[cast.school_a])
    office = _form(client_for(cast.office_staff))
    assert 'name="year"' in office and 'name="half"' in office
    for field in ('name="month"', 'name="campaign"', 'name="to_school"'):
        assert field not in office, field
    make_hazard(cast, school=cast.school_a)
    safety = _form(client_for(cast.safety_staff))
    for field in ('name="year"', 'name="half"', 'name="month"', 'name="campaign"'):
        assert field in safety, field
    # A notice is offered only to the schools with something to rectify, and says how much.
    offered = safety.split('name="to_school"', 1)[1].split("</select>", 1)[0]
    assert f"{cast.school_a.name}（1项隐患未整改）" in offered
    assert cast.school_b.name not in offered
