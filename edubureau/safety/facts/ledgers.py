"""Facts from the ledgers: drills, education, letters, vehicles, canteens, security."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import (
    Count,
    Q,
    Sum,
)

from edubureau.core.facts import Fact, Period, percent
from edubureau.core.rawsql import kept_rows
from edubureau.orgs.models import SchoolYear
from edubureau.orgs.scoping import SchoolScope
from edubureau.safety.facts.common import (
    EXPIRY_DAYS,
    Links,
    found_params,
)
from edubureau.safety.models import (
    Canteen,
    CanteenGrade,
    Drill,
    DrillKind,
    EducationActivity,
    LetterTier,
    ResponsibilityLetter,
    SecurityResources,
    Vehicle,
    VehicleKind,
)

# Ledgers -----------------------------------------------------------------------


def school_year_for(*, scope: SchoolScope, day: date) -> SchoolYear | None:
    """The school year in force on ``day`` (the latest begun by then) of the bureaus
    running the scope's schools. Every bureau keeps its own school years; the scope's
    letters are those of every bureau's year that starts in the same year."""
    found = kept_rows(
        scope.statement_key("ledgers.school_year", day),
        lambda: SchoolYear.objects.filter(
            bureau_id__in=scope.schools().order_by().values("bureau_id"), starts_on__lte=day
        ).order_by("-starts_on", "pk")[:1],
    )
    return found[0] if found else None


# 每学期至少组织两次应急演练 (seed 004); a semester is counted as six calendar months.
DEFAULT_DRILLS_PER_SEMESTER = 2
SEMESTER_MONTHS = 6


