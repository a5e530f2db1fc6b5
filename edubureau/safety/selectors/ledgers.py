"""Reading the safety ledgers (台账): the list filters, the rows and totals of a list,
and the ledger home (one card per ledger and the alerts that need acting on).
What each ledger is lives in ``ledger_specs``; the reusable coverage and expiry reads
in ``ledger_coverage``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import models
from django.db.models import Count, F, QuerySet

from edubureau.core.facts import percent
from edubureau.core.listing import ListSpec
from edubureau.core.params import param_date, param_id, param_int
from edubureau.core.phrasing import percent_text
from edubureau.orgs.models import School, SchoolYear, User
from edubureau.orgs.scoping import scope_for
from edubureau.orgs.selectors import current_school_year, current_semester
from edubureau.safety.selectors.ledger_coverage import (
    ExpiringDocument,
    LetterCoverage,
    documents_expiring,
    drills_per_school,
    letters_coverage,
)
from edubureau.safety.selectors.ledger_specs import (
    DEFAULT_EXPIRY_DAYS,
    LEDGERS,
    LETTER,
    MAX_EXPIRY_DAYS,
    LedgerSpec,
    expiring_q,
)

# Filters ---------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerFilter:
    """The list's GET parameters; malformed values are ignored, never an error."""

    school_id: int | None = None
    township_id: int | None = None
    bureau_id: int | None = None
    direct: bool = False  # only the schools that bureau runs itself
    since: date | None = None
    until: date | None = None
    expiring: int | None = None  # documents expiring within N days (expired included)
    school_year_id: int | None = None
    incomplete: bool = False  # letters not fully signed
    choices: Mapping[str, str] = field(default_factory=dict)
    flags: Mapping[str, bool] = field(default_factory=dict)

    @classmethod
    def from_params(cls, spec: LedgerSpec, params: Mapping[str, Any]) -> LedgerFilter:
        expiring = param_int(params.get("expiring")) if spec.expiry else None
        if expiring is not None:
            expiring = max(0, min(expiring, MAX_EXPIRY_DAYS))
        choices = {}
        for name in spec.choice_filters:
            value = params.get(name) or ""
            if value in dict(spec.field(name).choices or ()):
                choices[name] = value
        flags = {
            name: params.get(param) == "1"
            for param, name in spec.flag_params.items()
            if params.get(param) in ("0", "1")
        }
        dated = spec.date_field is not None
        return cls(
            school_id=param_id(params.get("school")),
            township_id=param_id(params.get("township")),
            bureau_id=param_id(params.get("bureau")),
            direct=params.get("direct") == "1",
            since=param_date(params.get("since")) if dated else None,
            until=param_date(params.get("until")) if dated else None,
            expiring=expiring,
            school_year_id=param_id(params.get("school_year")) if spec is LETTER else None,
            incomplete=spec is LETTER and params.get("incomplete") == "1",
            choices=choices,
            flags=flags,
        )


@functools.cache
def ledger_list_spec(spec: LedgerSpec) -> ListSpec:
    """The ledger's list as the list component reads it (core.listing): its filters,
    a search over the school's name and the ledger's text columns, and sorting by
    the school or any plain column it shows."""
    plain = [
        f for f in (spec.field(n) for n in spec.list_fields) if f.concrete and not f.is_relation
    ]
    filters = {"school", "township", "bureau", "direct", "expiring"}
    filters |= {*spec.choice_filters, *spec.flag_params}
    if spec.date_field:
        filters |= {"since", "until"}
    if spec is LETTER:
        filters |= {"school_year", "incomplete"}
    return ListSpec(
        filters=frozenset(filters),
        search=(
            "school__name",
            *(f.name for f in plain if isinstance(f, (models.CharField, models.TextField))),
        ),
        search_hint="学校名称或记录内容",
        sorts={"school": ("school__name",), **{f.name: (f.name,) for f in plain}},
    )


