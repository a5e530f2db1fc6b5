"""Every (state, action) pair of the state machine: the legal ones move the record and
write one history step; the illegal ones are refused with a Chinese message and
change nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from edubureau.audit.services import snapshot
from edubureau.rectification.lifecycle import (
    TransitionError,
    rectification_close,
    rectification_plan,
    rectification_rectify,
    rectification_verify,
    steps_for,
)
from edubureau.rectification.models import RectificationStep, Status
from edubureau.safety.models import Hazard
from edubureau.safety.tests.factories_hazards import PLAN_BY_DEADLINE, at, hazard_in_state

pytestmark = pytest.mark.time_machine(at(date(2026, 9, 10)))

Action = Callable[[Any, Hazard], Hazard]

# The school's safety officer plans and rectifies; the safety department verifies and
# closes: each action is tried by someone who may take it, so only the state decides.
ACTIONS: dict[str, Action] = {
    "plan": lambda cast, h: rectification_plan(
        actor=cast.school_a_officer, obj=h, plan=PLAN_BY_DEADLINE
    ),
    "rectify": lambda cast, h: rectification_rectify(
        actor=cast.school_a_officer, obj=h, evidence_text="已更换", rectified_on=h.reported_on
    ),
    "verify_accept": lambda cast, h: rectification_verify(
        actor=cast.safety_staff, obj=h, accept=True
    ),
    "verify_reject": lambda cast, h: rectification_verify(
        actor=cast.safety_staff, obj=h, accept=False, reason="灭火器仍未更换"
    ),
    "close": lambda cast, h: rectification_close(actor=cast.safety_staff, obj=h),
}

# (state, action) -> (new state, the step's action name); every other pair is illegal.
LEGAL = {
    (Status.REPORTED, "plan"): (Status.PLANNED, "plan"),
    (Status.PLANNED, "plan"): (Status.PLANNED, "plan"),  # revising the plan
    (Status.PLANNED, "rectify"): (Status.RECTIFIED, "rectify"),
    (Status.RECTIFIED, "verify_accept"): (Status.VERIFIED, "verify"),
    (Status.RECTIFIED, "verify_reject"): (Status.PLANNED, "reject"),
    (Status.VERIFIED, "close"): (Status.CLOSED, "close"),
}

ALL_PAIRS = [(status, action) for status in Status.values for action in ACTIONS]


def test_it_covers_every_pair_of_state_and_action():
    assert len(ALL_PAIRS) == 25
    assert set(LEGAL) <= set(ALL_PAIRS)


@pytest.mark.parametrize(("status", "action"), [p for p in ALL_PAIRS if p in LEGAL])
def test_it_performs_a_legal_transition_and_records_one_step(cast, status, action):
    hazard = hazard_in_state(cast, status)
    steps_before = list(steps_for(hazard).values_list("pk", flat=True))
    expected_status, step_action = LEGAL[(status, action)]

    result = ACTIONS[action](cast, hazard)

    stored = Hazard.objects.get(pk=hazard.pk)
    assert result.status == stored.status == expected_status
    new_steps = list(steps_for(hazard).exclude(pk__in=steps_before))
    assert [(s.action, s.from_status, s.to_status) for s in new_steps] == [
        (step_action, status, expected_status)
    ]


@pytest.mark.parametrize(("status", "action"), [p for p in ALL_PAIRS if p not in LEGAL])
def test_it_refuses_an_illegal_transition_and_changes_nothing(cast, status, action):
    hazard = hazard_in_state(cast, status)
    before = snapshot(Hazard.objects.get(pk=hazard.pk))
    steps_before = RectificationStep.objects.count()

    with pytest.raises(TransitionError) as refused:
        ACTIONS[action](cast, hazard)

    current = Status(status).label
    assert str(refused.value).startswith(f"当前状态为“{current}”，不能")
    assert snapshot(Hazard.objects.get(pk=hazard.pk)) == before
    assert RectificationStep.objects.count() == steps_before
