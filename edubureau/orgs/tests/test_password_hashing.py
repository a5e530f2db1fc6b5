"""How a chosen password is stored (等保 8.1.4.1; ASVS 11.4.2): Argon2id at OWASP's
setting, older hashes read and re-hashed at the next sign-in, nothing else changed by
that re-hash (the rotation clock, the password history).

The test settings put a fast MD5 hasher first; these tests use the production list."""

from __future__ import annotations

import pytest
from django.conf import settings as project_settings
from django.contrib.auth.hashers import Argon2PasswordHasher, identify_hasher, make_password
from django.test import Client
from django.urls import reverse

from edubureau.orgs.models import PasswordHistory, User
from edubureau.orgs.passwords import make_initial_password_hash
from edubureau.testing.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def production_hashers(settings):
    settings.PASSWORD_HASHERS = project_settings.PRODUCTION_PASSWORD_HASHERS


def _sign_in(user: User) -> None:
    answer = Client().post(reverse("login"), {"username": user.username, "password": TEST_PASSWORD})
    assert answer.status_code == 302 and answer["Location"] != reverse("login")


def test_a_chosen_password_is_stored_with_argon2id_at_owasps_setting():
    encoded = make_password("Qz7!wk3Lp9xR")
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert identify_hasher(encoded).verify("Qz7!wk3Lp9xR", encoded)
    assert not identify_hasher(encoded).verify("Qz7!wk3Lp9xr", encoded)
    assert make_password("Qz7!wk3Lp9xR") != encoded  # salted


@pytest.mark.parametrize("old", ["pbkdf2", "argon2-at-djangos-setting"])
def test_an_older_hash_signs_in_and_is_rehashed_once(cast, old):
    user = cast.school_a_officer
    if old == "pbkdf2":  # every hash stored before Argon2id
        stored = make_password(TEST_PASSWORD, hasher="pbkdf2_sha256")
    else:  # 100 MiB, 8 lanes: Django's own Argon2 hasher
        stored = Argon2PasswordHasher().encode(TEST_PASSWORD, "s0mesaltvalue123")
    User.objects.filter(pk=user.pk).update(password=stored)
    user.refresh_from_db()
    changed_at, history = user.password_changed_at, PasswordHistory.objects.count()

    _sign_in(user)
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    # A re-hash is not a new password: the rotation clock and the history stay.
    assert user.password_changed_at == changed_at
    assert PasswordHistory.objects.count() == history

    rehashed = user.password
    _sign_in(user)
    user.refresh_from_db()
    assert user.password == rehashed  # at the current setting: not hashed again


def test_an_initial_password_keeps_its_cheap_hasher_and_is_read():
    encoded = make_initial_password_hash("Ab3dEfGh5kMn")
    assert identify_hasher(encoded).algorithm == "pbkdf2_sha256_initial"
    assert identify_hasher(encoded).verify("Ab3dEfGh5kMn", encoded)
