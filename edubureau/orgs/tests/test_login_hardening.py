from __future__ import annotations

from datetime import timedelta

import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from edubureau.audit.models import Action, AuditEvent
from edubureau.testing.factories import TEST_PASSWORD


def _login(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_it_logs_in_and_audits_the_login(cast):
    client = Client()
    response = _login(client, "a_officer", TEST_PASSWORD)
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action=Action.LOGIN, actor=cast.school_a_officer).count() == 1


def test_it_audits_a_failed_login_with_the_attempted_username(cast):
    response = _login(Client(), "a_officer", "wrong-password")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    event = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert event.actor_name == "a_officer"
    assert event.actor == cast.school_a_officer


def test_it_audits_logout(cast):
    client = Client()
    _login(client, "a_officer", TEST_PASSWORD)
    client.post(reverse("logout"))
    assert AuditEvent.objects.filter(action=Action.LOGOUT, actor=cast.school_a_officer).exists()


def test_it_locks_the_account_after_five_failures_for_thirty_minutes(cast):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        client = Client()
        for _ in range(5):
            _login(client, "a_officer", "wrong-password")
        # The right password no longer helps, from any client.
        locked = _login(Client(), "a_officer", TEST_PASSWORD)
        assert locked.status_code == 429
        assert "账号已锁定" in locked.content.decode()
        assert AuditEvent.objects.filter(action=Action.LOCKED_OUT, actor_name="a_officer").exists()
        # Other accounts are unaffected.
        assert _login(Client(), "a_principal", TEST_PASSWORD).status_code == 302

        clock.shift(timedelta(minutes=29))
        assert _login(Client(), "a_officer", TEST_PASSWORD).status_code == 429
        clock.shift(timedelta(minutes=2))
        assert _login(Client(), "a_officer", TEST_PASSWORD).status_code == 302


def test_it_does_not_lock_after_four_failures(cast):
    client = Client()
    for _ in range(4):
        _login(client, "a_officer", "wrong-password")
    assert _login(client, "a_officer", TEST_PASSWORD).status_code == 302


def test_it_ends_the_session_after_thirty_idle_minutes(cast):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        client = Client()
        _login(client, "a_officer", TEST_PASSWORD)
        assert client.get(reverse("home")).status_code == 200
        clock.shift(timedelta(minutes=29))
        assert client.get(reverse("home")).status_code == 200  # activity resets the clock
        clock.shift(timedelta(minutes=29))
        assert client.get(reverse("home")).status_code == 200
        clock.shift(timedelta(minutes=31))
        response = client.get(reverse("home"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        # And the session is really gone, not just redirected once.
        assert client.get(reverse("home")).status_code == 302


def test_it_forces_a_password_change_for_initial_passwords(cast):
    user = cast.school_a_officer
    user.must_change_password = True
    user.save()
    client = Client()
    _login(client, "a_officer", TEST_PASSWORD)
    assert client.get(reverse("orgs:school-list"))["Location"] == reverse("password-change")
    assert client.get("/api/v1/me/").status_code == 403
    response = client.post(
        reverse("password-change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "Xk7#pq-Lm2",
            "new_password2": "Xk7#pq-Lm2",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password
    assert client.get(reverse("orgs:school-list")).status_code == 200
    assert AuditEvent.objects.filter(action=Action.PASSWORD_CHANGE, actor=user).exists()


def test_it_rejects_passwords_with_fewer_than_three_character_classes(cast):
    client = Client()
    client.force_login(cast.school_a_officer)
    response = client.post(
        reverse("password-change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "onlylowercase99",
            "new_password2": "onlylowercase99",
        },
    )
    assert response.status_code == 200
    assert "至少3类" in response.content.decode()
    cast.school_a_officer.refresh_from_db()
    assert cast.school_a_officer.check_password(TEST_PASSWORD)


def test_it_ends_even_a_busy_session_twelve_hours_after_login(cast):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        client = Client()
        _login(client, "a_officer", TEST_PASSWORD)
        for _ in range(11 * 3 + 2):  # a request every 20 minutes for 11 h 40 min
            clock.shift(timedelta(minutes=20))
            assert client.get(reverse("home")).status_code == 200
        clock.shift(timedelta(minutes=25))  # 12 h 5 min after login, 25 min idle
        response = client.get(reverse("home"), follow=True)
        assert response.redirect_chain[0][0].startswith(reverse("login"))
        assert "登录已超过12小时" in response.content.decode()
        assert client.get(reverse("home")).status_code == 302


def test_a_login_issues_a_new_session_key(cast):
    """Session fixation: the key a visitor had before signing in is not the one that
    carries the signed-in session."""
    client = Client()
    client.get(reverse("login"))  # the login page sets the CSRF cookie and a session
    client.session.save()
    before = client.session.session_key
    assert _login(client, "a_officer", TEST_PASSWORD).status_code == 302
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after and after != before


def test_a_session_cookie_replayed_after_logout_is_refused(cast):
    """Logout deletes the server-side session: a copy of the cookie kept from before
    (a shared computer, a stolen cookie) signs nobody in."""
    client = Client()
    assert _login(client, "a_officer", TEST_PASSWORD).status_code == 302
    stolen = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.get(reverse("orgs:school-list")).status_code == 200
    client.post(reverse("logout"))
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = stolen
    response = replay.get(reverse("orgs:school-list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not Session.objects.filter(session_key=stolen).exists()
