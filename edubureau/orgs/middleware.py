from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from edubureau.orgs.passwords import password_change_reason
from edubureau.orgs.two_factor import enrolment_reason

_SESSION_KEY = "last_seen"
# When the session began: the absolute lifetime (SESSION_COOKIE_AGE, 12 hours) is
# counted from here. The cookie's own expiry moves forward whenever the session is
# saved, so it cannot enforce an absolute limit on a busy session.
_STARTED_KEY = "started_at"
# Refresh the stored timestamp at most once a minute, so an active user does
# not cost a session write on every request.
_REFRESH_SECONDS = 60


def mark_session_start(sender: object, request: HttpRequest, **kwargs: object) -> None:
    """user_logged_in: the absolute lifetime counts from the login itself."""
    if request is not None and hasattr(request, "session"):
        request.session[_STARTED_KEY] = time.time()


class IdleTimeoutMiddleware:
    """Ends a session after IDLE_TIMEOUT without a request, and in any case
    SESSION_COOKIE_AGE after it began."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            last_seen = request.session.get(_SESSION_KEY)
            started = request.session.setdefault(_STARTED_KEY, now)
            idle = last_seen is not None and (
                now - float(last_seen) > settings.IDLE_TIMEOUT.total_seconds()
            )
            if idle or now - float(started) > settings.SESSION_COOKIE_AGE:
                logout(request)
                message = (
                    "您已长时间未操作，为保护数据安全已自动退出，请重新登录。"
                    if idle
                    else f"登录已超过{settings.SESSION_COOKIE_AGE // 3600}小时，"
                    "为保护数据安全已自动退出，请重新登录。"
                )
                messages.info(request, message)
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": "会话已超时，请重新登录。"}, status=401)
                return redirect(f"{reverse('login')}?next={request.path}")
            if last_seen is None or now - float(last_seen) > _REFRESH_SECONDS:
                request.session[_SESSION_KEY] = now
        return self.get_response(request)


class ForcePasswordChangeMiddleware:
    """Accounts with an initial or an expired password must change it before anything
    else (``passwords.password_change_reason``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        reason = password_change_reason(user) if user.is_authenticated else ""
        if reason:
            allowed = {reverse("password-change"), reverse("logout")}
            if request.path not in allowed and not request.path.startswith(settings.STATIC_URL):
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": reason}, status=403)
                if request.method == "GET":
                    messages.warning(request, reason)
                return redirect("password-change")
        return self.get_response(request)


class TwoFactorEnrolmentMiddleware:
    """Accounts whose bureau requires a second factor and that have none must set it
    up before anything else (``two_factor.enrolment_reason``): every page sends them to
    the enrolment page, the API answers 403. After ``ForcePasswordChangeMiddleware``,
    so a forced password change comes first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        reason = enrolment_reason(user) if user.is_authenticated else ""
        if reason:
            allowed = {
                reverse("two-factor"),
                reverse("two-factor-setup"),
                reverse("password-change"),
                reverse("logout"),
            }
            if request.path not in allowed and not request.path.startswith(settings.STATIC_URL):
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": reason}, status=403)
                # The enrolment page says why itself.
                return redirect("two-factor-setup")
        return self.get_response(request)
