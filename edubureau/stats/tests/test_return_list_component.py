"""The returns list on the list component: search by school, sortable heads,
unknown fields refused."""

from __future__ import annotations

from django.urls import reverse

LIST = reverse("stats:return-list")


def test_it_searches_sorts_and_refuses_unknown_fields(cast, client_for):
    client = client_for(cast.safety_staff)
    found = client.get(LIST, {"q": cast.school_b.name}).text
    table = found.split('data-testid="return-list"')[1]
    assert cast.school_b.name in table and cast.school_a.name not in table
    up = client.get(LIST, {"sort": "name"}).text.split('data-testid="return-list"')[1]
    down = client.get(LIST, {"sort": "-name"}).text.split('data-testid="return-list"')[1]
    first, second = sorted([cast.school_a.name, cast.school_b.name])
    assert up.index(first) < up.index(second) and down.index(second) < down.index(first)
    assert client.get(LIST, {"sort": "principal"}).status_code == 400
    assert client.get(LIST, {"year": "2026", "foo": "1"}).status_code == 400
