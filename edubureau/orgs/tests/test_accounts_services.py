from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook

from edubureau.audit.models import Action, AuditEvent
from edubureau.orgs.models import Role, SchoolPosition, User
from edubureau.orgs.passwords import (
    INITIAL_PASSWORD_HASHER,
    InitialPasswordHasher,
    generate_initial_password,
)
from edubureau.orgs.services import accounts
from edubureau.testing.factories import SchoolFactory, UserFactory


def _two_new_schools(cast):
    first = SchoolFactory(
        bureau=cast.bureau,
        township=cast.township_a,
        identifier="5109210101",
        name="甲镇第二小学",
        principal="赵校长",
    )
    second = SchoolFactory(
        bureau=cast.bureau,
        township=cast.township_b,
        identifier="5109210102",
        name="乙镇幼儿园",
        principal="",
    )
    return first, second


def _audit_text(events) -> str:
    return " ".join(json.dumps(e.changes, ensure_ascii=False) + e.detail for e in events)


# Bulk school accounts ----------------------------------------------------------


def test_it_creates_a_principal_and_a_safety_officer_account_per_school(cast):
    first, second = _two_new_schools(cast)
    result = accounts.school_accounts_create(actor=cast.admin, schools=[first, second])

    created = {user.username: (user, password) for user, password in result.created}
    assert set(created) == {"5109210101xz", "5109210101aq", "5109210102xz", "5109210102aq"}
    assert result.skipped == []
    principal, _ = created["5109210101xz"]
    assert principal.full_name == "赵校长"
    assert principal.school == first
    assert principal.school_position == SchoolPosition.PRINCIPAL
    assert created["5109210101aq"][0].school_position == SchoolPosition.SAFETY_OFFICER
    assert created["5109210102xz"][0].full_name == ""  # no principal in the directory
    for user, password in result.created:
        user.refresh_from_db()
        assert user.role == Role.SCHOOL_USER
        assert user.bureau == cast.bureau
        assert user.must_change_password
        assert not user.can_read_sensitive
        assert user.check_password(password)


def test_it_creates_nothing_when_run_again_and_reports_the_skipped_positions(cast):
    first, second = _two_new_schools(cast)
    accounts.school_accounts_create(actor=cast.admin, schools=[first, second])
    users_before = User.objects.count()

    again = accounts.school_accounts_create(actor=cast.admin, schools=[first, second])

    assert again.created == []
    assert User.objects.count() == users_before
    assert len(again.skipped) == 4
    assert {(s.school, s.position) for s in again.skipped} == {
        (first, "principal"),
        (first, "safety_officer"),
        (second, "principal"),
        (second, "safety_officer"),
    }
    assert {s.reason for s in again.skipped} == {
        f"已有启用账号 {username}"
        for username in ("5109210101xz", "5109210101aq", "5109210102xz", "5109210102aq")
    }


def test_it_skips_only_the_positions_already_held(cast):
    # School B has an active safety officer (b_officer) but no principal account.
    result = accounts.school_accounts_create(actor=cast.admin, schools=[cast.school_b])
    assert [u.username for u, _ in result.created] == ["5109210002xz"]
    assert result.created[0][0].full_name == "李乙校长"
    assert [(s.position, s.reason) for s in result.skipped] == [
        ("safety_officer", "已有启用账号 b_officer")
    ]


def test_it_creates_only_the_chosen_positions(cast):
    first, _ = _two_new_schools(cast)
    result = accounts.school_accounts_create(
        actor=cast.admin, schools=[first], positions=["safety_officer"]
    )
    assert [u.username for u, _ in result.created] == ["5109210101aq"]
    with pytest.raises(ValidationError):
        accounts.school_accounts_create(actor=cast.admin, schools=[first], positions=[])


def test_it_numbers_the_username_when_a_deactivated_account_holds_it(cast):
    first, _ = _two_new_schools(cast)
    UserFactory(
        bureau=cast.bureau,
        username="5109210101xz",
        role=Role.SCHOOL_USER,
        school=first,
        school_position=SchoolPosition.PRINCIPAL,
        is_active=False,
    )
    result = accounts.school_accounts_create(
        actor=cast.admin, schools=[first], positions=["principal"]
    )
    assert [u.username for u, _ in result.created] == ["5109210101xz2"]


def test_it_refuses_another_bureaus_school_and_creates_nothing(cast):
    first, _ = _two_new_schools(cast)
    before = User.objects.count()
    with pytest.raises(ValidationError):
        accounts.school_accounts_create(actor=cast.admin, schools=[first, cast.other_school])
    assert User.objects.count() == before


