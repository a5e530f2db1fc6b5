"""A stranger cannot lock every school account by guessing usernames."""

from __future__ import annotations

from django.test import Client, override_settings
from django.urls import reverse

from edubureau.orgs.login_limits import locked_usernames
from edubureau.testing.factories import TEST_PASSWORD


def _login(address: str, username: str, password: str):
    return Client(REMOTE_ADDR=address).post(
        reverse("login"), {"username": username, "password": password}
    )


def _fail(address: str, username: str, times: int) -> None:
    for _ in range(times):
        _login(address, username, "wrong-password")


def test_five_failures_lock_the_account_at_that_address_only(cast):
    _fail("203.0.113.9", "a_officer", 5)
    assert _login("203.0.113.9", "a_officer", TEST_PASSWORD).status_code == 429
    # The school's own office is not locked out by the stranger.
    assert _login("198.51.100.7", "a_officer", TEST_PASSWORD).status_code == 302
    assert "a_officer" in locked_usernames()


def test_many_addresses_together_lock_the_username_everywhere(cast):
    for n in range(5):
        _fail(f"203.0.113.{n + 1}", "a_officer", 4)  # 20 failures, none locks a pair
    response = _login("198.51.100.7", "a_officer", TEST_PASSWORD)
    assert response.status_code == 429
    assert "账号已锁定" in response.content.decode()


@override_settings(LOGIN_IP_FAILURE_LIMIT=12)
def test_one_address_guessing_many_usernames_is_locked_itself(cast):
    for name in ("a_officer", "b_officer", "a_principal"):
        _fail("203.0.113.50", name, 4)
    # A fourth account, never guessed, cannot be logged into from that address...
    assert _login("203.0.113.50", "leader", TEST_PASSWORD).status_code == 429
    # ...and is untouched from anywhere else.
    assert _login("198.51.100.7", "leader", TEST_PASSWORD).status_code == 302


def test_an_administrator_unlock_clears_every_address(cast, client_for):
    _fail("203.0.113.9", "a_officer", 5)
    assert "a_officer" in locked_usernames()
    response = client_for(cast.admin).post(
        reverse("orgs:user-unlock", kwargs={"user_id": cast.school_a_officer.pk})
    )
    assert response.status_code in (200, 302)
    assert "a_officer" not in locked_usernames()
    assert _login("203.0.113.9", "a_officer", TEST_PASSWORD).status_code == 302
