"""Accounts: administrators create, move, deactivate, reset and unlock the
bureau's users.

Rules kept here, whatever page or command calls in:

* only an active administrator acts, and only on accounts of their own bureau
  (``User.objects.writable_by``), never on an audit administrator's (三员分立: the
  platform operator keeps those, :mod:`edubureau.orgs.services.auditors`);
* a role comes with exactly the fields that apply to it (a school user has a
  school and a position, department staff a department, an inspector assigned
  schools); the rest is cleared;
* nobody gains ``can_read_sensitive`` except through
  :func:`user_set_sensitive_access`, which asks for a reason and is audited;
* every change writes an audit row; passwords never appear in one. An initial
  password is returned to the caller once and is not stored anywhere in clear.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from axes.utils import reset as axes_reset
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import Substr

from edubureau.audit.models import Action
from edubureau.audit.services import audit_log, diff, snapshot
from edubureau.core.concurrency import UNCHECKED, LoadedVersion
from edubureau.core.excel import Column, write_workbook
from edubureau.core.roles import OPERATOR_MANAGED_ROLES, SEPARATED_ROLE_MESSAGE
from edubureau.orgs.models import Department, Role, School, SchoolPosition, User
from edubureau.orgs.passwords import generate_initial_password, make_initial_password_hash
from edubureau.orgs.services.api_tokens import api_tokens_revoke

# Bulk school accounts: one per position, named <学校标识码><suffix>.
POSITION_SUFFIXES: dict[str, str] = {
    SchoolPosition.PRINCIPAL: "xz",  # 校长
    SchoolPosition.SAFETY_OFFICER: "aq",  # 安全
}
BULK_POSITIONS: tuple[str, ...] = tuple(POSITION_SUFFIXES)

# What user_create accepts; anything else (can_read_sensitive above all) is refused.
CREATE_FIELDS = frozenset(
    {
        "username",
        "full_name",
        "phone",
        "email",
        "role",
        "department",
        "school",
        "school_position",
        "read_only",
        "assigned_schools",
    }
)

NOT_ADMINISTRATOR = "只有系统管理员可以管理账号"


# Guards ----------------------------------------------------------------------


def _require_administrator(actor: User) -> None:
    if not (actor.is_authenticated and actor.is_active and actor.role == Role.ADMINISTRATOR):
        raise PermissionDenied(NOT_ADMINISTRATOR)


def _writable(actor: User, user: User) -> User:
    """A fresh, locked copy of ``user`` if ``actor`` may change it."""
    _require_administrator(actor)
    found = User.objects.writable_by(actor).select_for_update().filter(pk=user.pk).first()
    if found is None:
        # The door refused; say why when the reason is the separation of duties.
        separated = user.role in OPERATOR_MANAGED_ROLES and user.bureau_id == actor.bureau_id
        raise PermissionDenied(SEPARATED_ROLE_MESSAGE if separated else "只能管理本局的账号")
    return found


def _state(user: User) -> dict[str, Any]:
    """What the audit trail compares: the row (without the password hash) and the
    inspector's schools, which live in a separate table."""
    data = snapshot(user)
    data.pop("last_login", None)
    data["assigned_schools"] = sorted(user.assigned_schools.values_list("pk", flat=True))
    return data


def _audit_update(*, actor: User, user: User, before: dict[str, Any], detail: str = "") -> None:
    changes = diff(before, _state(user))
    if changes:
        audit_log(actor=actor, action=Action.UPDATE, obj=user, changes=changes, detail=detail)