def test_it_skips_a_closed_school(cast):
    first, _ = _two_new_schools(cast)
    first.is_active = False
    first.save()
    result = accounts.school_accounts_create(actor=cast.admin, schools=[first])
    assert result.created == []
    assert {s.reason for s in result.skipped} == {"学校已停办"}


def test_it_audits_each_account_and_the_batch_without_any_password(cast):
    first, second = _two_new_schools(cast)
    result = accounts.school_accounts_create(actor=cast.admin, schools=[first, second])
    creates = AuditEvent.objects.filter(action=Action.CREATE, actor=cast.admin)
    per_user = creates.filter(model_label="orgs.User").exclude(object_id="")
    assert set(per_user.values_list("object_id", flat=True)) == {
        str(u.pk) for u, _ in result.created
    }
    assert creates.filter(object_id="", detail__contains="批量创建学校账号4个").exists()
    text = _audit_text(AuditEvent.objects.all())
    for user, password in result.created:
        assert password not in text
        assert user.password not in text  # not even the hash


# Initial passwords --------------------------------------------------------------


def test_it_generates_unambiguous_passwords_that_pass_every_validator():
    passwords = {generate_initial_password() for _ in range(300)}
    assert len(passwords) == 300
    for password in passwords:
        assert len(password) == 12
        assert not set(password) & set("0O1lI")
        validate_password(password)  # raises if any configured validator refuses it


def test_it_hashes_generated_passwords_with_the_initial_hasher(cast):
    user, password = accounts.user_create(
        actor=cast.admin, data={"username": "newleader", "role": Role.BUREAU_LEADER}
    )
    hasher = identify_hasher(user.password)
    assert hasher.algorithm == INITIAL_PASSWORD_HASHER
    assert isinstance(hasher, InitialPasswordHasher)
    assert user.password.split("$")[1] == str(InitialPasswordHasher.iterations)
    assert InitialPasswordHasher.iterations < 100_000
    assert user.check_password(password)
    assert not user.check_password(password.lower())


def test_it_writes_the_initial_password_workbook(cast):
    first, second = _two_new_schools(cast)
    result = accounts.school_accounts_create(actor=cast.admin, schools=[first, second])
    content = accounts.initial_passwords_workbook(result.created, notes=["已跳过：某校"])

    workbook = load_workbook(io.BytesIO(content))
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert rows[0] == ("学校标识码", "学校名称", "岗位", "姓名", "用户名", "初始密码")
    by_username = {row[4]: row for row in rows[1:]}
    password = dict((u.username, p) for u, p in result.created)["5109210101xz"]
    assert by_username["5109210101xz"] == (
        "5109210101",
        "甲镇第二小学",
        "校长（园长）",
        "赵校长",
        "5109210101xz",
        password,
    )
    assert by_username["5109210102aq"][2] == "安全专干"
    notes = " ".join(str(r[0]) for r in workbook["说明"].iter_rows(values_only=True))
    assert "首次登录须修改密码" in notes
    assert "已跳过：某校" in notes


# Single accounts ----------------------------------------------------------------


def test_it_creates_a_department_staff_account_and_clears_fields_that_do_not_apply(cast):
    user, _ = accounts.user_create(
        actor=cast.admin,
        data={
            "username": "jichu1",
            "full_name": "基教股张三",
            "role": Role.DEPARTMENT_STAFF,
            "department": cast.office,
            "school": cast.school_a,  # does not apply to department staff
            "school_position": "principal",
            "read_only": True,
        },
    )
    user.refresh_from_db()
    assert (user.department, user.school, user.school_position, user.read_only) == (
        cast.office,
        None,
        "",
        False,
    )
    assert user.must_change_password
    event = AuditEvent.objects.get(action=Action.CREATE, object_id=str(user.pk))
    assert event.changes["username"] == [None, "jichu1"]


def test_it_requires_the_fields_of_each_role(cast):
    with pytest.raises(ValidationError) as school_error:
        accounts.user_create(actor=cast.admin, data={"username": "x1", "role": Role.SCHOOL_USER})
    assert "school" in school_error.value.message_dict
    assert "school_position" in school_error.value.message_dict
    with pytest.raises(ValidationError) as dept_error:
        accounts.user_create(
            actor=cast.admin, data={"username": "x2", "role": Role.DEPARTMENT_STAFF}
        )
    assert "department" in dept_error.value.message_dict
    assert not User.objects.filter(username__in=["x1", "x2"]).exists()


def test_it_refuses_a_taken_username_whatever_its_case(cast):
    with pytest.raises(ValidationError) as error:
        accounts.user_create(
            actor=cast.admin, data={"username": "A_Officer", "role": Role.BUREAU_LEADER}
        )
    assert "username" in error.value.message_dict


