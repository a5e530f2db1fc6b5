from __future__ import annotations

import base64
import io
import json
import re

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from edubureau.audit.models import Action, AuditEvent
from edubureau.orgs.models import Role, SchoolPosition, User
from edubureau.orgs.passwords import INITIAL_PASSWORD_HASHER
from edubureau.testing.factories import TEST_PASSWORD, SchoolFactory, UserFactory

NEW_PASSWORD = "Xk7#pq-Lm2wz"


def _login(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def _sheet_rows(content: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [tuple(r) for r in sheet.iter_rows(values_only=True)]


def _two_new_schools(cast):
    return (
        SchoolFactory(
            bureau=cast.bureau,
            township=cast.township_a,
            identifier="5109210101",
            name="甲镇第二小学",
            principal="赵校长",
        ),
        SchoolFactory(
            bureau=cast.bureau, township=cast.township_b, identifier="5109210102", name="乙镇幼儿园"
        ),
    )


def _account_routes(user_id: int) -> list[str]:
    names = ["user-list", "user-create", "user-bulk-create"]
    with_id = [
        "user-detail",
        "user-edit",
        "user-password-reset",
        "user-deactivate",
        "user-reactivate",
        "user-unlock",
        "user-sensitive-access",
        "user-schools",
    ]
    return [reverse(f"orgs:{n}") for n in names] + [
        reverse(f"orgs:{n}", kwargs={"user_id": user_id}) for n in with_id
    ]


# Who may use the pages ----------------------------------------------------------


def test_it_answers_403_to_everyone_but_administrators(cast, client_for):
    target = cast.school_a_teacher
    for user in (cast.leader, cast.safety_staff, cast.school_a_principal, cast.inspector):
        client = client_for(user)
        for url in _account_routes(target.pk):
            assert client.get(url).status_code == 403, (user.username, url)
            assert client.post(url).status_code == 403, (user.username, url)
    target.refresh_from_db()
    assert target.is_active and not target.must_change_password


def test_it_answers_404_to_another_bureaus_administrator(cast, client_for):
    client = client_for(cast.other_admin)
    for url in _account_routes(cast.school_a_teacher.pk)[3:]:
        assert client.get(url).status_code in (404, 405), url
        assert client.post(url).status_code == 404, url
    cast.school_a_teacher.refresh_from_db()
    assert cast.school_a_teacher.is_active
    # Nor does the list show this bureau's accounts.
    response = client.get(reverse("orgs:user-list"), {"active": "all"})
    assert [u.username for u in response.context["page"]] == ["other_admin"]


def test_it_does_not_let_an_administrator_deactivate_themselves(cast, client_for):
    client = client_for(cast.admin)
    response = client.post(
        reverse("orgs:user-deactivate", kwargs={"user_id": cast.admin.pk}), follow=True
    )
    assert "不能停用自己的账号" in response.content.decode()
    cast.admin.refresh_from_db()
    assert cast.admin.is_active
    detail = client.get(reverse("orgs:user-detail", kwargs={"user_id": cast.admin.pk}))
    assert "停用账号" not in detail.content.decode()


# List -------------------------------------------------------------------------------


def _usernames(response) -> list[str]:
    return [u.username for u in response.context["page"]]


def test_it_lists_and_filters_the_bureaus_accounts(cast, client_for):
    client = client_for(cast.admin)
    url = reverse("orgs:user-list")
    everyone = _usernames(client.get(url))
    assert "other_admin" not in everyone and "a_officer" in everyone
    assert set(_usernames(client.get(url, {"role": Role.SCHOOL_USER}))) == {
        "a_officer",
        "a_principal",
        "a_teacher",
        "b_officer",
    }
    assert set(_usernames(client.get(url, {"q": "甲镇中心"}))) == {
        "a_officer",
        "a_principal",
        "a_teacher",
    }
    assert _usernames(client.get(url, {"q": cast.school_b.identifier})) == ["b_officer"]
    assert _usernames(client.get(url, {"department": cast.safety_dept.pk})) == ["safety"]
    cast.office_staff.is_active = False
    cast.office_staff.save()
    assert "office" not in _usernames(client.get(url))
    assert _usernames(client.get(url, {"active": "0"})) == ["office"]
    assert client.get(url, {"department": "x", "page": "zz", "role": "bad"}).status_code == 200


def test_it_lists_a_county_in_a_constant_number_of_queries(
    cast, client_for, django_assert_max_num_queries
):
    for i in range(40):
        UserFactory(
            bureau=cast.bureau,
            username=f"staff{i}",
            role=Role.SCHOOL_USER,
            school=cast.school_a,
            school_position=SchoolPosition.STAFF,
        )
    client = client_for(cast.admin)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("orgs:user-list"))
    assert len(response.context["page"]) == 50  # 40 + the county's 10 accounts in the cast


# Bulk creation ------------------------------------------------------------------------


def test_it_creates_the_ticked_schools_accounts_and_downloads_the_passwords(cast, client_for):
    first, second = _two_new_schools(cast)
    client = client_for(cast.admin)
    response = client.post(
        reverse("orgs:user-bulk-create"),
        {
            "mode": "selected",
            "positions": ["principal", "safety_officer"],
            "schools": [first.pk, second.pk],
        },
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    rows = _sheet_rows(response.content)
    assert rows[0] == ("学校标识码", "学校名称", "岗位", "姓名", "用户名", "初始密码")
    assert sorted(r[4] for r in rows[1:]) == [
        "5109210101aq",
        "5109210101xz",
        "5109210102aq",
        "5109210102xz",
    ]
    for row in rows[1:]:
        user = User.objects.get(username=row[4])
        assert user.school.identifier == row[0]
        assert user.must_change_password
        assert user.check_password(row[5])
    summary = AuditEvent.objects.get(action=Action.CREATE, actor=cast.admin, object_id="")
    assert "4个" in summary.detail
    text = " ".join(json.dumps(e.changes) + e.detail for e in AuditEvent.objects.all())
    assert not any(row[5] in text for row in rows[1:])

    again = client.post(
        reverse("orgs:user-bulk-create"),
        {"mode": "selected", "positions": ["principal", "safety_officer"], "schools": [first.pk]},
    )
    assert again["Content-Type"].startswith("text/html")
    assert "没有需要创建的账号" in again.content.decode()
    assert len(again.context["result"].skipped) == 2
    assert User.objects.filter(school=first).count() == 2


def test_it_creates_every_missing_account_in_the_filtered_scope(cast, client_for):
    first, second = _two_new_schools(cast)
    client = client_for(cast.admin)
    page = client.get(reverse("orgs:user-bulk-create"), {"township": cast.township_b.pk})
    assert {s.name for s in page.context["schools"]} == {cast.school_b.name, second.name}

    response = client.post(
        reverse("orgs:user-bulk-create"),
        {"mode": "missing", "positions": ["principal"], "township": cast.township_b.pk},
    )
    usernames = sorted(r[4] for r in _sheet_rows(response.content)[1:])
    # School B's principal and the new kindergarten's; nothing in township A.
    assert usernames == ["5109210002xz", "5109210102xz"]
    assert not User.objects.filter(school=first).exists()


def test_it_asks_for_schools_when_none_is_ticked(cast, client_for):
    response = client_for(cast.admin).post(
        reverse("orgs:user-bulk-create"), {"mode": "selected", "positions": ["principal"]}
    )
    assert response.status_code == 200
    assert "请在下表中勾选学校" in response.content.decode()


def test_it_lets_a_new_account_log_in_once_then_forces_a_password_change(cast, client_for):
    first, _ = _two_new_schools(cast)
    response = client_for(cast.admin).post(
        reverse("orgs:user-bulk-create"),
        {"mode": "selected", "positions": ["principal"], "schools": [first.pk]},
    )
    _, row = _sheet_rows(response.content)
    username, password = row[4], row[5]
    assert identify_hasher(User.objects.get(username=username).password).algorithm == (
        INITIAL_PASSWORD_HASHER
    )

    client = Client()
    assert _login(client, username, password).status_code == 302
    assert client.get(reverse("home"))["Location"] == reverse("password-change")
    assert client.get(reverse("orgs:school-list"))["Location"] == reverse("password-change")
    changed = client.post(
        reverse("password-change"),
        {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert changed.status_code == 302
    assert client.get(reverse("orgs:school-list")).status_code == 200
    user = User.objects.get(username=username)
    assert not user.must_change_password
    assert identify_hasher(user.password).algorithm != INITIAL_PASSWORD_HASHER
    assert _login(Client(), username, NEW_PASSWORD).status_code == 302
    assert _login(Client(), username, password).status_code == 200  # the initial one is gone


# Single creation and password reset -------------------------------------------------------


def _shown_password(response) -> str:
    match = re.search(r'data-testid="initial-password"[^>]*>([^<]+)<', response.content.decode())
    assert match, "no password on the page"
    return match.group(1)


def test_it_creates_one_account_and_shows_its_password_once(cast, client_for):
    client = client_for(cast.admin)
    response = client.post(
        reverse("orgs:user-create"),
        {
            "username": "jichu_zhang",
            "full_name": "张三",
            "role": Role.DEPARTMENT_STAFF,
            "department": cast.office.pk,
        },
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    password = _shown_password(response)
    user = User.objects.get(username="jichu_zhang")
    assert user.department == cast.office and user.must_change_password
    assert user.check_password(password)
    # The .xlsx offered on the page holds the same password.
    data = re.search(r'base64,([A-Za-z0-9+/=]+)"', response.content.decode()).group(1)
    assert _sheet_rows(base64.b64decode(data))[1][4:] == ("jichu_zhang", password)
    # The account page never shows it again.
    detail = client.get(reverse("orgs:user-detail", kwargs={"user_id": user.pk}))
    assert password not in detail.content.decode()


def test_it_shows_a_chinese_error_for_a_school_user_without_a_school(cast, client_for):
    response = client_for(cast.admin).post(
        reverse("orgs:user-create"), {"username": "nobody", "role": Role.SCHOOL_USER}
    )
    assert response.status_code == 200
    assert "学校用户必须选择所属学校" in response.content.decode()
    assert not User.objects.filter(username="nobody").exists()


def test_it_resets_a_password_and_the_user_must_change_it(cast, client_for):
    url = reverse("orgs:user-password-reset", kwargs={"user_id": cast.school_a_officer.pk})
    client = client_for(cast.admin)
    assert "确认重置密码" in client.get(url).content.decode()
    password = _shown_password(client.post(url))

    assert _login(Client(), "a_officer", TEST_PASSWORD).status_code == 200
    user_client = Client()
    assert _login(user_client, "a_officer", password).status_code == 302
    assert user_client.get(reverse("home"))["Location"] == reverse("password-change")
    event = AuditEvent.objects.get(action=Action.PASSWORD_RESET)
    assert event.actor == cast.admin and event.object_id == str(cast.school_a_officer.pk)
    assert password not in json.dumps(event.changes) + event.detail


# Detail: move, deactivate, unlock, sensitive access, inspector schools ----------------------


def test_it_moves_staff_to_another_school_from_the_edit_page(cast, client_for):
    client = client_for(cast.admin)
    url = reverse("orgs:user-edit", kwargs={"user_id": cast.school_a_teacher.pk})
    form = client.get(url).context["form"]
    response = client.post(
        url,
        {
            "full_name": "新老师",
            "phone": "13800000000",
            "role": Role.SCHOOL_USER,
            "school": cast.school_b.pk,
            "school_position": SchoolPosition.STAFF,
            "version": form.initial["version"],
        },
    )
    assert response.status_code == 302
    teacher = User.objects.get(pk=cast.school_a_teacher.pk)
    assert (teacher.school, teacher.read_only, teacher.full_name) == (
        cast.school_b,
        False,
        "新老师",
    )


def test_it_refuses_an_edit_made_on_a_stale_page(cast, client_for):
    client = client_for(cast.admin)
    url = reverse("orgs:user-edit", kwargs={"user_id": cast.school_a_teacher.pk})
    version = client.get(url).context["form"].initial["version"]
    cast.school_a_teacher.full_name = "别人改过"
    cast.school_a_teacher.save()
    response = client.post(
        url,
        {
            "role": Role.SCHOOL_USER,
            "school": cast.school_b.pk,
            "school_position": SchoolPosition.STAFF,
            "version": version,
        },
    )
    assert response.status_code == 200
    assert "已被他人修改" in response.content.decode()
    assert User.objects.get(pk=cast.school_a_teacher.pk).school == cast.school_a


def test_it_deactivates_after_confirmation_and_the_user_cannot_log_in(cast, client_for):
    client = client_for(cast.admin)
    url = reverse("orgs:user-deactivate", kwargs={"user_id": cast.school_a_officer.pk})
    assert "确认停用" in client.get(url).content.decode()
    assert User.objects.get(pk=cast.school_a_officer.pk).is_active  # GET changes nothing
    assert client.post(url).status_code == 302
    assert not User.objects.get(pk=cast.school_a_officer.pk).is_active
    assert _login(Client(), "a_officer", TEST_PASSWORD).status_code == 200

    reactivate = reverse("orgs:user-reactivate", kwargs={"user_id": cast.school_a_officer.pk})
    client.post(reactivate)
    assert _login(Client(), "a_officer", TEST_PASSWORD).status_code == 302


def test_it_ends_a_deactivated_users_open_session(cast):
    user_client = Client()
    _login(user_client, "a_officer", TEST_PASSWORD)
    assert user_client.get(reverse("orgs:school-list")).status_code == 200
    admin_client = Client()
    admin_client.force_login(cast.admin)
    admin_client.post(reverse("orgs:user-deactivate", kwargs={"user_id": cast.school_a_officer.pk}))
    assert user_client.get(reverse("orgs:school-list")).status_code == 302


def test_a_role_change_ends_the_accounts_open_sessions_and_a_school_move_does_not(cast):
    from edubureau.orgs.services.accounts import user_reassign

    user = cast.school_a_officer
    session = Client()
    session.force_login(user)
    assert session.get(reverse("orgs:school-list")).status_code == 200
    user_reassign(
        actor=cast.admin,
        user=user,
        role=user.role,
        department=None,
        school=cast.school_b,
        school_position=user.school_position,
        read_only=False,
    )
    assert session.get(reverse("orgs:school-list")).status_code == 200  # scope read afresh
    user_reassign(
        actor=cast.admin,
        user=user,
        role=Role.DEPARTMENT_STAFF,
        department=cast.office,
        school=None,
        school_position="",
        read_only=False,
    )
    ended = session.get(reverse("orgs:school-list"))
    assert ended.status_code == 302 and ended["Location"].startswith(reverse("login"))
    fresh = Client()
    fresh.force_login(User.objects.get(pk=user.pk))
    assert fresh.get(reverse("orgs:school-list")).status_code == 200


def test_it_unlocks_an_account_locked_after_five_failed_logins(cast, client_for):
    for _ in range(5):
        _login(Client(), "a_officer", "wrong-password")
    assert _login(Client(), "a_officer", TEST_PASSWORD).status_code == 429

    admin = client_for(cast.admin)
    listed = admin.get(reverse("orgs:user-list"), {"locked": "1"})
    assert _usernames(listed) == ["a_officer"]
    detail = admin.get(reverse("orgs:user-detail", kwargs={"user_id": cast.school_a_officer.pk}))
    assert detail.context["is_locked"]

    unlock = reverse("orgs:user-unlock", kwargs={"user_id": cast.school_a_officer.pk})
    assert admin.get(unlock).status_code == 405  # POST only
    assert admin.post(unlock).status_code == 302
    assert _login(Client(), "a_officer", TEST_PASSWORD).status_code == 302
    assert AuditEvent.objects.filter(
        action=Action.UPDATE,
        object_id=str(cast.school_a_officer.pk),
        detail__contains="解除登录锁定",
    ).exists()
    assert _usernames(admin.get(reverse("orgs:user-list"), {"locked": "1"})) == []


def test_it_toggles_sensitive_access_with_a_warning_and_a_reason(cast, client_for):
    client = client_for(cast.admin)
    url = reverse("orgs:user-sensitive-access", kwargs={"user_id": cast.admin.pk})
    assert "默认<strong>不可</strong>查看" in client.get(url).content.decode()

    refused = client.post(url, {"enabled": "1", "reason": ""})
    assert "开启权限须填写原因" in refused.content.decode()
    assert not User.objects.get(pk=cast.admin.pk).can_read_sensitive

    assert client.post(url, {"enabled": "1", "reason": "核对资助名单"}).status_code == 302
    assert User.objects.get(pk=cast.admin.pk).can_read_sensitive
    assert client.post(url, {"enabled": "0"}).status_code == 302
    assert not User.objects.get(pk=cast.admin.pk).can_read_sensitive
    details = list(
        AuditEvent.objects.filter(object_id=str(cast.admin.pk), action=Action.UPDATE)
        .order_by("id")
        .values_list("detail", flat=True)
    )
    assert details == ["开启学生敏感信息查看权限：核对资助名单", "关闭学生敏感信息查看权限"]


def test_it_offers_no_other_way_to_grant_sensitive_access(cast, client_for):
    client = client_for(cast.admin)
    client.post(
        reverse("orgs:user-create"),
        {"username": "admin2", "role": Role.ADMINISTRATOR, "can_read_sensitive": "on"},
    )
    client.post(
        reverse("orgs:user-edit", kwargs={"user_id": cast.admin.pk}),
        {"role": Role.ADMINISTRATOR, "can_read_sensitive": "on"},
    )
    assert not User.objects.get(username="admin2").can_read_sensitive
    assert not User.objects.get(pk=cast.admin.pk).can_read_sensitive


def test_it_assigns_an_inspectors_schools(cast, client_for):
    client = client_for(cast.admin)
    url = reverse("orgs:user-schools", kwargs={"user_id": cast.inspector.pk})
    page = client.get(url)
    assert page.context["selected"] == {str(cast.school_a.pk)}
    assert client.post(url, {"schools": [cast.school_a.pk, cast.school_b.pk]}).status_code == 302
    assert set(cast.inspector.assigned_schools.all()) == {cast.school_a, cast.school_b}
    foreign = client.post(url, {"schools": [cast.other_school.pk]})
    assert foreign.status_code == 200
    assert set(cast.inspector.assigned_schools.all()) == {cast.school_a, cast.school_b}


@pytest.mark.parametrize("name", ["user-list", "user-bulk-create", "user-create"])
def test_it_renders_the_account_pages(cast, client_for, name):
    response = client_for(cast.admin).get(reverse(f"orgs:{name}"))
    assert response.status_code == 200
    assert 'name="viewport"' in response.content.decode()


def test_it_refuses_an_edit_that_lost_its_version(cast, client_for):
    client = client_for(cast.admin)
    url = reverse("orgs:user-edit", kwargs={"user_id": cast.school_a_teacher.pk})
    response = client.post(
        url,
        {"role": Role.SCHOOL_USER, "school": cast.school_b.pk, "school_position": "staff"},
    )
    assert response.status_code == 200
    assert "缺少版本信息" in response.content.decode()
    assert User.objects.get(pk=cast.school_a_teacher.pk).school == cast.school_a


def test_it_refuses_a_township_staff_account_without_a_township_instead_of_failing(
    cast, client_for
):
    client = client_for(cast.admin)
    response = client.post(
        reverse("orgs:user-create"),
        {"username": "zhongxin2", "full_name": "中心校干事", "role": Role.TOWNSHIP_STAFF},
    )
    assert response.status_code == 200
    assert "须指定所属乡镇" in response.content.decode()
    assert not User.objects.filter(username="zhongxin2").exists()
