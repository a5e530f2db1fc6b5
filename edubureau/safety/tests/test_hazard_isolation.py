"""School isolation on the hazard routes: the generic check (edubureau.testing.isolation)
run over this area's routes alone, with school B's hazard and photo in place first."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import include, path, reverse

from edubureau.safety.tests.factories_hazards import at
from edubureau.safety.tests.isolation_hazards import _school_b_hazard_photo
from edubureau.safety.urls_hazards import urlpatterns as hazard_patterns
from edubureau.testing.cast import SCHOOL_B_MARKER
from edubureau.testing.isolation import check_isolation, iter_routes

pytestmark = pytest.mark.time_machine(at(date(2026, 9, 10)))

# This module doubles as the URL configuration the check walks.
urlpatterns = [path("safety/", include((hazard_patterns, "safety")))]


def test_it_keeps_school_bs_hazards_out_of_reach_on_every_hazard_route(cast):
    _school_b_hazard_photo(cast)  # school B's hazard and its photo exist before the lists
    routes = {r.name for r in iter_routes(__name__)}
    assert {"safety:hazard-list", "safety:hazard-export", "safety:hazard-photo"} <= routes
    failures = check_isolation(cast, [cast.school_a_officer, cast.inspector], urlconf=__name__)
    assert failures == []


def test_the_check_would_notice_a_leak(cast, client_for):
    # The marker really is on the page when the viewer may see school B.
    hazard = _school_b_hazard_photo(cast).hazard
    page = client_for(cast.safety_staff).get(
        reverse("safety:hazard-detail", kwargs={"hazard_id": hazard.pk})
    )
    assert SCHOOL_B_MARKER in page.text
