"""API tokens: issued at ``POST /api/v1/auth/token/``, valid for ``API_TOKEN_DAYS``.

Rules kept here:

* a token is refused once it is older than ``API_TOKEN_DAYS`` (see
  :class:`edubureau.orgs.api_auth.ExpiringTokenAuthentication`); asking for a token
  again then issues a new one;
* an account that still has its initial password gets no token, nor one whose
  bureau requires a second factor it has not set up;
* an account with a second factor gets a token only with a current code (the
  ``otp`` field of the request, checked by the token endpoint, ``api_token``);
* a token dies with the credentials it was issued for: a password change or reset,
  logout, deactivation and a role change each call :func:`api_tokens_revoke`;
* obtaining a token is a login and writes one ``login`` audit row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.models import update_last_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from edubureau.audit.models import Action
from edubureau.audit.services import audit_log
from edubureau.orgs import two_factor
from edubureau.orgs.models import User
from edubureau.orgs.passwords import INITIAL_PASSWORD, password_change_reason

MUST_CHANGE_PASSWORD = "请先登录网页修改初始密码，再使用接口。"


def password_refusal(user: User | Any) -> str:
    """Why the API refuses ``user`` until the password is changed (or a second factor
    the bureau requires is set up) on the web, or "" (the rules are
    ``passwords.password_change_reason`` and ``two_factor.enrolment_reason``; only the
    wording is the API's)."""
    reason = password_change_reason(user)
    if not reason:
        return two_factor.API_ENROL_REQUIRED if two_factor.enrolment_reason(user) else ""
    if reason == INITIAL_PASSWORD:
        return MUST_CHANGE_PASSWORD
    return f"密码已使用超过{settings.PASSWORD_MAX_AGE_DAYS}天，请先登录网页修改密码，再使用接口。"


TOKEN_EXPIRED = "令牌已过期，请重新获取。"
TOKEN_LOGIN_DETAIL = "通过接口获取API令牌登录"


def api_token_lifetime() -> dt.timedelta:
    return dt.timedelta(days=settings.API_TOKEN_DAYS)


def api_token_expires_at(token: Token) -> dt.datetime:
    return token.created + api_token_lifetime()


def api_token_is_expired(token: Token, *, now: dt.datetime | None = None) -> bool:
    return (now or timezone.now()) >= api_token_expires_at(token)


@transaction.atomic
def api_token_issue(*, user: User) -> Token:
    """The user's token (a new one if there is none or it has expired), after the
    password was checked by the caller. Audited as a login."""
    refusal = password_refusal(user)
    if refusal:
        raise PermissionDenied(refusal)
    token = Token.objects.select_for_update().filter(user=user).first()
    if token is not None and api_token_is_expired(token):
        token.delete()
        token = None
    if token is None:
        token = Token.objects.create(user=user)
    update_last_login(User, user)
    audit_log(actor=user, action=Action.LOGIN, detail=TOKEN_LOGIN_DETAIL)
    return token


def api_tokens_revoke(*, user: User) -> int:
    """Delete the user's API tokens; returns how many there were."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return deleted