def user_version(user: User) -> str:
    """An edit form's version token: users carry no ``updated_at``, so the hash
    of the audited state stands in for it."""
    raw = json.dumps(_state(user), sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def set_initial_password(user: User) -> str:
    """Give ``user`` a one-time initial password (returned in clear, stored hashed)
    that must be changed at the first login."""
    password = generate_initial_password()
    user.password = make_initial_password_hash(password)
    user.must_change_password = True
    return password


_set_initial_password = set_initial_password


def new_account(
    *, bureau: Any, username: str, role: str, full_name: str = "", phone: str = ""
) -> tuple[User, str]:
    """A saved account of ``bureau`` with a one-time initial password (returned once,
    to be changed at the first login), for the callers that create accounts outside
    the administrator's pages (a child bureau's first administrator, an auditor).
    The caller writes the audit event."""
    user = User(
        bureau=bureau,
        username=check_username(username),
        full_name=full_name.strip(),
        phone=phone.strip(),
        role=role,
    )
    password = set_initial_password(user)
    user.full_clean(exclude=["password"], validate_unique=False)
    user.save()
    return user, password


def _bureau_schools(actor: User, schools: Iterable[School], *, field: str) -> list[School]:
    wanted = {s.pk for s in schools}
    found = list(School.objects.writable_by(actor).filter(pk__in=wanted).select_related("township"))
    if len(found) != len(wanted):
        raise ValidationError({field: "所选学校中有不属于本局的学校"})
    return found


def _apply_role(
    *,
    actor: User,
    user: User,
    role: str,
    department: Department | None,
    school: School | None,
    school_position: str,
    read_only: bool,
) -> None:
    """Set the role and exactly the fields that belong to it; clear the rest."""
    errors: dict[str, str] = {}
    if role not in Role.values:
        errors["role"] = "请选择有效的角色"
    elif role in OPERATOR_MANAGED_ROLES:
        errors["role"] = SEPARATED_ROLE_MESSAGE
    if role == Role.SCHOOL_USER:
        if school is None:
            errors["school"] = "学校用户必须选择所属学校"
        elif school.bureau_id != actor.bureau_id:
            errors["school"] = "该学校不属于本局"
        elif not school.is_active:
            errors["school"] = "该学校已停办，不能为其设置账号"
        if school_position not in SchoolPosition.values:
            errors["school_position"] = "学校用户必须选择学校岗位"
    if role == Role.TOWNSHIP_STAFF and user.township_id is None:
        # The account pages have no township field yet: refuse clearly rather than
        # let the database constraint answer with a server error.
        errors["role"] = "中心校（学区）工作人员账号须指定所属乡镇，暂不能在此页面设置"
    if role == Role.DEPARTMENT_STAFF:
        if department is None:
            errors["department"] = "股室工作人员必须选择所属股室"
        elif department.bureau_id != actor.bureau_id:
            errors["department"] = "该股室不属于本局"
        elif not department.is_active:
            errors["department"] = "该股室已停用"
    if errors:
        raise ValidationError(errors)
    if role != user.role:
        # Sensitive access is granted for one role's need; it does not travel
        # with the person into another role (and back) unnoticed.
        user.can_read_sensitive = False
    user.role = role
    is_school_user = role == Role.SCHOOL_USER
    user.department = department if role == Role.DEPARTMENT_STAFF else None
    user.school = school if is_school_user else None
    user.school_position = school_position if is_school_user else ""
    user.read_only = bool(read_only) if is_school_user else False


def check_username(username: str) -> str:
    """``username`` stripped, if it is free (usernames are unique site-wide)."""
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": "请填写用户名"})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": f"用户名“{username}”已被使用"})
    return username


_check_username = check_username


# Creating accounts -----------------------------------------------------------


