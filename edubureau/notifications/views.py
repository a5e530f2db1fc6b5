from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from edubureau.core.listing import apply_list_query, list_context, read_list_query
from edubureau.notifications import selectors, services, topics
from edubureau.notifications.forms import WebhookEndpointForm
from edubureau.notifications.models import (
    DeliveryStatus,
    Notification,
    WebhookDelivery,
    WebhookEndpoint,
)
from edubureau.orgs.access import get_visible_or_404
from edubureau.orgs.http import AuthedRequest
from edubureau.orgs.models import Role
from edubureau.orgs.scoping import bureau_id_of

PAGE_SIZE = 30


# ---------------------------------------------------------------- notifications


def _show(params: Any) -> str:
    show = params.get("show", "all")
    return show if show in selectors.SHOW_CHOICES else "all"


def _inbox_context(request: AuthedRequest, show: str, page_number: Any) -> dict[str, Any]:
    """The inbox after marking (htmx): the page the reader was on, no search."""
    notes = selectors.notification_inbox(user=request.user, show=show)
    page = Paginator(notes, PAGE_SIZE).get_page(page_number)
    return {"page": page, "show": show, "query": f"show={show}"}


@login_required
@require_GET
def notification_list(request: AuthedRequest) -> HttpResponse:
    listing = read_list_query(selectors.INBOX, request.GET)
    show = _show(request.GET)
    notes = apply_list_query(
        selectors.INBOX, selectors.notification_inbox(user=request.user, show=show), listing
    )
    context = {**list_context(request, selectors.INBOX, notes, listing), "show": show}
    return render(request, "notifications/notification_list.html", context)


@login_required
@require_GET
def notification_open(request: AuthedRequest, notification_id: int) -> HttpResponse:
    """Opening a notification marks it read and follows its link (a site path only)."""
    note = get_visible_or_404(Notification, request.user, notification_id)
    services.notification_mark_read(actor=request.user, notification=note)
    if services.is_safe_link(note.link):
        return redirect(note.link)
    return redirect("notifications:list")


def _after_mark(request: AuthedRequest) -> HttpResponse:
    show = _show(request.POST)
    if request.headers.get("HX-Request"):
        context = _inbox_context(request, show, request.POST.get("page"))
        return render(request, "notifications/_inbox.html", {**context, "oob_badge": True})
    return redirect(f"{reverse('notifications:list')}?show={show}")


@login_required
@require_POST
def notification_mark_read(request: AuthedRequest, notification_id: int) -> HttpResponse:
    note = get_visible_or_404(Notification, request.user, notification_id, for_write=True)
    services.notification_mark_read(actor=request.user, notification=note)
    return _after_mark(request)


@login_required
@require_POST
def notification_mark_all_read(request: AuthedRequest) -> HttpResponse:
    count = services.notification_mark_all_read(actor=request.user)
    if not request.headers.get("HX-Request"):
        messages.success(request, f"已将{count}条通知标为已读。")
    return _after_mark(request)


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request: AuthedRequest) -> HttpResponse:
    """通知设置: the user's own choice of in-app topics (never anyone else's)."""
    if request.method == "POST":
        services.notification_settings_save(
            actor=request.user, receive=request.POST.getlist("receive")
        )
        messages.success(request, "通知设置已保存。")
        return redirect("notifications:settings")
    muted = services.muted_topics(user=request.user)
    offered = [t for t in topics.all_topics() if t.offered_to(request.user.role)]
    groups = [
        (module, [(t, t.key not in muted or not t.mutable) for t in items])
        for module, items in topics.grouped(offered)
    ]
    return render(request, "notifications/settings.html", {"groups": groups})


# ---------------------------------------------------------------- webhooks (administrators)


def _require_admin(request: AuthedRequest) -> None:
    if request.user.role != Role.ADMINISTRATOR:
        raise PermissionDenied("只有系统管理员可以管理消息推送")


@login_required
@require_GET
def webhook_list(request: AuthedRequest) -> HttpResponse:
    _require_admin(request)
    endpoints = selectors.endpoint_list(user=request.user)
    return render(request, "notifications/webhook_list.html", {"endpoints": endpoints})


