"""Departments (股室) and their leaders in charge: administrators keep them."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from edubureau.audit.models import Action, AuditEvent
from edubureau.core.concurrency import EditConflict, version_token
from edubureau.orgs.models import Department, Role
from edubureau.orgs.selectors import leaders_in_charge
from edubureau.orgs.services.departments import DepartmentData, department_update
from edubureau.testing.factories import UserFactory

LIST = reverse("orgs:department-list")


def _edit_url(department: Department) -> str:
    return reverse("orgs:department-edit", args=[department.pk])


def _data(department: Department, **changes) -> DepartmentData:
    values = {
        "name": department.name,
        "sort_order": department.sort_order,
        "is_active": department.is_active,
        "leader_in_charge": department.leader_in_charge,
    }
    return DepartmentData(**{**values, **changes})


def test_it_sets_a_leader_in_charge_with_an_audit_row(cast):
    saved = department_update(
        actor=cast.admin,
        department=cast.safety_dept,
        data=_data(cast.safety_dept, leader_in_charge=cast.leader),
    )
    assert Department.objects.get(pk=saved.pk).leader_in_charge == cast.leader
    event = AuditEvent.objects.get(action=Action.UPDATE, object_id=str(saved.pk))
    assert event.actor == cast.admin and "leader_in_charge_id" in event.changes


def test_it_refuses_a_leader_who_is_not_an_active_leader_of_the_bureau(cast):
    other_bureau_leader = UserFactory(bureau=cast.other_bureau, role=Role.BUREAU_LEADER)
    retired = UserFactory(bureau=cast.bureau, role=Role.BUREAU_LEADER, is_active=False)
    for wrong in (cast.safety_staff, other_bureau_leader, retired):
        with pytest.raises(ValidationError, match="本局在用的局领导"):
            department_update(
                actor=cast.admin,
                department=cast.safety_dept,
                data=_data(cast.safety_dept, leader_in_charge=wrong),
            )
    assert Department.objects.get(pk=cast.safety_dept.pk).leader_in_charge is None


def test_it_lets_only_the_bureaus_administrator_change_departments(cast):
    for actor in (cast.leader, cast.safety_staff, cast.other_admin):
        with pytest.raises(PermissionDenied):
            department_update(
                actor=actor, department=cast.safety_dept, data=_data(cast.safety_dept, name="改名")
            )
    assert Department.objects.get(pk=cast.safety_dept.pk).name == cast.safety_dept.name


def test_it_refuses_a_save_over_a_newer_one(cast):
    stale = version_token(cast.safety_dept)
    department_update(
        actor=cast.admin, department=cast.safety_dept, data=_data(cast.safety_dept, sort_order=7)
    )
    with pytest.raises(EditConflict, match="已被他人修改"):
        department_update(
            actor=cast.admin,
            department=cast.safety_dept,
            data=_data(cast.safety_dept, name="安全稳定股"),
            loaded_version=stale,
        )
    assert Department.objects.get(pk=cast.safety_dept.pk).sort_order == 7


def test_leaders_in_charge_fall_back_to_every_leader(cast):
    second = UserFactory(bureau=cast.bureau, role=Role.BUREAU_LEADER)
    assert set(leaders_in_charge(bureau_id=cast.bureau.pk, department_code="safety")) == {
        cast.leader,
        second,
    }
    cast.safety_dept.leader_in_charge = second
    cast.safety_dept.save()
    assert leaders_in_charge(bureau_id=cast.bureau.pk, department_code="safety") == [second]
    # A leader in charge who has left (deactivated) hands the ladder back to everyone.
    second.is_active = False
    second.save()
    assert leaders_in_charge(bureau_id=cast.bureau.pk, department_code="safety") == [cast.leader]


def test_the_administrator_edits_a_department_in_the_browser_form(cast, client_for):
    client = client_for(cast.admin)
    page = client.get(LIST)
    assert page.status_code == 200 and cast.safety_dept.name in page.content.decode()
    form = client.get(_edit_url(cast.safety_dept)).context["form"]
    response = client.post(
        _edit_url(cast.safety_dept),
        {
            "name": "安全股",
            "sort_order": 3,
            "is_active": "on",
            "leader_in_charge": cast.leader.pk,
            "version": form.initial["version"],
        },
    )
    assert response.status_code == 302
    assert Department.objects.get(pk=cast.safety_dept.pk).leader_in_charge == cast.leader
    listed = client.get(LIST).content.decode()
    assert cast.leader.display_name in listed


def test_the_form_reports_a_stale_save_and_keeps_the_newer_one(cast, client_for):
    client = client_for(cast.admin)
    stale = client.get(_edit_url(cast.safety_dept)).context["form"].initial["version"]
    department_update(
        actor=cast.admin, department=cast.safety_dept, data=_data(cast.safety_dept, sort_order=9)
    )
    response = client.post(
        _edit_url(cast.safety_dept),
        {"name": "别的名字", "sort_order": 1, "is_active": "on", "version": stale},
    )
    assert response.status_code == 200 and "已被他人修改" in response.content.decode()
    assert Department.objects.get(pk=cast.safety_dept.pk).name != "别的名字"


@pytest.mark.parametrize("who", ["leader", "safety_staff", "school_a_officer", "inspector"])
def test_it_refuses_the_pages_to_everyone_but_administrators(cast, client_for, who):
    user = getattr(cast, who)
    client = client_for(user)
    assert client.get(LIST).status_code == 403
    assert (
        client.post(_edit_url(cast.safety_dept), {"name": "x", "sort_order": 1}).status_code == 403
    )
    assert AuditEvent.objects.filter(actor=user, action=Action.ACCESS_DENIED).count() == 2


def test_it_hides_another_bureaus_department(cast, client_for):
    other = Department.objects.create(bureau=cast.other_bureau, name="外局股室", code="x")
    response = client_for(cast.admin).get(_edit_url(other))
    assert response.status_code == 404
