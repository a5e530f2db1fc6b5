from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

_SESSION_KEY = "last_seen"
# Refresh the stored timestamp at most once a minute, so an active user does
# not cost a session write on every request.
_REFRESH_SECONDS = 60


class IdleTimeoutMiddleware:
    """Ends a session after IDLE_TIMEOUT without a request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            last_seen = request.session.get(_SESSION_KEY)
            if (
                last_seen is not None
                and now - float(last_seen) > settings.IDLE_TIMEOUT.total_seconds()
            ):
                logout(request)
                messages.info(request, "您已长时间未操作,为保护数据安全已自动退出,请重新登录。")
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": "会话已超时,请重新登录。"}, status=401)
                return redirect(f"{reverse('login')}?next={request.path}")
            if last_seen is None or now - float(last_seen) > _REFRESH_SECONDS:
                request.session[_SESSION_KEY] = now
        return self.get_response(request)


class ForcePasswordChangeMiddleware:
    """Accounts created with an initial password must change it before anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and getattr(user, "must_change_password", False):
            allowed = {reverse("password-change"), reverse("logout")}
            if request.path not in allowed and not request.path.startswith(settings.STATIC_URL):
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": "请先修改初始密码。"}, status=403)
                return redirect("password-change")
        return self.get_response(request)
