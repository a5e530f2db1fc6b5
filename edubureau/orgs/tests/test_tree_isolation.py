"""Sibling counties, and the city above them (issue 8, acceptance).

A county's accounts cannot read a sibling county's school, hazard, inspection, photo,
ledger row, export row or API object: 404 and an audit event. The city's accounts
read every one of them, and write none: 403 and the row as it was. The rows are the
sibling party's objects of the generic isolation check (edubureau/testing/isolation.py),
made the same way."""

from __future__ import annotations

from typing import Any

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from edubureau.audit.models import Action, AuditEvent
from edubureau.testing import isolation
from edubureau.testing.cast import SIBLING_MARKER


@pytest.fixture
def sibling(cast, settings, tmp_path) -> dict[str, Any]:
    """The sibling county's object of every target, by kwarg."""
    settings.MEDIA_ROOT = tmp_path
    walk = isolation.prepare(cast)
    return {
        kwarg: objs[isolation.SIBLING]
        for kwarg, objs in walk.objects.items()
        if isolation.SIBLING in objs
    }


def object_pages(o: dict[str, Any]) -> dict[str, str]:
    """What a reader opens of each of the sibling's rows."""
    return {
        "school": reverse("orgs:school-detail", kwargs={"school_id": o["school_id"].pk}),
        "hazard": reverse("safety:hazard-detail", kwargs={"hazard_id": o["hazard_id"].pk}),
        "hazard photo": reverse(
            "safety:hazard-photo", kwargs={"hazardphoto_id": o["hazardphoto_id"].pk}
        ),
        "inspection": reverse(
            "safety:inspection-detail", kwargs={"inspection_id": o["inspection_id"].pk}
        ),
        "inspection photo": reverse(
            "safety:inspection-photo", kwargs={"inspectionphoto_id": o["inspectionphoto_id"].pk}
        ),
        "API school": reverse("api:school-detail", kwargs={"school_id": o["school_id"].pk}),
    }


EXPORTS = ("safety:hazard-export", "safety:inspection-export", "safety:drill-export")
LISTS = ("safety:drill-list", "safety:hazard-list", "api:school-list")


def denials(user: Any, obj: Any) -> int:
    return AuditEvent.objects.filter(
        action=Action.ACCESS_DENIED,
        actor=user,
        model_label=obj._meta.label,
        object_id=str(obj.pk),
    ).count()


@pytest.mark.parametrize("who", ["leader", "safety_staff", "admin"])
def test_a_county_reads_nothing_of_its_sibling(cast, sibling, client_for, who):
    user = getattr(cast, who)
    client = client_for(user)
    objects = {
        "school": sibling["school_id"],
        "hazard": sibling["hazard_id"],
        "hazard photo": sibling["hazardphoto_id"],
        "inspection": sibling["inspection_id"],
        "inspection photo": sibling["inspectionphoto_id"],
        "API school": sibling["school_id"],
    }
    for what, url in object_pages(sibling).items():
        before = denials(user, objects[what])
        response = client.get(url)
        assert response.status_code == 404, what
        assert SIBLING_MARKER not in isolation.response_text(response), what
        assert denials(user, objects[what]) == before + 1, f"{what}: no audit event"
    # The ledger row: its page refuses it, and no list or export shows it.
    drill = sibling["drill_id"]
    before = denials(user, drill)
    assert (
        client.get(reverse("safety:drill-edit", kwargs={"drill_id": drill.pk})).status_code == 404
    )
    assert denials(user, drill) == before + 1
    for name in EXPORTS + LISTS:
        # A list that opens on a default filter redirects to it first (core.listing).
        response = client.get(reverse(name), follow=True)
        assert response.status_code == 200, name
        assert SIBLING_MARKER not in isolation.response_text(response), name


@pytest.mark.parametrize("who", ["city_leader", "city_safety"])
def test_the_city_reads_all_of_them(cast, sibling, client_for, who):
    client = client_for(getattr(cast, who))
    for what, url in object_pages(sibling).items():
        response = client.get(url)
        assert response.status_code == 200, what
    for name in EXPORTS + LISTS:
        text = isolation.response_text(client.get(reverse(name), follow=True))
        assert SIBLING_MARKER in text, name


def test_the_city_writes_none_of_them(cast, sibling, client_for):
    """The city's safety department (and administrator, for the school) is refused
    every write to the county's rows; each row is as it was."""
    hazard, drill, inspection = sibling["hazard_id"], sibling["drill_id"], sibling["inspection_id"]
    school = sibling["school_id"]
    writes = [
        (cast.city_safety, hazard, "safety:hazard-plan", {"hazard_id": hazard.pk}),
        (cast.city_safety, hazard, "safety:hazard-rectify", {"hazard_id": hazard.pk}),
        (cast.city_safety, drill, "safety:drill-edit", {"drill_id": drill.pk}),
        (cast.city_safety, drill, "safety:drill-delete", {"drill_id": drill.pk}),
        (cast.city_safety, inspection, "safety:inspection-edit", {"inspection_id": inspection.pk}),
        (cast.city_admin, school, "orgs:school-edit", {"school_id": school.pk}),
    ]
    for user, row, name, kwargs in writes:
        client = client_for(user)
        url = reverse(name, kwargs=kwargs)
        # The form as the county's own writer would post it.
        body = isolation.form_body(client_for(_owner_of(cast, row)).get(url).content.decode(), url)
        before = model_to_dict(type(row).objects.get(pk=row.pk))
        response = client.post(url, body)
        assert response.status_code == 403, name
        assert model_to_dict(type(row).objects.get(pk=row.pk)) == before, name


def _owner_of(cast: Any, row: Any) -> Any:
    """The sibling county's own writer of ``row``."""
    return cast.sibling_admin if row._meta.model_name == "school" else cast.sibling_safety
