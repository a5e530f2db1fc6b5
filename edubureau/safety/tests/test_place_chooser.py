"""The lists' place chooser (orgs.selectors.place_chooser, includes/place_chooser.html):
each step offers the children of the place chosen, a foreign place is refused by the
scoping door, a province reaches one school's rows in a few choices, and no <select>
on a list is longer than the list component's limit whatever the number of schools."""

from __future__ import annotations

import re

import pytest
from django.http import QueryDict
from django.urls import reverse

from edubureau.core.listing import CHOICE_LIMIT
from edubureau.orgs.selectors import place_chooser
from edubureau.safety.tests.factories_hazards import make_hazard
from edubureau.testing.factories import SchoolFactory

HAZARDS = reverse("safety:hazard-list")
# Each list with a parameter it understands (a bare visit may redirect to its defaults).
LISTS = [
    (HAZARDS, {"status": ""}),
    (reverse("safety:inspection-list"), {"period": "2026-10"}),
    (reverse("safety:self-inspection-missing"), {"period": "2026-10"}),
    (reverse("safety:drill-list"), {"q": ""}),
    (reverse("stats:return-list"), {"q": ""}),
]


def choose(user, **params):
    query = QueryDict(mutable=True)
    for k, v in params.items():
        query[k] = str(v)
    return place_chooser(user, query)


def values(chooser):
    return {pk for pk, _ in chooser.options}


def test_each_step_offers_the_children_of_the_place_chosen(cast):
    top = choose(cast.province_leader)
    assert top.param == "bureau" and values(top) == {cast.city.pk, cast.other_city.pk}
    city = choose(cast.province_leader, bureau=cast.city.pk)
    assert city.param == "bureau" and values(city) == {cast.bureau.pk, cast.sibling_bureau.pk}
    assert city.all_value == str(cast.city.pk)  # 全部 keeps the city chosen
    assert city.direct is not None and "direct=1" in city.direct.query  # 市直 schools
    county = choose(cast.province_leader, bureau=cast.bureau.pk)
    assert county.param == "township"
    assert values(county) == {cast.township_a.pk, cast.township_b.pk}
    assert county.hidden == [("bureau", str(cast.bureau.pk))]
    township = choose(cast.province_leader, bureau=cast.bureau.pk, township=cast.township_a.pk)
    assert township.param == "school" and values(township) == {cast.school_a.pk}
    direct = choose(cast.province_leader, bureau=cast.city.pk, direct=1)
    assert direct.param == "school" and values(direct) == {cast.city_school.pk}
    # The trail leads back up: province, city, county, township, each a link.
    school = choose(cast.province_leader, school=cast.school_a.pk)
    assert school.param == ""
    labels = [c.label for c in school.trail]
    assert labels[1:] == [
        cast.city.display_name,
        cast.bureau.display_name,
        cast.township_a.name,
        cast.school_a.name,
    ]
    assert school.trail[-1].current and not school.trail[0].current
    # A county starts at its townships; township staff at their schools; a school at nothing.
    assert choose(cast.leader).param == "township"
    assert values(choose(cast.township_staff)) == {cast.school_a.pk}
    assert choose(cast.school_a_officer) is None


def test_a_province_reaches_one_schools_rows_in_four_choices(cast, client_for):
    make_hazard(cast, school=cast.school_a, description="甲校的隐患")
    make_hazard(cast, school=cast.school_b, description="乙校的隐患")
    client = client_for(cast.province_leader)
    query = {"status": ""}
    for param, value in (
        ("bureau", cast.city.pk),
        ("bureau", cast.bureau.pk),
        ("township", cast.township_a.pk),
        ("school", cast.school_a.pk),
    ):
        page = client.get(HAZARDS, query)
        select = page.text.split('data-testid="place-select"')[1].split("</select>")[0]
        assert f'value="{value}"' in select  # offered at this step
        place = page.context["place"]
        assert f'<label for="f-place">{place.field_label}</label>' in page.text
        hidden = dict(place.hidden)
        query = {**query, **hidden, param: value}
    page = client.get(HAZARDS, query)
    assert page.status_code == 200
    assert [h.school_id for h in page.context["page"]] == [cast.school_a.pk]
    assert 'data-testid="place-select"' not in page.text


@pytest.mark.parametrize(("url", "base"), LISTS)
def test_a_foreign_place_is_refused_on_every_list(cast, client_for, url, base):
    client = client_for(cast.leader)
    assert client.get(url, base).status_code == 200
    for param, value in (
        ("bureau", cast.other_bureau.pk),
        ("township", cast.other_school.township_id),
        ("school", cast.other_school.pk),
    ):
        assert client.get(url, {**base, param: value}).status_code == 404


@pytest.mark.parametrize(("url", "base"), LISTS)
def test_no_select_on_a_list_is_longer_than_the_limit(cast, client_for, url, base):
    SchoolFactory.create_batch(CHOICE_LIMIT + 1, bureau=cast.bureau, township=cast.township_a)
    for user, params in (
        (cast.province_leader, {}),
        (cast.leader, {}),
        (cast.leader, {"township": cast.township_a.pk}),
    ):
        page = client_for(user).get(url, {**base, **params})
        assert page.status_code == 200
        for select in re.findall(r"<select.*?</select>", page.text, flags=re.S):
            assert select.count("<option") <= CHOICE_LIMIT + 1
        if params:
            assert "请用搜索框按学校名称查找" in page.text
