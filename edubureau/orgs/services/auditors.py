"""Audit administrators' accounts, kept by the platform operator (三员分立).

等保 asks that the person who reviews the audit log is not the one whose actions it
records: a bureau's account administrator may neither create an audit administrator
nor reset, deactivate or re-role one (``OPERATOR_MANAGED_ROLES``, enforced by
``User.objects.writable_by``). The platform operator does it on the command line
(``edubureau auditor_account``), where every step is audited as ``platform``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from edubureau.audit.models import Action
from edubureau.audit.services import audit_log
from edubureau.core.roles import Role
from edubureau.orgs.models import Bureau, User
from edubureau.orgs.services.accounts import new_account, set_initial_password
from edubureau.orgs.services.api_tokens import api_tokens_revoke

OPERATOR = "platform"


def find_bureau(code: str) -> Bureau:
    """A bureau by its 6-digit region code or its full name."""
    code = code.strip()
    found = Bureau.objects.filter(region_code=code).first() or (
        Bureau.objects.filter(name=code).first()
    )
    if found is None:
        raise ValidationError(f"找不到教育局“{code}”（请给出6位行政区划代码或全称）")
    return found


def _auditor(username: str) -> User:
    found = User.objects.select_for_update().filter(username=username.strip()).first()
    if found is None or found.role != Role.AUDITOR:
        raise ValidationError(f"“{username}”不是审计管理员账号")
    return found


@transaction.atomic
def auditor_create(
    *, bureau: Bureau, username: str, full_name: str = "", phone: str = ""
) -> tuple[User, str]:
    """A new audit administrator of ``bureau`` with a one-time initial password."""
    user, password = new_account(
        bureau=bureau, username=username, role=Role.AUDITOR, full_name=full_name, phone=phone
    )
    audit_log(
        actor=None,
        actor_name=OPERATOR,
        action=Action.CREATE,
        obj=user,
        detail=f"平台运维人员为{bureau.name}设立审计管理员，已生成初始密码（首次登录须修改）",
    )
    return user, password


@transaction.atomic
def auditor_password_reset(*, username: str) -> str:
    user = _auditor(username)
    password = set_initial_password(user)
    user.save(update_fields=["password", "must_change_password"])
    api_tokens_revoke(user=user)
    audit_log(
        actor=None,
        actor_name=OPERATOR,
        action=Action.PASSWORD_RESET,
        obj=user,
        detail="平台运维人员重置审计管理员密码，已生成新的初始密码（下次登录须修改）",
    )
    return password


@transaction.atomic
def auditor_set_active(*, username: str, active: bool) -> User:
    user = _auditor(username)
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        api_tokens_revoke(user=user)
    audit_log(
        actor=None,
        actor_name=OPERATOR,
        action=Action.UPDATE,
        obj=user,
        changes={"is_active": [not active, active]},
        detail="平台运维人员" + ("启用" if active else "停用") + "审计管理员账号",
    )
    return user
