"""The one scoping mechanism: who may read and who may write which rows.

Every school-owned model uses :class:`SchoolScopedQuerySet` as its manager and
carries ``school_id`` directly (``scope_field`` names the foreign key, ``"pk"``
for :class:`~edubureau.orgs.models.School` itself). Every page, API endpoint,
export and report starts from ``Model.objects.visible_to(user)``; single objects
are fetched through :mod:`edubureau.orgs.access`, which uses the same querysets.
Records that span many schools (campaigns, checklists) ask the door for
:func:`schools_visible_to` / :func:`schools_writable_by` instead of writing a
rule of their own.

Bureaus form a tree (province → city → county). "B's subtree" is B and every
bureau below it. The rules (docs/ARCHITECTURE.md, "Who sees what", is the same
table with examples):

=================  ==================================  ==============================
role               reads school rows                   writes school rows
=================  ==================================  ==============================
bureau leader      schools of the bureau's subtree     nothing (signs off elsewhere)
department staff   schools of the bureau's subtree     the bureau's own schools, when
                                                       their department owns the model
administrator      non-sensitive rows of the subtree   accounts and settings only
township staff     schools of their township           nothing (read and chase)
school user        their own school                    own school, unless read-only
inspector          the schools assigned to them        assigned schools
=================  ==================================  ==============================

Bureau-owned rows (departments, townships, school years, a bureau's campaigns):
visible to the bureau and, read-only, to its ancestors; school-side accounts see
their own bureau's. Nobody sees upward or sideways.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from django.core.exceptions import PermissionDenied
from django.db import models

from edubureau.core.roles import Role

if TYPE_CHECKING:
    from edubureau.orgs.models import Bureau, School, User

BUREAU_LEADER = Role.BUREAU_LEADER
DEPARTMENT_STAFF = Role.DEPARTMENT_STAFF
TOWNSHIP_STAFF = Role.TOWNSHIP_STAFF
SCHOOL_USER = Role.SCHOOL_USER
INSPECTOR = Role.INSPECTOR
ADMINISTRATOR = Role.ADMINISTRATOR

_NOTHING = models.Q(pk__in=[])


def _is_live(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def subtree_ids(user: Any) -> models.QuerySet:
    """The keys of the user's bureau and every bureau below it, as a subquery: one
    prefix match on the bureau table (a hundred-odd rows at province scale)."""
    from edubureau.orgs.models import Bureau

    bureau = user.bureau if user.bureau_id else None
    if bureau is None or not bureau.path:
        return Bureau.objects.none().values("pk")
    return Bureau.objects.filter(path__startswith=bureau.path).values("pk")


def school_read_q(user: Any, *, school_key: str, bureau_key: str, sensitive: bool) -> models.Q:
    """The read rule for rows of schools, as a filter on the row's school key
    (``school_id`` or ``pk``) and the school's bureau key."""
    if not _is_live(user):
        return _NOTHING
    role = user.role
    if role in (BUREAU_LEADER, DEPARTMENT_STAFF):
        return models.Q(**{f"{bureau_key}__in": subtree_ids(user)})
    if role == ADMINISTRATOR:
        if sensitive and not user.can_read_sensitive:
            return _NOTHING
        return models.Q(**{f"{bureau_key}__in": subtree_ids(user)})
    if role == TOWNSHIP_STAFF:
        township_key = "township_id" if school_key == "pk" else school_key[:-3] + "__township_id"
        return models.Q(**{township_key: user.township_id}) if user.township_id else _NOTHING
    if role == SCHOOL_USER:
        return models.Q(**{school_key: user.school_id})
    if role == INSPECTOR:
        return models.Q(**{f"{school_key}__in": _assigned_school_ids(user)})
    return _NOTHING


def school_write_q(user: Any, *, school_key: str, bureau_key: str, owner: str | None) -> models.Q:
    """The write rule for rows of schools. Records are kept where they are owned:
    a higher bureau reads its subtree and writes only its own schools' rows."""
    if not _is_live(user):
        return _NOTHING
    role = user.role
    if role == SCHOOL_USER and not user.read_only:
        return models.Q(**{school_key: user.school_id})
    if role == INSPECTOR:
        return models.Q(**{f"{school_key}__in": _assigned_school_ids(user)})
    owns = owner is None or (user.department is not None and user.department.code == owner)
    if role == DEPARTMENT_STAFF and user.bureau_id and owns:
        return models.Q(**{bureau_key: user.bureau_id})
    return _NOTHING


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
        school_key, bureau_key = self._scope_keys()
        sensitive = bool(getattr(self.model, "sensitive", False))
        return self.filter(
            school_read_q(user, school_key=school_key, bureau_key=bureau_key, sensitive=sensitive)
        )

    def writable_by(self, user: User | Any) -> Self:
        school_key, bureau_key = self._scope_keys()
        owner = getattr(self.model, "owner_department_code", None)
        return self.filter(
            school_write_q(user, school_key=school_key, bureau_key=bureau_key, owner=owner)
        )


