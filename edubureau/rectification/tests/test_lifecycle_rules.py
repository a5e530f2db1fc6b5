"""The rules inside the transitions: the three plan kinds, rejection, dates, stale edits."""

from __future__ import annotations

from datetime import date

import pytest

from edubureau.audit.services import snapshot
from edubureau.core.calendar import add_working_days
from edubureau.core.concurrency import EditConflict, version_token
from edubureau.rectification.lifecycle import (
    Plan,
    TransitionError,
    is_overdue,
    rectification_plan,
    rectification_rectify,
    rectification_verify,
    steps_for,
)
from edubureau.rectification.models import PlanKind, Severity, Status
from edubureau.safety.models import Hazard
from edubureau.safety.tests.factories_hazards import at, hazard_in_state, make_hazard

pytestmark = pytest.mark.time_machine(at(date(2026, 9, 10)))

DEFERRED_FIELDS = {
    "deferral_reason": "需拆除重建，已列入明年校舍改造计划",
    "interim_measures": "设置警戒线，停止使用该教室",
    "escalated_to": "县教育局安全股",
}
DEFERRED_LABELS = {
    "deferral_reason": "暂无法整改的原因",
    "interim_measures": "临时管控措施",
    "escalated_to": "已上报至",
}


@pytest.mark.parametrize("missing", list(DEFERRED_FIELDS))
def test_it_requires_all_three_fields_to_defer(cast, missing):
    hazard = make_hazard(cast)
    before = snapshot(hazard)
    fields = {**DEFERRED_FIELDS, missing: "  "}
    with pytest.raises(TransitionError, match=DEFERRED_LABELS[missing]):
        rectification_plan(
            actor=cast.school_a_officer, obj=hazard, plan=Plan(kind=PlanKind.DEFERRED, **fields)
        )
    assert snapshot(Hazard.objects.get(pk=hazard.pk)) == before


def test_it_defers_with_explanation_controls_and_escalation_and_is_then_never_overdue(cast):
    hazard = rectification_plan(
        actor=cast.school_a_officer,
        obj=make_hazard(cast),
        plan=Plan(kind=PlanKind.DEFERRED, **DEFERRED_FIELDS),
    )
    stored = Hazard.objects.get(pk=hazard.pk)
    assert (stored.status, stored.plan_kind) == (Status.PLANNED, PlanKind.DEFERRED)
    assert stored.interim_measures == DEFERRED_FIELDS["interim_measures"]
    assert stored.deadline is None
    assert not is_overdue(stored, today=date(2027, 6, 1))


def test_it_requires_a_plan_text_for_a_deadline_plan(cast):
    with pytest.raises(TransitionError, match="限期整改须填写整改措施"):
        rectification_plan(
            actor=cast.school_a_officer,
            obj=make_hazard(cast),
            plan=Plan(kind=PlanKind.BY_DEADLINE, plan_text=""),
        )


def test_it_defaults_a_deadline_plan_to_the_severity_period_in_working_days(cast):
    hazard = make_hazard(cast, severity=Severity.MAJOR, reported_on=date(2026, 9, 1))
    hazard = rectification_plan(
        actor=cast.school_a_officer,
        obj=hazard,
        plan=Plan(kind=PlanKind.BY_DEADLINE, plan_text="加固围墙"),
    )
    assert hazard.deadline == add_working_days(date(2026, 9, 1), 15)


def test_it_refuses_a_deadline_before_the_hazard_was_found(cast):
    with pytest.raises(TransitionError, match="整改期限不能早于发现日期"):
        rectification_plan(
            actor=cast.school_a_officer,
            obj=make_hazard(cast, reported_on=date(2026, 9, 8)),
            plan=Plan(kind=PlanKind.BY_DEADLINE, plan_text="更换", deadline=date(2026, 9, 7)),
        )


