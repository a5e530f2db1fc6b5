"""``POST /api/v1/auth/token/``: a token for a username and password."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from rest_framework import exceptions
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response

from edubureau.orgs.services import api_tokens


class ObtainExpiringToken(ObtainAuthToken):
    """``POST username, password`` → ``{"token", "expires"}``. Failed attempts go
    through ``authenticate()``, so django-axes counts them and the audit log records
    them like failed page logins."""

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        try:
            token = api_tokens.api_token_issue(user=user)
        except PermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        expires = api_tokens.api_token_expires_at(token)
        return Response({"token": token.key, "expires": expires.isoformat()})


obtain_expiring_token = ObtainExpiringToken.as_view()
