"""Every ledger list on the list component: search in the school's name and the
ledger's text columns, sortable heads from the ledger's own columns, unknown fields
refused, and a school's own name not repeated on its own list."""

from __future__ import annotations

from django.urls import reverse

from edubureau.safety.selectors.ledger_specs import LEDGERS
from edubureau.safety.selectors.ledgers import ledger_list_spec
from edubureau.safety.tests.factories_ledgers import VehicleFactory

VEHICLES = reverse("safety:vehicle-list")


def plates(page: str) -> list[str]:
    cells = page.split('data-label="车牌号"')[1:]
    return [c.split(">", 1)[1].split("<", 1)[0].strip() for c in cells]


def test_every_ledger_accepts_its_own_filters_and_sorts_its_plain_columns():
    for spec in LEDGERS.values():
        listed = ledger_list_spec(spec)
        assert {"school", "township"} <= listed.filters
        assert set(spec.choice_filters) <= listed.filters
        assert "school" in listed.sorts and listed.search[0] == "school__name"


def test_it_searches_and_sorts_the_vehicles(cast, client_for):
    VehicleFactory(school=cast.school_a, plate="川A00002", seats=19, route="甲镇—大坪村")
    VehicleFactory(school=cast.school_a, plate="川A00001", seats=45, route="甲镇—河口村")
    VehicleFactory(school=cast.school_b, plate="川A00003", seats=35, route="乙镇—河口村")
    client = client_for(cast.safety_staff)
    assert plates(client.get(VEHICLES, {"sort": "seats"}).text) == [
        "川A00002",
        "川A00003",
        "川A00001",
    ]
    assert plates(client.get(VEHICLES, {"sort": "-plate"}).text) == [
        "川A00003",
        "川A00002",
        "川A00001",
    ]
    assert sorted(plates(client.get(VEHICLES, {"q": "河口"}).text)) == ["川A00001", "川A00003"]
    assert plates(client.get(VEHICLES, {"q": cast.school_b.name}).text) == ["川A00003"]
    assert client.get(VEHICLES, {"sort": "school__bureau"}).status_code == 400
    assert client.get(reverse("safety:vehicle-export"), {"nope": "1"}).status_code == 400


def test_a_school_does_not_read_its_own_name_on_every_row(cast, client_for):
    VehicleFactory(school=cast.school_a, plate="川A00009")
    page = client_for(cast.school_a_officer).get(VEHICLES).text
    table = page.split('data-testid="ledger-table"')[1]
    assert plates(page) == ["川A00009"] and cast.school_a.name not in table
    staff = client_for(cast.safety_staff).get(VEHICLES).text.split('data-testid="ledger-table"')[1]
    assert cast.school_a.name in staff
