"""Reading the safety ledgers (台账).

One :class:`LedgerSpec` per ledger model says what the generic list, form,
export, import and overview need to know: which fields a user fills in, which
date the ledger is filtered on, which documents expire, which figures add up.
Everything else is derived from the model's own field definitions.

The selectors at the bottom (``documents_expiring``, ``letters_coverage``,
``drills_per_school``, …) are the reusable reads for dashboards and reports:
each aggregates in the database and costs a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import models
from django.db.models import Count, F, Q, QuerySet, Sum

from edubureau.core.params import param_date, param_id, param_int
from edubureau.orgs.models import School, SchoolYear, User
from edubureau.orgs.selectors import current_school_year, current_semester
from edubureau.safety.models.ledgers import (
    Canteen,
    Drill,
    EducationActivity,
    EmergencyPlan,
    LedgerBase,
    LetterTier,
    ResponsibilityLetter,
    SecurityResources,
    Vehicle,
)

# A document "expires soon" within this many days (and the overview's horizon).
DEFAULT_EXPIRY_DAYS = 30
MAX_EXPIRY_DAYS = 3650


@dataclass(frozen=True)
class Expiry:
    """A date field on which a document runs out (驾驶证、车检、保险、许可证、预案修订)."""

    field: str
    label: str


@dataclass(frozen=True)
class Total:
    """A figure of the totals row: the sum of a number field, or how many rows have a
    boolean field set (``count_true``)."""

    label: str
    field: str
    count_true: bool = False

    def expression(self) -> models.Aggregate:
        if self.count_true:
            return Count("pk", filter=Q(**{self.field: True}))
        return Sum(self.field)


@dataclass(frozen=True)
class LedgerSpec:
    key: str  # URL names and registry: "drill" -> safety:drill-list
    path: str  # URL segment: "drills"
    model: type[LedgerBase]
    title: str
    fields: tuple[str, ...]  # what a user fills in (besides the school), in form order
    list_fields: tuple[str, ...]  # shown in the list after the school
    natural_key: tuple[str, ...]  # one row per key: imports update, creates refuse twins
    date_field: str | None = None  # since/until filter
    expiry: tuple[Expiry, ...] = ()
    choice_filters: tuple[str, ...] = ()
    totals: tuple[Total, ...] = ()
    rate: tuple[str, str, str] | None = None  # (label, numerator, denominator)
    related: tuple[str, ...] = ()
    order: tuple[str, ...] = ()  # list order before the school
    hint: str = ""

    @property
    def id_kwarg(self) -> str:
        return f"{self.model._meta.model_name}_id"

    @property
    def has_active(self) -> bool:
        return any(f.name == "is_active" for f in self.model._meta.fields)

    @property
    def flag_params(self) -> dict[str, str]:
        """GET parameter -> boolean field: every yes/no column filters with =1 / =0
        (``active`` for ``is_active``), so dashboards can link to e.g. buses with GPS."""
        return {
            ("active" if f.name == "is_active" else f.name): f.name
            for f in self.model._meta.fields
            if isinstance(f, models.BooleanField)
        }

    def field(self, name: str) -> models.Field:
        return self.model._meta.get_field(name)  # type: ignore[return-value]


LETTER = LedgerSpec(
    key="letter",
    path="letters",
    model=ResponsibilityLetter,
    title="安全责任书",
    fields=("school_year", "tier", "due_count", "signed_count", "signed_on", "note"),
    list_fields=("school_year", "tier", "due_count", "signed_count", "signed_on"),
    natural_key=("school", "school_year", "tier"),
    choice_filters=("tier",),
    totals=(Total("应签份数", "due_count"), Total("已签份数", "signed_count")),
    rate=("签订率", "signed_count", "due_count"),
    related=("school_year",),
    order=("-school_year__start_year",),
    hint="逐级签订:教育局与学校、学校与教职工、学校与家长。每校每学年每个层级一行。",
)
PLAN = LedgerSpec(
    key="plan",
    path="plans",
    model=EmergencyPlan,
    title="应急预案",
    fields=("name", "kind", "approved_on", "review_due", "note"),
    list_fields=("name", "kind", "approved_on", "review_due"),
    natural_key=("school", "name"),
    date_field="approved_on",
    expiry=(Expiry("review_due", "应急预案修订"),),
    hint="修订到期前30天提醒。",
)
DRILL = LedgerSpec(
    key="drill",
    path="drills",
    model=Drill,
    title="应急演练",
    fields=("held_on", "kind", "participants", "duration_minutes", "note"),
    list_fields=("held_on", "kind", "participants", "duration_minutes"),
    natural_key=("school", "held_on", "kind"),
    date_field="held_on",
    choice_filters=("kind",),
    totals=(Total("参与人数", "participants"),),
)
ACTIVITY = LedgerSpec(
    key="activity",
    path="activities",
    model=EducationActivity,
    title="安全教育活动",
    fields=("held_on", "kind", "title", "sessions", "participants", "note"),
    list_fields=("held_on", "kind", "title", "sessions", "participants"),
    natural_key=("school", "held_on", "title"),
    date_field="held_on",
    totals=(Total("场次", "sessions"), Total("参与人次", "participants")),
)
VEHICLE = LedgerSpec(
    key="vehicle",
    path="vehicles",
    model=Vehicle,
    title="校车及学生专车",
    fields=(
        "kind",
        "plate",
        "seats",
        "driver_name",
        "driver_licence_expires",
        "inspection_expires",
        "insurance_expires",
        "gps_fitted",
        "route",
        "operator",
        "is_active",
        "note",
    ),
    list_fields=(
        "plate",
        "kind",
        "seats",
        "driver_name",
        "driver_licence_expires",
        "inspection_expires",
        "insurance_expires",
        "gps_fitted",
        "route",
    ),
    natural_key=("plate",),
    expiry=(
        Expiry("driver_licence_expires", "驾驶证"),
        Expiry("inspection_expires", "车辆检验"),
        Expiry("insurance_expires", "车辆保险"),
    ),
    choice_filters=("kind",),
    totals=(Total("核载人数", "seats"), Total("安装卫星定位", "gps_fitted", count_true=True)),
    hint="车牌号如 川A12345(“川A·12345”亦可,保存时统一格式)。证件到期前30天提醒。",
)
CANTEEN = LedgerSpec(
    key="canteen",
    path="canteens",
    model=Canteen,
    title="学校食堂",
    fields=(
        "name",
        "grade",
        "licence_no",
        "licence_expires",
        "operation",
        "contractor",
        "is_active",
        "note",
    ),
    list_fields=("name", "grade", "licence_no", "licence_expires", "operation", "contractor"),
    natural_key=("school", "name"),
    expiry=(Expiry("licence_expires", "食品经营许可证"),),
    choice_filters=("grade", "operation"),
)
SECURITY = LedgerSpec(
    key="security",
    path="security",
    model=SecurityResources,
    title="人防物防技防",
    fields=(
        "guards_full_time",
        "cameras",
        "key_areas_covered",
        "one_key_alarm",
        "alarm_linked_to_police",
        "anti_collision_barriers",
        "note",
    ),
    list_fields=(
        "guards_full_time",
        "cameras",
        "key_areas_covered",
        "one_key_alarm",
        "alarm_linked_to_police",
        "anti_collision_barriers",
    ),
    natural_key=("school",),
    totals=(
        Total("专职保安", "guards_full_time"),
        Total("摄像头", "cameras"),
        Total("重点部位全覆盖", "key_areas_covered", count_true=True),
        Total("一键报警", "one_key_alarm", count_true=True),
    ),
    hint="每校一行,保持最新。",
)

LEDGERS: dict[str, LedgerSpec] = {
    spec.key: spec for spec in (LETTER, PLAN, DRILL, ACTIVITY, VEHICLE, CANTEEN, SECURITY)
}


# Filters ---------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerFilter:
    """The list's GET parameters; malformed values are ignored, never an error."""

    school_id: int | None = None
    township_id: int | None = None
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
            since=param_date(params.get("since")) if dated else None,
            until=param_date(params.get("until")) if dated else None,
            expiring=expiring,
            school_year_id=param_id(params.get("school_year")) if spec is LETTER else None,
            incomplete=spec is LETTER and params.get("incomplete") == "1",
            choices=choices,
            flags=flags,
        )


