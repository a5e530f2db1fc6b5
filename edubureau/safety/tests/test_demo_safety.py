"""The safety demo data (edubureau.safety.demo) of the county demo: present, consistent
with itself and with the rules of the services, and enough for every dashboard figure.

The county demo is built once for this module, on the reference date 2026-11-16 (and
on that day by the clock, for the few timestamps the build takes from it), inside a
transaction rolled back at the end (each test runs in a savepoint of it). Other
reference dates: test_demo_dates.py."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.db.models import Count, F, Q
from django.urls import reverse

from edubureau.orgs.demo import DemoContext, build_demo
from edubureau.orgs.models import School, SchoolKind
from edubureau.rectification.models import PlanKind, RectificationStep, Status
from edubureau.safety.models import (
    Campaign,
    Canteen,
    Drill,
    EducationActivity,
    EmergencyPlan,
    Hazard,
    Inspection,
    InspectionKind,
    InspectionStatus,
    LetterTier,
    ResponsibilityLetter,
    SecurityResources,
    Vehicle,
)
from edubureau.safety.services.inspections import self_inspection_due_on

TODAY = dt.date(2026, 11, 16)
THIS_MONTH = TODAY.replace(day=1)
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        with time_machine.travel(dt.datetime.combine(TODAY, dt.time(9), tzinfo=SHANGHAI)):
            ctx = build_demo(scale="county", reference_date=TODAY)
        yield ctx
        transaction.set_rollback(True)


@pytest.fixture
def county(demo: DemoContext, db: None) -> DemoContext:
    return demo


def test_it_gives_every_school_its_monthly_self_inspections(county):
    schools = School.objects.filter(bureau=county.bureau)
    per_school = dict(
        schools.annotate(
            n=Count("inspections", filter=Q(inspections__kind=InspectionKind.SELF))
        ).values_list("pk", "n")
    )
    assert min(per_school.values()) >= 15  # 23 months, laggards skip a few
    self_inspections = Inspection.objects.filter(kind=InspectionKind.SELF)
    months = sorted(set(self_inspections.values_list("period", flat=True)))
    assert months[0] == dt.date(2025, 1, 1) and months[-1] == THIS_MONTH and len(months) == 23
    submitted = Counter(
        self_inspections.filter(status=InspectionStatus.SUBMITTED).values_list("period", flat=True)
    )
    total = schools.count()
    assert all(submitted[m] >= 0.93 * total for m in months[:-1])
    # About 10% missing this month; the demo school's is left for its user to fill.
    assert 0.80 * total <= submitted[THIS_MONTH] <= 0.95 * total
    assert not self_inspections.filter(school=county.demo_school, period=THIS_MONTH).exists()
    this_month = self_inspections.filter(period=THIS_MONTH)
    assert this_month.filter(status=InspectionStatus.DRAFT).exists()
    due = self_inspection_due_on(THIS_MONTH)
    assert set(this_month.values_list("due_on", flat=True)) == {due}
    on_time = this_month.filter(submitted_at__date__lte=F("due_on")).count()
    late = this_month.filter(submitted_at__date__gt=F("due_on")).count()
    assert on_time > late > 0
    assert not self_inspections.filter(submitted_at__date__gt=TODAY).exists()


def test_it_writes_results_as_the_inspection_service_does(county):
    checklist_items = {}
    for inspection in Inspection.objects.filter(status=InspectionStatus.SUBMITTED).select_related(
        "school", "checklist"
    )[:400]:
        if inspection.checklist_id not in checklist_items:
            checklist_items[inspection.checklist_id] = list(inspection.checklist.items.all())
        applicable = {
            str(i.pk)
            for i in checklist_items[inspection.checklist_id]
            if i.applies_to_kind(inspection.school.kind)
        }
        assert set(inspection.results) == applicable
        results = [e["r"] for e in inspection.results.values()]
        assert set(results) <= {"pass", "hazard", "na"}
        assert inspection.items_total == sum(1 for r in results if r != "na")
        for entry in inspection.results.values():
            if entry["r"] == "hazard":
                assert entry["d"] and entry["s"] in ("minor", "major", "critical")
            else:
                assert set(entry) == {"r"}


def test_it_keeps_hazards_consistent_with_the_inspections(county):
    found = dict(Inspection.objects.values_list("pk", "hazards_found"))
    rows: dict[int, set[int]] = defaultdict(set)
    for inspection_id, item_id in Hazard.objects.filter(inspection__isnull=False).values_list(
        "inspection_id", "item_id"
    ):
        rows[inspection_id].add(item_id)
    assert {pk: len(rows.get(pk, ())) for pk in found} == found
    failed = {
        pk: {int(k) for k, e in results.items() if e["r"] == "hazard"}
        for pk, results in Inspection.objects.filter(hazards_found__gt=0).values_list(
            "pk", "results"
        )
    }
    assert failed == dict(rows)
    mismatched = Hazard.objects.filter(inspection__isnull=False).exclude(
        reported_on=F("inspection__inspected_on")
    )
    assert not mismatched.exists()
    assert not Hazard.objects.exclude(category_key=F("category__key")).exists()
    assert not Hazard.objects.filter(item__isnull=False).exclude(item_key=F("item__key")).exists()


def test_it_finds_about_as_many_hazards_as_a_real_county(county):
    for year in (2025, 2026):
        hazards = Hazard.objects.filter(reported_on__year=year)
        assert 150 <= hazards.count() <= 400, year
        by_category = Counter(hazards.values_list("category_key", flat=True)).most_common()
        assert by_category[0][0] == "fire"
    sources = Counter(Hazard.objects.values_list("source", flat=True))
    assert sources["inspection"] > sources["walkaround"] > 0
    severities = Counter(Hazard.objects.values_list("severity", flat=True))
    assert severities["minor"] > severities["major"] > severities["critical"] > 0
    campaign_rate = Hazard.objects.filter(inspection__campaign__isnull=False).count() / (
        Inspection.objects.filter(campaign__isnull=False).count()
    )
    self_rate = Hazard.objects.filter(inspection__kind=InspectionKind.SELF).count() / (
        Inspection.objects.filter(kind=InspectionKind.SELF, status="submitted").count()
    )
    assert 0.05 < self_rate < 0.2 < campaign_rate < 0.9


def test_it_takes_hazards_through_every_state_of_the_lifecycle(county):
    statuses = Counter(Hazard.objects.values_list("status", flat=True))
    assert set(statuses) == set(Status.values)
    assert statuses[Status.CLOSED] > 0.8 * sum(statuses.values())
    closed = Hazard.objects.filter(status=Status.CLOSED)
    assert not closed.filter(
        Q(closed_at__isnull=True) | Q(verified_at__isnull=True) | Q(rectified_on__isnull=True)
    ).exists()
    verifiers = set(closed.values_list("verified_by__username", flat=True))
    assert verifiers == {"safety", "dudao"}
    assert closed.filter(rectified_on__gt=F("deadline")).exists()  # closed late
    assert closed.filter(rejection_count=1).exclude(last_rejection_reason="").exists()
    assert not closed.filter(closed_at__lt=F("verified_at")).exists()
    deferred = Hazard.objects.filter(plan_kind=PlanKind.DEFERRED)
    assert deferred.exists()
    assert not deferred.filter(
        Q(deferral_reason="") | Q(interim_measures="") | Q(escalated_to="")
    ).exists()
    assert deferred.filter(status=Status.PLANNED).exists()
    assert not Hazard.objects.filter(status=Status.REPORTED).exclude(plan_kind="").exists()
    assert not Hazard.objects.filter(rectified_on__gt=TODAY).exists()


def test_it_leaves_some_hazards_overdue_at_the_level_the_daily_job_reached(county):
    overdue = Hazard.objects.filter(
        status__in=(Status.REPORTED, Status.PLANNED), deadline__lt=TODAY
    )
    assert 3 <= overdue.count() <= 30
    assert not overdue.filter(Q(overdue_level=0) | Q(overdue_since__isnull=True)).exists()
    assert not overdue.exclude(overdue_since__gt=F("deadline")).exists()
    not_overdue = Hazard.objects.filter(status__in=(Status.REPORTED, Status.PLANNED)).exclude(
        pk__in=overdue.values("pk")
    )
    assert not not_overdue.filter(overdue_level__gt=0).exists()
    assert not Hazard.objects.filter(status=Status.CLOSED, overdue_level__gt=0).exists()


def test_it_links_repeats_to_the_earlier_hazard_of_the_same_item_and_school(county):
    repeats = Hazard.objects.filter(repeat_of__isnull=False).select_related("repeat_of")
    assert repeats.count() >= 5
    for h in repeats:
        earlier = h.repeat_of
        assert (earlier.school_id, earlier.item_key) == (h.school_id, h.item_key)
        assert dt.timedelta(0) <= h.reported_on - earlier.reported_on <= dt.timedelta(days=180)
        # The latest earlier one, as hazard_report's find_repeat_of picks it.
        between = Hazard.objects.filter(
            school_id=h.school_id,
            item_key=h.item_key,
            reported_on__gt=earlier.reported_on,
            reported_on__lt=h.reported_on,
        )
        assert not between.exists()


def test_it_records_the_history_of_every_hazard(county):
    hazards = Hazard.objects.count()
    steps = RectificationStep.objects.all()
    actions = Counter(steps.values_list("action", flat=True))
    assert actions["report"] == hazards
    assert actions["close"] == Hazard.objects.filter(status=Status.CLOSED).count()
    assert actions["reject"] > 0 and actions["escalate"] > 0
    last: dict[int, RectificationStep] = {}
    for step in steps.exclude(action="escalate").order_by("created_at", "id"):
        assert step.created_at.date() <= TODAY
        if step.object_id in last:
            assert step.from_status == last[step.object_id].to_status
        last[step.object_id] = step
    assert {pk: s.to_status for pk, s in last.items()} == dict(
        Hazard.objects.values_list("pk", "status")
    )


def test_it_runs_campaigns_over_a_share_of_the_schools(county):
    campaigns = Campaign.objects.annotate(
        scope=Count("schools", distinct=True), done=Count("inspections", distinct=True)
    )
    assert {c.theme for c in campaigns} >= {"节前", "汛期", "开学前"}
    assert {c.starts_on.year for c in campaigns} == {2025, 2026}
    for c in campaigns:
        assert c.scope == c.done > 0, c.name
        assert c.team.exists()
    inspections = Inspection.objects.filter(campaign__isnull=False)
    assert not inspections.exclude(
        inspected_on__range=(F("campaign__starts_on"), F("campaign__ends_on"))
    ).exists()
    assert set(inspections.values_list("submitted_by__username", flat=True)) == {"safety", "dudao"}


def test_it_fills_every_ledger(county):
    schools = School.objects.filter(bureau=county.bureau)
    n = schools.count()
    letters = ResponsibilityLetter.objects.all()
    assert letters.count() == n * 3 * 2  # two school years, three tiers
    assert set(letters.values_list("tier", flat=True)) == set(LetterTier.values)
    incomplete = letters.filter(signed_count__lt=F("due_count"))
    assert 0 < incomplete.count() < 0.15 * letters.count()
    soon = EmergencyPlan.objects.filter(
        review_due__gte=TODAY, review_due__lte=TODAY + dt.timedelta(days=30)
    )
    assert soon.exists()
    # Plans are revised when they fall due: only a few are flagged at any time (the
    # reminder on every school's and the bureau's workbench would be noise otherwise).
    flagged = EmergencyPlan.objects.filter(review_due__lte=TODAY + dt.timedelta(days=30))
    assert 0 < flagged.count() < 0.1 * EmergencyPlan.objects.count()
    autumn = Drill.objects.filter(
        held_on__gte=dt.date(2025, 9, 1), held_on__lte=dt.date(2026, 1, 20)
    )
    per_school = Counter(autumn.values_list("school_id", flat=True))
    assert len(per_school) == n and min(per_school.values()) >= 1 and max(per_school.values()) <= 4
    assert EducationActivity.objects.values("school").distinct().count() == n
    vehicles = Vehicle.objects.all()
    assert 10 <= vehicles.count() <= 30
    expiring = vehicles.filter(
        Q(driver_licence_expires__lte=TODAY + dt.timedelta(days=30))
        | Q(inspection_expires__lte=TODAY + dt.timedelta(days=30))
        | Q(insurance_expires__lte=TODAY + dt.timedelta(days=30))
    )
    assert 0 < expiring.count() < vehicles.count()
    canteen_schools = set(Canteen.objects.values_list("school_id", flat=True))
    teaching_points = set(
        schools.filter(kind=SchoolKind.TEACHING_POINT).values_list("pk", flat=True)
    )
    assert canteen_schools == set(schools.values_list("pk", flat=True)) - teaching_points
    assert SecurityResources.objects.count() == n
    assert not SecurityResources.objects.filter(alarm_linked_to_police=True, one_key_alarm=False)


def test_it_gives_the_leaders_dashboard_substance(county, client_for):
    moment = dt.datetime.combine(TODAY, dt.time(10), tzinfo=SHANGHAI)
    with time_machine.travel(moment, tick=False):
        response = client_for(county.users["leader"]).get(reverse("safety:dashboard"))
    assert response.status_code == 200
    board = response.context["board"]
    assert board.completion.due == School.objects.filter(bureau=county.bureau).count()
    assert 0 < board.completion.missing < board.completion.submitted
    assert board.found.value > 150 and board.closed.value > 0
    assert board.rectification_rate.value > 50
    assert board.median_days.value > 0
    assert board.open_hazards.total.value > 0 and board.open_hazards.overdue.value > 0
    assert board.overdue and board.repeats
    assert sum(p.found.count for p in board.trend) > 0
    assert sum(p.closed.count for p in board.trend) > 0
    assert board.coverage.letters_total.value > 90
    assert board.coverage.drills.value > 0 and board.coverage.vehicles.value > 0
    assert board.campaigns


def test_it_leaves_every_demo_account_unread_notifications(county):
    from edubureau.notifications.models import Notification

    unread = Notification.objects.filter(read_at__isnull=True)
    # One account per role (accounts later modules add, such as plans' office, are
    # theirs to notify).
    roles = ("leader", "safety", "jichu", "inspector", "admin", "township")
    for key in (*roles, "principal", "safety_officer", "teacher"):
        assert unread.filter(recipient=county.users[key]).exists(), key
    # What the safety module would have sent, through its real senders, dated today.
    for key in ("safety", "principal", "safety_officer"):
        assert unread.filter(recipient=county.users[key], topic__startswith="safety.").exists(), key
    assert {n.created_at.astimezone(SHANGHAI).date() for n in unread} == {TODAY}
