"""The one scoping mechanism: who may read and who may write which rows.

Every school-owned model uses :class:`SchoolScopedQuerySet` as its manager and
carries ``school_id`` directly (``scope_field`` names the foreign key, ``"pk"``
for :class:`~edubureau.orgs.models.School` itself). Every page, API endpoint,
export and report starts from ``Model.objects.visible_to(user)``; single objects
are fetched through :mod:`edubureau.orgs.access`, which uses the same querysets.

The rules (DOMAIN.md, "Users and what each may see"):

=================  ==================================  ==============================
role               reads                               writes (default)
=================  ==================================  ==============================
bureau leader      every row of the bureau             nothing (signs off elsewhere)
department staff   every row of the bureau             rows their department owns
school user        only their own school               own school, unless read-only
inspector          the schools assigned to them        assigned schools
administrator      non-sensitive rows of the bureau    accounts and settings only
=================  ==================================  ==============================
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from django.core.exceptions import PermissionDenied
from django.db import models

if TYPE_CHECKING:
    from edubureau.orgs.models import Bureau, User


# Role values are repeated here as plain strings so that this module stays
# importable from models.py without a cycle.
BUREAU_LEADER = "bureau_leader"
DEPARTMENT_STAFF = "department_staff"
SCHOOL_USER = "school_user"
INSPECTOR = "inspector"
ADMINISTRATOR = "administrator"


def _is_live(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


class SchoolScopedQuerySet(models.QuerySet):
    """Rows that belong to one school.

    A model may set ``sensitive = True`` (student personal data): administrators
    then see none of its rows unless their account has ``can_read_sensitive``.
    A model may set ``owner_department_code`` to the department that owns its
    records: only that department's staff may then write them.
    """

    def _scope_keys(self) -> tuple[str, str]:
        field = getattr(self.model, "scope_field", "school")
        if field == "pk":
            return "pk", "bureau_id"
        return f"{field}_id", f"{field}__bureau_id"

    def for_school(self, school_id: int) -> Self:
        school_key, _ = self._scope_keys()
        return self.filter(**{school_key: school_id})

    def visible_to(self, user: User | Any) -> Self:
        if not _is_live(user):
            return self.none()
        school_key, bureau_key = self._scope_keys()
        role = user.role
        if role in (BUREAU_LEADER, DEPARTMENT_STAFF):
            return self.filter(**{bureau_key: user.bureau_id})
        if role == SCHOOL_USER:
            return self.filter(**{school_key: user.school_id})
        if role == INSPECTOR:
            return self.filter(**{f"{school_key}__in": _assigned_school_ids(user)})
        if role == ADMINISTRATOR:
            if getattr(self.model, "sensitive", False) and not user.can_read_sensitive:
                return self.none()
            return self.filter(**{bureau_key: user.bureau_id})
        return self.none()

    def writable_by(self, user: User | Any) -> Self:
        if not _is_live(user):
            return self.none()
        school_key, bureau_key = self._scope_keys()
        role = user.role
        if role == SCHOOL_USER and not user.read_only:
            return self.filter(**{school_key: user.school_id})
        if role == INSPECTOR:
            return self.filter(**{f"{school_key}__in": _assigned_school_ids(user)})
        if role == DEPARTMENT_STAFF:
            owner = getattr(self.model, "owner_department_code", None)
            if owner is None or (user.department and user.department.code == owner):
                return self.filter(**{bureau_key: user.bureau_id})
        return self.none()


class SchoolQuerySet(SchoolScopedQuerySet):
    """The school directory: administrators maintain it; a school's principal may
    keep their own school's contact details current."""

    def writable_by(self, user: User | Any) -> Self:
        if not _is_live(user):
            return self.none()
        if user.role == ADMINISTRATOR:
            return self.filter(bureau_id=user.bureau_id)
        if user.role == SCHOOL_USER and not user.read_only and user.school_position == "principal":
            return self.filter(pk=user.school_id)
        return self.none()

    def active(self) -> Self:
        return self.filter(is_active=True)


class BureauScopedQuerySet(models.QuerySet):
    """Rows shared by the whole bureau (departments, townships, school years):
    everyone in the bureau reads them; administrators maintain them."""

    def visible_to(self, user: User | Any) -> Self:
        if not _is_live(user):
            return self.none()
        return self.filter(bureau_id=user.bureau_id)

    def writable_by(self, user: User | Any) -> Self:
        if not _is_live(user) or user.role != ADMINISTRATOR:
            return self.none()
        return self.filter(bureau_id=user.bureau_id)


def bureau_of(user: Any) -> Bureau:
    """The bureau itself, for the same accounts as :func:`bureau_id_of`."""
    if user.bureau is None:
        raise PermissionDenied("该账号不属于任何教育局,不能进行此操作")
    bureau: Bureau = user.bureau
    return bureau


def bureau_id_of(user: Any) -> int:
    """The bureau of an account that acts for one. Every account but a superuser made
    on the command line has a bureau; writing services refuse the exception rather
    than write rows without one."""
    if user.bureau_id is None:
        raise PermissionDenied("该账号不属于任何教育局,不能进行此操作")
    return int(user.bureau_id)


def is_department_staff(user: Any, code: str) -> bool:
    """An active member of the bureau department ``code`` (e.g. "safety"): the people
    who write the records that department owns."""
    return bool(
        _is_live(user)
        and user.role == DEPARTMENT_STAFF
        and user.department is not None
        and user.department.code == code
    )


def _assigned_school_ids(user: Any) -> models.QuerySet:
    # A subquery, so an inspector's scope costs one query however many schools.
    return user.assigned_schools.values("pk")
