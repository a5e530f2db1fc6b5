"""等保 password rules: length, classes, no public identifiers, no reuse of the last five."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from edubureau.orgs.models import PasswordHistory
from edubureau.testing.factories import TEST_PASSWORD


def _refused(password: str, user) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return error.messages
    return []


def test_nine_characters_are_too_few(cast):
    assert any("10" in m for m in _refused("Ab1!efghi", cast.school_a_officer))
    assert not _refused("Ab1!efghij", cast.school_a_officer)


def test_public_identifiers_are_refused(cast):
    officer = cast.school_a_officer
    assert "密码不能包含用户名、学校标识码或行政区划代码。" in _refused("A_OFFICER-2026x", officer)
    assert _refused(f"Zz!{cast.school_a.identifier}", officer)
    assert _refused("Qq!519921abc", cast.leader)  # 甲县's division code


def _change(user, password: str) -> None:
    user.set_password(password)
    user.save()


def test_the_last_five_passwords_cannot_come_back(cast):
    user = cast.school_a_officer
    passwords = [f"Rotate-{n}-Pass!" for n in range(6)]
    for password in passwords:
        _change(user, password)
    assert PasswordHistory.objects.filter(user=user).count() == 5
    for recent in passwords[1:]:
        assert "新密码不能与最近5次使用过的密码相同。" in _refused(recent, user)
    assert not _refused(passwords[0], user)  # six changes ago


def test_the_change_page_refuses_the_current_password(cast):
    user = cast.school_a_officer
    _change(user, TEST_PASSWORD)
    client = Client()
    client.force_login(user)
    response = client.post(
        reverse("password-change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": TEST_PASSWORD,
            "new_password2": TEST_PASSWORD,
        },
    )
    assert response.status_code == 200
    assert "新密码不能与最近5次使用过的密码相同。" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)


@pytest.mark.parametrize("keep", [1, 3])
def test_history_keeps_exactly_the_configured_number(cast, settings, keep):
    settings.AUTH_PASSWORD_VALIDATORS = [
        {"NAME": "edubureau.orgs.passwords.PasswordHistoryValidator", "OPTIONS": {"keep": keep}}
    ]
    from django.contrib.auth import password_validation

    password_validation.get_default_password_validators.cache_clear()
    try:
        for n in range(4):
            _change(cast.leader, f"Keep-{n}-Pass!x")
        assert PasswordHistory.objects.filter(user=cast.leader).count() == keep
    finally:
        password_validation.get_default_password_validators.cache_clear()
