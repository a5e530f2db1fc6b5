"""How the API authenticates: expiring tokens and the forced first-password change
(the token endpoint is in ``api_token``). The rules live in ``services.api_tokens``.

REST_FRAMEWORK settings name these classes, so this module must not import
``rest_framework.views`` (DRF imports the settings' classes while loading it).
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, permissions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.request import Request

from edubureau.orgs import wall
from edubureau.orgs.models import User
from edubureau.orgs.services import api_tokens

INACTIVE = "账号已停用。"
INVALID_TOKEN = "令牌无效。"


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing tokens older than ``API_TOKEN_DAYS``
    and tokens of inactive accounts."""

    def authenticate_credentials(self, key: str) -> tuple[User, Token]:
        token = Token.objects.select_related("user").filter(key=key).first()
        if token is None:
            raise exceptions.AuthenticationFailed(INVALID_TOKEN)
        user = token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(INACTIVE)
        if api_tokens.api_token_is_expired(token):
            raise exceptions.AuthenticationFailed(api_tokens.TOKEN_EXPIRED)
        # The middleware put up the wall for nobody: the account is known only now.
        wall.apply(user)
        return user, token


class PasswordChanged(permissions.BasePermission):
    """An account with its initial or an expired password uses no endpoint until it
    is changed (the pages send it to the password form; ForcePasswordChangeMiddleware)."""

    message = api_tokens.MUST_CHANGE_PASSWORD

    def has_permission(self, request: Request, view: Any) -> bool:
        refusal = api_tokens.password_refusal(request.user)
        if refusal:
            self.message = refusal
        return not refusal