def ledger_rows(
    *, spec: LedgerSpec, user: User, filters: LedgerFilter, today: date
) -> QuerySet[Any]:
    """The ledger's rows the user may read, filtered as the list and export show them."""
    qs = spec.model.objects.visible_to(user).select_related("school__township", *spec.related)
    if filters.school_id:
        qs = qs.filter(school_id=filters.school_id)
    if filters.township_id:
        qs = qs.filter(school__township_id=filters.township_id)
    if spec.date_field and filters.since:
        qs = qs.filter(**{f"{spec.date_field}__gte": filters.since})
    if spec.date_field and filters.until:
        qs = qs.filter(**{f"{spec.date_field}__lte": filters.until})
    if filters.expiring is not None:
        qs = qs.filter(_expiring_q(spec, today + timedelta(days=filters.expiring)))
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


def _expiring_q(spec: LedgerSpec, limit: date) -> Q:
    q = Q()
    for expiry in spec.expiry:
        q |= Q(**{f"{expiry.field}__lte": limit})
    if spec.has_active:
        q &= Q(is_active=True)
    return q


def ledger_totals(*, spec: LedgerSpec, rows: QuerySet[Any]) -> dict[str, Any]:
    """The totals row: ``count`` plus one figure per :class:`Total` (and the rate)."""
    aggregates = {f"t{i}": t.expression() for i, t in enumerate(spec.totals)}
    values = rows.order_by().aggregate(count=Count("pk"), **aggregates)
    figures = [(t.label, values[f"t{i}"] or 0) for i, t in enumerate(spec.totals)]
    result: dict[str, Any] = {"count": values["count"], "figures": figures, "rate": None}
    if spec.rate is not None:
        label, numerator, denominator = spec.rate
        top = dict(zip([t.field for t in spec.totals], [v for _, v in figures], strict=True))
        result["rate"] = (label, _percent(top[numerator], top[denominator]))
    return result


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


