"""Who may act on a record: the school plans and rectifies its own; someone outside
the school (the owning department, the assigned inspector) verifies and closes."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from edubureau.audit.services import snapshot
from edubureau.rectification.lifecycle import (
    NotAllowed,
    can_verify,
    rectification_close,
    rectification_plan,
    rectification_rectify,
    rectification_verify,
)
from edubureau.rectification.models import RectificationStep, Status
from edubureau.safety.models import Hazard
from edubureau.safety.tests.factories_hazards import PLAN_BY_DEADLINE, at, hazard_in_state

pytestmark = pytest.mark.time_machine(at(date(2026, 9, 10)))


def _plan(user, hazard):
    return rectification_plan(actor=user, obj=hazard, plan=PLAN_BY_DEADLINE)


def _rectify(user, hazard):
    return rectification_rectify(
        actor=user, obj=hazard, evidence_text="已整改", rectified_on=timezone.localdate()
    )


def _verify(user, hazard):
    return rectification_verify(actor=user, obj=hazard, accept=True)


def _close(user, hazard):
    return rectification_close(actor=user, obj=hazard)


def _assert_refused(action, user, hazard, message: str) -> None:
    before = snapshot(Hazard.objects.get(pk=hazard.pk))
    steps = RectificationStep.objects.count()
    with pytest.raises(NotAllowed, match=message):
        action(user, hazard)
    assert snapshot(Hazard.objects.get(pk=hazard.pk)) == before
    assert RectificationStep.objects.count() == steps


@pytest.mark.parametrize("who", ["school_a_officer", "school_a_principal", "safety_staff"])
def test_it_lets_the_school_and_the_safety_department_plan_and_rectify(cast, who):
    user = getattr(cast, who)
    hazard = hazard_in_state(cast, Status.REPORTED)
    hazard = _plan(user, hazard)
    hazard = _rectify(user, hazard)
    assert hazard.status == Status.RECTIFIED


def test_it_lets_the_assigned_inspector_plan(cast):
    hazard = _plan(cast.inspector, hazard_in_state(cast, Status.REPORTED))
    assert hazard.status == Status.PLANNED


@pytest.mark.parametrize("who", ["school_a_teacher", "school_b_officer", "office_staff", "leader"])
def test_it_refuses_planning_to_anyone_who_may_not_write_the_hazard(cast, who):
    hazard = hazard_in_state(cast, Status.REPORTED)
    _assert_refused(_plan, getattr(cast, who), hazard, "没有处理该隐患的权限")


@pytest.mark.parametrize("who", ["school_a_teacher", "school_b_officer", "office_staff"])
def test_it_refuses_rectifying_to_anyone_who_may_not_write_the_hazard(cast, who):
    hazard = hazard_in_state(cast, Status.PLANNED)
    _assert_refused(_rectify, getattr(cast, who), hazard, "没有处理该隐患的权限")


@pytest.mark.parametrize("who", ["school_a_officer", "school_a_principal", "school_a_teacher"])
def test_it_refuses_a_school_verifying_or_closing_its_own_hazard(cast, who):
    user = getattr(cast, who)
    _assert_refused(_verify, user, hazard_in_state(cast, Status.RECTIFIED), "学校不能复查")
    _assert_refused(_close, user, hazard_in_state(cast, Status.VERIFIED), "学校不能复查")


def test_it_refuses_another_schools_user_verifying(cast):
    _assert_refused(
        _verify, cast.school_b_officer, hazard_in_state(cast, Status.RECTIFIED), "学校不能复查"
    )


@pytest.mark.parametrize("who", ["office_staff", "leader", "admin"])
def test_it_refuses_verification_by_bureau_users_outside_the_safety_department(cast, who):
    hazard = hazard_in_state(cast, Status.RECTIFIED)
    _assert_refused(_verify, getattr(cast, who), hazard, "没有复查该隐患的权限")


@pytest.mark.parametrize("who", ["safety_staff", "inspector"])
def test_it_lets_safety_staff_and_the_assigned_inspector_verify_and_close(cast, who):
    user = getattr(cast, who)
    hazard = _verify(user, hazard_in_state(cast, Status.RECTIFIED))
    assert (hazard.status, hazard.verified_by) == (Status.VERIFIED, user)
    hazard = _close(user, hazard)
    assert hazard.status == Status.CLOSED
    assert hazard.closed_at is not None


def test_it_refuses_an_inspector_the_schools_not_assigned_to_them(cast):
    hazard = hazard_in_state(cast, Status.RECTIFIED, school=cast.school_b)
    _assert_refused(_verify, cast.inspector, hazard, "没有复查该隐患的权限")


# Separation of duties -------------------------------------------------------------


@pytest.mark.parametrize("rectifier", ["inspector", "safety_staff"])
def test_whoever_rectified_may_not_verify_or_close_it(cast, rectifier):
    """One account cannot plan, rectify, verify and close a hazard alone."""
    user = getattr(cast, rectifier)
    hazard = _rectify(user, _plan(user, hazard_in_state(cast, Status.REPORTED)))
    _assert_refused(_verify, user, hazard, "须由整改人以外的人员复查")
    assert not can_verify(user, hazard)
    other = cast.safety_staff if rectifier == "inspector" else cast.inspector
    assert can_verify(other, hazard)
    hazard = _verify(other, hazard)
    _assert_refused(_close, user, hazard, "须由整改人以外的人员复查")
    assert _close(other, hazard).status == Status.CLOSED


def test_after_a_rejection_the_new_rectifier_is_the_one_kept_apart(cast):
    hazard = _rectify(cast.inspector, _plan(cast.inspector, hazard_in_state(cast, Status.REPORTED)))
    hazard = rectification_verify(
        actor=cast.safety_staff, obj=hazard, accept=False, reason="未更换"
    )
    hazard = _rectify(cast.school_a_officer, hazard)
    # The inspector no longer rectified the latest round and may verify it.
    assert _verify(cast.inspector, hazard).status == Status.VERIFIED
