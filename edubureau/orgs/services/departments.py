"""Writing the bureau's departments (股室): names, order, and the leader in charge."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from edubureau.audit.services import audit_change, snapshot
from edubureau.core.concurrency import UNCHECKED, LoadedVersion, ensure_unchanged
from edubureau.orgs.access import can_write
from edubureau.orgs.models import Department, Role, User


@dataclass(frozen=True)
class DepartmentData:
    name: str
    sort_order: int
    is_active: bool
    leader_in_charge: User | None


NOT_ADMINISTRATOR = "只有系统管理员可以管理股室设置"


@transaction.atomic
def department_update(
    *,
    actor: User,
    department: Department,
    data: DepartmentData,
    loaded_version: LoadedVersion = UNCHECKED,
) -> Department:
    """Rename, reorder, (de)activate a department or change its leader in charge.
    ``loaded_version`` is what the editor saw: a save over a newer one is refused."""
    if not can_write(actor, department):
        raise PermissionDenied(NOT_ADMINISTRATOR)
    locked = Department.objects.select_for_update().get(pk=department.pk)
    ensure_unchanged(locked, loaded_version, what="该股室设置")
    leader = data.leader_in_charge
    if leader is not None and not (
        leader.is_active
        and leader.role == Role.BUREAU_LEADER
        and leader.bureau_id == actor.bureau_id
    ):
        raise ValidationError({"leader_in_charge": "分管局领导只能是本局在用的局领导账号"})
    before = snapshot(locked)
    locked.name = data.name.strip()
    locked.sort_order = data.sort_order
    locked.is_active = data.is_active
    locked.leader_in_charge = leader
    locked.full_clean()
    locked.save()
    audit_change(actor=actor, obj=locked, before=before)
    return locked
