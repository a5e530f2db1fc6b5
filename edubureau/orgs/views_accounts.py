"""Account management pages (administrators only).

Every route answers 403 to anyone but an administrator, and fetches the account
through ``get_visible_or_404(..., for_write=True)``, so another bureau's account
is a 404. Initial passwords appear exactly once: in the response to the request
that generated them (a page, or the .xlsx download), never stored or cached.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods, require_POST

from edubureau.core.excel import XLSX_CONTENT_TYPE
from edubureau.core.forms import model_choices
from edubureau.core.listing import apply_list_query, list_context, read_list_query
from edubureau.core.params import param_id
from edubureau.orgs import selectors, two_factor
from edubureau.orgs.access import get_visible_or_404
from edubureau.orgs.forms_accounts import (
    BulkAccountsForm,
    InspectorSchoolsForm,
    SensitiveAccessForm,
    UserCreateForm,
    UserEditForm,
)
from edubureau.orgs.http import AuthedRequest, administrator_only
from edubureau.orgs.models import Department, Role, SchoolKind, Township, User
from edubureau.orgs.services import accounts

View = Callable[..., HttpResponse]


administrator_required = administrator_only(accounts.NOT_ADMINISTRATOR)


def _account(request: AuthedRequest, user_id: int) -> User:
    return get_visible_or_404(User, request.user, user_id, for_write=True)


def _attachment_name(stem: str) -> str:
    name = f"{stem}-{timezone.localdate():%Y%m%d}.xlsx"
    return f"attachment; filename=\"initial-passwords.xlsx\"; filename*=UTF-8''{quote(name)}"


def _password_page(
    request: AuthedRequest, rows: list[tuple[User, str]], title: str
) -> HttpResponse:
    """The only time a password is shown: on this page and in the .xlsx it embeds."""
    content = accounts.initial_passwords_workbook(rows)
    response = render(
        request,
        "orgs/accounts/password_result.html",
        {
            "title": title,
            "rows": rows,
            "xlsx_data": base64.b64encode(content).decode(),
            "xlsx_name": f"初始密码-{timezone.localdate():%Y%m%d}.xlsx",
            "xlsx_type": XLSX_CONTENT_TYPE,
        },
    )
    add_never_cache_headers(response)
    return response


@administrator_required
def user_list(request: AuthedRequest) -> HttpResponse:
    listing = read_list_query(selectors.USER_LIST, request.GET)
    filters = selectors.UserFilter.from_params(request.GET)
    users = selectors.user_list(actor=request.user, filters=filters)
    context = list_context(
        request, selectors.USER_LIST, apply_list_query(selectors.USER_LIST, users, listing), listing
    )
    page = context["page"]
    return render(
        request,
        "orgs/accounts/user_list.html",
        {
            **context,
            "filters": filters,
            "locked": selectors.locked_usernames(u.username for u in page),
            "roles": Role.choices,
            "departments": Department.objects.visible_to(request.user),
        },
    )


@administrator_required
@require_http_methods(["GET", "POST"])
def user_create(request: AuthedRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            user, password = accounts.user_create(actor=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _password_page(request, [(user, password)], f"已创建账号 {user.username}")
    return render(request, "orgs/accounts/user_create.html", {"form": form})


@administrator_required
@require_http_methods(["GET", "POST"])
def user_bulk_create(request: AuthedRequest) -> HttpResponse:
    params = request.POST if request.method == "POST" else request.GET
    township_id, kind = param_id(params.get("township")), params.get("kind") or ""
    form = BulkAccountsForm(request.POST or None, actor=request.user)
    result = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        schools = data["schools"]
        if data["mode"] == BulkAccountsForm.MISSING:
            schools = selectors.schools_missing_accounts(
                actor=request.user, positions=data["positions"], township_id=township_id, kind=kind
            )
        try:
            result = accounts.school_accounts_create(
                actor=request.user, schools=schools, positions=data["positions"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        if result is not None and result.created:
            skipped = [f"已跳过：{s}" for s in result.skipped]
            content = accounts.initial_passwords_workbook(result.created, notes=skipped)
            messages.success(request, f"已创建{len(result.created)}个账号，初始密码表已下载。")
            response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
            response["Content-Disposition"] = _attachment_name("学校账号初始密码")
            add_never_cache_headers(response)
            return response
    schools_qs = selectors.schools_for_accounts(
        actor=request.user, township_id=township_id, kind=kind
    )
    return render(
        request,
        "orgs/accounts/user_bulk.html",
        {
            "form": form,
            "result": result,
            "schools": schools_qs[:1000],
            "school_count": schools_qs.count(),
            "township_id": township_id,
            "kind": kind,
            "townships": Township.objects.visible_to(request.user),
            "kinds": SchoolKind.choices,
            "checked": {str(v) for v in request.POST.getlist("schools")},
        },
    )


@administrator_required
def user_detail(request: AuthedRequest, user_id: int) -> HttpResponse:
    account = _account(request, user_id)
    return render(
        request,
        "orgs/accounts/user_detail.html",
        {
            "account": account,
            "is_locked": account.username in selectors.locked_usernames([account.username]),
            "assigned": account.assigned_schools.select_related("township").order_by("name"),
            "is_self": account.pk == request.user.pk,
            "has_two_factor": two_factor.has_device(account),
        },
    )


@administrator_required
@require_http_methods(["GET", "POST"])
def user_edit(request: AuthedRequest, user_id: int) -> HttpResponse:
    account = _account(request, user_id)
    initial = {
        "full_name": account.full_name,
        "phone": account.phone,
        "role": account.role,
        "department": account.department_id,
        "school": account.school_id,
        "school_position": account.school_position,
        "read_only": account.read_only,
        "version": accounts.user_version(account),
    }
    form = UserEditForm(request.POST or None, initial=initial, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            accounts.user_reassign(
                actor=request.user,
                user=account,
                loaded_version=form.cleaned_data["version"] or None,
                **data,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "账号已保存。")
            return redirect("orgs:user-detail", user_id=account.pk)
    return render(request, "orgs/accounts/user_edit.html", {"form": form, "account": account})


def _confirm(request: AuthedRequest, account: User, **context: Any) -> HttpResponse:
    return render(request, "orgs/accounts/confirm.html", {"account": account, **context})


@administrator_required
@require_http_methods(["GET", "POST"])
def user_password_reset(request: AuthedRequest, user_id: int) -> HttpResponse:
    account = _account(request, user_id)
    if request.method == "POST":
        password = accounts.user_password_reset(actor=request.user, user=account)
        return _password_page(request, [(account, password)], f"已重置 {account.username} 的密码")
    return _confirm(
        request,
        account,
        title="重置密码",
        message="将生成新的初始密码，原密码立即失效，该账号已登录的会话将退出；下次登录须修改密码。",
        button="重置密码",
    )


@administrator_required
@require_http_methods(["GET", "POST"])
def user_deactivate(request: AuthedRequest, user_id: int) -> HttpResponse:
    account = _account(request, user_id)
    if request.method == "POST":
        try:
            accounts.user_deactivate(actor=request.user, user=account)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"账号 {account.username} 已停用。")
        return redirect("orgs:user-detail", user_id=account.pk)
    return _confirm(
        request,
        account,
        title="停用账号",
        message="停用后该账号不能登录，已登录的会话将失效；账号的历史记录保留，可随时重新启用。",
        button="停用",
        danger=True,
    )


@administrator_required
@require_http_methods(["GET", "POST"])
def user_reactivate(request: AuthedRequest, user_id: int) -> HttpResponse:
    account = _account(request, user_id)
    if request.method == "POST":
        try:
            accounts.user_reactivate(actor=request.user, user=account)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"账号 {account.username} 已启用。")
        return redirect("orgs:user-detail", user_id=account.pk)
    return _confirm(
        request,
        account,
        title="启用账号",
        message="启用后该账号可以使用原密码登录。如该账号换了使用人，请同时重置密码。",
        button="启用",
    )


@administrator_required
@require_POST
def user_unlock(request: AuthedRequest, user_id: int) -> HttpResponse:
    account = _account(request, user_id)
    if accounts.user_unlock(actor=request.user, user=account):
        messages.success(request, f"已解除账号 {account.username} 的登录锁定。")
    else:
        messages.info(request, "该账号当前没有登录失败记录，无需解锁。")
    return redirect("orgs:user-detail", user_id=account.pk)


@administrator_required
@require_http_methods(["GET", "POST"])
def user_sensitive_access(request: AuthedRequest, user_id: int) -> HttpResponse:
    account = _account(request, user_id)
    initial = {"enabled": "1" if account.can_read_sensitive else "0"}
    form = SensitiveAccessForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            accounts.user_set_sensitive_access(
                actor=request.user,
                user=account,
                enabled=form.cleaned_data["enabled"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "学生敏感信息查看权限已更新，并已记入审计日志。")
            return redirect("orgs:user-detail", user_id=account.pk)
    return render(request, "orgs/accounts/user_sensitive.html", {"form": form, "account": account})


@administrator_required
@require_http_methods(["GET", "POST"])
def user_inspector_schools(request: AuthedRequest, user_id: int) -> HttpResponse:
    account = _account(request, user_id)
    initial = {"schools": list(account.assigned_schools.values_list("pk", flat=True))}
    form = InspectorSchoolsForm(request.POST or None, initial=initial, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            accounts.inspector_assign(
                actor=request.user, inspector=account, schools=form.cleaned_data["schools"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "督导学校已保存。")
            return redirect("orgs:user-detail", user_id=account.pk)
    selected = {str(v) for v in (form["schools"].value() or [])}
    return render(
        request,
        "orgs/accounts/user_schools.html",
        {
            "form": form,
            "account": account,
            "schools": model_choices(form, "schools").queryset,
            "selected": selected,
        },
    )
