"""The ledger reads dashboards, reminders and reports reuse: documents that expire,
and coverage per school (letters signed, drills held, security recorded). Each
aggregates in the database and costs a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum

from edubureau.core.facts import percent
from edubureau.orgs.models import School, SchoolYear, User
from edubureau.orgs.scoping import SchoolScope
from edubureau.safety.models.ledgers import (
    Drill,
    LetterTier,
    ResponsibilityLetter,
    SecurityResources,
)
from edubureau.safety.selectors.ledger_specs import (
    CANTEEN,
    LEDGERS,
    PLAN,
    VEHICLE,
    LedgerSpec,
    expiring_q,
)

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
    for row in rows.filter(expiring_q(spec, limit)).select_related("school"):
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
    scope: SchoolScope | None = None,
) -> list[ExpiringDocument]:
    """Every expiring document of every ledger, soonest first (three queries): those
    ``user`` sees, or those of ``scope`` (a :class:`~edubureau.orgs.scoping.SchoolScope`
    from the door: ``scope_for(user, …)``, or ``system_scope(bureau, direct=True)`` for
    the weekly reminder, which runs without a user). Schools no longer open have
    nothing to renew and are left out."""
    if (user is None) == (scope is None):
        raise TypeError("documents_expiring needs exactly one of user= and scope=")
    found = []
    for key in _EXPIRING_SUBJECT:
        spec = LEDGERS[key]
        if user is not None:
            rows = _visible(spec, user)
        else:
            assert scope is not None  # checked above
            rows = scope.rows(spec.model, active=True)
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
    def rate(self) -> Decimal | None:
        # Exact; rounded once, half up, where it is shown (core.phrasing.percent_text).
        return percent(self.signed, self.due)


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
    def rate(self) -> Decimal | None:
        # Exact; rounded once, half up, where it is shown (core.phrasing.percent_text).
        return percent(self.signed, self.due)


def letters_by_tier(*, user: User, school_year: SchoolYear) -> list[TierTotal]:
    """Letters due and signed per tier over the user's scope (for summaries:
    “与教职工签订责任书3120份，签订率98.7%”)."""
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
