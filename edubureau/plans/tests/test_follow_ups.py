"""督办 of lagging tasks on the shared escalation ladder: opened once, answered by the
lead department, climbing to the leader in charge and the bureau's leaders when left
unanswered, lifted when the task is back on track; and the ladder itself, on a record
that is not a hazard."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from edubureau.notifications.models import Notification
from edubureau.plans.followups import follow_up_daily, follow_up_ladder, respond
from edubureau.plans.models import FollowUp, FollowUpStatus, PlanGroup, Task, WorkPlan
from edubureau.plans.progress import TaskStatus
from edubureau.rectification.ladder import Ladder

MONDAY = date(2026, 11, 9)  # a plain working week: no holiday until New Year


@pytest.fixture
def task(cast):
    plan = WorkPlan.objects.create(bureau=cast.bureau, year=2026, title="工作要点")
    group = PlanGroup.objects.create(plan=plan, position=1, title="抓安全")
    return Task.objects.create(
        plan=plan, group=group, number=5, title="加强应急演练", text="……",
        lead_department=cast.safety_dept, status=TaskStatus.LAGGING, percent=30,
    )  # fmt: skip


def _told(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("title", flat=True))


def test_a_lagging_task_is_followed_up_once(cast, task):
    first = follow_up_daily(today=MONDAY)
    assert first.opened == 1
    follow_up = FollowUp.objects.get()
    assert follow_up.respond_by == date(2026, 11, 12)  # three working days
    assert follow_up.reason == "任务滞后，完成30%"
    assert _told(cast.safety_staff) == ["【督办】5．加强应急演练"]
    assert not _told(cast.office_staff)
    assert follow_up_daily(today=MONDAY).opened == 0


def test_unanswered_it_climbs_to_the_leader_in_charge_and_then_every_leader(cast, task):
    follow_up_daily(today=MONDAY)
    assert follow_up_daily(today=date(2026, 11, 12)).climbed.escalated_total == 0
    run = follow_up_daily(today=date(2026, 11, 13))  # the day after the answer was due
    assert run.climbed.escalated == {1: 1}
    assert FollowUp.objects.get().overdue_level == 1
    assert "【督办逾期】5．加强应急演练" in _told(cast.safety_staff)
    assert not _told(cast.leader)
    follow_up_daily(today=date(2026, 11, 17))  # 2 working days past: the leader in charge
    assert FollowUp.objects.get().overdue_level == 2
    assert "【督办逾期】5．加强应急演练" in _told(cast.leader)
    follow_up_daily(today=date(2026, 11, 20))  # 5 working days past: 挂牌督办
    assert FollowUp.objects.get().overdue_level == 3
    assert "【挂牌督办】5．加强应急演练" in _told(cast.leader)
    again = follow_up_daily(today=date(2026, 11, 20))
    assert again.climbed.escalated_total == 0  # once per level


def test_an_answer_stops_the_climb_and_a_task_back_on_track_lifts_it(cast, task, client_for):
    follow_up_daily(today=MONDAY)
    follow_up = FollowUp.objects.get()
    url = reverse("plans:follow-up-respond", args=[follow_up.pk])
    assert client_for(cast.office_staff).post(url, {"response": "x"}).status_code == 403
    # ASCII "," typed on purpose: the answer is stored with full-width punctuation.
    answer = client_for(cast.safety_staff).post(url, {"response": "已组织各校补开演练,月底前完成"})
    assert answer.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.ANSWERED
    assert follow_up.response == "已组织各校补开演练，月底前完成"
    assert follow_up_daily(today=date(2026, 11, 20)).climbed.escalated_total == 0
    Task.objects.filter(pk=task.pk).update(status=TaskStatus.ON_TRACK)
    assert follow_up_daily(today=date(2026, 11, 23)).lifted == 1
    assert FollowUp.objects.get().status == FollowUpStatus.CLOSED


def test_an_empty_answer_is_refused(cast, task):
    follow_up_daily(today=MONDAY)
    with pytest.raises(ValueError, match="请填写答复内容"):
        respond(actor=cast.safety_staff, follow_up=FollowUp.objects.get(), text="  ")


def test_the_board_lists_them_for_the_bureau_only(cast, task, client_for):
    follow_up_daily(today=MONDAY)
    page = client_for(cast.leader).get(reverse("plans:follow-up-board"))
    assert "5．加强应急演练" in page.content.decode()
    assert (
        client_for(cast.school_a_principal).get(reverse("plans:follow-up-board")).status_code == 403
    )


def test_the_ladder_on_its_own(db):  # the calendar reads entered holidays
    ladder = Ladder(labels={1: "甲", 2: "乙"}, thresholds=(0, 3))
    friday = date(2026, 11, 13)
    assert ladder.level(deadline=friday, today=friday) == 0
    assert ladder.level(deadline=friday, today=date(2026, 11, 14)) == 1  # Saturday: 0 days
    assert ladder.level(deadline=friday, today=date(2026, 11, 18)) == 2  # 3 working days
    with pytest.raises(ValueError, match="non-decreasing"):
        Ladder(labels={1: "甲", 2: "乙"}, thresholds=(3, 0))
    with pytest.raises(ValueError, match="one threshold per level"):
        Ladder(labels={1: "甲"}, thresholds=(0, 3))
    assert follow_up_ladder().top == 3


def test_a_malformed_setting_is_refused(settings):
    settings.PLANS_FOLLOW_UP_WORKING_DAYS = (0, 5, 2)
    with pytest.raises(ValueError, match="PLANS_FOLLOW_UP_WORKING_DAYS"):
        follow_up_ladder()
