"""证照到期提醒: the weekly reminder of expiring ledger documents, its job and command."""

from __future__ import annotations

import io
from datetime import date

import pytest
import time_machine
from django.core.management import call_command

from edubureau.notifications.models import Notification
from edubureau.safety.services.expiry import BUREAU_TOPIC, SCHOOL_TOPIC, documents_expiry_remind
from edubureau.safety.tests.factories_inspections import at
from edubureau.safety.tests.factories_ledgers import (
    CanteenFactory,
    EmergencyPlanFactory,
    VehicleFactory,
)

MONDAY = date(2026, 3, 16)


@pytest.fixture
def documents(cast):
    """School A: a bus with an expired licence and an inspection due in 14 days, and a
    bus with nothing due; school B: a canteen licence due in 25 days; the other bureau's
    school: a plan due for review in 4 days. Inactive rows and far-off dates never count."""
    VehicleFactory(
        school=cast.school_a,
        plate="川A10001",
        driver_licence_expires=date(2026, 3, 10),
        inspection_expires=date(2026, 3, 30),
    )
    VehicleFactory(school=cast.school_a, plate="川A10002")
    VehicleFactory(
        school=cast.school_a, plate="川A10003", is_active=False, insurance_expires=date(2026, 3, 1)
    )
    CanteenFactory(school=cast.school_b, name="乙校食堂", licence_expires=date(2026, 4, 10))
    CanteenFactory(school=cast.school_b, name="乙校二食堂", licence_expires=date(2026, 4, 16))
    EmergencyPlanFactory(school=cast.other_school, name="外局预案", review_due=date(2026, 3, 20))


def _notes(topic, **filters):
    return Notification.objects.filter(topic=topic, **filters)


@time_machine.travel(at(MONDAY), tick=False)
def test_it_tells_each_school_of_its_own_documents_only(cast, documents):
    run = documents_expiry_remind(today=MONDAY)

    assert run.ran and run.schools == [cast.school_a, cast.school_b]
    assert run.documents == 3
    # The other bureau's school has no account yet: reported, not lost.
    assert run.unreachable == [cast.other_school]
    mine = _notes(SCHOOL_TOPIC, school_id=cast.school_a.pk)
    # The officer and the principal, not the read-only teacher.
    assert {n.recipient for n in mine} == {cast.school_a_officer, cast.school_a_principal}
    note = mine.first()
    assert note.title == "【证照到期】本校1份证照30天内到期，1份已过期"
    assert "川A10001 驾驶证 2026-03-10（已过期6天）" in note.body
    assert "川A10001 车辆检验 2026-03-30（还有14天）" in note.body
    assert "川A10002" not in note.body and "川A10003" not in note.body
    assert "乙校" not in note.body
    assert note.link == "/safety/ledgers/"
    assert {n.recipient for n in _notes(SCHOOL_TOPIC, school_id=cast.school_b.pk)} == {
        cast.school_b_officer
    }
    assert "乙校食堂 食品经营许可证 2026-04-10（还有25天）" in (
        _notes(SCHOOL_TOPIC, school_id=cast.school_b.pk).get().body
    )


@time_machine.travel(at(MONDAY), tick=False)
def test_it_sends_each_safety_department_a_digest_of_its_bureau(cast, documents):
    documents_expiry_remind(today=MONDAY)

    digest = _notes(BUREAU_TOPIC, recipient=cast.safety_staff).get()
    assert digest.title == "【证照到期】2所学校2份证照30天内到期，1份已过期"
    assert (
        digest.body.index("驾驶证") < digest.body.index("车辆检验") < digest.body.index("乙校食堂")
    )
    assert f"{cast.school_a.name}：川A10001" in digest.body
    assert "外局预案" not in digest.body
    # Only the safety department: other bureau staff and leaders are not told weekly.
    assert not _notes(BUREAU_TOPIC, recipient=cast.office_staff).exists()
    assert not _notes(BUREAU_TOPIC, recipient=cast.leader).exists()


@time_machine.travel(at(MONDAY), tick=False)
def test_it_reminds_once_a_week_and_makes_up_a_missed_monday(cast, documents):
    documents_expiry_remind(today=MONDAY)
    sent = Notification.objects.count()

    again = documents_expiry_remind(today=MONDAY)
    assert (again.schools, again.skipped, again.notified) == ([], 2, 0)
    with time_machine.travel(at(date(2026, 3, 20)), tick=False):
        assert documents_expiry_remind(today=date(2026, 3, 20)).notified == 0
    assert Notification.objects.count() == sent

    with time_machine.travel(at(date(2026, 3, 24)), tick=False):  # next week's Tuesday
        later = documents_expiry_remind(today=date(2026, 3, 24))
    assert len(later.schools) == 2 and later.bureaus == 1
    assert Notification.objects.count() == 2 * sent


@time_machine.travel(at(date(2026, 10, 5)), tick=False)
def test_it_waits_for_a_working_day(cast, documents):
    # Monday 5 October 2026 is in the National Day holiday; Saturday 10 October works.
    assert documents_expiry_remind(today=date(2026, 10, 5)).ran is False
    assert documents_expiry_remind(today=date(2026, 10, 3)).ran is False
    assert not Notification.objects.exists()


@time_machine.travel(at(MONDAY), tick=False)
def test_it_runs_from_the_command_and_the_daily_job(cast, documents):
    from edubureau.jobs.scheduler import registry
    from edubureau.safety.tasks import remind_expiring_documents

    out = io.StringIO()
    call_command("safety_remind_expiring_documents", "--date", "2026-03-21", stdout=out)
    assert "不是工作日" in out.getvalue()
    call_command("safety_remind_expiring_documents", "--dry-run", stdout=out)
    assert "将提醒2所学校（3份证照）" in out.getvalue()
    assert f"1所学校没有可接收提醒的账号（{cast.other_school.name}）" in out.getvalue()
    assert not Notification.objects.exists()

    assert "safety.remind_expiring_documents" in registry
    outcome = remind_expiring_documents()
    assert outcome["ran"] is True and outcome["schools"] == 2 and outcome["bureaus"] == 1
    assert outcome["notified"] == Notification.objects.count() > 0

    out = io.StringIO()
    call_command("safety_remind_expiring_documents", stdout=out)
    assert "已提醒0所学校" in out.getvalue() and "本周已提醒过2所" in out.getvalue()


@time_machine.travel(at(MONDAY), tick=False)
def test_it_stays_quiet_without_expiring_documents(cast):
    VehicleFactory(school=cast.school_a)
    run = documents_expiry_remind(today=MONDAY)
    assert run.ran and run.schools == [] and run.bureaus == 0
    assert not Notification.objects.exists()


@time_machine.travel(at(MONDAY), tick=False)
def test_a_school_whose_documents_have_all_expired_is_not_told_of_zero(cast):
    VehicleFactory(school=cast.school_a, plate="川A20001", insurance_expires=date(2026, 3, 1))
    documents_expiry_remind(today=MONDAY)

    note = _notes(SCHOOL_TOPIC, recipient=cast.school_a_officer).get()
    assert note.title == "【证照到期】本校1份证照已过期"
