"""The list component (core.listing): search, sort from an allow-list, pages, the
parameters a list accepts, and the shared templates it renders with."""

from __future__ import annotations

import pytest
from django.core.paginator import Paginator
from django.http import QueryDict
from django.template import Context, Template
from django.test import RequestFactory

from edubureau.core.listing import (
    ListQuery,
    ListQueryError,
    ListSpec,
    apply_list_query,
    list_context,
    needs_defaults,
    page_numbers,
    read_list_query,
)
from edubureau.orgs.models import School
from edubureau.testing.factories import SchoolFactory

SPEC = ListSpec(
    filters=frozenset({"kind", "township"}),
    search=("name", "principal"),
    sorts={"name": ("name",), "principal": ("principal", "name")},
    default_sort="name",
    defaults={"kind": "primary"},
    page_size=2,
)


def q(text: str) -> QueryDict:
    return QueryDict(text)


def test_it_refuses_a_parameter_the_list_does_not_have_in_chinese():
    with pytest.raises(ListQueryError, match="列表不支持查询参数：color、size"):
        read_list_query(SPEC, q("kind=primary&size=1&color=red"))


def test_it_refuses_a_sort_key_off_the_allow_list():
    with pytest.raises(ListQueryError, match="列表不能按“password”排序"):
        read_list_query(SPEC, q("sort=-password"))
    # A field path that exists on the model is still refused: only the allow-list sorts.
    with pytest.raises(ListQueryError):
        read_list_query(SPEC, q("sort=bureau__name"))


def test_it_reads_search_sort_and_page_tolerantly():
    query = read_list_query(SPEC, q("q=  甲镇   小学 &sort=-principal&page=x"))
    assert query == ListQuery(q="甲镇 小学", sort="principal", descending=True, page=None)
    assert query.sort_param == "-principal"
    assert read_list_query(SPEC, q("")).sort == "name"  # the default order
    assert len(read_list_query(SPEC, q("q=" + "长" * 500)).q) == 100


@pytest.mark.django_db
def test_it_searches_every_word_in_any_field_and_sorts_with_a_tiebreak():
    a = SchoolFactory(name="甲镇中心小学", principal="王强")
    b = SchoolFactory(bureau=a.bureau, name="乙镇小学", principal="甲镇人")
    SchoolFactory(bureau=a.bureau, name="丙镇中学", principal="李")
    rows = School.objects.filter(bureau=a.bureau)
    found = apply_list_query(SPEC, rows, read_list_query(SPEC, q("q=甲镇 小学")))
    assert set(found) == {a, b}  # 甲镇 in a's name, in b's principal; 小学 in both names
    ordered = apply_list_query(SPEC, rows, read_list_query(SPEC, q("sort=-name")))
    assert [s.name for s in ordered] == sorted((s.name for s in rows), reverse=True)
    assert ordered.query.order_by == ("-name", "-pk")


def test_a_bare_visit_is_sent_to_the_default_filter_and_only_a_bare_one():
    assert needs_defaults(SPEC, q("")) == "kind=primary"
    assert needs_defaults(SPEC, q("kind=")) is None  # 清除条件 keeps an explicit empty value
    assert needs_defaults(ListSpec(), q("")) is None


def test_page_numbers_are_elided_around_the_current_page():
    page = Paginator(range(200), 10).get_page(10)
    assert page_numbers(page) == [1, "…", 8, 9, 10, 11, 12, "…", 20]


@pytest.mark.django_db
def test_sort_headers_and_the_pager_keep_the_filters(cast):
    request = RequestFactory().get("/x/", {"kind": "primary", "sort": "name", "page": "2"})
    request.user = cast.safety_staff
    query = read_list_query(SPEC, request.GET)
    context = list_context(request, SPEC, list(range(9)), query)
    assert context["query"] == "kind=primary&sort=name"
    assert context["single_school"] is False
    html = Template(
        "{% load listing %}{% sort_header 'name' '名称' %}|{% sort_header 'principal' '校长' %}"
        "|{% include 'includes/pager.html' %}"
    ).render(Context({**context, "request": request}))
    head_name, head_principal, pager = html.split("|", 2)
    # Sorted by name ascending: its head turns it descending, marked as the order.
    assert 'href="?kind=primary&amp;sort=-name"' in head_name and "aria-sort" in head_name
    assert 'href="?kind=primary&amp;sort=principal"' in head_principal
    assert 'aria-current="page">2<' in pager and 'data-total="9"' in pager
    assert 'href="?kind=primary&amp;sort=name&page=5"' in pager
    # The jump box carries the filters and the order, not the old page.
    assert '<input type="hidden" name="kind" value="primary">' in pager
    assert 'name="page" value="2"' not in pager


@pytest.mark.django_db
def test_a_school_user_sees_one_school(cast):
    request = RequestFactory().get("/x/")
    request.user = cast.school_a_officer
    context = list_context(request, SPEC, [], read_list_query(SPEC, request.GET))
    assert context["single_school"] is True


def test_a_default_filter_may_depend_on_the_day():
    spec = ListSpec(filters=frozenset({"period"}), defaults=lambda: {"period": "2026-12"})
    assert needs_defaults(spec, q("")) == "period=2026-12"
