"""Safety demo data: the inspection mechanism running in every school of the demo.

Called by ``edubureau demo`` through the contributor extension point of
:mod:`edubureau.orgs.demo` (``build(ctx)``), and by ``bench/safety_province.py``,
which writes the inspections itself (COPY, in two storage layouts) and lets
:class:`SafetyDemo` build everything else.

What is built, with ``ctx.rng`` and ``ctx.reference_date`` (the day the demo is
built, "today" below) only: no calendar date is fixed, so the demo looks current
whatever day it is built on (the examples are for a reference date of 2026-11-16):

- the default checklist (13 categories, 90 items) as the bureau's version 1;
- monthly self-inspections of every school: at county scale from January of last
  year or the start of the last school year, whichever is earlier, to the current
  month (2025-01 to 2026-11: 19 to 24 months, so that year-over-year comparisons
  of the calendar year and of the school year exist), the last 12 months at city
  and province scale. Most are submitted by the due date (the 5th working day of the
  month), about 10% late; a few schools (the "laggards", 5%) skip months; in the
  current month about 10% are missing (no row, a draft, or returned by the bureau;
  before the month's first working day, none is filled yet).
  The demo school's own current month is left unfilled, so its safety officer can
  fill it in the demo. Results are the exact JSON of the inspection service
  (``ItemEntry.as_json``) for the items that apply to the school's kind, with
  school-bus items "not applicable" without vehicles and dormitory items without
  boarders;
- campaigns of the bureau's yearly calendar (``demo_data.CAMPAIGN_CALENDAR``: 节前
  spot checks in January and September, 汛期 special inspections in May–June,
  开学前 special inspections in August–September, an inspectors' supervisory check
  in October) that started in the window and ended before today, named for their
  year ("2026年汛期校园安全专项检查"), over a share of the schools, filled by the
  safety department (the inspector for the supervisory one);
- hazards: about 0.095 per self-inspection and 0.45 per campaign inspection (a
  county finds ~250 a year), weighted by category (消防安全 most, then 校舍安全,
  食品卫生与传染病防控, 安全保卫 …) and by season (drowning in summer), plus ~8%
  reported ad hoc (walk-around, complaint, circular). Each goes through the
  lifecycle as it would have: planned immediate / by deadline / deferred (reason,
  interim measures, escalated to), rectified (12% after the deadline), sometimes
  rejected once at verification, verified (by the safety department, or the
  inspector for their schools) and closed; a few stay open and overdue, with the
  escalation level the daily job would have reached. The same item failing at the
  same school within the repeat window is linked to the earlier hazard
  (``repeat_of``). Every transition is a RectificationStep with its date, so the
  detail pages show the history;
- ledgers: responsibility letters of the last two school years (2025 and 2026)
  for every school and tier, emergency plans (some due for review soon), 2–4
  drills per school per semester, education activities on the national theme
  days, vehicles for ~10% of rural and town schools (some documents expiring
  within 30 days), canteens (every school but teaching points) and guards and
  cameras of every school.

Everything is written with ``bulk_create(batch_size=ctx.batch_size)``: the number
of queries does not depend on the number of schools.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.contenttypes.models import ContentType

from edubureau.core.calendar import add_working_days, is_working_day, working_days_between
from edubureau.core.facts import last_months
from edubureau.orgs.demo import DemoContext, historical_timestamps, school_year_start
from edubureau.orgs.demo_plan import GIVEN_FIRST, GIVEN_SECOND, SURNAME_WEIGHTS, SURNAMES
from edubureau.orgs.models import Bureau, Locality, School, SchoolKind
from edubureau.rectification.lifecycle import DEFAULT_DEADLINE_WORKING_DAYS
from edubureau.rectification.models import PlanKind, RectificationStep, Severity, Status
from edubureau.safety.demo_data import (
    AD_HOC_SHARE,
    BOARDING_KINDS,
    BOARDING_ONLY,
    CAMPAIGN_RATE,
    CATEGORY_WEIGHTS,
    CHRONIC_SHARE,
    DEFERRABLE,
    DEFERRAL_REASONS,
    EVIDENCE_TEXTS,
    FINDINGS,
    FLOOD_SEASON_WEIGHT,
    GOOD_PRACTICE,
    IMMEDIATE_SHARE,
    IMMEDIATE_TEXT,
    INTERIM_MEASURES,
    LAGGARD_SHARE,
    LATE,
    LATE_RECTIFICATION,
    MISSING,
    MISSING_CURRENT,
    OTHER_MONTHS,
    PLACES,
    PLAN_TEXTS,
    REJECT_REASONS,
    REJECTED_ONCE,
    RETURN_REASONS,
    SELF_RATE,
    SEVERITY_WEIGHT,
    SIZE_BY_LOCALITY,
    SIZES,
    STUCK_OLD,
    STUCK_RECENT,
    VEHICLE_SCHOOL_SHARE,
    campaigns_between,
)
from edubureau.safety.demo_ledgers import LedgerDemo
from edubureau.safety.demo_notices import build_notices
from edubureau.safety.models import (
    Campaign,
    Checklist,
    ChecklistCategory,
    ChecklistItem,
    Hazard,
    HazardSource,
    Inspection,
    InspectionKind,
    InspectionStatus,
    ItemResult,
)
from edubureau.safety.selectors.hazards import ESCALATION_LABELS
from edubureau.safety.services.checklists import checklist_install_default
from edubureau.safety.services.hazards import repeat_window_days
from edubureau.safety.services.inspections import ItemEntry, self_inspection_due_on
from edubureau.safety.services.overdue import escalation_level, escalation_thresholds

# --------------------------------------------------------------------------- drafts


@dataclass
class HazardDraft:
    """A failed item of an inspection, before the Hazard row exists."""

    item: ChecklistItem
    severity: str
    description: str
    location: str


@dataclass
class InspectionDraft:
    """One inspection, before it is written (by bulk_create here, by COPY in the bench)."""

    school: School
    kind: str
    checklist_id: int
    period: date | None
    due_on: date | None
    inspected_on: date
    status: str
    submitted_at: datetime | None
    created_at: datetime
    results: dict[str, dict[str, str]]
    items_total: int
    hazards: list[HazardDraft]
    leader: str
    participants: str
    summary: str
    client_id: uuid.UUID
    created_by_id: int | None
    submitted_by_id: int | None
    campaign_id: int | None = None
    return_reason: str = ""
    pk: int | None = None

    @property
    def hazards_found(self) -> int:
        return len(self.hazards)

    def as_model(self) -> Inspection:
        return Inspection(
            pk=self.pk,
            school_id=self.school.pk,
            kind=self.kind,
            campaign_id=self.campaign_id,
            checklist_id=self.checklist_id,
            period=self.period,
            due_on=self.due_on,
            inspected_on=self.inspected_on,
            status=self.status,
            results=self.results,
            items_total=self.items_total,
            hazards_found=self.hazards_found,
            leader=self.leader,
            participants=self.participants,
            summary=self.summary,
            return_reason=self.return_reason,
            client_id=self.client_id,
            created_by_id=self.created_by_id,
            submitted_by_id=self.submitted_by_id,
            submitted_at=self.submitted_at,
            created_at=self.created_at,
            updated_at=self.submitted_at or self.created_at,
        )


@dataclass
class _Profile:
    """What the demo decides once per school."""

    school: School
    students: int
    staff: int
    boarding: bool
    factor: float  # hazard proneness, mean 1
    laggard: bool
    officer: str  # the school's safety officer (responsible person of its hazards)
    township: str
    has_vehicles: bool = False
    chronic: list[ChecklistItem] = field(default_factory=list)
    candidates: list[ChecklistItem] = field(default_factory=list)  # applicable, not "na"
    by_category: dict[str, list[ChecklistItem]] = field(default_factory=dict)
    base: dict[str, dict[str, str]] = field(default_factory=dict)  # all-pass results
    total: int = 0  # items checked (not "na")

    @property
    def people(self) -> int:
        return self.students + self.staff


@dataclass
class _Pending:
    """A hazard on its way to a row: the report, then the simulated lifecycle."""

    profile: _Profile
    source: str
    item: ChecklistItem
    severity: str
    description: str
    location: str
    reported_on: date
    reported_at: datetime
    reporter_id: int | None
    inspection_id: int | None = None
    hazard: Hazard | None = None
    repeat_of: _Pending | None = None
    steps: list[tuple[str, str, str, int | None, str, datetime]] = field(default_factory=list)


# --------------------------------------------------------------------------- helpers


def _month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def county_first_month(today: date) -> date:
    """The county's first month of self-inspections: January of last year, or the start
    of the last school year when that is earlier, so that both year-over-year
    comparisons (calendar year, school year) have their previous period. 2025-01 for
    a reference date in November 2026, 2025-09 for one in March 2027."""
    return min(date(today.year - 1, 1, 1), date(school_year_start(today) - 1, 9, 1))


def months_from(first: date, today: date) -> int:
    """How many months from ``first``'s month to ``today``'s, both included."""
    return (today.year - first.year) * 12 + today.month - first.month + 1


class SafetyDemo:
    """Builds the safety demo of one DemoContext, step by step (see :func:`build`)."""

    def __init__(self, ctx: DemoContext, *, months: int | None = None) -> None:
        self.ctx = ctx
        self.rng = ctx.rng
        self.today = ctx.reference_date
        self.tz = ZoneInfo(settings.TIME_ZONE)
        if months is None and ctx.scale.name == "county":
            months = months_from(county_first_month(self.today), self.today)
        count = months or OTHER_MONTHS
        self.months = last_months(ending=self.today, count=count)
        self.start = self.months[0]
        self.safety = ctx.users["safety"]
        self.inspector = ctx.users["inspector"]
        officer = ctx.users.get("safety_officer")
        self.school_user_id = officer.pk if officer is not None else None
        self.demo_school_id = ctx.demo_school.pk
        self.safety_department = ctx.departments["safety"].name
        self.inspector_schools = sorted(
            self.inspector.assigned_schools.values_list("pk", flat=True)
        )
        townships = {t.pk: t.name for t in ctx.townships}
        # A school the city or province runs itself has no township: its place is the
        # city (or province) itself.
        seat = ctx.bureau.short_name or ctx.bureau.name
        self.profiles = [
            self._profile(s, townships[s.township_id] if s.township_id else seat)
            for s in ctx.schools
        ]
        self.by_school = {p.school.pk: p for p in self.profiles}
        self._pick_vehicle_schools()
        self.checklist: Checklist | None = None
        self.campaigns: list[tuple[Campaign, list[_Profile], dict[str, float]]] = []
        self.pending: list[_Pending] = []
        self._working_days: dict[date, list[date]] = {}
        self._deadlines: dict[tuple[str, date], date] = {}

    # -- people, dates

    def person(self) -> str:
        surname = self.rng.choices(SURNAMES, weights=SURNAME_WEIGHTS)[0]
        if self.rng.random() < 0.3:
            return surname + self.rng.choice(GIVEN_SECOND)
        return surname + self.rng.choice(GIVEN_FIRST) + self.rng.choice(GIVEN_SECOND)

    def at(self, day: date, lo: int = 8, hi: int = 17) -> datetime:
        """A moment of ``day`` between ``lo`` and ``hi`` o'clock, local time."""
        moment = time(self.rng.randint(lo, hi), self.rng.randrange(60))
        return datetime.combine(day, moment, tzinfo=self.tz)

    def working_days(self, month: date) -> list[date]:
        if month not in self._working_days:
            end, day, days = _month_end(month), month, []
            while day <= end:
                if is_working_day(day):
                    days.append(day)
                day += timedelta(days=1)
            self._working_days[month] = days
        return self._working_days[month]

    def working_days_between_dates(self, first: date, last: date) -> list[date]:
        days: list[date] = []
        month = first.replace(day=1)
        while month <= last:
            days += [d for d in self.working_days(month) if first <= d <= last]
            month = _month_end(month) + timedelta(days=1)
        return days

    def deadline(self, severity: str, found_on: date) -> date:
        """``lifecycle.default_deadline``, memoised: thousands of hazards share dates."""
        key = (severity, found_on)
        if key not in self._deadlines:
            n = DEFAULT_DEADLINE_WORKING_DAYS[Severity(severity)]
            self._deadlines[key] = add_working_days(found_on, n)
        return self._deadlines[key]

    def poisson(self, mean: float) -> int:
        limit, k, p = math.exp(-mean), 0, 1.0
        while True:
            p *= self.rng.random()
            if p <= limit:
                return k
            k += 1

    def weighted_sample(self, items: Sequence[Any], weights: Sequence[float], k: int) -> list[Any]:
        """``k`` distinct items, drawn with the given weights (Efraimidis–Spirakis)."""
        keyed = [(self.rng.random() ** (1 / w), i) for i, w in enumerate(weights) if w > 0]
        keyed.sort(reverse=True)
        return [items[i] for _, i in keyed[:k]]

    # -- schools

    def _profile(self, school: School, township: str) -> _Profile:
        low, high, per_staff = SIZES.get(school.kind, (100, 1000, 14))
        scale = SIZE_BY_LOCALITY.get(school.locality, 1.0)
        students = max(low, min(high, int(self.rng.randint(low, high) * scale)))
        boarding = school.kind in BOARDING_KINDS or (
            school.kind == SchoolKind.PRIMARY
            and school.locality == Locality.RURAL
            and self.rng.random() < 0.3
        )
        factor = self.rng.lognormvariate(0, 0.6) / math.exp(0.18)
        if school.pk == self.demo_school_id:
            factor = max(factor, 1.6)  # so the school view has a history to show
        return _Profile(
            school=school,
            students=students,
            staff=max(2, round(students / per_staff)),
            boarding=boarding,
            factor=factor,
            laggard=school.pk != self.demo_school_id and self.rng.random() < LAGGARD_SHARE,
            officer=self.person(),
            township=township,
        )

    def _pick_vehicle_schools(self) -> None:
        kinds = {
            SchoolKind.PRIMARY,
            SchoolKind.NINE_YEAR,
            SchoolKind.KINDERGARTEN,
            SchoolKind.JUNIOR,
        }
        candidates = [
            p
            for p in self.profiles
            if p.school.kind in kinds and p.school.locality != Locality.URBAN
        ]
        k = min(len(candidates), round(VEHICLE_SCHOOL_SHARE * len(self.profiles)))
        for p in self.weighted_sample(candidates, [1.0] * len(candidates), k):
            p.has_vehicles = True

    # -- checklist

    def install_checklist(self) -> Checklist:
        self.checklist = checklist_install_default(bureau=self.ctx.bureau)
        categories = {c.pk: c for c in ChecklistCategory.objects.filter(checklist=self.checklist)}
        items = list(
            ChecklistItem.objects.filter(checklist=self.checklist).order_by(
                "category__sort_order", "sort_order", "id"
            )
        )
        for item in items:
            item.category = categories[item.category_id]
        bases: dict[tuple[str, bool, bool], tuple[list[ChecklistItem], dict[str, Any], Any]] = {}
        # Schools of the same kind, with or without vehicles and boarders, share one
        # all-pass document (and its inner dicts): memory stays flat at province scale.
        for p in self.profiles:
            key = (p.school.kind, p.has_vehicles, p.boarding)
            if key not in bases:
                applicable = [i for i in items if i.applies_to_kind(p.school.kind)]
                candidates = [
                    i
                    for i in applicable
                    if (p.has_vehicles or i.category.key != "school_bus")
                    and (p.boarding or i.key not in BOARDING_ONLY)
                ]
                chosen = {i.pk for i in candidates}
                result = {True: {"r": ItemResult.PASS.value}, False: {"r": "na"}}
                base = {str(i.pk): result[i.pk in chosen] for i in applicable}
                by_category: dict[str, list[ChecklistItem]] = {}
                for i in candidates:
                    by_category.setdefault(i.category.key, []).append(i)
                bases[key] = (candidates, base, by_category)
            p.candidates, p.base, p.by_category = bases[key]
            p.total = len(p.candidates)
            p.chronic = self._pick_items(p, 2, CATEGORY_WEIGHTS, chronic=False)
        return self.checklist

    def _pick_items(
        self, p: _Profile, k: int, weights: dict[str, float], *, chronic: bool = True
    ) -> list[ChecklistItem]:
        """``k`` distinct failed items for one inspection of ``p``'s school."""
        picked: list[ChecklistItem] = []
        for _ in range(k * 4):
            if len(picked) == k:
                break
            if chronic and p.chronic and self.rng.random() < CHRONIC_SHARE:
                item = self.rng.choice(p.chronic)
            else:
                keys = list(p.by_category)
                key = self.rng.choices(keys, weights=[weights.get(k, 1) for k in keys])[0]
                pool = p.by_category[key]
                item = self.rng.choices(
                    pool, weights=[SEVERITY_WEIGHT[Severity(i.default_severity)] for i in pool]
                )[0]
            if item not in picked:
                picked.append(item)
        return picked

    def _hazard_draft(self, item: ChecklistItem) -> HazardDraft:
        description, places = FINDINGS.get(item.key, (f"{item.text}落实不到位", ()))
        severity = Severity(item.default_severity)
        roll = self.rng.random()
        if severity == Severity.MINOR and roll < 0.05:
            severity = Severity.MAJOR
        elif severity == Severity.MAJOR and roll < 0.03:
            severity = Severity.CRITICAL
        elif severity == Severity.MAJOR and roll < 0.18:
            severity = Severity.MINOR
        return HazardDraft(
            item=item,
            severity=severity.value,
            description=description,
            location=self.rng.choice(places or PLACES.get(item.category.key, ("",))),
        )

    def _results(self, p: _Profile, hazards: Sequence[HazardDraft]) -> tuple[dict[str, Any], int]:
        """The results document (as the inspection service writes it) and items_total."""
        total = p.total
        if not hazards:
            return p.base, total
        results = dict(p.base)
        for h in hazards:
            results[str(h.item.pk)] = ItemEntry(
                result=ItemResult.HAZARD,
                description=h.description,
                location=h.location,
                severity=h.severity,
            ).as_json()
        return results, total

    def _uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    # -- campaigns

    def write_campaigns(self) -> list[Campaign]:
        assert self.checklist is not None
        by_pk = self.by_school
        campaigns, scopes = [], []
        for plan in campaigns_between(self.start, self.today):
            if plan.kind == InspectionKind.SUPERVISORY:
                scope = [by_pk[pk] for pk in self.inspector_schools if pk in by_pk]
            else:
                k = max(1, round(plan.share * len(self.profiles)))
                weights = [self._campaign_weight(plan.theme, p) for p in self.profiles]
                scope = self.weighted_sample(self.profiles, weights, k)
                scope.sort(key=lambda p: p.school.identifier)
            created = datetime.combine(
                plan.starts_on - timedelta(days=7), time(9, 30), tzinfo=self.tz
            )
            campaigns.append(
                Campaign(
                    bureau=self.ctx.bureau,
                    kind=plan.kind,
                    name=plan.name,
                    theme=plan.theme,
                    starts_on=plan.starts_on,
                    ends_on=plan.ends_on,
                    checklist=self.checklist,
                    good_practice=GOOD_PRACTICE.get(plan.theme, ""),
                    created_by=self.safety,
                    created_at=created,
                    updated_at=created,
                )
            )
            scopes.append((scope, plan.weights))
        with historical_timestamps(Campaign):
            Campaign.objects.bulk_create(campaigns, batch_size=self.ctx.batch_size)
        Schools = Campaign.schools.through
        Schools.objects.bulk_create(
            (
                Schools(campaign_id=c.pk, school_id=p.school.pk)
                for c, (scope, _) in zip(campaigns, scopes, strict=True)
                for p in scope
            ),
            batch_size=self.ctx.batch_size,
        )
        Team = Campaign.team.through
        Team.objects.bulk_create(
            Team(campaign_id=c.pk, user_id=u.pk)
            for c in campaigns
            for u in (
                [self.inspector]
                if c.kind == InspectionKind.SUPERVISORY
                else [self.safety, self.inspector]
            )
        )
        self.campaigns = [
            (c, scope, weights) for c, (scope, weights) in zip(campaigns, scopes, strict=True)
        ]
        return campaigns

    def _campaign_weight(self, theme: str, p: _Profile) -> float:
        if theme == "汛期":
            return FLOOD_SEASON_WEIGHT.get(p.school.locality, 1.0)
        if theme == "开学前":
            return 2.0 if p.boarding else 1.0
        return 1.0

    # -- inspections

    def inspection_batches(self) -> Iterator[list[InspectionDraft]]:
        """Every inspection, month by month (campaign inspections with the month they
        started in), in batches of at most ``ctx.batch_size``. The caller writes each
        batch, sets ``pk`` on the drafts and calls :meth:`remember`."""
        size = self.ctx.batch_size
        for month in self.months:
            drafts = self.self_inspections(month)
            for campaign, scope, weights in self.campaigns:
                if campaign.starts_on.replace(day=1) == month:
                    drafts += self.campaign_inspections(campaign, scope, weights)
            for i in range(0, len(drafts), size):
                yield drafts[i : i + size]

    def self_inspections(self, month: date) -> list[InspectionDraft]:
        assert self.checklist is not None
        due = self_inspection_due_on(month)
        current = month == self.today.replace(day=1)
        days = [d for d in self.working_days(month) if d <= self.today]
        if not days:
            return []  # the month's first working day has not come: nothing filled yet
        on_time_days = [d for d in days if d <= due] or days[:1]
        late_days = [d for d in days if d > due][:10]
        season = {1: 0.8, 2: 0.7, 6: 1.15, 7: 1.1, 9: 1.2}.get(month.month, 1.0)
        weights = dict(CATEGORY_WEIGHTS)
        if month.month in (5, 6, 7, 8):
            weights["drowning"] *= 3
            weights["buildings"] *= 1.5
        if month.month in (11, 12, 1, 2):
            weights["fire"] *= 1.3
        drafts: list[InspectionDraft] = []
        for p in self.profiles:
            status = self._self_outcome(p, current=current, can_be_late=bool(late_days))
            if status is None:
                continue
            late = status == "late"
            inspected = self.rng.choice(late_days if late else on_time_days)
            submitted_day = inspected
            if not late and self.rng.random() < 0.25:
                later = [d for d in on_time_days if d > inspected]
                submitted_day = later[0] if later else inspected
            submitted_at = self.at(submitted_day, 14, 18)
            started = self.at(inspected, 8, 11)
            demo_user = self.school_user_id if p.school.pk == self.demo_school_id else None
            if status == "draft":
                hazards: list[HazardDraft] = []
                keys = list(p.base)
                filled = keys[: self.rng.randint(len(keys) // 4, len(keys) * 3 // 4)]
                results, total = {k: p.base[k] for k in filled}, 0
                submitted = None
            else:
                k = min(self.poisson(SELF_RATE * p.factor * season), 4)
                hazards = [self._hazard_draft(i) for i in self._pick_items(p, k, weights)]
                results, total = self._results(p, hazards)
                submitted = submitted_at
            drafts.append(
                InspectionDraft(
                    school=p.school,
                    kind=InspectionKind.SELF,
                    checklist_id=self.checklist.pk,
                    period=month,
                    due_on=due,
                    inspected_on=inspected,
                    status={
                        "draft": InspectionStatus.DRAFT,
                        "returned": InspectionStatus.RETURNED,
                    }.get(status, InspectionStatus.SUBMITTED),
                    submitted_at=submitted,
                    created_at=started,
                    results=results,
                    items_total=total if submitted else 0,
                    hazards=hazards,
                    leader=p.school.principal,
                    participants=self._participants(p),
                    summary=self._summary(total, len(hazards)) if submitted else "",
                    client_id=self._uuid(),
                    created_by_id=demo_user,
                    submitted_by_id=demo_user if submitted else None,
                    return_reason=self.rng.choice(RETURN_REASONS) if status == "returned" else "",
                )
            )
        return drafts

    def _self_outcome(self, p: _Profile, *, current: bool, can_be_late: bool) -> str | None:
        """on_time / late / draft / returned, or None for no row at all."""
        if p.school.pk == self.demo_school_id:
            # Past months done on time; this month left for the demo user to fill.
            return None if current else "on_time"
        kind = "laggard" if p.laggard else "normal"
        roll = self.rng.random()
        if current and roll < MISSING_CURRENT[kind]:
            outcome = self.rng.choices(("none", "draft", "returned"), (50, 40, 10))[0]
            return None if outcome == "none" else outcome
        if not current and roll < MISSING[kind]:
            return "draft" if self.rng.random() < 0.25 else None
        if can_be_late and self.rng.random() < LATE[kind]:
            return "late"
        return "on_time"

    def _participants(self, p: _Profile) -> str:
        if p.school.kind == SchoolKind.KINDERGARTEN:
            return "园长、保健医生、安全专干、后勤主任"
        if p.school.kind == SchoolKind.TEACHING_POINT:
            return "教学点负责人、全体教师"
        return "校长、分管安全副校长、安全专干、后勤主任、各年级组长"

    @staticmethod
    def _summary(total: int, hazards: int) -> str:
        if not hazards:
            return f"对照排查指南逐项开展自查，共排查{total}项，未发现安全隐患。"
        return (
            f"对照排查指南逐项开展自查，共排查{total}项，发现隐患{hazards}处，"
            "已明确整改责任人和整改时限。"
        )

    def campaign_inspections(
        self, campaign: Campaign, scope: list[_Profile], weights: dict[str, float]
    ) -> list[InspectionDraft]:
        days = self.working_days_between_dates(campaign.starts_on, campaign.ends_on)
        by = self.inspector if campaign.kind == InspectionKind.SUPERVISORY else self.safety
        category_weights = {k: v * weights.get(k, 1) for k, v in CATEGORY_WEIGHTS.items()}
        drafts = []
        for p in scope:
            day = self.rng.choice(days)
            k = min(self.poisson(CAMPAIGN_RATE * p.factor), 5)
            hazards = [self._hazard_draft(i) for i in self._pick_items(p, k, category_weights)]
            results, total = self._results(p, hazards)
            drafts.append(
                InspectionDraft(
                    school=p.school,
                    kind=campaign.kind,
                    campaign_id=campaign.pk,
                    checklist_id=campaign.checklist_id,
                    period=None,
                    due_on=campaign.ends_on,
                    inspected_on=day,
                    status=InspectionStatus.SUBMITTED,
                    submitted_at=self.at(day, 16, 19),
                    created_at=self.at(day, 8, 10),
                    results=results,
                    items_total=total,
                    hazards=hazards,
                    leader=by.full_name,
                    participants=f"{self.safety.full_name}、{self.inspector.full_name}、"
                    + (f"{p.township}中心校安全专干" if p.school.township_id else "学校安全专干"),
                    summary=(
                        f"{campaign.name}：检查{total}项，发现隐患{len(hazards)}处，"
                        "已当场反馈学校并提出整改要求。"
                    ),
                    client_id=self._uuid(),
                    created_by_id=by.pk,
                    submitted_by_id=by.pk,
                )
            )
        return drafts

    def write_inspections(self, drafts: list[InspectionDraft]) -> None:
        """The demo's writer: bulk_create (the bench writes with COPY instead)."""
        rows = [d.as_model() for d in drafts]
        with historical_timestamps(Inspection):
            Inspection.objects.bulk_create(rows, batch_size=self.ctx.batch_size)
        for draft, row in zip(drafts, rows, strict=True):
            draft.pk = row.pk
        self.remember(drafts)

    def remember(self, drafts: Sequence[InspectionDraft]) -> None:
        """Keep what the hazards need from written inspections (and drop the results)."""
        for d in drafts:
            if d.status == InspectionStatus.DRAFT or not d.hazards:
                continue
            assert d.pk is not None and d.submitted_at is not None
            reporter = d.submitted_by_id
            for h in d.hazards:
                self.pending.append(
                    _Pending(
                        profile=self.by_school[d.school.pk],
                        source=HazardSource.INSPECTION,
                        item=h.item,
                        severity=h.severity,
                        description=h.description,
                        location=h.location,
                        reported_on=d.inspected_on,
                        reported_at=d.submitted_at,
                        reporter_id=reporter,
                        inspection_id=d.pk,
                    )
                )
            d.results = {}

    # -- hazards

    def add_ad_hoc(self) -> None:
        """Hazards reported outside inspections: walk-arounds, complaints, circulars."""
        count = round(len(self.pending) * AD_HOC_SHARE)
        days = self.working_days_between_dates(self.start, self.today)
        profiles = self.profiles
        chosen = self.rng.choices(profiles, weights=[p.factor for p in profiles], k=count)
        for p in chosen:
            source = self.rng.choices(
                (HazardSource.WALKAROUND, HazardSource.COMPLAINT, HazardSource.CIRCULAR),
                (70, 20, 10),
            )[0]
            item = self._pick_items(p, 1, CATEGORY_WEIGHTS)[0]
            draft = self._hazard_draft(item)
            day = self.rng.choice(days)
            if p.school.pk == self.demo_school_id:
                reporter = self.school_user_id
            else:
                reporter = None if source == HazardSource.WALKAROUND else self.safety.pk
            self.pending.append(
                _Pending(
                    profile=p,
                    source=source,
                    item=item,
                    severity=draft.severity,
                    description=draft.description,
                    location=draft.location,
                    reported_on=day,
                    reported_at=self.at(day, 9, 17),
                    reporter_id=reporter,
                )
            )

    def write_hazards(self) -> int:
        """Hazards of every inspection written so far and the ad hoc ones, with their
        lifecycle, repeat links and history; returns how many."""
        self.add_ad_hoc()
        self.pending.sort(key=lambda h: (h.reported_at, h.profile.school.identifier, h.item.pk))
        window = timedelta(days=repeat_window_days())
        last: dict[tuple[int, str], _Pending] = {}
        for h in self.pending:
            key = (h.profile.school.pk, h.item.key)
            before = last.get(key)
            if before is not None and before.reported_on >= h.reported_on - window:
                h.repeat_of = before
            last[key] = h
            h.hazard = self._lifecycle(h)
        rows = [h.hazard for h in self.pending if h.hazard is not None]
        with historical_timestamps(Hazard):
            Hazard.objects.bulk_create(rows, batch_size=self.ctx.batch_size)
        repeats = []
        for h in self.pending:
            if h.repeat_of is not None:
                assert h.hazard is not None and h.repeat_of.hazard is not None
                h.hazard.repeat_of_id = h.repeat_of.hazard.pk
                repeats.append(h.hazard)
        Hazard.objects.bulk_update(repeats, ["repeat_of"], batch_size=self.ctx.batch_size)
        hazard_type = ContentType.objects.get_for_model(Hazard)
        steps = [
            RectificationStep(
                school_id=h.profile.school.pk,
                content_type=hazard_type,
                object_id=h.hazard.pk,
                action=action,
                from_status=before,
                to_status=after,
                actor_id=actor,
                note=note,
                created_at=moment,
            )
            for h in self.pending
            if h.hazard is not None
            for action, before, after, actor, note, moment in h.steps
        ]
        with historical_timestamps(RectificationStep):
            RectificationStep.objects.bulk_create(steps, batch_size=self.ctx.batch_size)
        return len(rows)

    def _lifecycle(self, h: _Pending) -> Hazard:
        """The hazard as it stands on the reference date, and the steps that led there."""
        rng, today = self.rng, self.today
        p = h.profile
        severity = h.severity
        school_actor = self.school_user_id if p.school.pk == self.demo_school_id else None
        verifier = self.inspector.pk if p.school.pk in self.inspector_schools else self.safety.pk
        report_deadline = self.deadline(severity, h.reported_on)
        moments: list[datetime] = [h.reported_at]

        def when(day: date, lo: int = 8, hi: int = 17) -> datetime:
            moment = max(self.at(day, lo, hi), moments[-1] + timedelta(minutes=10))
            moments.append(moment)
            return moment

        h.steps.append(("report", "", Status.REPORTED, h.reporter_id, "", h.reported_at))
        # The plan: made the day of the report or a few working days later.
        start = h.reported_at.date()
        delay = rng.choices((0, 1, 2, 3), (60, 28, 8, 4))[0]
        plan_day = add_working_days(start, delay) if delay else start
        if (h.item.key in DEFERRABLE and rng.random() < 0.22) or rng.random() < 0.008:
            kind = PlanKind.DEFERRED
        elif rng.random() < IMMEDIATE_SHARE[Severity(severity)]:
            kind = PlanKind.IMMEDIATE
        else:
            kind = PlanKind.BY_DEADLINE
        deadline: date | None
        if kind == PlanKind.IMMEDIATE:
            deadline = min(report_deadline, add_working_days(max(h.reported_on, plan_day), 1))
        elif kind == PlanKind.BY_DEADLINE:
            deadline = report_deadline
            if rng.random() < 0.12:
                extra = DEFAULT_DEADLINE_WORKING_DAYS[Severity(severity)] + rng.randint(5, 15)
                deadline = add_working_days(h.reported_on, extra)
        else:
            deadline = (
                h.reported_on + timedelta(days=rng.randint(90, 240))
                if rng.random() < 0.55
                else None
            )
        age = (today - h.reported_on).days
        stuck = rng.random() < (STUCK_RECENT if age <= 90 else STUCK_OLD)
        never_planned = stuck and rng.random() < 0.3
        # Rectification: on time, late, or (deferred) after months.
        if kind == PlanKind.DEFERRED:
            rectified = add_working_days(plan_day, rng.randint(40, 160))
        elif deadline is not None and rng.random() < LATE_RECTIFICATION:
            rectified = add_working_days(deadline, rng.randint(1, 12))
        else:
            assert deadline is not None
            span = max(working_days_between(plan_day, deadline), 0)
            k = rng.randint(0, span)
            rectified = add_working_days(plan_day, k) if k else plan_day
        rejected_on: date | None = None
        first_rectified = rectified
        if rng.random() < REJECTED_ONCE:
            rejected_on = add_working_days(rectified, rng.randint(1, 3))
            rectified = add_working_days(rejected_on, rng.randint(2, 6))
        # The bureau verifies in rounds (often at its next visit), then closes out.
        verify_day = add_working_days(rectified, rng.choice((1, 2, 3, 4, 5, 6, 8, 10, 12)))
        close_after = rng.choices((0, 1, 2, 3, 5), (30, 25, 20, 15, 10))[0]
        close_day = add_working_days(verify_day, close_after) if close_after else verify_day

        category = h.item.category
        hazard = Hazard(
            school_id=p.school.pk,
            source=h.source,
            inspection_id=h.inspection_id,
            item=h.item,
            item_key=h.item.key,
            category=category,
            category_key=category.key,
            location=h.location,
            description=h.description,
            reported_by_id=h.reporter_id,
            severity=severity,
            status=Status.REPORTED,
            reported_on=h.reported_on,
            responsible_person=p.officer,
            deadline=report_deadline,
            created_at=h.reported_at,
        )
        planned_at = None
        if not never_planned and plan_day <= today:
            planned_at = when(plan_day, 9, 11)
            hazard.status = Status.PLANNED
            hazard.plan_kind = kind
            hazard.deadline = deadline
            if kind == PlanKind.IMMEDIATE:
                hazard.plan_text = IMMEDIATE_TEXT
            elif kind == PlanKind.BY_DEADLINE:
                hazard.plan_text = PLAN_TEXTS.get(category.key, "")
            else:
                hazard.plan_text = PLAN_TEXTS.get(category.key, "")
                hazard.deferral_reason = rng.choice(DEFERRAL_REASONS)
                hazard.interim_measures = rng.choice(INTERIM_MEASURES)
                hazard.escalated_to = self._escalated_to(p)
            h.steps.append(("plan", Status.REPORTED, Status.PLANNED, school_actor, "", planned_at))
        evidence = EVIDENCE_TEXTS.get(category.key, "已整改到位。")
        first_rectified_on: date | None = None
        if planned_at is not None and not stuck:
            if rejected_on is not None and first_rectified <= today:
                first_rectified_on = first_rectified
                h.steps.append(
                    ("rectify", Status.PLANNED, Status.RECTIFIED, school_actor,
                     "", when(first_rectified, 15, 17))
                )  # fmt: skip
                hazard.status, hazard.rectified_on = Status.RECTIFIED, first_rectified
                hazard.evidence_text = evidence
                if rejected_on <= today:
                    reason = rng.choice(REJECT_REASONS)
                    h.steps.append(
                        ("reject", Status.RECTIFIED, Status.PLANNED, verifier, reason,
                         when(rejected_on, 9, 16))
                    )  # fmt: skip
                    hazard.status, hazard.rectified_on = Status.PLANNED, None
                    hazard.rejection_count, hazard.last_rejection_reason = 1, reason
            if rectified <= today:
                first_rectified_on = first_rectified_on or rectified
                note = f"整改责任人：{p.officer}"
                h.steps.append(
                    ("rectify", Status.PLANNED, Status.RECTIFIED, school_actor, note,
                     when(rectified, 15, 17))
                )  # fmt: skip
                hazard.status, hazard.rectified_on = Status.RECTIFIED, rectified
                hazard.evidence_text = evidence
            if rectified <= today and verify_day <= today:
                verified_at = when(verify_day, 9, 16)
                h.steps.append(
                    ("verify", Status.RECTIFIED, Status.VERIFIED, verifier, "现场复查，整改到位",
                     verified_at)
                )  # fmt: skip
                hazard.status = Status.VERIFIED
                hazard.verified_by_id, hazard.verified_at = verifier, verified_at
            if rectified <= today and verify_day <= today and close_day <= today:
                closed_at = when(close_day, 10, 17)
                h.steps.append(
                    ("close", Status.VERIFIED, Status.CLOSED, verifier, "同意销号", closed_at)
                )
                hazard.status, hazard.closed_at = Status.CLOSED, closed_at
        self._escalation(h, hazard, planned_at=planned_at, rectified_on=first_rectified_on)
        hazard.updated_at = max(moments)
        h.steps.sort(key=lambda s: s[5])
        return hazard

    def _escalated_to(self, p: _Profile) -> str:
        office = "办事处" if p.township.endswith("街道") else "人民政府"
        return f"{self.ctx.bureau.name}{self.safety_department}、{p.township}{office}"

    def _escalation(
        self,
        h: _Pending,
        hazard: Hazard,
        *,
        planned_at: datetime | None,
        rectified_on: date | None,
    ) -> None:
        """The level the daily overdue job would have raised the hazard to (it stops
        once the hazard is rectified), with one step per level reached."""
        deadline = hazard.deadline
        if deadline is None:
            return
        still_open = hazard.status in (Status.REPORTED, Status.PLANNED)
        if still_open or rectified_on is None:
            until = self.today
        else:
            until = rectified_on - timedelta(days=1)
        if deadline >= until:
            return
        level = escalation_level(deadline=deadline, today=until)
        thresholds = escalation_thresholds()
        for reached in range(1, level + 1):
            days = thresholds[reached - 1]
            day = deadline + timedelta(days=1) if days == 0 else add_working_days(deadline, days)
            note = f"逾期{days}个工作日，督办升级为第{reached}级：{ESCALATION_LABELS[reached]}"
            moment = datetime.combine(day, time(7, 0), tzinfo=self.tz)
            status = Status.PLANNED if planned_at and moment > planned_at else Status.REPORTED
            h.steps.append(("escalate", status, status, None, note, moment))
        if level:
            hazard.overdue_since = deadline + timedelta(days=1)
            # Closing resets the level (lifecycle.rectification_close); the date stays.
            hazard.overdue_level = 0 if hazard.status == Status.CLOSED else level

    # -- ledgers

    def write_ledgers(self) -> None:
        LedgerDemo(self).write_all()


def build(ctx: DemoContext, *, months: int | None = None) -> SafetyDemo:
    """The safety demo contributor (see :mod:`edubureau.orgs.demo`)."""
    demo = SafetyDemo(ctx, months=months)
    # The bureau went live with its first month of records: the facts count nothing
    # before it as missing and compare only with periods it wholly covers.
    Bureau.objects.filter(pk=ctx.bureau.pk).update(go_live=demo.start)
    ctx.bureau.go_live = demo.start
    with ctx.step("安全：排查指南 checklist"):
        demo.install_checklist()
    with ctx.step("安全：检查活动 campaigns"):
        demo.write_campaigns()
    with ctx.step(f"安全：月度自查与专项检查 inspections（{len(demo.months)}个月）"):
        for batch in demo.inspection_batches():
            demo.write_inspections(batch)
    with ctx.step("安全：隐患与整改记录 hazards"):
        demo.write_hazards()
    demo.write_ledgers()
    with ctx.step("安全：通知 notifications"):
        build_notices(ctx)
    return demo
