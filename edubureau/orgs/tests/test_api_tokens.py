"""API tokens: expiry, revocation, the forced first-password change, audit, lockout,
and the API description behind a login."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from edubureau.audit.models import Action, AuditEvent
from edubureau.orgs.models import Role
from edubureau.orgs.services.accounts import (
    user_deactivate,
    user_password_reset,
    user_reassign,
)
from edubureau.testing.factories import TEST_PASSWORD

TOKEN_URL = "/api/v1/auth/token/"


def _obtain(username: str = "a_officer", password: str = TEST_PASSWORD):
    return Client().post(TOKEN_URL, {"username": username, "password": password})


def _api(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {key}")


def _token(username: str = "a_officer") -> str:
    response = _obtain(username)
    assert response.status_code == 200, response.content
    return str(response.json()["token"])


# Expiry ------------------------------------------------------------------------


def test_it_refuses_a_token_older_than_api_token_days(cast, settings):
    settings.API_TOKEN_DAYS = 30
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        key = _token()
        traveller.shift(dt.timedelta(days=30) - dt.timedelta(seconds=1))
        assert _api(key).get("/api/v1/me/").status_code == 200
        traveller.shift(dt.timedelta(seconds=1))
        response = _api(key).get("/api/v1/me/")
        assert response.status_code == 401
        assert response.json()["detail"] == "令牌已过期，请重新获取。"
        # Asking again issues a new token, which works.
        fresh = _token()
        assert fresh != key
        assert _api(fresh).get("/api/v1/me/").status_code == 200


def test_it_reads_the_lifetime_from_the_setting(cast, settings):
    settings.API_TOKEN_DAYS = 2
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        key = _token()
        response = _obtain()
        expires = dt.datetime.fromisoformat(response.json()["expires"])
        assert expires == Token.objects.get(key=key).created + dt.timedelta(days=2)
        traveller.shift(dt.timedelta(days=2))
        assert _api(key).get("/api/v1/me/").status_code == 401


def test_it_refuses_the_token_of_an_inactive_account(cast):
    key = _token()
    type(cast.school_a_officer).objects.filter(pk=cast.school_a_officer.pk).update(is_active=False)
    response = _api(key).get("/api/v1/me/")
    assert response.status_code == 401


# Revocation ----------------------------------------------------------------------


def _assert_revoked(key: str) -> None:
    assert not Token.objects.filter(key=key).exists()
    assert _api(key).get("/api/v1/me/").status_code == 401


def test_changing_ones_own_password_revokes_the_tokens(cast, client_for):
    key = _token()
    response = client_for(cast.school_a_officer).post(
        reverse("password-change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "Xk7#pq-Lm2",
            "new_password2": "Xk7#pq-Lm2",
        },
    )
    assert response.status_code == 302
    _assert_revoked(key)


def test_an_administrators_password_reset_revokes_the_tokens(cast):
    key = _token()
    user_password_reset(actor=cast.admin, user=cast.school_a_officer)
    _assert_revoked(key)


def test_logout_revokes_the_tokens(cast, client_for):
    key = _token()
    assert client_for(cast.school_a_officer).post(reverse("logout")).status_code == 302
    _assert_revoked(key)


def test_deactivation_revokes_the_tokens(cast):
    key = _token()
    user_deactivate(actor=cast.admin, user=cast.school_a_officer)
    _assert_revoked(key)


def test_a_role_change_revokes_the_tokens_and_a_school_move_does_not(cast):
    user = cast.school_a_officer
    key = _token()
    user_reassign(
        actor=cast.admin,
        user=user,
        role=Role.SCHOOL_USER,
        department=None,
        school=cast.school_b,
        school_position=user.school_position,
        read_only=False,
    )
    assert Token.objects.filter(key=key).exists()
    user_reassign(
        actor=cast.admin,
        user=user,
        role=Role.DEPARTMENT_STAFF,
        department=cast.office,
        school=None,
        school_position="",
        read_only=False,
    )
    _assert_revoked(key)


# The forced first-password change --------------------------------------------------


MUST_CHANGE = "请先登录网页修改初始密码，再使用接口。"


def test_it_issues_no_token_for_an_initial_password(cast):
    user = cast.school_a_officer
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    response = _obtain()
    assert response.status_code == 403
    assert response.json()["detail"] == MUST_CHANGE
    assert not Token.objects.filter(user=user).exists()
    assert not AuditEvent.objects.filter(action=Action.LOGIN, actor=user).exists()


@pytest.mark.parametrize("path", ["/api/v1/me/", "/api/v1/schools/", "/api/v1/townships/"])
def test_a_token_of_an_account_with_an_initial_password_is_refused(cast, path):
    user = cast.school_a_officer
    key = _token()
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    response = _api(key).get(path)
    assert response.status_code == 403
    assert response.json()["detail"] == MUST_CHANGE


# Audit and lockout ---------------------------------------------------------------


def test_a_token_login_writes_one_login_event(cast):
    _token()
    events = AuditEvent.objects.filter(actor=cast.school_a_officer)
    assert [(e.action, e.detail) for e in events] == [(Action.LOGIN, "通过接口获取API令牌登录")]


def test_a_failed_token_login_is_audited_like_a_failed_page_login(cast):
    assert _obtain(password="wrong").status_code == 400
    events = AuditEvent.objects.filter(actor_name="a_officer")
    assert [(e.action, e.actor_id) for e in events] == [
        (Action.LOGIN_FAILED, cast.school_a_officer.pk)
    ]


def test_token_failures_lock_the_account_for_pages_and_tokens_alike(cast, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _obtain(password="wrong")
    assert _obtain().status_code != 200
    assert not Token.objects.filter(user=cast.school_a_officer).exists()
    page = Client().post(reverse("login"), {"username": "a_officer", "password": TEST_PASSWORD})
    assert page.status_code != 302
    assert AuditEvent.objects.filter(action=Action.LOCKED_OUT, actor_name="a_officer").exists()


# The API description -------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/", "/api/docs/?script="])
def test_the_api_description_needs_a_login(cast, client_for, path):
    response = Client().get(path)
    assert response.status_code in (401, 403)
    assert "/api/v1/schools/" not in response.content.decode()
    assert client_for(cast.leader).get(path).status_code == 200
    assert _api(_token("leader")).get(path).status_code == 200
