"""Overdue hazards and the escalation ladder (services/overdue.py)."""

from __future__ import annotations

from datetime import date, time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from edubureau.audit.models import Action, AuditEvent
from edubureau.core.calendar import add_working_days, working_days_between
from edubureau.core.concurrency import version_token
from edubureau.jobs.scheduler import registry
from edubureau.notifications.models import Level, Notification
from edubureau.orgs.models import Role
from edubureau.rectification.lifecycle import Plan, is_overdue, rectification_plan, steps_for
from edubureau.rectification.models import PlanKind, Status
from edubureau.safety.models import Hazard
from edubureau.safety.services.overdue import escalation_level, hazards_mark_overdue
from edubureau.safety.tests.factories_hazards import at, hazard_in_state, make_hazard
from edubureau.testing.factories import UserFactory

pytestmark = pytest.mark.time_machine(at(date(2026, 9, 29)))

# A minor hazard found on Tuesday 29 September 2026 gets 5 working days. National Day
# (1-7 October) and the weekend are skipped and Saturday 10 October is a make-up
# working day, so it is due on Monday 12 October 2026.
FOUND = date(2026, 9, 29)
DUE = date(2026, 10, 12)


def _overdue_hazard(cast, **kwargs) -> Hazard:
    return make_hazard(cast, reported_on=FOUND, **kwargs)


def _notified(hazard: Hazard) -> list[tuple[str, str]]:
    return sorted(
        (n.recipient.username, n.level)
        for n in Notification.objects.filter(link=f"/safety/hazards/{hazard.pk}/")
    )


def test_it_computes_the_deadline_across_the_national_day_holiday(cast):
    hazard = _overdue_hazard(cast)
    assert hazard.deadline == add_working_days(FOUND, 5) == DUE


@pytest.mark.parametrize("today", [date(2026, 10, 8), date(2026, 10, 10), DUE])
def test_it_does_not_mark_a_hazard_overdue_until_its_deadline_has_passed(cast, today):
    hazard = _overdue_hazard(cast)
    run = hazards_mark_overdue(today=today)
    stored = Hazard.objects.get(pk=hazard.pk)
    assert (run.overdue, stored.overdue_level, stored.overdue_since) == (0, 0, None)
    assert not is_overdue(stored, today=today)


@pytest.mark.parametrize(("today", "level"), [(date(2026, 10, 13), 1), (date(2026, 10, 14), 2)])
def test_it_marks_a_hazard_overdue_after_its_deadline(cast, today, level):
    hazard = _overdue_hazard(cast)
    run = hazards_mark_overdue(today=today)
    stored = Hazard.objects.get(pk=hazard.pk)
    assert run.overdue == 1
    assert stored.overdue_level == level
    assert stored.overdue_since == date(2026, 10, 13)
    assert is_overdue(stored, today=today)


@pytest.mark.parametrize(
    ("today", "working_days_overdue", "level"),
    [
        (date(2026, 10, 13), 1, 1),
        (date(2026, 10, 14), 2, 2),
        (date(2026, 10, 16), 4, 2),
        (date(2026, 10, 19), 5, 3),
        (date(2026, 10, 26), 10, 4),
        (date(2026, 11, 6), 19, 4),
        (date(2026, 11, 9), 20, 5),
    ],
)
def test_it_climbs_one_level_per_configured_number_of_working_days(
    db, today, working_days_overdue, level
):
    assert working_days_between(DUE, today) == working_days_overdue
    assert escalation_level(deadline=DUE, today=today) == level


def test_it_counts_only_working_days_when_climbing(db):
    # Due Friday 2 October is inside the holiday; the next working day is 8 October.
    deadline = date(2026, 9, 30)
    assert escalation_level(deadline=deadline, today=date(2026, 10, 7)) == 1  # 0 working days
    assert escalation_level(deadline=deadline, today=date(2026, 10, 9)) == 2  # 2 working days


def test_it_notifies_the_right_people_at_each_level(cast):
    hazard = _overdue_hazard(cast)
    expected = {
        date(2026, 10, 13): ({"a_officer", "a_principal"}, Level.WARNING),
        date(2026, 10, 14): ({"a_principal"}, Level.WARNING),
        date(2026, 10, 19): ({"safety"}, Level.WARNING),
        date(2026, 10, 26): ({"leader"}, Level.WARNING),
        # 挂牌督办 climbs past the county: the city's safety department is told too.
        date(2026, 11, 9): (
            {"a_officer", "a_principal", "safety", "leader", "city_safety"},
            Level.URGENT,
        ),
    }
    for level, (today, (users, note_level)) in enumerate(expected.items(), start=1):
        before = set(Notification.objects.values_list("pk", flat=True))
        run = hazards_mark_overdue(today=today)
        assert run.escalated == {level: 1}
        new = Notification.objects.exclude(pk__in=before)
        assert {n.recipient.username for n in new} == users, today
        assert {n.level for n in new} == {note_level}
        assert {n.topic for n in new} == {"safety.hazard_overdue"}
        assert Hazard.objects.get(pk=hazard.pk).overdue_level == level
    # Nobody outside the ladder heard of it: not the read-only teacher, the office, school B.
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert told.isdisjoint({"a_teacher", "office", "b_officer", "inspector", "admin"})
    assert told.isdisjoint({"sibling_safety", "city_leader", "province_safety"})