def test_it_creates_an_inspector_with_assigned_schools(cast):
    user, _ = accounts.user_create(
        actor=cast.admin,
        data={
            "username": "dux2",
            "role": Role.INSPECTOR,
            "assigned_schools": [cast.school_a, cast.school_b],
        },
    )
    assert set(user.assigned_schools.all()) == {cast.school_a, cast.school_b}
    with pytest.raises(ValidationError):
        accounts.user_create(
            actor=cast.admin,
            data={
                "username": "dux3",
                "role": Role.INSPECTOR,
                "assigned_schools": [cast.other_school],
            },
        )
    assert not User.objects.filter(username="dux3").exists()


def test_it_never_grants_sensitive_access_at_creation(cast):
    with pytest.raises(TypeError):
        accounts.user_create(
            actor=cast.admin,
            data={"username": "admin2", "role": Role.ADMINISTRATOR, "can_read_sensitive": True},
        )
    assert not User.objects.filter(username="admin2").exists()


# Moving, deactivating, resetting ---------------------------------------------------


def test_it_moves_a_school_user_to_another_school(cast):
    moved = accounts.user_reassign(
        actor=cast.admin,
        user=cast.school_a_teacher,
        role=Role.SCHOOL_USER,
        department=None,
        school=cast.school_b,
        school_position=SchoolPosition.SAFETY_OFFICER,
        read_only=False,
        full_name="调入的老师",
    )
    moved.refresh_from_db()
    assert (moved.school, moved.school_position, moved.read_only, moved.full_name) == (
        cast.school_b,
        "safety_officer",
        False,
        "调入的老师",
    )
    event = AuditEvent.objects.get(action=Action.UPDATE, object_id=str(moved.pk))
    assert event.changes["school_id"] == [cast.school_a.pk, cast.school_b.pk]
    assert event.changes["read_only"] == [True, False]


def test_it_clears_school_fields_when_a_school_user_becomes_department_staff(cast):
    moved = accounts.user_reassign(
        actor=cast.admin,
        user=cast.school_a_officer,
        role=Role.DEPARTMENT_STAFF,
        department=cast.safety_dept,
        school=cast.school_a,
        school_position="safety_officer",
        read_only=True,
    )
    moved.refresh_from_db()
    assert (moved.role, moved.department, moved.school, moved.school_position) == (
        Role.DEPARTMENT_STAFF,
        cast.safety_dept,
        None,
        "",
    )
    assert moved.read_only is False


def test_it_clears_assigned_schools_when_an_inspector_changes_role(cast):
    accounts.user_reassign(
        actor=cast.admin,
        user=cast.inspector,
        role=Role.BUREAU_LEADER,
        department=None,
        school=None,
        school_position="",
        read_only=False,
    )
    assert cast.inspector.assigned_schools.count() == 0
    event = AuditEvent.objects.get(action=Action.UPDATE, object_id=str(cast.inspector.pk))
    assert event.changes["assigned_schools"] == [[cast.school_a.pk], []]


def test_it_refuses_invalid_moves_and_changes_nothing(cast):
    def move(**kwargs):
        defaults = dict(
            actor=cast.admin,
            user=cast.school_a_officer,
            role=Role.SCHOOL_USER,
            department=None,
            school=cast.school_a,
            school_position="safety_officer",
            read_only=False,
        )
        return accounts.user_reassign(**{**defaults, **kwargs})

    with pytest.raises(ValidationError):
        move(school=None)
    with pytest.raises(ValidationError):
        move(school=cast.other_school)
    with pytest.raises(ValidationError):
        move(role=Role.DEPARTMENT_STAFF)
    with pytest.raises(ValidationError):
        move(loaded_version="stale")
    with pytest.raises(ValidationError):
        move(user=cast.admin, role=Role.BUREAU_LEADER, school=None)  # own role
    cast.school_a_officer.refresh_from_db()
    assert cast.school_a_officer.school == cast.school_a
    assert not AuditEvent.objects.filter(action=Action.UPDATE).exists()


def test_it_accepts_a_move_with_the_current_version(cast):
    version = accounts.user_version(cast.school_a_officer)
    moved = accounts.user_reassign(
        actor=cast.admin,
        user=cast.school_a_officer,
        role=Role.SCHOOL_USER,
        department=None,
        school=cast.school_a,
        school_position="principal",
        read_only=False,
        loaded_version=version,
    )
    assert moved.school_position == "principal"


