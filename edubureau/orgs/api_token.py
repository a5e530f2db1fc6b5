"""``POST /api/v1/auth/token/``: a token for a username and password."""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from rest_framework import exceptions
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response

from edubureau.orgs import two_factor
from edubureau.orgs.services import api_tokens

OTP_MISSING = "该账号已启用两步验证，请同时提交动态验证码（otp）。"
OTP_WRONG = "动态验证码错误或已使用过。"


class ObtainExpiringToken(ObtainAuthToken):
    """``POST username, password[, otp]`` → ``{"token", "expires"}``. Failed attempts
    go through ``authenticate()``, so django-axes counts them and the audit log records
    them like failed page logins.

    An account with a second factor must send ``otp`` too: the authenticator's current
    code (or a recovery code), checked and spent by the same function as the web
    sign-in's second step; a wrong one counts toward the same lockout and is audited.
    One request rather than a two-step exchange because the API holds no session to
    keep a half-done sign-in in, and a script's owner types the code when the token is
    (re)issued, at most every ``API_TOKEN_DAYS``."""

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        if two_factor.has_device(user):
            code = str(request.data.get("otp") or "")[:20]
            if not code:
                raise exceptions.ValidationError({"otp": [OTP_MISSING]})
            credentials = {"username": user.username}
            django_request = request._request
            if not AxesProxyHandler.is_allowed(django_request, credentials):
                django_request.axes_locked_out = True  # type: ignore[attr-defined]
                raise exceptions.PermissionDenied("账号已锁定，请稍后再试。")
            if two_factor.verify_second_factor(user, code) is None:
                user_login_failed.send(
                    sender=__name__,
                    credentials={**credentials, "reason": two_factor.CODE_FAILED},
                    request=django_request,
                )
                raise exceptions.ValidationError({"otp": [OTP_WRONG]})
        try:
            token = api_tokens.api_token_issue(user=user)
        except PermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        expires = api_tokens.api_token_expires_at(token)
        return Response({"token": token.key, "expires": expires.isoformat()})


obtain_expiring_token = ObtainExpiringToken.as_view()