class SchoolQuerySet(SchoolScopedQuerySet):
    """The school directory: a bureau's administrators maintain the schools the
    bureau runs directly; a school's principal may keep their own school's contact
    details current."""

    def writable_by(self, user: User | Any) -> Self:
        if not _is_live(user):
            return self.none()
        if user.role == ADMINISTRATOR and user.bureau_id:
            return self.filter(bureau_id=user.bureau_id)
        if user.role == SCHOOL_USER and not user.read_only and user.school_position == "principal":
            return self.filter(pk=user.school_id)
        return self.none()

    def records_writable_by(self, user: User | Any, *, owner: str | None = None) -> Self:
        """Schools whose records (of a model owned by department ``owner``) the
        user may write: the many-schools form of ``writable_by`` on a school-owned
        model, for forms that offer a choice of schools."""
        rule = school_write_q(user, school_key="pk", bureau_key="bureau_id", owner=owner)
        return self.filter(rule)

    def active(self) -> Self:
        return self.filter(is_active=True)


def schools_visible_to(user: User | Any) -> models.QuerySet[School]:
    """The many-schools scope: every school whose rows the user may read."""
    from edubureau.orgs.models import School

    return School.objects.visible_to(user)


def schools_writable_by(user: User | Any, *, owner: str | None = None) -> models.QuerySet[School]:
    """Every school whose records (of department ``owner``'s models) the user may write."""
    from edubureau.orgs.models import School

    return School.objects.records_writable_by(user, owner=owner)


class BureauQuerySet(models.QuerySet):
    """The bureaus themselves: a bureau account sees its subtree; administrators
    maintain it (creating child bureaus is theirs)."""

    def visible_to(self, user: User | Any) -> Self:
        if not _is_live(user) or not user.bureau_id:
            return self.none()
        if user.role in (BUREAU_LEADER, DEPARTMENT_STAFF, ADMINISTRATOR):
            return self.filter(pk__in=subtree_ids(user))
        return self.filter(pk=user.bureau_id)

    def writable_by(self, user: User | Any) -> Self:
        if not _is_live(user) or user.role != ADMINISTRATOR or not user.bureau_id:
            return self.none()
        return self.filter(pk__in=subtree_ids(user))


class BureauScopedQuerySet(models.QuerySet):
    """Rows a bureau owns (departments, townships, school years, its campaigns):
    visible to the bureau and, read-only, to the bureaus above it; the accounts of
    schools, townships and inspectors see their own bureau's. Administrators
    maintain their own bureau's."""

    def visible_to(self, user: User | Any) -> Self:
        if not _is_live(user) or not user.bureau_id:
            return self.none()
        if user.role in (BUREAU_LEADER, DEPARTMENT_STAFF, ADMINISTRATOR):
            return self.filter(bureau_id__in=subtree_ids(user))
        return self.filter(bureau_id=user.bureau_id)

    def owned_by(self, user: User | Any) -> Self:
        """The rows of the user's own bureau (not those of bureaus below it)."""
        if not _is_live(user) or not user.bureau_id:
            return self.none()
        return self.filter(bureau_id=user.bureau_id)

    def writable_by(self, user: User | Any) -> Self:
        if not _is_live(user) or user.role != ADMINISTRATOR:
            return self.none()
        return self.owned_by(user)


def bureau_of(user: Any) -> Bureau:
    """The bureau itself, for the same accounts as :func:`bureau_id_of`."""
    if user.bureau is None:
        raise PermissionDenied("该账号不属于任何教育局，不能进行此操作")
    bureau: Bureau = user.bureau
    return bureau


def bureau_id_of(user: Any) -> int:
    """The bureau of an account that acts for one. Every account but a superuser made
    on the command line has a bureau; writing services refuse the exception rather
    than write rows without one."""
    if user.bureau_id is None:
        raise PermissionDenied("该账号不属于任何教育局，不能进行此操作")
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