def ledger_rows(
    *, spec: LedgerSpec, user: User, filters: LedgerFilter, today: date
) -> QuerySet[Any]:
    """The ledger's rows the user may read, filtered as the list and export show them."""
    # The narrowing (a bureau's subtree or its own schools, a township, a school) is the
    # door's: an id outside the viewer's scope answers 404 and is audited.
    scope = scope_for(
        user,
        bureau=filters.bureau_id,
        direct=filters.direct,
        township=filters.township_id,
        school=filters.school_id,
    )
    # The school's bureau names a 市直 school's place (School.area_name); no phone is read.
    qs = (
        scope.rows(spec.model)
        .select_related("school__township", "school__bureau", *spec.related)
        .defer("school__phone", "school__bureau__phone")
    )
    if spec.date_field and filters.since:
        qs = qs.filter(**{f"{spec.date_field}__gte": filters.since})
    if spec.date_field and filters.until:
        qs = qs.filter(**{f"{spec.date_field}__lte": filters.until})
    if filters.expiring is not None:
        qs = qs.filter(expiring_q(spec, today + timedelta(days=filters.expiring)))
    if filters.school_year_id:
        qs = qs.filter(school_year_id=filters.school_year_id)
    if filters.incomplete:
        qs = qs.filter(signed_count__lt=F("due_count"))
    if filters.choices:
        qs = qs.filter(**filters.choices)
    if filters.flags:
        qs = qs.filter(**filters.flags)
    order = [f"-{spec.date_field}"] if spec.date_field else list(spec.order)
    return qs.order_by(*order, "school__township__sort_order", "school__name", "pk")


def ledger_totals(*, spec: LedgerSpec, rows: QuerySet[Any]) -> dict[str, Any]:
    """The totals row: ``count`` plus one figure per :class:`Total` (and the rate:
    ``rate`` holds the label and the exact per cent, ``rate_text`` it as shown)."""
    aggregates = {f"t{i}": t.expression() for i, t in enumerate(spec.totals)}
    values = rows.order_by().aggregate(count=Count("pk"), **aggregates)
    figures = [(t.label, values[f"t{i}"] or 0) for i, t in enumerate(spec.totals)]
    result: dict[str, Any] = {
        "count": values["count"],
        "figures": figures,
        "rate": None,
        "rate_text": "",
    }
    if spec.rate is not None:
        label, numerator, denominator = spec.rate
        top = dict(zip([t.field for t in spec.totals], [v for _, v in figures], strict=True))
        rate = percent(top[numerator], top[denominator])
        result["rate"] = (label, rate)
        result["rate_text"] = percent_text(rate)
    return result


# The overview ----------------------------------------------------------------


@dataclass
class LedgerCard:
    spec: LedgerSpec
    count: int
    figures: list[tuple[str, Any]]
    period: str = ""  # "本学期" when dated figures are this semester's
    query: str = ""  # list filter behind the figures
    expiring: int = 0


@dataclass
class LedgerOverview:
    today: date
    semester: tuple[date, date]
    school_year: SchoolYear | None
    cards: list[LedgerCard]
    expiring: list[ExpiringDocument]
    letters_incomplete: list[LetterCoverage]
    schools_without_drill: list[School]
    schools_total: int


def ledger_overview(*, user: User, today: date) -> LedgerOverview:
    """The ledger home: one card per ledger, and the alerts that need acting on."""
    since, until = current_semester(user=user, today=today)
    school_year = current_school_year(user=user, today=today)
    expiring = documents_expiring(user=user, within_days=DEFAULT_EXPIRY_DAYS, today=today)
    per_ledger: dict[str, int] = {}
    for doc in expiring:
        per_ledger[doc.ledger] = per_ledger.get(doc.ledger, 0) + 1
    cards = []
    for spec in LEDGERS.values():
        params: dict[str, Any] = {}
        if spec.date_field:
            params = {"since": since, "until": until}
        if spec is LETTER and school_year is not None:
            params = {"school_year_id": school_year.pk}
        filters = LedgerFilter(**params)
        totals = ledger_totals(
            spec=spec, rows=ledger_rows(spec=spec, user=user, filters=filters, today=today)
        )
        figures = list(totals["figures"])
        if totals["rate"] and totals["rate"][1] is not None:
            figures.append((totals["rate"][0], totals["rate_text"]))
        query = ""
        if spec.date_field:
            query = f"since={since.isoformat()}&until={until.isoformat()}"
        elif spec is LETTER and school_year is not None:
            query = f"school_year={school_year.pk}"
        cards.append(
            LedgerCard(
                spec=spec,
                count=totals["count"],
                figures=figures,
                period="本学期" if spec.date_field else "",
                query=query,
                expiring=per_ledger.get(spec.key, 0),
            )
        )
    drills = drills_per_school(user=user, since=since, until=min(until, today))
    coverage = letters_coverage(user=user, school_year=school_year) if school_year else []
    return LedgerOverview(
        today=today,
        semester=(since, until),
        school_year=school_year,
        cards=cards,
        expiring=expiring,
        letters_incomplete=[c for c in coverage if not c.complete],
        schools_without_drill=[d.school for d in drills if d.drills == 0],
        schools_total=len(drills),
    )
