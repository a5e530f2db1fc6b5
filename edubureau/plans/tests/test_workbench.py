"""Work plans on the workbench: the progress a department owes this month, the 督办 it
has to answer, and what climbed to the leaders — each count the rows of the page it
links to (the plans page narrowed to unreported tasks, the 督办台账 narrowed)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from edubureau.plans.models import (
    FollowUp,
    FollowUpStatus,
    PlanGroup,
    ProgressReport,
    Task,
    WorkPlan,
)
from edubureau.plans.progress import TaskStatus
from edubureau.safety.tests.factories_hazards import at
from edubureau.testing.workbench import assert_workbench_matches

DAY = date(2026, 11, 20)
pytestmark = pytest.mark.time_machine(at(DAY))


@pytest.fixture
def plan(cast):
    plan = WorkPlan.objects.create(bureau=cast.bureau, year=2026, title="2026年工作要点")
    group = PlanGroup.objects.create(plan=plan, position=1, title="抓安全")

    def task(number, department, status=TaskStatus.ON_TRACK):
        return Task.objects.create(
            plan=plan, group=group, number=number, title=f"任务{number}", text="……",
            lead_department=department, status=status, percent=30,
        )  # fmt: skip

    drills, fire, training, office = (
        task(1, cast.safety_dept, TaskStatus.LAGGING),
        task(2, cast.safety_dept, TaskStatus.OVERDUE),
        task(3, cast.safety_dept),
        task(4, cast.office, TaskStatus.LAGGING),
    )
    ProgressReport.objects.create(
        task=training, period_start=DAY.replace(day=1), narrative="已完成"
    )

    def follow(task, level, status=FollowUpStatus.OPEN):
        return FollowUp.objects.create(
            task=task, opened_on=date(2026, 11, 2), reason="任务滞后", respond_by=date(2026, 11, 5),
            status=status, overdue_level=level,
        )  # fmt: skip

    follow(drills, 1)
    follow(fire, 2)
    follow(office, 3)
    follow(training, 2, FollowUpStatus.ANSWERED)
    # Another county's plan: never counted here.
    sibling = WorkPlan.objects.create(bureau=cast.sibling_bureau, year=2026, title="乙县工作要点")
    other = Task.objects.create(
        plan=sibling, group=PlanGroup.objects.create(plan=sibling, position=1, title="抓安全"),
        number=1, title="乙县任务", text="……", status=TaskStatus.LAGGING, percent=0,
    )  # fmt: skip
    follow(other, 3)
    return plan


def plan_items(items):
    return {key: item.count for key, item in items.items() if key.startswith("plans.")}


@pytest.mark.parametrize("role", ["safety_staff", "office_staff", "leader", "sibling_safety"])
def test_every_count_equals_the_page_it_opens(plan, client_for, cast, role):
    assert_workbench_matches(client_for(getattr(cast, role)))


def test_a_department_sees_what_it_owes_and_must_answer(plan, client_for, cast):
    assert plan_items(assert_workbench_matches(client_for(cast.safety_staff))) == {
        "plans.follow_ups_mine": 2,
        "plans.progress_unreported": 2,  # task 3 reported this month
    }
    assert plan_items(assert_workbench_matches(client_for(cast.office_staff))) == {
        "plans.follow_ups_mine": 1,
        "plans.progress_unreported": 1,
    }


def test_a_leader_sees_the_follow_ups_that_reached_them(plan, client_for, cast):
    # Levels 2 and 3 of the county's open follow-ups; the answered one and 乙县's are not.
    assert plan_items(assert_workbench_matches(client_for(cast.leader))) == {
        "plans.follow_ups_escalated": 2
    }


def test_the_narrowed_pages_say_so_and_offer_the_whole(plan, client_for, cast):
    board = client_for(cast.leader).get(reverse("plans:follow-up-board"), {"level": "2"})
    assert "升级至“报分管局领导”及以上的督办" in board.content.decode()
    page = client_for(cast.safety_staff).get(reverse("plans:plan-list"), {"owed": "unreported"})
    assert "11月进展未填报" in page.content.decode()
    assert "任务3" not in page.content.decode()
