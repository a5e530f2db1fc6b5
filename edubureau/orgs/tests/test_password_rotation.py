"""Password rotation (等保 8.1.4.1 a) 定期更换): a password older than
PASSWORD_MAX_AGE_DAYS must be changed before anything else, on the pages and the API;
the last 14 days before, the home page says when it expires. Dates come from the
password's own timestamp, moved by the test clock, never from today's date."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from edubureau.orgs.models import User
from edubureau.orgs.passwords import password_change_reason, password_expiry_warning
from edubureau.testing.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Qz7!wk3Lp9xR"
SET_AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def officer(cast, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 180
    user = cast.school_a_officer
    User.objects.filter(pk=user.pk).update(password_changed_at=SET_AT)
    user.refresh_from_db()
    return user


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_password_younger_than_the_limit_is_accepted_without_a_prompt(officer):
    with time_machine.travel(SET_AT + dt.timedelta(days=165), tick=False):
        assert password_change_reason(officer) == ""
        assert password_expiry_warning(officer) == ""
        response = _logged_in(officer).get(reverse("home"))
        assert response.status_code == 200
        assert not any("到期" in m for m in _messages(response))


def test_the_last_fourteen_days_are_prompted_on_the_home_page(officer):
    with time_machine.travel(SET_AT + dt.timedelta(days=175), tick=False):
        response = _logged_in(officer).get(reverse("home"))
        assert response.status_code == 200
        assert "您的密码将在5天后到期，请及时修改密码。" in _messages(response)


def test_an_expired_password_must_be_changed_before_anything_else(officer):
    with time_machine.travel(SET_AT + dt.timedelta(days=180, seconds=1), tick=False):
        client = _logged_in(officer)
        for page in (reverse("home"), reverse("orgs:school-list"), "/safety/hazards/"):
            response = client.get(page)
            assert response.status_code == 302
            assert response["Location"] == reverse("password-change")
        assert "密码已使用超过180天，请先修改密码。" in _messages(client.get(reverse("home")))
        changed = client.post(
            reverse("password-change"),
            {
                "old_password": TEST_PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )
        assert changed.status_code == 302
        assert client.get(reverse("orgs:school-list")).status_code == 200
        officer.refresh_from_db()
        assert officer.password_changed_at == SET_AT + dt.timedelta(days=180, seconds=1)
        assert password_change_reason(officer) == ""


def test_the_api_refuses_an_expired_password_and_issues_no_token(officer, settings):
    settings.API_TOKEN_DAYS = 365  # the token itself is still valid
    with time_machine.travel(SET_AT + dt.timedelta(days=10), tick=False):
        issued = Client().post(
            "/api/v1/auth/token/", {"username": officer.username, "password": TEST_PASSWORD}
        )
        assert issued.status_code == 200
        key = issued.json()["token"]
    with time_machine.travel(SET_AT + dt.timedelta(days=181), tick=False):
        api = Client(HTTP_AUTHORIZATION=f"Token {key}")
        refused = api.get("/api/v1/me/")
        assert refused.status_code == 403
        assert "密码已使用超过180天" in refused.json()["detail"]
        Token.objects.filter(user=officer).delete()
        again = Client().post(
            "/api/v1/auth/token/", {"username": officer.username, "password": TEST_PASSWORD}
        )
        assert again.status_code == 403
        assert not Token.objects.filter(user=officer).exists()


def test_rotation_is_off_when_the_limit_is_zero(officer, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 0
    with time_machine.travel(SET_AT + dt.timedelta(days=2000), tick=False):
        assert password_change_reason(officer) == ""
        assert _logged_in(officer).get(reverse("home")).status_code == 200


def test_a_password_set_by_an_administrator_restarts_the_clock(officer):
    with time_machine.travel(SET_AT + dt.timedelta(days=400), tick=False):
        officer.set_password(NEW_PASSWORD)
        officer.save()
        officer.refresh_from_db()
        assert officer.password_changed_at == SET_AT + dt.timedelta(days=400)
