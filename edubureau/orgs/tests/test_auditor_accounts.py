"""三员分立: the audit administrator's account is the platform operator's, not the
account administrator's whose actions that auditor reviews."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.hashers import check_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from edubureau.audit.models import AuditEvent
from edubureau.core.roles import SEPARATED_ROLE_MESSAGE, Role
from edubureau.orgs.models import User
from edubureau.orgs.services import accounts
from edubureau.testing.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor(cast):
    return UserFactory.create(bureau=cast.bureau, role=Role.AUDITOR, username="shenji")


def test_an_administrator_cannot_create_an_auditor(cast):
    with pytest.raises(ValidationError) as caught:
        accounts.user_create(
            actor=cast.admin, data={"username": "wang_sj", "full_name": "王审", "role": "auditor"}
        )
    assert SEPARATED_ROLE_MESSAGE in str(caught.value)
    assert not User.objects.filter(username="wang_sj").exists()


def test_the_create_page_does_not_offer_the_role_and_refuses_it_when_forged(cast, client_for):
    client = client_for(cast.admin)
    page = client.get(reverse("orgs:user-create"))
    assert "审计管理员" not in page.content.decode()
    response = client.post(
        reverse("orgs:user-create"), {"username": "wang_sj", "full_name": "王审", "role": "auditor"}
    )
    assert response.status_code == 200  # the form again, with its error
    assert not User.objects.filter(username="wang_sj").exists()


def test_an_administrator_cannot_turn_an_account_into_an_auditor(cast):
    with pytest.raises(ValidationError, match="三员分立"):
        accounts.user_reassign(
            actor=cast.admin,
            user=cast.leader,
            role=Role.AUDITOR,
            department=None,
            school=None,
            school_position="",
            read_only=False,
        )
    cast.leader.refresh_from_db()
    assert cast.leader.role == Role.BUREAU_LEADER


@pytest.mark.parametrize(
    "act",
    [
        lambda admin, user: accounts.user_password_reset(actor=admin, user=user),
        lambda admin, user: accounts.user_deactivate(actor=admin, user=user),
        lambda admin, user: accounts.user_reassign(
            actor=admin,
            user=user,
            role=Role.BUREAU_LEADER,
            department=None,
            school=None,
            school_position="",
            read_only=False,
        ),
    ],
    ids=["reset", "deactivate", "reassign"],
)
def test_an_administrator_cannot_maintain_an_auditor(cast, auditor, act):
    password_before = auditor.password
    with pytest.raises(PermissionDenied, match="三员分立"):
        act(cast.admin, auditor)
    auditor.refresh_from_db()
    assert (auditor.role, auditor.is_active, auditor.password) == (
        Role.AUDITOR,
        True,
        password_before,
    )


def test_the_reset_page_refuses_an_auditor(cast, auditor, client_for):
    client = client_for(cast.admin)
    client.post(reverse("orgs:user-password-reset", kwargs={"user_id": auditor.pk}))
    auditor.refresh_from_db()
    assert not auditor.must_change_password


def _run(*args: str) -> str:
    out = StringIO()
    call_command("auditor_account", *args, stdout=out)
    return out.getvalue()


def test_the_operator_creates_an_auditor_who_must_change_the_password(cast):
    cast.bureau.region_code = "341122"
    cast.bureau.save()
    out = _run("create", "--bureau", "341122", "--username", "wang_sj", "--full-name", "王审")
    password = out.split("初始密码：")[1].split()[0]
    user = User.objects.get(username="wang_sj")
    assert (user.role, user.bureau, user.must_change_password) == (
        Role.AUDITOR,
        cast.bureau,
        True,
    )
    assert check_password(password, user.password)
    event = AuditEvent.objects.filter(object_id=str(user.pk)).get()
    assert event.actor is None and event.actor_name == "platform"
    assert password not in str(event.detail)


def test_the_operator_resets_deactivates_and_activates_an_auditor(cast, auditor):
    out = _run("reset", "--username", "shenji")
    password = out.split("新的初始密码：")[1].split("（")[0]
    auditor.refresh_from_db()
    assert check_password(password, auditor.password) and auditor.must_change_password
    _run("deactivate", "--username", "shenji")
    auditor.refresh_from_db()
    assert not auditor.is_active
    _run("activate", "--username", "shenji")
    auditor.refresh_from_db()
    assert auditor.is_active
    details = list(
        AuditEvent.objects.filter(object_id=str(auditor.pk)).values_list("detail", flat=True)
    )
    assert len(details) == 3 and all("平台运维人员" in d for d in details)


@pytest.mark.parametrize(
    "args, message",
    [
        (["create", "--username", "x_sj"], "--bureau"),
        (["create", "--bureau", "999999", "--username", "x_sj"], "找不到教育局"),
        (["reset", "--username", "nobody"], "不是审计管理员账号"),
    ],
)
def test_the_command_refuses_in_one_chinese_line(cast, args, message):
    with pytest.raises(CommandError, match=message):
        _run(*args)


def test_the_command_will_not_reset_an_account_that_is_not_an_auditor(cast):
    with pytest.raises(CommandError, match="不是审计管理员账号"):
        _run("reset", "--username", cast.admin.username)
