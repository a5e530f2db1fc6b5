"""The suite-wide secret scan (edubureau/testing/secret_scan.py) is live: a session
key, an API token or an initial password that reaches a log record or an audit event
is caught; ordinary records are not."""

from __future__ import annotations

import logging

from django.test import Client
from rest_framework.authtoken.models import Token

from edubureau.audit.models import Action
from edubureau.audit.services import audit_log
from edubureau.orgs.services.accounts import generate_initial_password
from edubureau.testing.secret_scan import SCAN

logger = logging.getLogger("edubureau.tests.secret_scan")


def test_a_logged_session_key_is_caught(cast):
    client = Client()
    client.force_login(cast.school_a_officer)
    key = client.session.session_key
    logger.info("request done")
    assert SCAN.take() == []
    logger.warning("session %s expired", key)
    found = SCAN.take()  # taken, so that this test itself passes
    assert len(found) == 1 and "a session key" in found[0] and "log edubureau.tests" in found[0]


def test_a_token_in_an_exception_log_is_caught(cast):
    token = Token.objects.create(user=cast.school_a_officer)
    try:
        raise ValueError(f"bad token {token.key}")
    except ValueError:
        logger.exception("API call failed")
    assert any("an API token" in f for f in SCAN.take())


def test_an_initial_password_in_an_audit_detail_is_caught(cast):
    from edubureau.orgs.services import accounts

    password = accounts.generate_initial_password()
    assert generate_initial_password is not accounts.generate_initial_password  # watched
    audit_log(actor=cast.admin, action=Action.UPDATE, detail=f"重置密码为{password}")
    found = SCAN.take()
    assert len(found) == 1 and "an initial password" in found[0] and "audit event" in found[0]


def test_a_totp_secret_or_recovery_code_in_a_log_or_audit_detail_is_caught(cast):
    from edubureau.orgs.services import two_factor as two_factor_services

    user = cast.school_a_officer
    device = two_factor_services.two_factor_begin(user=user)
    logger.info("enrolling %s", device.secret)
    assert any("a TOTP secret" in f for f in SCAN.take())
    from edubureau.orgs import two_factor

    codes = two_factor.new_recovery_codes()
    audit_log(actor=user, action=Action.UPDATE, detail=f"codes {codes[0]}")
    assert any("a recovery code" in f for f in SCAN.take())