@transaction.atomic
def user_create(*, actor: User, data: dict[str, Any]) -> tuple[User, str]:
    """Create one account of the actor's bureau with a one-time initial password.

    Returns the user and the password in clear, which the caller shows once."""
    _require_administrator(actor)
    unknown = set(data) - CREATE_FIELDS
    if unknown:
        raise TypeError(f"user_create does not accept {sorted(unknown)}")
    user = User(
        bureau_id=actor.bureau_id,
        username=_check_username(data.get("username", "")),
        full_name=(data.get("full_name") or "").strip(),
        phone=(data.get("phone") or "").strip(),
        email=(data.get("email") or "").strip(),
        can_read_sensitive=False,
    )
    _apply_role(
        actor=actor,
        user=user,
        role=data.get("role", ""),
        department=data.get("department"),
        school=data.get("school"),
        school_position=data.get("school_position") or "",
        read_only=bool(data.get("read_only")),
    )
    password = _set_initial_password(user)
    user.full_clean(exclude=["password"], validate_unique=False)
    user.save()
    if user.role == Role.INSPECTOR and data.get("assigned_schools"):
        schools = _bureau_schools(actor, data["assigned_schools"], field="assigned_schools")
        user.assigned_schools.set(schools)
    audit_log(
        actor=actor,
        action=Action.CREATE,
        obj=user,
        changes={key: [None, value] for key, value in _state(user).items()},
        detail="新建账号，已生成初始密码（首次登录须修改）",
    )
    return user, password


@dataclass(frozen=True)
class SkippedPosition:
    school: School
    position: str
    reason: str

    def __str__(self) -> str:
        return f"{self.school.name} {SchoolPosition(self.position).label}：{self.reason}"


@dataclass
class SchoolAccountsResult:
    created: list[tuple[User, str]] = field(default_factory=list)
    skipped: list[SkippedPosition] = field(default_factory=list)


def _free_username(base: str, taken: set[str]) -> str:
    """``base``, or ``base2``, ``base3``… when an old (deactivated) account of the
    same school and position still holds the name."""
    candidate, n = base, 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{base}{n}"
    taken.add(candidate.lower())
    return candidate


@transaction.atomic
def school_accounts_create(
    *,
    actor: User,
    schools: Iterable[School],
    positions: Sequence[str] = BULK_POSITIONS,
) -> SchoolAccountsResult:
    """Create the principal and/or safety-officer account of many schools at once.

    A school that already has an active account in a position is skipped for
    that position (and reported), so running it twice creates nothing new.
    Usernames are ``<学校标识码>xz`` (principal) and ``<学校标识码>aq`` (safety
    officer); the principal account takes its name from the directory.
    """
    _require_administrator(actor)
    positions = [p for p in BULK_POSITIONS if p in set(positions)]
    if not positions:
        raise ValidationError({"positions": "请至少选择一个岗位"})
    targets = _bureau_schools(actor, schools, field="schools")
    targets.sort(
        key=lambda s: (
            s.township.sort_order if s.township else -1,
            s.township_id or 0,
            s.kind,
            s.name,
        )
    )
    school_ids = [s.pk for s in targets]
    holders = {
        (school_id, position): username
        for school_id, position, username in User.objects.filter(
            is_active=True,
            role=Role.SCHOOL_USER,
            school_id__in=school_ids,
            school_position__in=positions,
        ).values_list("school_id", "school_position", "username")
    }
    # Every username (of any bureau: they are unique site-wide) that starts with
    # one of the identifiers, in one query.
    taken = {
        name.lower()
        for name in User.objects.annotate(prefix=Substr("username", 1, 10))
        .filter(prefix__in=[s.identifier for s in targets])
        .values_list("username", flat=True)
    }

    result = SchoolAccountsResult()
    for school in targets:
        for position in positions:
            holder = holders.get((school.pk, position))
            if holder is not None:
                result.skipped.append(SkippedPosition(school, position, f"已有启用账号 {holder}"))
                continue
            if not school.is_active:
                result.skipped.append(SkippedPosition(school, position, "学校已停办"))
                continue
            user = User(
                bureau_id=actor.bureau_id,
                username=_free_username(f"{school.identifier}{POSITION_SUFFIXES[position]}", taken),
                full_name=school.principal if position == SchoolPosition.PRINCIPAL else "",
                role=Role.SCHOOL_USER,
                school=school,
                school_position=position,
            )
            password = _set_initial_password(user)
            user.save()
            audit_log(
                actor=actor,
                action=Action.CREATE,
                obj=user,
                changes={key: [None, value] for key, value in snapshot(user).items()},
                detail="批量创建学校账号，已生成初始密码（首次登录须修改）",
            )
            result.created.append((user, password))
    audit_log(
        actor=actor,
        action=Action.CREATE,
        model_label=User._meta.label,
        detail=f"批量创建学校账号{len(result.created)}个，跳过{len(result.skipped)}个",
    )
    return result


