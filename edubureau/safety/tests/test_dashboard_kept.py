"""A province's or a city's whole tree is counted at most once a minute per viewer; the
page says when, and 立即刷新 counts again. A county's, a township's and a school's
dashboard — and a city's narrowed to one county — are counted at every view. One
viewer's kept figures are never shown to another."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from edubureau.orgs.models import Role
from edubureau.safety.selectors.dashboard import KEPT_SECONDS
from edubureau.safety.tests.factories_hazards import make_hazard

URL = "/safety/dashboard/"


@pytest.fixture
def clock():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def open_total(client, **params) -> tuple[int, str]:
    response = client.get(URL, params)
    assert response.status_code == 200, response.status_code
    return response.context["board"].open_hazards.total.value, response.content.decode()


def test_a_citys_figures_are_kept_for_a_minute_then_counted_again(cast, client_for, clock):
    client = client_for(cast.city_safety)
    before, html = open_total(client)
    assert 'data-testid="computed-at"' in html and "立即刷新" in html
    make_hazard(cast, school=cast.school_a)

    kept, _ = open_total(client)
    assert kept == before

    clock.shift(dt.timedelta(seconds=KEPT_SECONDS + 1))
    counted, _ = open_total(client)
    assert counted == before + 1


def test_refresh_counts_again_and_keeps_the_new_figures(cast, client_for, clock):
    client = client_for(cast.city_safety)
    before, _ = open_total(client, year=timezone.localdate().year)
    make_hazard(cast, school=cast.school_a)

    response = client.get(URL, {"year": timezone.localdate().year})
    refresh = response.context["refresh_query"]
    assert "fresh=1" in refresh and f"year={timezone.localdate().year}" in refresh
    fresh = client.get(f"{URL}?{refresh}")
    assert fresh.context["board"].open_hazards.total.value == before + 1
    again, _ = open_total(client, year=timezone.localdate().year)
    assert again == before + 1


@pytest.mark.parametrize("who", ["safety_staff", "leader", "school_a_officer"])
def test_a_countys_and_a_schools_figures_are_counted_at_every_view(cast, client_for, who):
    client = client_for(getattr(cast, who))
    before, html = open_total(client)
    assert 'data-testid="computed-at"' not in html
    make_hazard(cast, school=cast.school_a)
    after, _ = open_total(client)
    assert after == before + 1


def test_a_city_narrowed_to_one_county_is_counted_at_every_view(cast, client_for, clock):
    client = client_for(cast.city_safety)
    county = {"bureau": cast.school_a.bureau_id}
    before, _ = open_total(client, **county)
    make_hazard(cast, school=cast.school_a)
    after, _ = open_total(client, **county)
    assert after == before + 1


def test_no_viewer_is_shown_the_figures_kept_for_another(cast, client_for, clock):
    leader = client_for(cast.city_leader)
    before, _ = open_total(leader)
    make_hazard(cast, school=cast.school_a)
    assert open_total(leader)[0] == before  # the leader's, kept

    # The same scope read by another account of the same bureau is counted for it.
    assert open_total(client_for(cast.city_safety))[0] == before + 1
    # So is the leader's own account once its role changed: a new key, not a stale answer.
    cast.city_leader.role = Role.DEPARTMENT_STAFF
    cast.city_leader.department = cast.city_safety.department
    cast.city_leader.save()
    assert open_total(client_for(cast.city_leader))[0] == before + 1


def test_the_province_keeps_its_own_and_a_city_drilled_to_is_kept_apart(cast, client_for, clock):
    client = client_for(cast.province_safety)
    whole, _ = open_total(client)
    city, _ = open_total(client, bureau=cast.city.pk)
    make_hazard(cast, school=cast.school_a)
    assert open_total(client)[0] == whole
    assert open_total(client, bureau=cast.city.pk)[0] == city
    assert open_total(client, bureau=cast.city.pk, fresh=1)[0] == city + 1
    assert open_total(client)[0] == whole  # the province's own figures were not touched
