"""The second factor (TOTP) pages: the sign-in's second step, the account's own
两步验证 page (enrol, recovery codes, disable), an administrator's reset of someone's
device, and the bureau's requirement. The rules are in ``orgs.two_factor``."""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from edubureau.orgs import two_factor
from edubureau.orgs.forms_two_factor import (
    DisableForm,
    EnrolForm,
    SecondFactorForm,
    TwoFactorPolicyForm,
)
from edubureau.orgs.http import AuthedRequest, administrator_only
from edubureau.orgs.models import TOTPDevice, User
from edubureau.orgs.services import accounts
from edubureau.orgs.services import two_factor as services

administrator_required = administrator_only(accounts.NOT_ADMINISTRATOR)


def _failed(request: HttpRequest, user: User, reason: str) -> None:
    """A failed second step counts like a failed password: django-axes records it
    toward the lockout and the audit log writes a 登录失败 event with ``reason``."""
    user_login_failed.send(
        sender=__name__,
        credentials={"username": user.username, "reason": reason},
        request=request,
    )


@require_http_methods(["GET", "POST"])
def login_verify(request: HttpRequest) -> HttpResponse:
    """The sign-in's second step. Until it passes the session is not logged in."""
    if request.user.is_authenticated:
        return redirect("home")  # like the login page, for a signed-in account
    pending = two_factor.pending_user(request)
    if pending is None:
        messages.info(request, "请重新输入用户名和密码登录。")
        return redirect("login")
    user, backend, next_url = pending
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        credentials = {"username": user.username}
        if not AxesProxyHandler.is_allowed(request, credentials):
            # Locked (by passwords or codes): the same neutral lockout page, audited.
            request.axes_locked_out = True  # type: ignore[attr-defined]
            two_factor.end_pending(request)
            _failed(request, user, "账号已锁定")
            return redirect("login")
        verified = two_factor.verify_second_factor(user, form.cleaned_data["code"])
        if verified is not None:
            two_factor.end_pending(request)
            login(request, user, backend=backend or None)
            if verified.by_recovery_code:
                services.audit_recovery_code_used(user=user, left=verified.codes_left)
                messages.warning(
                    request,
                    f"您使用了一个恢复码，还剩{verified.codes_left}个。"
                    "如手机已丢失，请在“两步验证”页面停用后重新设置，或请系统管理员重置。",
                )
            if not url_has_allowed_host_and_scheme(
                next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            ):
                next_url = "/"
            return redirect(next_url or "/")
        _failed(request, user, two_factor.CODE_FAILED)
        form.add_error("code", "验证码不正确或已使用过，请输入身份验证器上最新的验证码。")
    return render(request, "registration/login_verify.html", {"form": form})


@login_required
def two_factor_status(request: AuthedRequest) -> HttpResponse:
    """我的账号 → 两步验证: whether it is on, recovery codes left, what to do next."""
    user = request.user
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return render(
        request,
        "orgs/two_factor/status.html",
        {
            "device": device,
            "required": two_factor.two_factor_required(user),
            "codes_left": two_factor.recovery_codes_left(user) if device else 0,
            "form": DisableForm() if device else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: AuthedRequest) -> HttpResponse:
    """Enrolment: the secret as a QR code and as text; the first code activates it and
    the ten recovery codes are shown, once, in the answer to that POST."""
    user = request.user
    try:
        device = services.two_factor_begin(user=user)
    except ValidationError:
        return redirect("two-factor")
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.two_factor_confirm(user=user, code=form.cleaned_data["code"])
        except ValidationError as exc:
            form.add_error("code", exc)
        else:
            return render(request, "orgs/two_factor/recovery_codes.html", {"codes": codes})
    uri = two_factor.provisioning_uri(device.secret, user.username)
    return render(
        request,
        "orgs/two_factor/setup.html",
        {
            "form": form,
            "qr": two_factor.qr_data_url(uri),
            "secret": two_factor.grouped(device.secret),
            "required": two_factor.two_factor_required(user),
        },
    )


@login_required
@require_http_methods(["POST"])
def two_factor_disable(request: AuthedRequest) -> HttpResponse:
    form = DisableForm(request.POST)
    if form.is_valid():
        try:
            services.two_factor_disable(
                user=request.user,
                password=form.cleaned_data["password"],
                code=form.cleaned_data["code"],
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, "两步验证已停用。")
    else:
        messages.error(request, "请输入当前密码和动态验证码。")
    return redirect("two-factor")


@administrator_required
@require_http_methods(["GET", "POST"])
def user_two_factor_reset(request: AuthedRequest, user_id: int) -> HttpResponse:
    from edubureau.orgs.views_accounts import _account, _confirm

    account = _account(request, user_id)
    if request.method == "POST":
        if services.two_factor_reset(actor=request.user, user=account):
            messages.success(
                request, f"已移除账号 {account.username} 的两步验证设备，该账号须重新设置。"
            )
        else:
            messages.info(request, "该账号没有启用两步验证。")
        return redirect("orgs:user-detail", user_id=account.pk)
    return _confirm(
        request,
        account,
        title="重置两步验证",
        message="移除该账号的身份验证器和全部恢复码（例如手机丢失时）。"
        "本单位要求两步验证的账号，下次登录后须重新设置。此操作记入审计日志。",
        button="重置",
        danger=True,
    )


@administrator_required
@require_http_methods(["GET", "POST"])
def two_factor_policy(request: AuthedRequest) -> HttpResponse:
    """The bureau's requirement: which accounts must use a second factor."""
    bureau = request.user.bureau
    if bureau is None:
        raise PermissionDenied("只有本局系统管理员可以设置两步验证要求")
    form = TwoFactorPolicyForm(
        request.POST or None, initial={"groups": list(bureau.two_factor_groups or [])}
    )
    if request.method == "POST" and form.is_valid():
        services.two_factor_policy_save(actor=request.user, groups=form.cleaned_data["groups"])
        messages.success(request, "两步验证要求已保存，并已记入审计日志。")
        return redirect("orgs:two-factor-policy")
    enrolled = set(
        TOTPDevice.objects.filter(user__bureau=bureau, confirmed=True).values_list(
            "user_id", flat=True
        )
    )
    missing = [
        u
        for u in User.objects.filter(bureau=bureau, is_active=True).select_related("department")
        if u.pk not in enrolled and two_factor.two_factor_required(_with_bureau(u, bureau))
    ]
    return render(
        request,
        "orgs/two_factor/policy.html",
        {"form": form, "bureau": bureau, "missing": missing[:50], "missing_count": len(missing)},
    )


def _with_bureau(user: User, bureau: object) -> User:
    user.bureau = bureau  # type: ignore[assignment]
    return user