# Expiring documents ---------------------------------------------------------


@dataclass(frozen=True)
class ExpiringDocument:
    ledger: str  # spec key, for links
    object_id: int
    school_id: int
    school_name: str
    subject: str  # plate, canteen name, plan name
    document: str  # 驾驶证, 车辆检验, …
    expires_on: date
    days_left: int  # negative when already expired

    @property
    def expired(self) -> bool:
        return self.days_left < 0

    @property
    def days_overdue(self) -> int:
        return max(0, -self.days_left)


# The ledgers with documents that expire, and what each calls the row they belong to.
_EXPIRING_SUBJECT = {"vehicle": "plate", "canteen": "name", "plan": "name"}


def _expiring(
    spec: LedgerSpec, rows: QuerySet[Any], *, within_days: int, today: date
) -> list[ExpiringDocument]:
    limit = today + timedelta(days=within_days)
    subject = _EXPIRING_SUBJECT[spec.key]
    found = []
    for row in rows.filter(_expiring_q(spec, limit)).select_related("school"):
        for expiry in spec.expiry:
            expires_on = getattr(row, expiry.field)
            if expires_on is not None and expires_on <= limit:
                found.append(
                    ExpiringDocument(
                        ledger=spec.key,
                        object_id=row.pk,
                        school_id=row.school_id,
                        school_name=row.school.name,
                        subject=getattr(row, subject),
                        document=expiry.label,
                        expires_on=expires_on,
                        days_left=(expires_on - today).days,
                    )
                )
    return sorted(found, key=lambda d: (d.expires_on, d.school_name, d.subject))


def _visible(spec: LedgerSpec, user: User) -> QuerySet[Any]:
    return spec.model.objects.visible_to(user)


def vehicles_expiring(*, user: User, within_days: int, today: date) -> list[ExpiringDocument]:
    """Active vehicles whose driver licence, inspection or insurance runs out within
    ``within_days`` (or already has): one entry per document, soonest first."""
    return _expiring(VEHICLE, _visible(VEHICLE, user), within_days=within_days, today=today)


def canteens_expiring(*, user: User, within_days: int, today: date) -> list[ExpiringDocument]:
    return _expiring(CANTEEN, _visible(CANTEEN, user), within_days=within_days, today=today)


def plans_due_for_review(*, user: User, within_days: int, today: date) -> list[ExpiringDocument]:
    return _expiring(PLAN, _visible(PLAN, user), within_days=within_days, today=today)


def documents_expiring(
    *,
    within_days: int,
    today: date,
    user: User | None = None,
    schools: QuerySet[School] | None = None,
) -> list[ExpiringDocument]:
    """Every expiring document of every ledger, soonest first (three queries): those
    ``user`` sees, or, for jobs that run without a user, those of ``schools``."""
    if (user is None) == (schools is None):
        raise TypeError("documents_expiring needs exactly one of user= and schools=")
    found = []
    for key in _EXPIRING_SUBJECT:
        spec = LEDGERS[key]
        if user is not None:
            rows = _visible(spec, user)
        else:
            assert schools is not None  # checked above
            rows = spec.model.objects.filter(school__in=schools.order_by().values("pk"))
        found += _expiring(spec, rows, within_days=within_days, today=today)
    return sorted(found, key=lambda d: (d.expires_on, d.school_name, d.subject))