def _endpoint_form(request: AuthedRequest, endpoint: WebhookEndpoint | None) -> HttpResponse:
    form = WebhookEndpointForm(
        request.POST or None, bureau_id=bureau_id_of(request.user), endpoint=endpoint
    )
    if request.method == "POST" and form.is_valid():
        try:
            if endpoint is None:
                endpoint = services.webhook_endpoint_create(
                    actor=request.user, data=form.cleaned_data
                )
            else:
                services.webhook_endpoint_update(
                    actor=request.user, endpoint=endpoint, data=form.cleaned_data
                )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"推送地址“{endpoint.name}”已保存。")
            return redirect("notifications:webhook-list")
    return render(request, "notifications/webhook_form.html", {"form": form, "endpoint": endpoint})


@login_required
@require_http_methods(["GET", "POST"])
def webhook_create(request: AuthedRequest) -> HttpResponse:
    _require_admin(request)
    return _endpoint_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def webhook_edit(request: AuthedRequest, endpoint_id: int) -> HttpResponse:
    _require_admin(request)
    endpoint = get_visible_or_404(WebhookEndpoint, request.user, endpoint_id, for_write=True)
    return _endpoint_form(request, endpoint)


@login_required
@require_POST
def webhook_deactivate(request: AuthedRequest, endpoint_id: int) -> HttpResponse:
    _require_admin(request)
    endpoint = get_visible_or_404(WebhookEndpoint, request.user, endpoint_id, for_write=True)
    services.webhook_endpoint_deactivate(actor=request.user, endpoint=endpoint)
    messages.success(request, f"推送地址“{endpoint.name}”已停用。")
    return redirect("notifications:webhook-list")


@login_required
@require_POST
def webhook_test(request: AuthedRequest, endpoint_id: int) -> HttpResponse:
    _require_admin(request)
    endpoint = get_visible_or_404(WebhookEndpoint, request.user, endpoint_id, for_write=True)
    if not endpoint.is_active:
        messages.error(request, "推送地址已停用，请先在编辑页启用。")
        return redirect("notifications:webhook-list")
    delivery = services.webhook_send_test(actor=request.user, endpoint=endpoint)
    messages.success(request, "测试消息已加入发送队列，结果见推送记录。")
    return redirect("notifications:delivery-detail", delivery_id=delivery.pk)


@login_required
@require_GET
def delivery_list(request: AuthedRequest) -> HttpResponse:
    _require_admin(request)
    listing = read_list_query(selectors.DELIVERY_LOG, request.GET)
    filters = selectors.DeliveryFilter.from_params(request.GET)
    deliveries = apply_list_query(
        selectors.DELIVERY_LOG, selectors.delivery_log(user=request.user, filters=filters), listing
    )
    context = {
        **list_context(request, selectors.DELIVERY_LOG, deliveries, listing),
        "filters": filters,
        "statuses": DeliveryStatus.choices,
        "endpoints": WebhookEndpoint.objects.visible_to(request.user),
    }
    return render(request, "notifications/delivery_list.html", context)


@login_required
@require_GET
def delivery_detail(request: AuthedRequest, delivery_id: int) -> HttpResponse:
    _require_admin(request)
    delivery = get_visible_or_404(WebhookDelivery, request.user, delivery_id)
    context = {
        "delivery": delivery,
        "attempts": delivery.attempt_log.all(),
        "payload": json.dumps(delivery.payload, ensure_ascii=False, indent=2),
        "can_retry": delivery.status in (DeliveryStatus.FAILED, DeliveryStatus.GAVE_UP),
    }
    return render(request, "notifications/delivery_detail.html", context)


@login_required
@require_POST
def delivery_retry(request: AuthedRequest, delivery_id: int) -> HttpResponse:
    _require_admin(request)
    delivery = get_visible_or_404(WebhookDelivery, request.user, delivery_id, for_write=True)
    if services.webhook_delivery_retry(actor=request.user, delivery=delivery):
        messages.success(request, "已重新加入发送队列。")
    else:
        messages.error(request, "该推送记录当前无需重试。")
    return redirect("notifications:delivery-detail", delivery_id=delivery.pk)
