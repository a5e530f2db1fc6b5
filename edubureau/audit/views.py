from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from edubureau.audit.models import Action
from edubureau.audit.selectors import (
    AUDIT_LIST,
    AuditFilter,
    audit_events,
    can_read_audit,
    described,
    model_choices,
)
from edubureau.audit.services import audit_log
from edubureau.core.listing import apply_list_query, list_context, read_list_query


@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    if not can_read_audit(request.user):
        raise PermissionDenied("只有审计管理员和局领导可以查看审计日志")
    listing = read_list_query(AUDIT_LIST, request.GET)
    filters = AuditFilter.from_params(request.GET)
    events = audit_events(user=request.user, filters=filters).select_related("actor")
    context = list_context(
        request, AUDIT_LIST, apply_list_query(AUDIT_LIST, events, listing), listing
    )
    return render(
        request,
        "audit/event_list.html",
        {
            **context,
            "rows": described(context["page"].object_list, reader=request.user),
            "filters": filters,
            "actions": Action.choices,
            "models": model_choices(),
        },
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler403: every refused request is an audit event, whichever check refused it."""
    record_denied_request(request, exception)
    message = str(exception) if exception and str(exception) else "您没有权限执行此操作"
    return render(request, "403.html", {"message": message}, status=403)


def record_denied_request(request: Any, exception: Exception | None) -> None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return
    audit_log(
        actor=user,
        action=Action.ACCESS_DENIED,
        detail=f"{request.method} {request.path}：{exception or '无权限'}"[:500],
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a forged or stale form post. Audited even without a login
    (then it belongs to no bureau and the platform operator sees it)."""
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    audit_log(
        actor=user if signed_in else None,
        actor_name=None if signed_in else "",
        action=Action.ACCESS_DENIED,
        detail=f"{request.method} {request.path}：CSRF校验失败（{reason}）"[:500],
    )
    message = "页面已过期或请求来源不可信，请刷新页面后重试。"
    return render(request, "403.html", {"message": message}, status=403)
