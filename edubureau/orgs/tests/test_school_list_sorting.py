"""The school directory on the list component: sortable heads from an allow-list,
page numbers, unknown fields refused."""

from __future__ import annotations

from django.urls import reverse

from edubureau.testing.factories import SchoolFactory

LIST = reverse("orgs:school-list")


def names(page: str) -> list[str]:
    """Each row's school name: the text of its first link."""
    return [
        r.split("</a>")[0].rsplit(">", 1)[1] for r in page.split('data-testid="school-row"')[1:]
    ]


def test_it_sorts_by_an_allowed_column_either_way(cast, client_for):
    SchoolFactory(bureau=cast.bureau, township=cast.township_a, name="阿甲小学")
    SchoolFactory(bureau=cast.bureau, township=cast.township_a, name="佐乙小学")
    client = client_for(cast.admin)
    up = names(client.get(LIST, {"sort": "name"}).text)
    down = names(client.get(LIST, {"sort": "-name"}).text)
    assert up == sorted(up) and down == list(reversed(up)) and len(up) >= 4
    assert client.get(LIST, {"sort": "principal"}).status_code == 400
    assert client.get(LIST, {"q": "小学", "page": "1", "bogus": "1"}).status_code == 400


def test_it_numbers_the_pages_and_keeps_the_filters(cast, client_for):
    for n in range(120):
        SchoolFactory(bureau=cast.bureau, township=cast.township_b, name=f"分页测试学校{n:03d}")
    page = client_for(cast.admin).get(LIST, {"township": cast.township_b.pk, "page": 2}).text
    assert 'aria-current="page">2<' in page
    assert f"township={cast.township_b.pk}&page=3" in page
    assert 'name="page" min="1" max="3"' in page


def test_the_account_list_sorts_from_its_allow_list(cast, client_for):
    client = client_for(cast.admin)
    url = reverse("orgs:user-list")
    page = client.get(url, {"sort": "-username"}).text
    names = [r.split("</a>")[0].rsplit(">", 1)[1] for r in page.split('data-label="用户名">')[1:]]
    assert len(names) > 3 and names == sorted(names, reverse=True)
    assert client.get(url, {"sort": "password"}).status_code == 400