# Changing accounts -----------------------------------------------------------


@transaction.atomic
def user_reassign(
    *,
    actor: User,
    user: User,
    role: str,
    department: Department | None,
    school: School | None,
    school_position: str,
    read_only: bool,
    assigned_schools: Iterable[School] | None = None,
    full_name: str | None = None,
    phone: str | None = None,
    loaded_version: LoadedVersion = UNCHECKED,
) -> User:
    """Move an account to another role, school or department (staff move), and
    optionally update the holder's name and phone in the same audited change.

    Fields that do not apply to the new role are cleared; an inspector keeps (or
    gets, when ``assigned_schools`` is given) their schools, anyone else loses them.
    """
    locked = _writable(actor, user)
    if loaded_version is not UNCHECKED:
        # A form without its version is refused like a stale one (lost updates).
        if not loaded_version:
            raise ValidationError(
                "该账号的编辑页面缺少版本信息，无法确认是否已被他人修改，"
                "请刷新页面查看最新内容后重新编辑。"
            )
        if user_version(locked) != loaded_version:
            raise ValidationError("该账号已被他人修改，请刷新页面查看最新内容后重新编辑。")
    if locked.pk == actor.pk and role != locked.role:
        raise ValidationError({"role": "不能修改自己的角色"})
    before = _state(locked)
    _apply_role(
        actor=actor,
        user=locked,
        role=role,
        department=department,
        school=school,
        school_position=school_position,
        read_only=read_only,
    )
    if full_name is not None:
        locked.full_name = full_name.strip()
    if phone is not None:
        locked.phone = phone.strip()
    locked.full_clean(exclude=["password"], validate_unique=False)
    locked.save()
    if locked.role != Role.INSPECTOR:
        locked.assigned_schools.clear()
    elif assigned_schools is not None:
        locked.assigned_schools.set(
            _bureau_schools(actor, assigned_schools, field="assigned_schools")
        )
    if locked.role != before["role"]:
        api_tokens_revoke(user=locked)
    _audit_update(actor=actor, user=locked, before=before, detail="调整账号")
    return locked


@transaction.atomic
def inspector_assign(*, actor: User, inspector: User, schools: Iterable[School]) -> User:
    """Set the schools an inspector (责任督学) supervises."""
    locked = _writable(actor, inspector)
    if locked.role != Role.INSPECTOR:
        raise ValidationError({"schools": "只有责任督学账号可以分配督导学校"})
    before = _state(locked)
    locked.assigned_schools.set(_bureau_schools(actor, schools, field="schools"))
    _audit_update(actor=actor, user=locked, before=before, detail="分配督导学校")
    return locked


@transaction.atomic
def user_deactivate(*, actor: User, user: User) -> User:
    """Stop an account from logging in (its open sessions end at their next
    request: Django refuses inactive users). Records and audit history stay."""
    locked = _writable(actor, user)
    if locked.pk == actor.pk:
        raise ValidationError("不能停用自己的账号")
    before = _state(locked)
    locked.is_active = False
    locked.save(update_fields=["is_active"])
    api_tokens_revoke(user=locked)
    _audit_update(actor=actor, user=locked, before=before, detail="停用账号")
    return locked


@transaction.atomic
def user_reactivate(*, actor: User, user: User) -> User:
    locked = _writable(actor, user)
    if locked.role == Role.SCHOOL_USER and locked.school and not locked.school.is_active:
        raise ValidationError("该账号所属学校已停办，请先调整账号所属学校")
    before = _state(locked)
    locked.is_active = True
    locked.save(update_fields=["is_active"])
    _audit_update(actor=actor, user=locked, before=before, detail="启用账号")
    return locked