def test_it_counts_an_immediate_plan_from_the_day_it_is_made(cast, time_machine):
    # Found Tuesday 1 September, default deadline 8 September; planned "immediate" on
    # Wednesday 2 September: due the next working day, Thursday 3 September.
    hazard = make_hazard(cast, reported_on=date(2026, 9, 1))
    time_machine.move_to(at(date(2026, 9, 2)))
    hazard = rectification_plan(
        actor=cast.school_a_officer, obj=hazard, plan=Plan(kind=PlanKind.IMMEDIATE)
    )
    assert hazard.deadline == date(2026, 9, 3)
    assert not is_overdue(hazard, today=date(2026, 9, 3))


def test_it_never_lengthens_a_deadline_by_choosing_immediate_rectification(cast):
    # Planned on 10 September, after the default deadline (8 September) passed: the
    # hazard stays overdue rather than gaining a new day.
    hazard = rectification_plan(
        actor=cast.school_a_officer,
        obj=make_hazard(cast, reported_on=date(2026, 9, 1)),
        plan=Plan(kind=PlanKind.IMMEDIATE),
    )
    assert hazard.deadline == date(2026, 9, 8)
    assert is_overdue(hazard, today=date(2026, 9, 10))


def test_it_requires_a_reason_to_reject(cast):
    hazard = hazard_in_state(cast, Status.RECTIFIED)
    before = snapshot(hazard)
    with pytest.raises(TransitionError, match="复查不通过须填写原因"):
        rectification_verify(actor=cast.safety_staff, obj=hazard, accept=False, reason=" ")
    assert snapshot(Hazard.objects.get(pk=hazard.pk)) == before


def test_it_sends_a_rejected_hazard_back_and_keeps_every_round(cast):
    hazard = hazard_in_state(cast, Status.RECTIFIED)
    hazard = rectification_verify(
        actor=cast.safety_staff, obj=hazard, accept=False, reason="照片显示灭火器仍过期"
    )
    assert hazard.status == Status.PLANNED
    assert hazard.rejection_count == 1
    assert hazard.last_rejection_reason == "照片显示灭火器仍过期"
    assert hazard.rectified_on is None
    hazard = rectification_rectify(
        actor=cast.school_a_officer,
        obj=hazard,
        evidence_text="已更换为2026年新灭火器",
        rectified_on=date(2026, 9, 10),
    )
    hazard = rectification_verify(actor=cast.safety_staff, obj=hazard, accept=True)
    assert [s.action for s in steps_for(hazard)] == [
        "report",
        "plan",
        "rectify",
        "reject",
        "rectify",
        "verify",
    ]
    assert steps_for(hazard).get(action="reject").note == "照片显示灭火器仍过期"
    assert hazard.rejection_count == 1


@pytest.mark.parametrize(
    ("rectified_on", "message"),
    [(date(2026, 8, 31), "不能早于发现日期"), (date(2026, 9, 11), "不能晚于今天")],
)
def test_it_refuses_an_impossible_rectification_date(cast, rectified_on, message):
    hazard = hazard_in_state(cast, Status.PLANNED)
    with pytest.raises(TransitionError, match=message):
        rectification_rectify(
            actor=cast.school_a_officer,
            obj=hazard,
            evidence_text="已整改",
            rectified_on=rectified_on,
        )
    assert Hazard.objects.get(pk=hazard.pk).status == Status.PLANNED


def test_it_refuses_a_save_based_on_a_stale_version(cast):
    hazard = hazard_in_state(cast, Status.REPORTED)
    loaded = version_token(hazard)
    rectification_plan(
        actor=cast.school_a_principal,
        obj=hazard,
        plan=Plan(kind=PlanKind.BY_DEADLINE, plan_text="校长的方案"),
        loaded_version=loaded,
    )
    with pytest.raises(EditConflict, match="已被他人修改"):
        rectification_plan(
            actor=cast.school_a_officer,
            obj=hazard,
            plan=Plan(kind=PlanKind.BY_DEADLINE, plan_text="安全专干的方案"),
            loaded_version=loaded,
        )
    assert Hazard.objects.get(pk=hazard.pk).plan_text == "校长的方案"