# Coverage per school ---------------------------------------------------------


def _schools(user: User) -> QuerySet[School]:
    return (
        School.objects.visible_to(user)
        .filter(is_active=True)
        .select_related("township")
        .order_by("township__sort_order", "township_id", "name")
    )


@dataclass(frozen=True)
class LetterCoverage:
    school: School
    due: int
    signed: int
    tiers: int  # tiers recorded this school year
    short_tiers: int  # tiers with fewer signed than due

    @property
    def complete(self) -> bool:
        return self.tiers == len(LetterTier) and self.short_tiers == 0

    @property
    def rate(self) -> float | None:
        return _percent(self.signed, self.due)


def letters_coverage(*, user: User, school_year: SchoolYear) -> list[LetterCoverage]:
    """Per active school in scope: letters due and signed this school year, and whether
    every tier (教育局与学校、学校与教职工、学校与家长) is recorded and fully signed."""
    sums = {
        row["school_id"]: row
        for row in ResponsibilityLetter.objects.visible_to(user)
        .filter(school_year=school_year)
        .values("school_id")
        .annotate(
            due=Sum("due_count"),
            signed=Sum("signed_count"),
            tiers=Count("pk"),
            short=Count("pk", filter=Q(signed_count__lt=F("due_count"))),
        )
        .order_by()
    }
    empty = {"due": 0, "signed": 0, "tiers": 0, "short": 0}
    return [
        LetterCoverage(
            school=school,
            due=sums.get(school.pk, empty)["due"],
            signed=sums.get(school.pk, empty)["signed"],
            tiers=sums.get(school.pk, empty)["tiers"],
            short_tiers=sums.get(school.pk, empty)["short"],
        )
        for school in _schools(user)
    ]


@dataclass(frozen=True)
class TierTotal:
    tier: str
    label: str
    schools: int
    due: int
    signed: int

    @property
    def rate(self) -> float | None:
        return _percent(self.signed, self.due)


def letters_by_tier(*, user: User, school_year: SchoolYear) -> list[TierTotal]:
    """Letters due and signed per tier over the user's scope (for summaries:
    "与教职工签订责任书3120份,签订率98.7%")."""
    rows = {
        row["tier"]: row
        for row in ResponsibilityLetter.objects.visible_to(user)
        .filter(school_year=school_year)
        .values("tier")
        .annotate(schools=Count("school_id", distinct=True), due=Sum("due_count"))
        .annotate(signed=Sum("signed_count"))
        .order_by()
    }
    empty = {"schools": 0, "due": 0, "signed": 0}
    return [
        TierTotal(
            tier=tier.value,
            label=tier.label,
            schools=rows.get(tier.value, empty)["schools"],
            due=rows.get(tier.value, empty)["due"],
            signed=rows.get(tier.value, empty)["signed"],
        )
        for tier in LetterTier
    ]


@dataclass(frozen=True)
class SchoolDrills:
    school: School
    drills: int
    participants: int


def drills_per_school(*, user: User, since: date, until: date) -> list[SchoolDrills]:
    """Per active school in scope: drills held between ``since`` and ``until``
    (inclusive) and their participants; schools without a drill have zeros."""
    sums = {
        row["school_id"]: row
        for row in Drill.objects.visible_to(user)
        .filter(held_on__gte=since, held_on__lte=until)
        .values("school_id")
        .annotate(drills=Count("pk"), participants=Sum("participants"))
        .order_by()
    }
    return [
        SchoolDrills(
            school=school,
            drills=sums[school.pk]["drills"] if school.pk in sums else 0,
            participants=sums[school.pk]["participants"] if school.pk in sums else 0,
        )
        for school in _schools(user)
    ]


def schools_without_security_record(*, user: User) -> list[School]:
    recorded = SecurityResources.objects.visible_to(user).values("school_id")
    return list(_schools(user).exclude(pk__in=recorded))


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
            figures.append((totals["rate"][0], f"{totals['rate'][1]}%"))
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


def display_value(obj: Any, name: str) -> Any:
    """A field as people read it (and as exports write it): choice labels, 是/否,
    dates as dates, the school year as "2025—2026学年"."""
    value = getattr(obj, name)
    model_field = obj._meta.get_field(name)
    if value is None:
        return None
    if model_field.choices:
        return getattr(obj, f"get_{name}_display")()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, models.Model):
        return str(value)
    return value