@transaction.atomic
def user_password_reset(*, actor: User, user: User) -> str:
    """Give the account a new one-time initial password, to be changed at next
    login. Its other sessions end, since the password hash changed."""
    locked = _writable(actor, user)
    password = _set_initial_password(locked)
    locked.save(update_fields=["password", "must_change_password"])
    api_tokens_revoke(user=locked)
    audit_log(
        actor=actor,
        action=Action.PASSWORD_RESET,
        obj=locked,
        detail="管理员重置密码，已生成新的初始密码（下次登录须修改）",
    )
    return password


@transaction.atomic
def user_unlock(*, actor: User, user: User) -> int:
    """Clear the login lockout (django-axes attempts) of the account's username.

    Returns how many attempt records were cleared; 0 means it was not locked
    and nothing is audited."""
    locked = _writable(actor, user)
    cleared = axes_reset(username=locked.username)
    if cleared:
        audit_log(
            actor=actor,
            action=Action.UPDATE,
            obj=locked,
            detail=f"解除登录锁定（清除{cleared}条登录失败记录）",
        )
    return cleared


@transaction.atomic
def user_set_sensitive_access(*, actor: User, user: User, enabled: bool, reason: str) -> User:
    """The one way to let an account read sensitive student data (or stop it).

    Granting needs a written reason, which goes into the audit trail."""
    locked = _writable(actor, user)
    reason = (reason or "").strip()
    if enabled and not reason:
        raise ValidationError({"reason": "开启权限须填写原因"})
    before = _state(locked)
    locked.can_read_sensitive = bool(enabled)
    locked.save(update_fields=["can_read_sensitive"])
    verb = "开启" if enabled else "关闭"
    detail = f"{verb}学生敏感信息查看权限" + (f"：{reason}" if reason else "")
    _audit_update(actor=actor, user=locked, before=before, detail=detail)
    return locked


# The initial-password sheet --------------------------------------------------

PASSWORD_COLUMNS: tuple[Column, ...] = (
    Column("identifier", "学校标识码", width=14),
    Column("school", "学校名称", width=28),
    Column("position", "岗位", width=14),
    Column("full_name", "姓名", width=12),
    Column("username", "用户名", width=16),
    Column("password", "初始密码", width=16),
)

PASSWORD_NOTE = """初始密码说明
1. 首次登录须修改密码。新密码至少8位，须包含大写字母、小写字母、数字、符号中的至少3类。
2. 初始密码只在本表中出现一次，系统不保存明文；请逐一分发给本人，分发后删除本文件。
3. 初始密码不含易混淆字符（数字0、1与字母O、l、I）。
4. 遗失或泄露时，请联系系统管理员重置密码。
登录地址：{site_url}"""


def initial_passwords_workbook(
    rows: Iterable[tuple[User, str]], *, notes: Sequence[str] = ()
) -> bytes:
    """The .xlsx handed to whoever distributes the accounts; ``notes`` (e.g. the
    skipped schools) are appended to the 说明 sheet."""

    def line(user: User, password: str) -> tuple[str, ...]:
        school = user.school
        if user.role == Role.SCHOOL_USER and user.school_position:
            position = SchoolPosition(user.school_position).label
        else:
            position = Role(user.role).label
        return (
            school.identifier if school else "",
            school.name if school else (user.department.name if user.department else ""),
            position,
            user.full_name,
            user.username,
            password,
        )

    note = PASSWORD_NOTE.format(site_url=settings.SITE_URL)
    if notes:
        note += "\n\n" + "\n".join(notes)
    return write_workbook(
        title="初始密码",
        columns=PASSWORD_COLUMNS,
        rows=(line(user, password) for user, password in rows),
        note=note,
    )
