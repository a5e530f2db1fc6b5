"""Each step of a hazard's life, and a campaign, notifies exactly the right people
once (safety/notices.py): not the actor, not other schools, not other bureaus; a
burst of findings from one inspection is one message."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
import time_machine
from django.db import transaction

from edubureau.core.calendar import add_working_days, is_working_day
from edubureau.notifications import topics
from edubureau.notifications.models import Level, MutedTopic, Notification, WebhookDelivery
from edubureau.notifications.tests.conftest import make_endpoint
from edubureau.orgs.models import Role
from edubureau.rectification.lifecycle import (
    Plan,
    can_verify,
    rectification_close,
    rectification_plan,
    rectification_rectify,
    rectification_verify,
    verifiers_among,
)
from edubureau.rectification.models import PlanKind, Severity, Status
from edubureau.safety import notices
from edubureau.safety.models import (
    Checklist,
    ChecklistCategory,
    ChecklistItem,
    HazardSource,
    InspectionKind,
    ItemResult,
    SafetySettings,
)
from edubureau.safety.services.campaigns import CampaignData, campaign_create
from edubureau.safety.services.hazards import hazard_report_ad_hoc
from edubureau.safety.services.inspections import (
    ItemEntry,
    inspection_save,
    inspection_start_campaign,
    inspection_start_self,
)
from edubureau.safety.services.verification import hazards_verify_bulk
from edubureau.safety.tests.factories_hazards import (
    at,
    category,
    hazard_in_state,
    make_hazard,
)
from edubureau.safety.tests.factories_inspections import make_campaign
from edubureau.testing.dates import today
from edubureau.testing.factories import UserFactory

pytestmark = pytest.mark.django_db


def received(topic: str) -> Counter[str]:
    """username → how many notifications of ``topic`` they got."""
    return Counter(
        Notification.objects.filter(topic=topic).values_list("recipient__username", flat=True)
    )


def once(*users) -> Counter[str]:
    return Counter({u.username: 1 for u in users})


def report(cast, *, actor, severity=Severity.MINOR, school=None):
    school = school or cast.school_a
    return hazard_report_ad_hoc(
        actor=actor,
        school=school,
        category=category(school.bureau),
        description="实验室门口灭火器过期",
        source=HazardSource.WALKAROUND,
        reported_on=today(),
        severity=severity,
    )


# ---------------------------------------------------------------- reported ad hoc


def test_a_minor_hazard_reported_tells_its_schools_users_who_can_act(cast):
    report(cast, actor=cast.safety_staff)
    # Not the read-only teacher, not school B, not the reporter, not the leaders.
    assert received(notices.REPORTED_TOPIC) == once(cast.school_a_officer, cast.school_a_principal)
    assert not Notification.objects.exclude(topic=notices.REPORTED_TOPIC).exists()


def test_a_minor_hazard_reported_by_the_school_tells_the_colleagues_not_the_reporter(cast):
    report(cast, actor=cast.school_a_officer)
    assert received(notices.REPORTED_TOPIC) == once(cast.school_a_principal)


def test_a_critical_hazard_is_urgent_at_once_to_the_safety_department_and_its_leader(cast):
    report(cast, actor=cast.school_a_officer, severity=Severity.CRITICAL)
    # No leader in charge set: every leader of the bureau. Not the city, not 乙县.
    assert received(notices.URGENT_TOPIC) == once(
        cast.safety_staff, cast.leader, cast.school_a_principal
    )
    assert set(Notification.objects.values_list("level", flat=True)) == {Level.URGENT}
    assert Notification.objects.count() == 3


def test_a_critical_hazard_goes_to_the_leader_in_charge_when_one_is_set(cast):
    deputy = UserFactory.create(bureau=cast.bureau, username="deputy", role=Role.BUREAU_LEADER)
    cast.safety_dept.leader_in_charge = deputy
    cast.safety_dept.save()
    report(cast, actor=cast.inspector, severity=Severity.CRITICAL)
    assert received(notices.URGENT_TOPIC) == once(
        cast.safety_staff, deputy, cast.school_a_officer, cast.school_a_principal
    )


def test_a_major_hazard_is_urgent_to_the_safety_department_but_not_the_leaders(cast):
    report(cast, actor=cast.safety_staff, severity=Severity.MAJOR)
    assert received(notices.URGENT_TOPIC) == once(cast.school_a_officer, cast.school_a_principal)
    report(cast, actor=cast.inspector, severity=Severity.MAJOR)
    assert received(notices.URGENT_TOPIC) == Counter(
        {"a_officer": 2, "a_principal": 2, "safety": 1}
    )


# ---------------------------------------------------------------- an inspection's burst


def twelve_item_checklist(cast) -> list[ChecklistItem]:
    Checklist.objects.filter(bureau=cast.bureau).update(is_current=False)
    checklist = Checklist.objects.create(
        bureau=cast.bureau, name="测试排查指南", version=99, is_current=True
    )
    fire = ChecklistCategory.objects.create(checklist=checklist, key="fire", name="消防安全")
    return [
        ChecklistItem.objects.create(
            checklist=checklist,
            category=fire,
            key=f"fire.{n}",
            text=f"消防事项{n}",
            default_severity=Severity.MINOR,
            sort_order=n,
        )
        for n in range(12)
    ]


def fail_everything(items, *, severity=None):
    return {
        i.pk: ItemEntry(
            result=ItemResult.HAZARD,
            description=f"{i.text}不合格",
            severity=(severity or {}).get(n, ""),
        )
        for n, i in enumerate(items)
    }


def test_twelve_minor_hazards_of_one_self_inspection_are_one_message(cast):
    items = twelve_item_checklist(cast)
    make_endpoint(cast, "http://127.0.0.1:9", name="局安全群")
    make_endpoint(cast, "http://127.0.0.1:9", name="甲校群", school=cast.school_a)
    make_endpoint(cast, "http://127.0.0.1:9", name="乙校群", school=cast.school_b)
    inspection = inspection_start_self(
        actor=cast.school_a_officer, school=cast.school_a, period=today()
    )
    outcome = inspection_save(
        actor=cast.school_a_officer,
        inspection=inspection,
        entries=fail_everything(items),
        submit=True,
    )
    assert len(outcome.hazards_created) == 12
    assert received(notices.REPORTED_TOPIC) == once(cast.school_a_principal)
    assert Notification.objects.count() == 1
    note = Notification.objects.get()
    assert note.title == f"甲镇中心小学{today().month}月自查发现12处一般隐患"
    day = today().isoformat()
    assert note.link == f"/safety/hazards/?school={cast.school_a.pk}&since={day}&until={day}"
    # One delivery per robot, not one per hazard.
    assert WebhookDelivery.objects.count() == 2


def test_a_burst_with_a_critical_finding_is_one_digest_plus_the_urgent_message(cast):
    items = twelve_item_checklist(cast)
    inspection = inspection_start_self(
        actor=cast.school_a_officer, school=cast.school_a, period=today()
    )
    inspection_save(
        actor=cast.school_a_officer,
        inspection=inspection,
        entries=fail_everything(items, severity={0: Severity.CRITICAL, 1: Severity.MAJOR}),
        submit=True,
    )
    digest = Notification.objects.get(recipient=cast.school_a_principal)
    assert digest.title.endswith("发现12处隐患（重大1处、较大1处、一般10处）")
    assert digest.level == Level.URGENT
    # The department: one urgent message per 较大 / 重大 hazard; the leader only the 重大.
    assert received(notices.URGENT_TOPIC) == Counter({"a_principal": 1, "safety": 2, "leader": 1})


def test_a_resubmission_after_a_return_tells_only_of_the_new_hazards(cast):
    items = twelve_item_checklist(cast)
    inspection = inspection_start_self(
        actor=cast.school_a_officer, school=cast.school_a, period=today()
    )
    entries = fail_everything(items[:3])
    entries |= {i.pk: ItemEntry(result=ItemResult.PASS) for i in items[3:]}
    inspection_save(
        actor=cast.school_a_officer, inspection=inspection, entries=entries, submit=True
    )
    inspection.refresh_from_db()
    inspection.status = "returned"
    inspection.save()
    entries = fail_everything(items[:4])
    entries |= {i.pk: ItemEntry(result=ItemResult.PASS) for i in items[4:]}
    inspection_save(
        actor=cast.school_a_officer, inspection=inspection, entries=entries, submit=True
    )
    titles = sorted(Notification.objects.values_list("title", flat=True))
    assert [t[-8:] for t in titles] == ["发现1处一般隐患", "发现3处一般隐患"]


def test_a_campaign_inspection_tells_every_user_of_the_school_who_can_act(cast):
    items = twelve_item_checklist(cast)
    campaign = make_campaign(cast.bureau, schools=[cast.school_a], team=[cast.inspector])
    campaign.checklist = items[0].checklist
    campaign.save()
    inspection = inspection_start_campaign(
        actor=cast.inspector, campaign=campaign, school=cast.school_a
    )
    entries = fail_everything(items[:2])
    entries |= {i.pk: ItemEntry(result=ItemResult.PASS) for i in items[2:]}
    inspection_save(actor=cast.inspector, inspection=inspection, entries=entries, submit=True)
    assert received(notices.REPORTED_TOPIC) == once(cast.school_a_officer, cast.school_a_principal)
    assert Notification.objects.get(recipient=cast.school_a_officer).title == (
        f"{campaign.name}在甲镇中心小学发现2处一般隐患"
    )


# ---------------------------------------------------------------- the lifecycle's steps


def test_planning_tells_nobody(cast):
    hazard = make_hazard(cast)
    rectification_plan(
        actor=cast.school_a_officer,
        obj=hazard,
        plan=Plan(kind=PlanKind.BY_DEADLINE, plan_text="更换灭火器"),
    )
    assert not Notification.objects.exists()


def test_a_rectification_submitted_tells_whoever_may_verify_it(cast):
    hazard = hazard_in_state(cast, Status.RECTIFIED)
    # The county's safety department and the school's inspector; not the township
    # (the county does not delegate), not the city, not the school.
    assert received(notices.RECTIFIED_TOPIC) == once(cast.safety_staff, cast.inspector)
    assert Notification.objects.filter(topic=notices.RECTIFIED_TOPIC).count() == 2
    candidates = notices.verifier_candidates(hazard)
    assert verifiers_among(candidates, hazard) == [u for u in candidates if can_verify(u, hazard)]


def test_finding_the_verifiers_takes_a_fixed_few_queries(cast, django_assert_max_num_queries):
    SafetySettings.objects.create(bureau=cast.bureau, township_verifies_minor=True)
    hazard = hazard_in_state(cast, Status.RECTIFIED)
    for n in range(5):  # more candidates, not more queries
        UserFactory.create(
            bureau=cast.bureau,
            username=f"safety{n}",
            role=Role.DEPARTMENT_STAFF,
            department=cast.safety_dept,
        )
    with django_assert_max_num_queries(3):
        found = verifiers_among(notices.verifier_candidates(hazard), hazard)
    assert len(found) == 8  # six safety staff, the inspector, the township


def test_the_township_hears_of_a_minor_rectification_where_the_county_delegates(cast):
    SafetySettings.objects.create(bureau=cast.bureau, township_verifies_minor=True)
    hazard_in_state(cast, Status.RECTIFIED)
    assert received(notices.RECTIFIED_TOPIC) == once(
        cast.safety_staff, cast.inspector, cast.township_staff
    )
    hazard_in_state(cast, Status.RECTIFIED, severity=Severity.MAJOR)
    assert received(notices.RECTIFIED_TOPIC)[cast.township_staff.username] == 1


def test_a_city_campaigns_hazard_is_verified_by_the_city_alone(cast):
    hazard = make_hazard(cast)
    hazard.verifying_bureau = cast.city
    hazard.save()
    rectification_plan(actor=cast.school_a_officer, obj=hazard, plan=Plan(kind=PlanKind.IMMEDIATE))
    rectification_rectify(
        actor=cast.school_a_officer, obj=hazard, evidence_text="已整改", rectified_on=today()
    )
    assert received(notices.RECTIFIED_TOPIC) == once(cast.city_safety)


def test_the_rectifier_is_not_told_to_verify_their_own_rectification(cast):
    hazard = make_hazard(cast, actor=cast.safety_staff)
    rectification_plan(actor=cast.inspector, obj=hazard, plan=Plan(kind=PlanKind.IMMEDIATE))
    rectification_rectify(
        actor=cast.inspector, obj=hazard, evidence_text="已整改", rectified_on=today()
    )
    assert received(notices.RECTIFIED_TOPIC) == once(cast.safety_staff)


def test_a_rejection_and_a_close_tell_the_school_once_each(cast):
    hazard = hazard_in_state(cast, Status.RECTIFIED)
    Notification.objects.all().delete()
    hazard = rectification_verify(
        actor=cast.safety_staff, obj=hazard, accept=False, reason="灭火器型号不符"
    )
    assert received(notices.REJECTED_TOPIC) == once(cast.school_a_officer, cast.school_a_principal)
    assert "灭火器型号不符" in Notification.objects.filter(topic=notices.REJECTED_TOPIC)[0].body
    rectification_rectify(
        actor=cast.school_a_officer, obj=hazard, evidence_text="已更换", rectified_on=today()
    )
    Notification.objects.all().delete()
    hazard = rectification_verify(actor=cast.inspector, obj=hazard, accept=True)
    assert not Notification.objects.exists()  # accepted: the close is what the school hears
    rectification_close(actor=cast.inspector, obj=hazard)
    assert received(notices.CLOSED_TOPIC) == once(cast.school_a_officer, cast.school_a_principal)
    assert Notification.objects.count() == 2


def test_a_bulk_verification_tells_each_school_once(cast, django_capture_on_commit_callbacks):
    SafetySettings.objects.create(bureau=cast.bureau, verify_closes=True)
    at_a = [hazard_in_state(cast, Status.RECTIFIED) for _ in range(3)]
    at_b = hazard_in_state(cast, Status.RECTIFIED, school=cast.school_b)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        outcome = hazards_verify_bulk(
            actor=cast.safety_staff, hazard_ids=[h.pk for h in [*at_a, at_b]], close=True
        )
    assert len(outcome.closed) == 4
    assert received(notices.CLOSED_TOPIC) == once(
        cast.school_a_officer, cast.school_a_principal, cast.school_b_officer
    )
    digest = Notification.objects.get(recipient=cast.school_a_principal)
    assert digest.title == "【已销号】甲镇中心小学3项隐患已复查通过并销号"
    assert digest.link == f"/safety/hazards/?school={cast.school_a.pk}&status=closed"
    single = Notification.objects.get(recipient=cast.school_b_officer)
    assert single.title.startswith("【已销号】乙") and single.link.endswith(f"/{at_b.pk}/")


def test_a_batch_sends_nothing_for_a_step_that_rolled_back(
    cast, django_capture_on_commit_callbacks
):
    first, second = (hazard_in_state(cast, Status.RECTIFIED) for _ in range(2))
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True), notices.batched():
        rectification_verify(actor=cast.inspector, obj=first, accept=False, reason="未更换")
        with pytest.raises(RuntimeError), transaction.atomic():
            rectification_verify(actor=cast.inspector, obj=second, accept=False, reason="x")
            raise RuntimeError("rolled back after the step")
    assert received(notices.REJECTED_TOPIC) == once(cast.school_a_officer, cast.school_a_principal)
    assert "未更换" in Notification.objects.first().body


def test_a_muted_topic_is_not_delivered_in_the_app_but_urgent_ones_are(cast):
    MutedTopic.objects.create(user=cast.school_a_principal, topic=notices.CLOSED_TOPIC)
    MutedTopic.objects.create(user=cast.school_a_principal, topic=notices.URGENT_TOPIC)
    hazard_in_state(cast, Status.CLOSED)
    assert received(notices.CLOSED_TOPIC) == once(cast.school_a_officer)
    report(cast, actor=cast.school_a_officer, severity=Severity.CRITICAL)
    assert received(notices.URGENT_TOPIC)[cast.school_a_principal.username] == 1


def test_a_failed_step_leaves_no_notification(cast):
    hazard = hazard_in_state(cast, Status.RECTIFIED)
    Notification.objects.all().delete()
    with pytest.raises(Exception):  # noqa: B017 - any refusal
        rectification_verify(actor=cast.school_a_officer, obj=hazard, accept=False, reason="x")
    assert not Notification.objects.exists()


# ---------------------------------------------------------------- deadlines


def working_day_from(day: date) -> date:
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def test_a_deadline_within_a_working_day_is_reminded_once_per_deadline(cast):
    day = working_day_from(today() + timedelta(days=3))
    with time_machine.travel(at(day), tick=False):
        hazard = make_hazard(cast, reported_on=day)
        tomorrow = add_working_days(day, 1)
        hazard = rectification_plan(
            actor=cast.school_a_officer,
            obj=hazard,
            plan=Plan(kind=PlanKind.BY_DEADLINE, plan_text="更换", deadline=tomorrow),
        )
        later = make_hazard(cast, reported_on=day)  # default deadline: five working days
        Notification.objects.all().delete()
        run = notices.hazards_due_remind(today=day)
        assert (run.hazards, run.notified) == (1, 2)
        assert received(notices.DUE_TOPIC) == once(cast.school_a_officer, cast.school_a_principal)
        note = Notification.objects.filter(topic=notices.DUE_TOPIC).first()
        assert note is not None and note.link.endswith(f"#due-{tomorrow.isoformat()}")
        # A second run (or the next day's) sends nothing again.
        assert notices.hazards_due_remind(today=day).skipped == 1
        assert Notification.objects.filter(topic=notices.DUE_TOPIC).count() == 2
        assert later.pk not in run.ids
    with time_machine.travel(at(tomorrow), tick=False):
        notices.hazards_due_remind(today=tomorrow)
        assert Notification.objects.filter(topic=notices.DUE_TOPIC).count() == 2
        # A revised deadline is reminded again.
        revised = add_working_days(tomorrow, 1)
        rectification_plan(
            actor=cast.school_a_officer,
            obj=hazard,
            plan=Plan(kind=PlanKind.BY_DEADLINE, plan_text="更换", deadline=revised),
        )
        assert notices.hazards_due_remind(today=tomorrow).notified == 2
        assert Notification.objects.filter(topic=notices.DUE_TOPIC).count() == 4


def test_the_due_reminder_skips_closed_and_overdue_hazards_and_days_off(cast):
    day = working_day_from(today() + timedelta(days=3))
    with time_machine.travel(at(day), tick=False):
        hazard_in_state(cast, Status.RECTIFIED)
        overdue = make_hazard(cast, reported_on=day - timedelta(days=30))
        assert overdue.deadline is not None and overdue.deadline < day
        Notification.objects.all().delete()
        assert notices.hazards_due_remind(today=day).hazards == 0
    off = day
    while is_working_day(off):
        off += timedelta(days=1)
    assert notices.hazards_due_remind(today=off).ran is False


# ---------------------------------------------------------------- campaigns


def campaign_data(cast, kind, schools, team):
    start = today()
    return CampaignData(
        name="冬季安全专项检查",
        kind=kind,
        starts_on=start,
        ends_on=start + timedelta(days=14),
        schools=schools,
        team=team,
        theme="消防和用电",
    )


def test_a_campaign_tells_its_team_and_the_schools_it_covers(cast):
    campaign_create(
        actor=cast.safety_staff,
        data=campaign_data(
            cast,
            InspectionKind.SPECIAL,
            [cast.school_a, cast.school_b],
            [cast.inspector, cast.safety_staff],
        ),
    )
    assert received(notices.CAMPAIGN_TOPIC) == once(
        cast.inspector, cast.school_a_officer, cast.school_a_principal, cast.school_b_officer
    )
    school_note = Notification.objects.get(recipient=cast.school_b_officer)
    assert "甲镇中心小学" not in school_note.title + school_note.body


def test_a_spot_check_is_not_announced_to_the_schools(cast):
    campaign_create(
        actor=cast.safety_staff,
        data=campaign_data(cast, InspectionKind.SPOT, [cast.school_a], [cast.inspector]),
    )
    assert received(notices.CAMPAIGN_TOPIC) == once(cast.inspector)


def test_a_city_campaign_over_a_county_school_reaches_that_school_only(cast):
    campaign_create(
        actor=cast.city_safety,
        data=campaign_data(cast, InspectionKind.SUPERVISORY, [cast.school_b], []),
    )
    assert received(notices.CAMPAIGN_TOPIC) == once(cast.school_b_officer)


def test_every_topic_safety_sends_is_registered_with_a_chinese_label():
    for key in (
        notices.REPORTED_TOPIC,
        notices.URGENT_TOPIC,
        notices.RECTIFIED_TOPIC,
        notices.REJECTED_TOPIC,
        notices.CLOSED_TOPIC,
        notices.DUE_TOPIC,
        notices.CAMPAIGN_TOPIC,
        "safety.inspection_returned",
        "safety.hazard_overdue",
    ):
        topic = topics.get(key)
        assert topic is not None and topic.label and not topic.label.isascii()
    assert not topics.is_mutable(notices.URGENT_TOPIC)
