"""One list component for every list of every module.

A list declares a :class:`ListSpec` once: the filter parameters it understands, the
fields its search box looks in, the columns it may be sorted by (an allow-list: a
column name from the address never reaches ``order_by`` unchecked), its default
order and, optionally, the filter a bare visit opens with (open hazards, this
month). The view then calls::

    query = read_list_query(SPEC, request.GET)          # 400 on an unknown field
    rows = apply_list_query(SPEC, my_scoped_queryset, query)
    context = list_context(request, SPEC, rows, query)   # page, numbers, links

and the templates include ``includes/list_search.html``, use ``{% sort_header %}``
(``core/templatetags/listing.py``) for column heads and ``includes/pager.html``
for page numbers with a jump box. The scoping door is not touched here: the view
passes a queryset that is already ``visible_to`` the user, and search, sort and
paging only narrow or order it.

Malformed *values* stay tolerant (``core.params``: an unreadable date is ignored);
unknown *names* (a parameter no list has, a sort key not on the allow-list) are a
400 with a Chinese message, so a typo or a probe is told, not silently ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import BadRequest
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet

from edubureau.core.params import param_int

# Parameters every list understands besides its own filters. ``format`` is the
# dashboards' export switch; ``partial`` the htmx fragment switch.
COMMON_PARAMS = frozenset({"q", "sort", "page"})
SEARCH_MAX_LENGTH = 100
DEFAULT_PAGE_SIZE = 50
# A filter <select> longer than this is no use (and a province's 30,000 schools are
# 2 MB of <option>s): the list offers its search box, or a narrower filter, instead.
CHOICE_LIMIT = 300


class ListQueryError(BadRequest):
    """An unknown parameter or sort key: answered 400 with this (Chinese) message."""


@dataclass(frozen=True)
class ListSpec:
    # The list's own filter parameters (its filter form's field names).
    filters: frozenset[str] = frozenset()
    # ORM paths the search box matches (case-insensitive containment, any of them).
    search: tuple[str, ...] = ()
    search_hint: str = "搜索"
    # Sort key (as it appears in ?sort=) -> the order_by fields of ascending order.
    sorts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # "key" or "-key" (descending); "" keeps the queryset's own order.
    default_sort: str = ""
    # Appended to every order so that pages never overlap or skip rows.
    tiebreak: tuple[str, ...] = ("-pk",)
    # What a bare visit (no parameter at all) opens with, e.g. {"status": "unresolved"};
    # a callable for what depends on the day (this month).
    defaults: Mapping[str, str] | Callable[[], Mapping[str, str]] = field(default_factory=dict)
    page_size: int = DEFAULT_PAGE_SIZE

    @property
    def accepted(self) -> frozenset[str]:
        return self.filters | COMMON_PARAMS


@dataclass(frozen=True)
class ListQuery:
    q: str = ""
    sort: str = ""  # the key, without "-"
    descending: bool = False
    page: int | None = None

    @property
    def sort_param(self) -> str:
        return f"-{self.sort}" if self.descending and self.sort else self.sort


def needs_defaults(spec: ListSpec, params: Mapping[str, Any]) -> str | None:
    """The query string a bare visit should be sent to, or None. The default filter
    is made visible in the address (and undone by 清除条件, which keeps an explicit
    empty value), never applied behind the user's back."""
    if any(params):
        return None
    defaults = spec.defaults() if callable(spec.defaults) else spec.defaults
    return urlencode(dict(defaults)) if defaults else None


def read_list_query(spec: ListSpec, params: Mapping[str, Any]) -> ListQuery:
    """Read search, sort and page; refuse a parameter or sort key the list does not have."""
    unknown = sorted(k for k in params if k not in spec.accepted)
    if unknown:
        raise ListQueryError(f"列表不支持查询参数：{'、'.join(unknown)}")
    q = " ".join(str(params.get("q") or "").split())[:SEARCH_MAX_LENGTH]
    raw = str(params.get("sort") or "").strip() or spec.default_sort
    descending = raw.startswith("-")
    key = raw.lstrip("-")
    if key and key not in spec.sorts:
        raise ListQueryError(f"列表不能按“{key[:30]}”排序")
    return ListQuery(q=q, sort=key, descending=descending, page=param_int(params.get("page")))


def apply_list_query(spec: ListSpec, qs: QuerySet[Any], query: ListQuery) -> QuerySet[Any]:
    """Narrow ``qs`` by the search words (every word must match one of the fields)
    and order it. ``qs`` is already scoped by the door; this only narrows it."""
    if query.q and spec.search:
        for word in query.q.split():
            qs = qs.filter(reduce(or_, (Q(**{f"{p}__icontains": word}) for p in spec.search)))
    if query.sort:
        fields = spec.sorts[query.sort]
        order = [f"-{f}" if query.descending else f for f in fields]
        qs = qs.order_by(*order, *spec.tiebreak)
    return qs


def short_choices(rows: Any, limit: int | None = None) -> list[Any]:
    """The options of a filter <select>, or none when there are more than ``limit``
    (:data:`CHOICE_LIMIT`; one query, at most ``limit + 1`` rows read)."""
    limit = CHOICE_LIMIT if limit is None else limit
    found = list(rows[: limit + 1])
    return found if len(found) <= limit else []


def paginate(spec: ListSpec, rows: Any, query: ListQuery) -> Page:
    return Paginator(rows, spec.page_size).get_page(query.page)


def page_numbers(page: Page) -> list[int | str]:
    """1 … 4 5 [6] 7 8 … 20: the numbers around the current page and at both ends."""
    paginator = page.paginator
    return list(paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))


def list_context(request: Any, spec: ListSpec, rows: Any, query: ListQuery) -> dict[str, Any]:
    """What the shared list templates read: the page, its numbers, the query string
    without ``page`` (for page links) and without ``sort`` too (for column heads),
    and whether the user sees one school only (then its name is not repeated)."""
    page = paginate(spec, rows, query)
    params = request.GET.copy()
    params.pop("page", None)
    unsorted = params.copy()
    unsorted.pop("sort", None)
    user = request.user
    return {
        "page": page,
        "page_numbers": page_numbers(page),
        "query": params.urlencode(),
        "query_unsorted": unsorted.urlencode(),
        "list_query": query,
        "list_spec": spec,
        "single_school": bool(getattr(user, "school_id", None)),
        # How many filters are set: the folded panel's summary says so.
        "active_filters": sum(1 for k in spec.filters if request.GET.get(k)) + bool(query.q),
    }
