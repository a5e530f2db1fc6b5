"""The second factor's audited writes: enrolment, disabling, an administrator's reset,
and the bureau's requirement. The rules are in ``orgs.two_factor``.

Audit events name the account and what happened, never the secret or a code."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from edubureau.audit.models import Action
from edubureau.audit.services import audit_log
from edubureau.core.roles import Role
from edubureau.orgs import two_factor
from edubureau.orgs.models import Bureau, RecoveryCode, TOTPDevice, User
from edubureau.orgs.services.api_tokens import api_tokens_revoke

ENROLLED = "启用两步验证"
DISABLED = "停用两步验证"
RESET = "重置两步验证（管理员移除设备）"
RECOVERY_USED = "使用一次性恢复码登录"
POLICY = "修改两步验证要求"


def two_factor_begin(*, user: User) -> TOTPDevice:
    """The device being enrolled: the unconfirmed one already made (so a reload shows
    the same QR code), or a new one with a fresh secret."""
    device = TOTPDevice.objects.filter(user=user).first()
    if device is not None and device.confirmed:
        raise ValidationError("两步验证已启用。")
    if device is None:
        device = TOTPDevice.objects.create(user=user, secret=two_factor.new_secret())
    return device


@transaction.atomic
def two_factor_confirm(*, user: User, code: str) -> list[str]:
    """Activate the enrolled device with its first code; returns the ten recovery codes
    (shown once, stored hashed). The account's API tokens, issued on the password alone,
    are revoked. Audited."""
    if not two_factor.verify_totp(user, code, confirmed=False):
        raise ValidationError("验证码不正确，请核对手机上显示的6位数字后重新输入。")
    TOTPDevice.objects.filter(user=user).update(confirmed=True, confirmed_at=timezone.now())
    codes = two_factor.new_recovery_codes()
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=two_factor.hash_recovery_code(c)) for c in codes
    )
    api_tokens_revoke(user=user)
    audit_log(actor=user, action=Action.UPDATE, obj=user, detail=ENROLLED)
    return codes


def _remove(user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()


@transaction.atomic
def two_factor_disable(*, user: User, password: str, code: str) -> None:
    """The account turns its second factor off: needs the password and a code (or a
    recovery code), and is refused when the bureau requires it. Audited."""
    if two_factor.two_factor_required(user):
        raise PermissionDenied("本单位要求您的账号使用两步验证，不能停用。")
    if not user.check_password(password):
        raise ValidationError("密码不正确。")
    if two_factor.verify_second_factor(user, code) is None:
        raise ValidationError("验证码不正确。")
    _remove(user)
    audit_log(actor=user, action=Action.UPDATE, obj=user, detail=DISABLED)


@transaction.atomic
def two_factor_reset(*, actor: User, user: User) -> bool:
    """An administrator removes ``user``'s device and recovery codes (a lost phone);
    the account enrols again at its next sign-in if its bureau requires it. Its API
    tokens die too. Returns whether there was a device. Audited."""
    if actor.role != Role.ADMINISTRATOR:
        raise PermissionDenied("只有系统管理员可以重置两步验证")
    had = TOTPDevice.objects.filter(user=user).exists()
    _remove(user)
    api_tokens_revoke(user=user)
    if had:
        audit_log(actor=actor, action=Action.UPDATE, obj=user, detail=RESET)
    return had


def audit_recovery_code_used(*, user: User, left: int) -> None:
    audit_log(actor=user, action=Action.UPDATE, obj=user, detail=f"{RECOVERY_USED}（剩余{left}个）")


@transaction.atomic
def two_factor_policy_save(*, actor: User, groups: list[str]) -> Bureau:
    """The administrator's own bureau requires the second factor of ``groups``. Audited
    with the groups before and after."""
    if actor.role != Role.ADMINISTRATOR or actor.bureau_id is None:
        raise PermissionDenied("只有本局系统管理员可以设置两步验证要求")
    valid = {str(g) for g in two_factor.TwoFactorGroup.values}
    chosen = [str(g) for g in two_factor.TwoFactorGroup.values if g in set(groups) & valid]
    bureau = Bureau.objects.select_for_update().get(pk=actor.bureau_id)
    before = list(bureau.two_factor_groups or [])
    if before != chosen:
        bureau.two_factor_groups = chosen
        bureau.save(update_fields=["two_factor_groups"])
        audit_log(
            actor=actor,
            action=Action.UPDATE,
            obj=bureau,
            changes={"two_factor_groups": [before, chosen]},
            detail=POLICY,
        )
    return bureau
