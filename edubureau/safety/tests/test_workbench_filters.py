"""The hazard list filters the workbench links to: verifiable=1 is the model's
verifiable_by (never a role test of its own), rejected=1 and level=N; and the list of
parameters a list component must accept names every one the filter reads."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.http import QueryDict

from edubureau.rectification.lifecycle import rectification_verify
from edubureau.rectification.models import Status
from edubureau.safety.models import Hazard
from edubureau.safety.selectors.hazards import FILTER_PARAMS, HazardFilter, hazard_list
from edubureau.safety.tests.factories_hazards import at, hazard_in_state

DAY = date(2026, 9, 10)
pytestmark = pytest.mark.time_machine(at(DAY))


def _listed(user, query: str) -> set[int]:
    filters = HazardFilter.from_params(QueryDict(query))
    return set(hazard_list(user=user, filters=filters, today=DAY).values_list("pk", flat=True))


def test_verifiable_is_the_models_rule(cast):
    a = hazard_in_state(cast, Status.RECTIFIED)
    b = hazard_in_state(cast, Status.RECTIFIED, school=cast.school_b)
    for user in (cast.safety_staff, cast.inspector, cast.township_staff, cast.school_a_officer):
        expected = set(
            Hazard.objects.verifiable_by(user)
            .filter(pk__in=[a.pk, b.pk])
            .values_list("pk", flat=True)
        )
        assert _listed(user, "status=rectified&verifiable=1") == expected
    assert _listed(cast.safety_staff, "verifiable=1") == {a.pk, b.pk}
    assert _listed(cast.inspector, "verifiable=1") == {a.pk}  # assigned school A only
    assert _listed(cast.school_a_officer, "verifiable=1") == set()  # never its own


def test_rejected_and_level(cast):
    sent_back = hazard_in_state(cast, Status.RECTIFIED)
    rectification_verify(actor=cast.safety_staff, obj=sent_back, accept=False, reason="未整改到位")
    planned = hazard_in_state(cast, Status.PLANNED)
    Hazard.objects.filter(pk=planned.pk).update(overdue_level=4)
    assert _listed(cast.safety_staff, "status=planned&rejected=1") == {sent_back.pk}
    assert _listed(cast.safety_staff, "level=4") == {planned.pk}
    assert _listed(cast.safety_staff, "level=5") == set()
    # A level outside the ladder is ignored, as every malformed filter is.
    assert HazardFilter.from_params(QueryDict("level=9")).level is None


def test_the_accepted_parameters_are_those_the_filter_reads():
    read: set[str] = set()

    class Recorder(dict):
        def get(self, key, default=None):
            read.add(key)
            return default

    HazardFilter.from_params(Recorder())
    assert read == FILTER_PARAMS


def test_the_filter_panel_keeps_every_drill_down_filter_it_was_opened_with(cast, client_for):
    """A workbench or dashboard link opens the list on a filter the panel has no field
    for; changing another filter must not drop it: the panel's form names every
    parameter the list was opened with."""

    query = (
        "status=planned&supervised=1&verifiable=1&rejected=1&late=1&on_time=1"
        "&level=2&item=灭火器&plan=by_deadline&overdue=1&repeat=1"
    )
    response = client_for(cast.safety_staff).get(f"/safety/hazards/?{query}")
    assert response.status_code == 200
    html = response.content.decode()
    panel = html[html.index('role="search"') : html.index("</form>", html.index('role="search"'))]
    named = set(re.findall(r'name="([a-z_]+)"', panel))
    opened_with = {part.split("=")[0] for part in query.split("&")}
    assert opened_with - named == set()