def test_it_escalates_to_the_safety_departments_leader_in_charge_when_one_is_set(cast):
    # Two leaders; the second is 分管 safety. Level 4 goes to them alone, and back to
    # every leader once the post is left empty.
    other = UserFactory(bureau=cast.bureau, username="leader2", role=Role.BUREAU_LEADER)
    cast.safety_dept.leader_in_charge = other
    cast.safety_dept.save()
    hazard = _overdue_hazard(cast)
    hazards_mark_overdue(today=date(2026, 10, 26))  # straight to level 4
    leaders = {u for u, _ in _notified(hazard)} & {"leader", "leader2"}
    assert leaders == {"leader2"}

    cast.safety_dept.leader_in_charge = None
    cast.safety_dept.save()
    second = _overdue_hazard(cast)
    hazards_mark_overdue(today=date(2026, 10, 26))
    assert {u for u, _ in _notified(second)} >= {"leader", "leader2"}


def test_it_notifies_once_when_run_twice_on_the_same_day(cast):
    hazard = _overdue_hazard(cast)
    first = hazards_mark_overdue(today=date(2026, 10, 14))
    count = Notification.objects.count()
    second = hazards_mark_overdue(today=date(2026, 10, 14))
    assert first.escalated_total == 1 and first.notified == count > 0
    assert (second.escalated_total, second.notified) == (0, 0)
    assert Notification.objects.count() == count
    assert [s.action for s in steps_for(hazard)].count("escalate") == 1


def test_it_notifies_every_skipped_level_once_when_climbing_several_at_once(cast):
    hazard = _overdue_hazard(cast)
    hazards_mark_overdue(today=date(2026, 10, 19))  # first run: straight to level 3
    assert Hazard.objects.get(pk=hazard.pk).overdue_level == 3
    assert _notified(hazard) == [
        ("a_officer", Level.WARNING),
        ("a_principal", Level.WARNING),
        ("safety", Level.WARNING),
    ]


def test_it_records_the_escalation_in_history_and_audit_without_changing_the_version(cast):
    hazard = _overdue_hazard(cast)
    version = version_token(Hazard.objects.get(pk=hazard.pk))
    hazards_mark_overdue(today=date(2026, 10, 14))
    stored = Hazard.objects.get(pk=hazard.pk)
    step = steps_for(stored).get(action="escalate")
    assert (step.from_status, step.to_status, step.actor) == (
        Status.REPORTED,
        Status.REPORTED,
        None,
    )
    assert "督促校长" in step.note
    event = AuditEvent.objects.get(
        object_id=str(hazard.pk), action=Action.UPDATE, model_label="safety.Hazard"
    )
    assert event.changes["overdue_level"] == [0, 2]
    assert event.actor is None and event.actor_name.startswith("系统")
    # A school editing the hazard when the job runs does not get a false conflict.
    assert version_token(stored) == version


def test_it_leaves_rectified_closed_and_open_ended_deferred_hazards_alone(cast, time_machine):
    rectified = hazard_in_state(cast, Status.RECTIFIED, reported_on=FOUND)
    closed = hazard_in_state(cast, Status.CLOSED, reported_on=FOUND)
    deferred = rectification_plan(
        actor=cast.school_a_officer,
        obj=_overdue_hazard(cast),
        plan=Plan(
            kind=PlanKind.DEFERRED,
            deferral_reason="需整体改造",
            interim_measures="停用并设警戒线",
            escalated_to="县教育局安全股",
        ),
    )
    run = hazards_mark_overdue(today=date(2026, 11, 30))
    assert run.overdue == 0
    for hazard in (rectified, closed, deferred):
        assert Hazard.objects.get(pk=hazard.pk).overdue_level == 0
    # The walk through the lifecycle notified its steps (safety/notices.py); the job nothing.
    assert not Notification.objects.filter(topic="safety.hazard_overdue").exists()


def test_it_uses_the_configured_thresholds(cast, settings):
    settings.SAFETY_ESCALATION_WORKING_DAYS = (0, 1, 2, 3, 4)
    hazard = _overdue_hazard(cast)
    hazards_mark_overdue(today=date(2026, 10, 16))  # 4 working days overdue
    assert Hazard.objects.get(pk=hazard.pk).overdue_level == 5


def test_it_rejects_a_malformed_threshold_setting(db, settings):
    settings.SAFETY_ESCALATION_WORKING_DAYS = (0, 5, 2, 10, 20)
    with pytest.raises(ValueError, match="non-decreasing"):
        escalation_level(deadline=DUE, today=date(2026, 10, 20))


def test_it_changes_nothing_on_a_dry_run(cast):
    hazard = _overdue_hazard(cast)
    run = hazards_mark_overdue(today=date(2026, 10, 14), dry_run=True)
    assert run.escalated == {2: 1}
    assert Hazard.objects.get(pk=hazard.pk).overdue_level == 0
    assert not Notification.objects.exists()


def test_the_command_runs_as_of_a_date_and_reports(cast):
    hazard = _overdue_hazard(cast)
    out = StringIO()
    call_command("safety_mark_overdue", "--date", "2026-10-14", "--dry-run", stdout=out)
    assert "逾期隐患1个，将升级1个" in out.getvalue()
    assert Hazard.objects.get(pk=hazard.pk).overdue_level == 0
    call_command("safety_mark_overdue", "--date", "2026-10-14", stdout=out)
    assert Hazard.objects.get(pk=hazard.pk).overdue_level == 2
    assert "发送通知" in out.getvalue()


def test_the_command_refuses_a_malformed_date():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("safety_mark_overdue", "--date", "14/10/2026")


def test_it_is_registered_as_a_daily_job_and_runs(cast, time_machine):
    job = registry.get("safety.mark_overdue")
    assert job.daily_at == time(7, 30)
    hazard = _overdue_hazard(cast)
    time_machine.move_to(at(date(2026, 10, 14), hour=7))
    result = job.target()
    assert result["escalated"] == {"2": 1}
    assert Hazard.objects.get(pk=hazard.pk).overdue_level == 2
