"""The dashboard writes its rates as documents do (core.phrasing.percent_text)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from edubureau.rectification.models import Status
from edubureau.safety.tests.factories_hazards import hazard_in_state, make_hazard

pytestmark = pytest.mark.django_db


def rate_card(page_text: str) -> str:
    card = re.search(r'data-testid="fig-rate"><div class="n">([^<]*)</div>', page_text)
    assert card is not None
    return card.group(1)


def test_the_rectification_rate_card(cast, client_for):
    client = client_for(cast.leader)
    assert rate_card(client.get(reverse("safety:dashboard")).text) == "—"
    hazard_in_state(cast, Status.CLOSED)
    assert rate_card(client.get(reverse("safety:dashboard")).text) == "100%"
    make_hazard(cast)
    assert rate_card(client.get(reverse("safety:dashboard")).text) == "50.0%"
