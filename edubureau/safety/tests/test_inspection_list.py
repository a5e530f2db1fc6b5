"""The inspection list through the list component (core.listing): it opens on this
month, searches, sorts from its allow-list, refuses unknown fields, and a school's
own name is not repeated on every row of its own list."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from edubureau.safety.models import InspectionStatus
from edubureau.safety.tests.factories_inspections import at, make_self_inspection

LIST = reverse("safety:inspection-list")
pytestmark = pytest.mark.time_machine(at(date(2026, 10, 20)))


@pytest.fixture
def month(cast):
    make_self_inspection(cast.school_a, period=date(2026, 10, 1), hazards_found=1)
    make_self_inspection(
        cast.school_b, period=date(2026, 10, 1), status=InspectionStatus.SUBMITTED, hazards_found=3
    )
    make_self_inspection(cast.school_b, period=date(2026, 9, 1))


def rows(page) -> list[str]:
    return [r.split("</tr>")[0] for r in page.split('data-testid="inspection-row"')[1:]]


def test_a_bare_visit_opens_on_this_month(cast, client_for, month):
    client = client_for(cast.safety_staff)
    response = client.get(LIST)
    assert response.status_code == 302 and response["Location"] == f"{LIST}?period=2026-10"
    assert len(rows(client.get(response["Location"]).text)) == 2
    # 清除条件 keeps an explicit empty month: every month.
    assert len(rows(client.get(LIST, {"period": ""}).text)) == 3


def test_it_searches_and_sorts(cast, client_for, month):
    client = client_for(cast.safety_staff)
    found = rows(client.get(LIST, {"period": "", "q": cast.school_b.name}).text)
    assert len(found) == 2 and all(cast.school_b.name in r for r in found)
    by_hazards = rows(client.get(LIST, {"period": "2026-10", "sort": "-hazards"}).text)
    assert cast.school_b.name in by_hazards[0] and cast.school_a.name in by_hazards[1]
    by_hazards = rows(client.get(LIST, {"period": "2026-10", "sort": "hazards"}).text)
    assert cast.school_a.name in by_hazards[0]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"sort": "school__bureau__name"}, "列表不能按“school__bureau__name”排序"),
        ({"period": "2026-10", "colour": "red"}, "列表不支持查询参数：colour"),
    ],
)
def test_it_refuses_an_unknown_field_with_a_400_in_chinese(cast, client_for, params, message):
    response = client_for(cast.safety_staff).get(LIST, params)
    assert response.status_code == 400 and message in response.text
    export = client_for(cast.safety_staff).get(reverse("safety:inspection-export"), params)
    assert export.status_code == 400


def test_a_school_user_does_not_see_its_own_name_on_every_row(cast, client_for, month):
    page = client_for(cast.school_a_officer).get(LIST, {"period": "2026-10"}).text
    (row,) = rows(page)
    assert cast.school_a.name not in row and 'data-label="学校"' not in row
    staff = rows(client_for(cast.safety_staff).get(LIST, {"period": "2026-10"}).text)
    assert all('data-label="学校"' in r for r in staff)


def test_a_school_select_too_long_to_use_gives_way_to_the_search_box(
    cast, client_for, month, monkeypatch
):
    # The place chooser offers a township's schools once the township is chosen.
    client = client_for(cast.safety_staff)
    params = {"period": "", "township": cast.township_a.pk}
    assert 'name="school" data-autosubmit' in client.get(LIST, params).text
    monkeypatch.setattr("edubureau.core.listing.CHOICE_LIMIT", 0)
    page = client.get(LIST, params).text
    assert 'name="school"' not in page and 'id="f-q"' in page
    assert "请用搜索框按学校名称查找" in page