def test_it_assigns_schools_to_an_inspector_only(cast):
    accounts.inspector_assign(actor=cast.admin, inspector=cast.inspector, schools=[cast.school_b])
    assert list(cast.inspector.assigned_schools.all()) == [cast.school_b]
    event = AuditEvent.objects.get(action=Action.UPDATE, object_id=str(cast.inspector.pk))
    assert event.changes["assigned_schools"] == [[cast.school_a.pk], [cast.school_b.pk]]
    with pytest.raises(ValidationError):
        accounts.inspector_assign(
            actor=cast.admin, inspector=cast.school_a_officer, schools=[cast.school_b]
        )
    with pytest.raises(ValidationError):
        accounts.inspector_assign(
            actor=cast.admin, inspector=cast.inspector, schools=[cast.other_school]
        )
    assert list(cast.inspector.assigned_schools.all()) == [cast.school_b]


def test_it_deactivates_and_reactivates_an_account(cast):
    accounts.user_deactivate(actor=cast.admin, user=cast.school_a_officer)
    cast.school_a_officer.refresh_from_db()
    assert not cast.school_a_officer.is_active
    accounts.user_reactivate(actor=cast.admin, user=cast.school_a_officer)
    cast.school_a_officer.refresh_from_db()
    assert cast.school_a_officer.is_active
    changes = [
        e.changes["is_active"]
        for e in AuditEvent.objects.filter(
            action=Action.UPDATE, object_id=str(cast.school_a_officer.pk)
        ).order_by("id")
    ]
    assert changes == [[True, False], [False, True]]


def test_it_refuses_to_deactivate_oneself(cast):
    with pytest.raises(ValidationError):
        accounts.user_deactivate(actor=cast.admin, user=cast.admin)
    cast.admin.refresh_from_db()
    assert cast.admin.is_active


def test_it_resets_a_password_to_a_new_initial_one(cast):
    password = accounts.user_password_reset(actor=cast.admin, user=cast.school_a_officer)
    user = User.objects.get(pk=cast.school_a_officer.pk)
    assert identify_hasher(user.password).algorithm == INITIAL_PASSWORD_HASHER
    assert user.must_change_password
    assert user.check_password(password)
    assert not user.check_password("Test-Passw0rd!")  # the old one no longer works
    event = AuditEvent.objects.get(action=Action.PASSWORD_RESET)
    assert event.object_id == str(user.pk)
    assert event.actor == cast.admin
    assert password not in _audit_text([event])


def test_it_grants_sensitive_access_only_with_a_reason_and_audits_it(cast):
    with pytest.raises(ValidationError):
        accounts.user_set_sensitive_access(
            actor=cast.admin, user=cast.admin, enabled=True, reason=""
        )
    cast.admin.refresh_from_db()
    assert not cast.admin.can_read_sensitive

    accounts.user_set_sensitive_access(
        actor=cast.admin, user=cast.admin, enabled=True, reason="核对资助名单"
    )
    cast.admin.refresh_from_db()
    assert cast.admin.can_read_sensitive
    event = AuditEvent.objects.get(action=Action.UPDATE, object_id=str(cast.admin.pk))
    assert event.changes["can_read_sensitive"] == [False, True]
    assert "核对资助名单" in event.detail


def test_it_drops_sensitive_access_when_the_role_changes(cast):
    other_admin = UserFactory(bureau=cast.bureau, username="admin_b", role=Role.ADMINISTRATOR)
    accounts.user_set_sensitive_access(
        actor=cast.admin, user=other_admin, enabled=True, reason="核对"
    )
    moved = accounts.user_reassign(
        actor=cast.admin,
        user=other_admin,
        role=Role.BUREAU_LEADER,
        department=None,
        school=None,
        school_position="",
        read_only=False,
    )
    assert not moved.can_read_sensitive


# Who may act ---------------------------------------------------------------------


def test_it_lets_only_administrators_manage_accounts(cast):
    for actor in (cast.leader, cast.safety_staff, cast.school_a_principal, cast.inspector):
        with pytest.raises(PermissionDenied):
            accounts.user_password_reset(actor=actor, user=cast.school_a_officer)
        with pytest.raises(PermissionDenied):
            accounts.school_accounts_create(actor=actor, schools=[cast.school_b])


def test_it_refuses_another_bureaus_administrator(cast):
    with pytest.raises(PermissionDenied):
        accounts.user_deactivate(actor=cast.other_admin, user=cast.school_a_officer)
    with pytest.raises(PermissionDenied):
        accounts.user_password_reset(actor=cast.other_admin, user=cast.school_a_officer)
    cast.school_a_officer.refresh_from_db()
    assert cast.school_a_officer.is_active
    assert not cast.school_a_officer.must_change_password