def drills_required(period: Period, *, per_semester: int | None = None) -> int:
    """Drills a school must hold in ``period`` to meet the frequency: ``per_semester``
    (setting ``SAFETY_DRILLS_PER_SEMESTER``, default 2, "每学期至少2次") for every six
    months the period touches, rounded up: 4 in a year or a school year, 2 in a half
    year, 1 in a month; a running year cut at 16 November (11 months): 4."""
    if per_semester is None:
        per_semester = int(
            getattr(settings, "SAFETY_DRILLS_PER_SEMESTER", DEFAULT_DRILLS_PER_SEMESTER)
        )
    months = len(period.months())
    return max(1, -(-per_semester * months // SEMESTER_MONTHS))


def drill_frequency_facts(
    *, scope: SchoolScope, period: Period, links: Links, required: int | None = None
) -> list[Fact]:
    """Active schools that held at least ``required`` drills in the period (default
    :func:`drills_required`), and their share of the active schools: two queries."""
    required = drills_required(period) if required is None else required
    drills = scope.rows(Drill, active=True)
    schools = scope.schools()
    if scope.moved_stays():
        # A school is counted once, where it was on the period's last day, with all
        # of its drills of the period (a count of schools, not of records).
        schools = scope.schools_on(period.end)
        drills = (
            scope.as_visible().rows(Drill, active=True).filter(school_id__in=schools.values("pk"))
        )
    meeting = (
        drills.filter(held_on__gte=period.start, held_on__lte=period.end)
        .values("school_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=required)
        .order_by()
        .count()
    )
    active = schools.filter(is_active=True).count()
    source = links.ledger("drill", **found_params(period))
    return [
        Fact(
            "drills.schools_meeting_frequency",
            f"应急演练达到频次要求的学校（期内至少{required}次）",
            meeting,
            "所",
            source,
        ),
        Fact("drills.active_schools", "应开展应急演练的学校", active, "所", source),
        Fact(
            "drills.frequency_rate",
            "应急演练频次达标率",
            percent(meeting, active),
            "%",
            source,
        ),
    ]


def drill_and_education_facts(*, scope: SchoolScope, period: Period, links: Links) -> list[Fact]:
    dated = found_params(period)
    drills = {
        row["kind"]: row
        for row in scope.rows(Drill)
        .filter(held_on__gte=period.start, held_on__lte=period.end)
        .values("kind")
        .annotate(n=Count("pk"), people=Sum("participants"))
        .order_by()
    }

    def drill_kinds(measure: str, key: str, unit: str) -> tuple[Fact, ...]:
        return tuple(
            Fact(
                f"{key}.{kind.value}",
                kind.label,
                drills[kind.value][measure],
                unit,
                links.ledger("drill", kind=kind.value, **dated),
            )
            for kind in DrillKind
            if kind.value in drills
        )

    education = (
        scope.rows(EducationActivity)
        .filter(held_on__gte=period.start, held_on__lte=period.end)
        .aggregate(n=Count("pk"), sessions=Sum("sessions"), people=Sum("participants"))
    )
    activity_link = links.ledger("activity", **dated)
    return [
        Fact(
            "drills.count",
            "开展应急演练",
            sum(r["n"] for r in drills.values()),
            "场次",
            links.ledger("drill", **dated),
            drill_kinds("n", "drills.count", "场次"),
        ),
        Fact(
            "drills.participants",
            "参与演练师生",
            sum(r["people"] or 0 for r in drills.values()),
            "人次",
            links.ledger("drill", **dated),
            drill_kinds("people", "drills.participants", "人次"),
        ),
        Fact("education.activities", "开展安全教育活动", education["n"], "次", activity_link),
        Fact(
            "education.sessions",
            "安全教育活动场次",
            education["sessions"] or 0,
            "场次",
            activity_link,
        ),
        Fact(
            "education.participants",
            "参与安全教育",
            education["people"] or 0,
            "人次",
            activity_link,
        ),
    ]


def letter_facts(
    *,
    scope: SchoolScope,
    on: date,
    links: Links,
    year: SchoolYear | None = None,
    with_schools: bool = True,
) -> list[Fact]:
    """Letters due and signed per tier in the school year in force ``on`` that day
    (``year`` when the caller has already looked it up). ``with_schools=False`` leaves
    out ``letters.schools`` and its COUNT(DISTINCT), a sort over every letter."""
    year = year or school_year_for(scope=scope, day=on)
    rows: dict[str, dict[str, Any]] = {}
    if year is not None:
        measures: dict[str, Any] = {"due": Sum("due_count"), "signed": Sum("signed_count")}
        if with_schools:
            # Schools that have signed (at least one letter of the tier).
            measures["school_count"] = Count(
                "school_id", distinct=True, filter=Q(signed_count__gt=0)
            )
        start_year = year.start_year
        rows = {
            row["tier"]: row
            # Each bureau's own year starting in the same year: a city adds its counties'.
            for row in kept_rows(
                scope.statement_key("ledgers.letters", start_year, with_schools),
                lambda: (
                    scope.rows(ResponsibilityLetter)
                    .filter(school_year__start_year=start_year)
                    .values("tier")
                    .annotate(**measures)
                    .order_by()
                ),
            )
        }
    year_id = year.pk if year is not None else ""
    label = f"（{year}）" if year is not None else ""

    def tier_value(tier: str, measure: str) -> int:
        return int(rows[tier][measure] or 0) if tier in rows else 0

    def tiers(key: str, make: Any, unit: str) -> tuple[Fact, ...]:
        return tuple(
            Fact(
                f"{key}.{t.value}",
                t.label,
                make(t.value),
                unit,
                links.ledger("letter", school_year=year_id, tier=t.value),
            )
            for t in LetterTier
        )

    signed = sum(tier_value(t.value, "signed") for t in LetterTier)
    due = sum(tier_value(t.value, "due") for t in LetterTier)
    source = links.ledger("letter", school_year=year_id)
    facts = [
        Fact(
            "letters.signed",
            f"已签安全责任书{label}",
            signed,
            "份",
            source,
            tiers("letters.signed", lambda t: tier_value(t, "signed"), "份"),
        ),
        Fact(
            "letters.due",
            f"应签安全责任书{label}",
            due,
            "份",
            source,
            tiers("letters.due", lambda t: tier_value(t, "due"), "份"),
        ),
        Fact(
            "letters.rate",
            f"安全责任书签订率{label}",
            percent(signed, due),
            "%",
            source,
            tiers(
                "letters.rate",
                lambda t: percent(tier_value(t, "signed"), tier_value(t, "due")),
                "%",
            ),
        ),
    ]
    if with_schools:
        facts.append(
            Fact(
                "letters.schools",
                f"已与教育局签订责任书的学校{label}",
                tier_value(LetterTier.BUREAU_SCHOOL.value, "school_count"),
                "所",
                links.ledger("letter", school_year=year_id, tier=LetterTier.BUREAU_SCHOOL.value),
            )
        )
    return facts


def vehicle_facts(*, scope: SchoolScope, today: date, links: Links) -> list[Fact]:
    """Active school buses and shuttles: by kind, with GPS, with a document (driver's
    licence, inspection, insurance) expiring within 30 days or already expired."""
    limit = today + timedelta(days=EXPIRY_DAYS)
    expiring_q = (
        Q(driver_licence_expires__lte=limit)
        | Q(inspection_expires__lte=limit)
        | Q(insurance_expires__lte=limit)
    )
    rows = {
        row["kind"]: row
        for row in kept_rows(
            scope.statement_key("ledgers.vehicles", limit),
            lambda: (
                scope.rows(Vehicle)
                .filter(is_active=True)
                .values("kind")
                .annotate(
                    n=Count("pk"),
                    gps=Count("pk", filter=Q(gps_fitted=True)),
                    expiring=Count("pk", filter=expiring_q),
                )
                .order_by()
            ),
        )
    }

    def kinds(measure: str, key: str, **extra: object) -> tuple[Fact, ...]:
        return tuple(
            Fact(
                f"{key}.{k.value}",
                k.label,
                rows[k.value][measure] if k.value in rows else 0,
                "辆",
                links.ledger("vehicle", kind=k.value, **extra),
            )
            for k in VehicleKind
        )

    active = {"active": "1"}
    gps = {**active, "gps_fitted": "1"}
    expiring = {"expiring": EXPIRY_DAYS}
    return [
        Fact(
            "vehicles.count",
            "校车及学生专车",
            sum(r["n"] for r in rows.values()),
            "辆",
            links.ledger("vehicle", **active),
            kinds("n", "vehicles.count", **active),
        ),
        Fact(
            "vehicles.gps",
            "安装卫星定位的车辆",
            sum(r["gps"] for r in rows.values()),
            "辆",
            links.ledger("vehicle", **gps),
            kinds("gps", "vehicles.gps", **gps),
        ),
        Fact(
            "vehicles.expiring",
            f"证件{EXPIRY_DAYS}日内到期（含已过期）的车辆",
            sum(r["expiring"] for r in rows.values()),
            "辆",
            links.ledger("vehicle", **expiring),
            kinds("expiring", "vehicles.expiring", **expiring),
        ),
    ]


def canteen_facts(*, scope: SchoolScope, links: Links) -> list[Fact]:
    """Active canteens by grade, A-grade count and share."""
    grades = {
        row["grade"]: row["n"]
        for row in scope.rows(Canteen)
        .filter(is_active=True)
        .values("grade")
        .annotate(n=Count("pk"))
        .order_by()
    }
    total = sum(grades.values())
    a_grade = grades.get(CanteenGrade.A.value, 0)
    active = {"active": "1"}
    return [
        Fact(
            "canteens.count",
            "学校食堂",
            total,
            "个",
            links.ledger("canteen", **active),
            tuple(
                Fact(
                    f"canteens.count.{g.value}",
                    g.label,
                    grades.get(g.value, 0),
                    "个",
                    links.ledger("canteen", grade=g.value, **active),
                )
                for g in CanteenGrade
            ),
        ),
        Fact(
            "canteens.a_grade",
            "A级食堂",
            a_grade,
            "个",
            links.ledger("canteen", grade=CanteenGrade.A.value, **active),
        ),
        Fact(
            "canteens.a_grade_share",
            "A级食堂占比",
            percent(a_grade, total),
            "%",
            links.ledger("canteen", **active),
        ),
    ]


SECURITY_FLAGS = (
    ("key_areas_covered", "重点部位监控全覆盖的学校"),
    ("one_key_alarm", "安装一键报警的学校"),
    ("alarm_linked_to_police", "报警与公安联网的学校"),
    ("anti_collision_barriers", "校门设置防冲撞设施的学校"),
)


def security_facts(*, scope: SchoolScope, links: Links) -> list[Fact]:
    """Guards and cameras (人防物防技防) as registered, one row per school."""
    totals = scope.rows(SecurityResources).aggregate(
        schools=Count("pk"),
        guards=Sum("guards_full_time"),
        cameras=Sum("cameras"),
        **{flag: Count("pk", filter=Q(**{flag: True})) for flag, _ in SECURITY_FLAGS},
    )
    source = links.ledger("security")
    return [
        Fact("security.schools", "填报人防物防技防的学校", totals["schools"], "所", source),
        Fact("security.guards", "专职保安", totals["guards"] or 0, "人", source),
        Fact("security.cameras", "监控摄像头", totals["cameras"] or 0, "个", source),
        *(
            Fact(f"security.{flag}", label, totals[flag], "所", source)
            for flag, label in SECURITY_FLAGS
        ),
    ]
