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

The deployment's only top bureau (a province, or a city or county that runs alone)
reads every school: its rules carry no condition on the school at all
(:func:`reads_whole_deployment`, asked once per request).

A school moved to another bureau leaves its dated records' history with the bureau it
left: :mod:`edubureau.orgs.moves` holds those rules, applied here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Self

from django.core.exceptions import PermissionDenied
from django.db import models

from edubureau.core.rawsql import NOT_PLAIN, Compiled, Condition, kept_condition
from edubureau.core.roles import Role
from edubureau.orgs import moves

if TYPE_CHECKING:
    from edubureau.orgs.models import Bureau, School, User

BUREAU_LEADER = Role.BUREAU_LEADER
DEPARTMENT_STAFF = Role.DEPARTMENT_STAFF
TOWNSHIP_STAFF = Role.TOWNSHIP_STAFF
SCHOOL_USER = Role.SCHOOL_USER
INSPECTOR = Role.INSPECTOR
ADMINISTRATOR = Role.ADMINISTRATOR

_NOTHING = models.Q(pk__in=[])


def is_live(user: Any) -> bool:
    """A signed-in, active account: the only kind any rule of the door lets read or write."""
    return bool(user is not None and user.is_authenticated and user.is_active)


def reads_whole_deployment(user: Any) -> bool:
    """Whether ``user`` reads every school of the deployment by the subtree rule: a bureau
    account of the only top bureau (a province, or a city or county that runs alone).
    The rules then leave the subtree condition out, which at province scale was a semi
    join over all 30,000 schools in every query. Asked once per request (kept on the
    request's user object, as the moved schools' stays are), never across requests: a
    second top bureau may be created at any time, and from then on the top reads only
    its own subtree."""
    if getattr(user, "role", None) not in (BUREAU_LEADER, DEPARTMENT_STAFF, ADMINISTRATOR):
        return False
    bureau = user.bureau if user.bureau_id else None
    if bureau is None or bureau.parent_id is not None or not bureau.path:
        return False
    alone = getattr(user, "_edubureau_alone_at_top", None)
    if alone is None or alone[0] != bureau.pk:
        others = type(bureau)._default_manager.filter(parent__isnull=True).exclude(pk=bureau.pk)
        alone = (bureau.pk, not others.exists())
        user._edubureau_alone_at_top = alone
    return bool(alone[1])


def subtree_ids(user: Any) -> models.QuerySet:
    """The keys of the user's bureau and every bureau below it, as a subquery: one
    prefix match on the bureau table (a hundred-odd rows at province scale)."""
    from edubureau.orgs.models import Bureau

    bureau = user.bureau if user.bureau_id else None
    if bureau is None or not bureau.path:
        return Bureau.objects.none().values("pk")
    return Bureau.objects.filter(path__startswith=bureau.path).values("pk")


def school_read_q(
    user: Any,
    *,
    school_key: str,
    bureau_key: str,
    sensitive: bool,
    date_key: str | None = None,
) -> models.Q:
    """The read rule for rows of schools, as a filter on the row's school key
    (``school_id`` or ``pk``) and the school's bureau key. With ``date_key`` (the
    model's record date) a bureau or township also reads the records of schools that
    have left it, dated before they left (:mod:`edubureau.orgs.moves`, rule 2)."""
    if not is_live(user):
        return _NOTHING
    role = user.role
    if role in (BUREAU_LEADER, DEPARTMENT_STAFF) or (
        role == ADMINISTRATOR and not (sensitive and not user.can_read_sensitive)
    ):
        if reads_whole_deployment(user):
            return models.Q()  # every school (no school leaves the only tree: no history)
        rule = models.Q(**{f"{bureau_key}__in": subtree_ids(user)})
        reads = models.Q(bureau_id__in=subtree_ids(user))
        return _with_history(rule, reads, user, school_key=school_key, date_key=date_key)
    if role == ADMINISTRATOR:
        return _NOTHING
    if role == TOWNSHIP_STAFF:
        township_key = "township_id" if school_key == "pk" else school_key[:-3] + "__township_id"
        if not user.township_id:
            return _NOTHING
        rule = models.Q(**{township_key: user.township_id})
        reads = models.Q(township_id=user.township_id)
        return _with_history(rule, reads, user, school_key=school_key, date_key=date_key)
    if role == SCHOOL_USER:
        return models.Q(**{school_key: user.school_id})
    if role == INSPECTOR:
        return models.Q(**{f"{school_key}__in": _assigned_school_ids(user)})
    return _NOTHING


def _reader_holds(user: Any) -> moves.Holds:
    """The schools a bureau or township account reads, as a test on a school's stay."""
    if user.role == TOWNSHIP_STAFF:
        return moves.in_township(user.township_id)
    return moves.in_subtree(user.bureau.path)


def _reader_stays(user: Any) -> list[moves.Stay]:
    cache = getattr(user, "_edubureau_moved_stays", None)
    if cache is None:
        cache = {}
        user._edubureau_moved_stays = cache
    return moves.moved_stays(cache, user.bureau.path)


def _with_history(
    rule: models.Q, reads: models.Q, user: Any, *, school_key: str, date_key: str | None
) -> models.Q:
    """``rule`` with the history of schools that have left the reader (rule 2 of
    :mod:`~edubureau.orgs.moves`): ``reads`` is the same rule as a filter on School."""
    if date_key is None or school_key == "pk" or not user.bureau_id:
        return rule
    if not user.bureau.path or not moves.may_have_moved(user.bureau):
        return rule
    found = moves.correction(
        _reader_stays(user),
        _reader_holds(user),
        dated=False,
        school_key=school_key,
        date_key=date_key,
    )
    if found is None:
        return rule
    from edubureau.orgs.models import School

    # A UNION, not an OR: each branch keeps its index (an OR scans every school).
    schools = School.objects.filter(reads).order_by().values("pk")
    if found.add:
        schools = schools.union(School.objects.filter(pk__in=found.add).order_by().values("pk"))
    return models.Q(**{f"{school_key}__in": schools}) & found.rows_q(school_key)


def moved_away_schools(user: Any) -> frozenset[int]:
    """The schools whose records the user reads only as history (they have left the
    user's schools): for a list to mark them. No query unless a school ever crossed
    the edge of the user's subtree."""
    if not is_live(user) or not user.bureau_id or not moves.may_have_moved(user.bureau):
        return frozenset()
    if user.role not in (BUREAU_LEADER, DEPARTMENT_STAFF, ADMINISTRATOR, TOWNSHIP_STAFF):
        return frozenset()
    holds = _reader_holds(user)
    return frozenset(
        school
        for school, own in moves.mixed(_reader_stays(user), holds).items()
        if not holds(own[-1])
    )


def moved_away(user: Any, school_id: int) -> tuple[date, Bureau] | None:
    """For a record the user reads only as history (rule 2 of :mod:`~edubureau.orgs.moves`):
    the day its school left the user's schools and the bureau it went to; else None.
    No query unless a school ever crossed the edge of the user's subtree."""
    from edubureau.orgs.models import Bureau

    if not is_live(user) or not user.bureau_id or not moves.may_have_moved(user.bureau):
        return None
    if user.role not in (BUREAU_LEADER, DEPARTMENT_STAFF, ADMINISTRATOR, TOWNSHIP_STAFF):
        return None
    went = moves.departure(_reader_stays(user), _reader_holds(user), school_id)
    if went is None or went.start is None:
        return None
    return went.start, Bureau.objects.get(pk=went.bureau_id)


def school_write_q(user: Any, *, school_key: str, bureau_key: str, owner: str | None) -> models.Q:
    """The write rule for rows of schools. Records are kept where they are owned:
    a higher bureau reads its subtree and writes only its own schools' rows."""
    if not is_live(user):
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
            school_read_q(
                user,
                school_key=school_key,
                bureau_key=bureau_key,
                sensitive=sensitive,
                date_key=moves.record_date_key(self.model),
            )
        )

    def writable_by(self, user: User | Any) -> Self:
        school_key, bureau_key = self._scope_keys()
        owner = getattr(self.model, "owner_department_code", None)
        return self.filter(
            school_write_q(user, school_key=school_key, bureau_key=bureau_key, owner=owner)
        )


class OwnerOnlyQuerySet(SchoolScopedQuerySet):
    """Rows that belong to the account that asked for them (a background download, an
    import job): their owner reads and writes them, nobody else, whatever the role.
    The rows keep the owner's school and bureau so that a refused probe is audited
    against them."""

    def visible_to(self, user: User | Any) -> Self:
        if not is_live(user):
            return self.none()
        return self.filter(owner_id=user.pk)

    def writable_by(self, user: User | Any) -> Self:
        return self.visible_to(user)


class SchoolQuerySet(SchoolScopedQuerySet):
    """The school directory: a bureau's administrators maintain the schools the
    bureau runs directly; a school's principal may keep their own school's contact
    details current."""

    def writable_by(self, user: User | Any) -> Self:
        if not is_live(user):
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
        if not is_live(user) or not user.bureau_id:
            return self.none()
        if user.role in (BUREAU_LEADER, DEPARTMENT_STAFF, ADMINISTRATOR):
            return self.filter(pk__in=subtree_ids(user))
        return self.filter(pk=user.bureau_id)

    def writable_by(self, user: User | Any) -> Self:
        if not is_live(user) or user.role != ADMINISTRATOR or not user.bureau_id:
            return self.none()
        return self.filter(pk__in=subtree_ids(user))


class BureauScopedQuerySet(models.QuerySet):
    """Rows a bureau owns (departments, townships, school years, its campaigns):
    visible to the bureau and, read-only, to the bureaus above it; the accounts of
    schools, townships and inspectors see their own bureau's. Administrators
    maintain their own bureau's."""

    def visible_to(self, user: User | Any) -> Self:
        if not is_live(user) or not user.bureau_id:
            return self.none()
        if user.role in (BUREAU_LEADER, DEPARTMENT_STAFF, ADMINISTRATOR):
            return self.filter(bureau_id__in=subtree_ids(user))
        return self.filter(bureau_id=user.bureau_id)

    def owned_by(self, user: User | Any) -> Self:
        """The rows of the user's own bureau (not those of bureaus below it)."""
        if not is_live(user) or not user.bureau_id:
            return self.none()
        return self.filter(bureau_id=user.bureau_id)

    def writable_by(self, user: User | Any) -> Self:
        if not is_live(user) or user.role != ADMINISTRATOR:
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
        is_live(user)
        and user.role == DEPARTMENT_STAFF
        and user.department is not None
        and user.department.code == code
    )


def _assigned_school_ids(user: Any) -> models.QuerySet:
    # A subquery, so an inspector's scope costs one query however many schools.
    return user.assigned_schools.values("pk")


# The many-schools scope as an object, made only by the door ---------------------

# Only the two door functions below hold this: a scope cannot be made by hand.
_DOOR = object()

# How a scope counts a moved school's dated records (SchoolScope.mode).
VISIBLE, DATED, NOW = "visible", "dated", "now"


def _subtree_of(bureau: Any) -> models.QuerySet:
    """The keys of ``bureau`` and every bureau below it (a subquery)."""
    from edubureau.orgs.models import Bureau

    if bureau is None or not bureau.path:
        return Bureau.objects.none().values("pk")
    return Bureau.objects.filter(path__startswith=bureau.path).values("pk")


# The key of the scope's key in its cache (SchoolScope.key).
_KEY = ("key", 0)

# The key of the index of moved schools' stays in a scope's cache.
_STAYS_BY_SCHOOL = ("stays by school", 0)


class SchoolScope:
    """The schools a reader looks at, and their rows: the viewer's visible schools,
    narrowed to one bureau's subtree, to the schools one bureau runs itself (``direct``:
    a city's 市直, a province's 省直 schools; a county runs all of its own), to a
    township or to one school.

    Made only by :func:`scope_for` (a signed-in viewer; ids outside what the viewer
    may see answer 404 and are audited) or :func:`system_scope` (a job or command that
    runs without a user). Immutable. Facts, dashboards and circulars take a scope, never
    a queryset of schools their caller had to limit.

    - ``rows(Model)`` is ``Model.objects.visible_to(viewer)`` narrowed, so every rule of
      the model (``sensitive``, …) applies; for bureau-owned models (campaigns, school
      years) it is what the viewer may read, not narrowed (callers narrow by schools);
    - ``schools()`` is ``rows(School)``;
    - ``params`` are the list filters that repeat the narrowing (``bureau``, ``direct``,
      ``township``, ``school``): the safety lists read the same names;
    - ``kind`` is ``"bureau"`` (a subtree), ``"direct"``, ``"township"``, ``"school"``
      or ``"assigned"`` (an inspector's schools).
    """

    __slots__ = (
        "_bureau",
        "_cache",
        "_kind",
        "_mode",
        "_narrowed",
        "_root",
        "_school",
        "_township",
        "_viewer",
    )

    _viewer: Any
    _root: Any
    _kind: str
    _bureau: Any
    _township: Any
    _school: Any
    _narrowed: dict[str, Any]
    _mode: str
    # The moved schools' stays by subtree (``moves.moved_stays``), and their index.
    _cache: dict[tuple[str, int], Any]

    def __init__(
        self,
        door: object,
        *,
        viewer: Any,
        root: Any,
        kind: str,
        bureau: Any,
        township: Any,
        school: Any,
        narrowed: dict[str, Any],
        mode: str = VISIBLE,
    ) -> None:
        if door is not _DOOR:
            raise TypeError("SchoolScope is made by scope_for() or system_scope(), never by hand")
        for name, value in (
            ("_viewer", viewer),
            ("_root", root),
            ("_kind", kind),
            ("_bureau", bureau),
            ("_township", township),
            ("_school", school),
            ("_narrowed", dict(narrowed)),
            ("_mode", mode),
            ("_cache", {}),
        ):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("SchoolScope is immutable")

    def __repr__(self) -> str:
        who = "system" if self._viewer is None else f"user={self._viewer.pk}"
        mode = "" if self._mode == VISIBLE else f" {self._mode}"
        return f"<SchoolScope {who} {self._kind} {self.params}{mode}>"

    # How moved schools count (orgs.moves) ----------------------------------------

    @property
    def mode(self) -> str:
        """How a moved school's dated records count in the scope:

        - ``"visible"`` (the default, for lists and pages): every record the viewer may
          read — a school's records wherever they are dated, and the history (records
          dated before they left) of schools that have left;
        - ``"dated"`` (:meth:`by_record_date`, a period's figures): each record where its
          school was on its date;
        - ``"now"`` (:meth:`as_now`, figures of the state things are in now: open and
          overdue hazards): the records of the schools in the scope now, history left out.

        Where no school crossed the scope's edge the three are the same rows."""
        return self._mode

    def by_record_date(self) -> SchoolScope:
        """The scope for a period's figures: a moved school's dated records count under
        the bureau (and township) it belonged to on their date (rule 3)."""
        return self._with_mode(DATED)

    def as_now(self) -> SchoolScope:
        """The scope for figures of the state things are in now: the schools in it now,
        with all their records; the history of schools that left is not counted."""
        return self._with_mode(NOW)

    def as_visible(self) -> SchoolScope:
        """The scope as its viewer reads it (lists, pages): the default mode."""
        return self._with_mode(VISIBLE)

    def _with_mode(self, mode: str) -> SchoolScope:
        if self._mode == mode:
            return self
        return SchoolScope(
            _DOOR,
            viewer=self._viewer,
            root=self._root,
            kind=self._kind,
            bureau=self._bureau,
            township=self._township,
            school=self._school,
            narrowed=self._narrowed,
            mode=mode,
        )

    # What it is ---------------------------------------------------------------

    @property
    def viewer(self) -> Any:
        """The user reading, or None for a system scope."""
        return self._viewer

    @property
    def is_system(self) -> bool:
        return self._viewer is None

    @property
    def kind(self) -> str:
        return self._kind

    @property
    def bureau(self) -> Bureau | None:
        """The bureau of the scope: the subtree's top, the bureau running the direct
        schools, the township's or the school's bureau."""
        return self._bureau

    @property
    def township(self) -> Any:
        return self._township

    @property
    def school(self) -> School | None:
        return self._school

    @property
    def direct(self) -> bool:
        return bool(self._narrowed.get("direct"))

    @property
    def narrowed(self) -> bool:
        """Whether the scope is narrower than what its viewer sees by default."""
        return bool(self._narrowed) and not self.is_system

    @property
    def params(self) -> dict[str, str]:
        """The narrowing as list filters (empty for the viewer's whole scope)."""
        if self.is_system:
            return {}
        n, out = self._narrowed, {}
        if "bureau" in n:
            out["bureau"] = str(n["bureau"].pk)
            if n.get("direct"):
                out["direct"] = "1"
        if "township" in n:
            out["township"] = str(n["township"].pk)
        if "school" in n:
            out["school"] = str(n["school"].pk)
        return out

    @property
    def label(self) -> str:
        """What the scope is called on a page: “甲县教育局全部学校”, “甲镇”, …"""
        from edubureau.orgs.models import DIRECT_LABELS

        if self._kind == "school" and self._school is not None:
            return str(self._school.name)
        if self._kind == "township" and self._township is not None:
            return str(self._township.name)
        if self._kind == "direct" and self._bureau is not None:
            label = DIRECT_LABELS.get(self._bureau.level, "直属")
            return f"{self._bureau.display_name}{label}学校"
        if self._kind == "bureau" and self._bureau is not None:
            return f"{self._bureau.name}全部学校"
        return "责任区学校"

    # Its rows -----------------------------------------------------------------

    def rows(self, model: type[models.Model], *, active: bool = False) -> models.QuerySet:
        """The rows of ``model`` in the scope: ``visible_to(viewer)`` narrowed (with
        ``active``, only rows of schools still open).

        The read rule of school rows is a rule on the row's school, so for a model that
        does not refine ``visible_to`` the rows are written as "school among the scope's
        schools" (:meth:`school_ids`, one subquery): the same rows, in the shape the
        province benchmark measured for every dashboard aggregate.

        Their condition is compiled once per process for each reader (what decides it:
        :attr:`key`) and given as SQL text (:class:`~edubureau.core.rawsql.Condition`),
        the first time too, so every statement built on it reads the same: building
        and compiling it through the ORM cost a county's dashboard ~1 ms per statement,
        as much as many of its queries take. Rows that are more than a condition on the
        model's own table (a rule with a join) are built every time. Under test
        (``settings.CHECK_REUSED_SQL``) every reuse is compared with a fresh compile."""
        key = self._rows_key(model, active)
        if key is None:
            return self._build_rows(model, active=active)
        found = kept_condition(key, lambda: self._build_rows(model, active=active))
        if found is NOT_PLAIN:
            return self._build_rows(model, active=active)
        if found is None:
            return model._default_manager.none()
        compiled: Compiled = found  # type: ignore[assignment]
        if not compiled[0]:
            return model._default_manager.all()
        return model._default_manager.filter(Condition(model, compiled))

    def _rows_key(self, model: type[models.Model], active: bool) -> tuple[Any, ...] | None:
        key = self.key
        # A model's own read rule (``sensitive``) is part of what decides its rows.
        sensitive = bool(getattr(model, "sensitive", False))
        return None if key is None else (model, sensitive, active, *key)

    @property
    def key(self) -> tuple[Any, ...] | None:
        """Everything the scope's rows are made of, to key SQL compiled from them
        (:meth:`rows`, ``core.rawsql.kept_rows``): the reader (account, role, bureau and
        its place in the tree, township, school, sensitive reads, whether its bureau is
        alone at the top), the narrowing, the mode and the stays of moved schools (read
        once per request). None for an account that is not signed in or not active (it
        reads nothing, at no cost). A read rule that comes to read anything else (of the
        account, the day, a setting) must add it here: under test a reuse is compared
        with a fresh compile, so a missing input fails the suite."""
        if _KEY in self._cache:
            return self._cache[_KEY]
        key = self._cache[_KEY] = self._make_key()
        return key

    def _make_key(self) -> tuple[Any, ...] | None:
        viewer = self._viewer
        if viewer is None:
            who: tuple[Any, ...] = ("system", self._root.pk, self._root.path)
        else:
            if not is_live(viewer):
                return None
            bureau = viewer.bureau if viewer.bureau_id else None
            who = (
                viewer.pk,
                viewer.role,
                viewer.bureau_id,
                bureau.path if bureau is not None else None,
                bureau.has_moved_schools if bureau is not None else None,
                viewer.township_id,
                viewer.school_id,
                bool(getattr(viewer, "can_read_sensitive", False)),
                reads_whole_deployment(viewer),
            )
        narrowed = tuple(
            (name, value if isinstance(value, bool) else (value.pk, getattr(value, "path", None)))
            for name, value in sorted(self._narrowed.items())
        )
        stays = tuple(self._stays()) if self._holds() is not None else ()
        return (self._mode, who, narrowed, stays)

    def statement_key(self, name: str, *args: Any) -> tuple[Any, ...] | None:
        """The key of a statement built on this scope (``core.rawsql.kept_rows``):
        ``name`` (one per place that builds one) and ``args``, everything else its
        build reads (a period, a day)."""
        key = self.key
        return None if key is None else (name, key, args)

    def _build_rows(self, model: type[models.Model], *, active: bool) -> models.QuerySet:
        queryset = model._default_manager.all()
        if isinstance(queryset, SchoolScopedQuerySet):
            school_key, bureau_key = queryset._scope_keys()
            if school_key != "pk" and not _refines_read_rule(queryset):
                found = self._correction(model, school_key)
                rule = self._school_rule(model)
                if found is None:
                    if not active and not rule:
                        return queryset  # every school's rows (reads_whole_deployment)
                    schools = self._school_keys(rule, active=active)
                    return queryset.filter(**{f"{school_key}__in": schools})
                schools = self._school_keys(rule, active=active, also=found.add)
                return queryset.filter(**{f"{school_key}__in": schools}).filter(
                    found.rows_q(school_key)
                )
            base = queryset if self._viewer is None else queryset.visible_to(self._viewer)
            if active:
                active_key = "is_active" if school_key == "pk" else school_key[:-3] + "__is_active"
                base = base.filter(**{active_key: True})
            return base.filter(self._narrow_q(school_key, bureau_key))
        if self._viewer is not None:
            return queryset.visible_to(self._viewer)  # type: ignore[attr-defined]
        return queryset.filter(bureau_id__in=_subtree_of(self._root))

    def moved(self, model: type[models.Model]) -> bool:
        """Whether moved schools make ``rows(model)`` more than the rows of
        :meth:`school_ids` (then hand-written SQL must select from ``rows``)."""
        return self._moves(model) is not None

    def moved_stays(self) -> dict[int, list[moves.Stay]]:
        """By record date, the moved schools whose records the scope counts only in part:
        their stays in the scope, by school (empty for a scope not by record date).
        Figures that count schools per month (self-inspections due) count these in the
        months of their stays, and the other schools as they are now."""
        if self._mode != DATED:
            return {}
        holds = self._holds()
        if holds is None:
            return {}
        mixed = moves.mixed(self._stays(), holds)
        return {school: [s for s in own if holds(s)] for school, own in mixed.items()}

    def stay_on(self, school_id: int, day: date) -> moves.Stay | None:
        """By record date, the stay of a moved school on ``day``: where it was (its
        bureau and township) then. None if the school never crossed the edge of the
        scope's subtree (it was where it is now), or for a scope that is not by date."""
        if self._mode != DATED:
            return None
        # Asked once per line of a circular: the stays are indexed by school once.
        index = self._cache.get(_STAYS_BY_SCHOOL)
        if index is None:
            index = self._cache[_STAYS_BY_SCHOOL] = moves.by_school(self._stays())
        for s in index.get(school_id, ()):
            if s.start_on_or_before(day) and s.ends_after(day):
                return s
        return None

    def schools_on(self, day: date) -> models.QuerySet[School]:
        """The schools of the scope on ``day``: by record date, a moved school is one of
        them if its stay on that day was in the scope; otherwise :meth:`schools`."""
        moved = self.moved_stays()
        if not moved:
            return self.schools()
        held = [
            school
            for school, own in moved.items()
            if any(s.start_on_or_before(day) and s.ends_after(day) for s in own)
        ]
        from edubureau.orgs.models import School

        return School.objects.filter(
            models.Q(pk__in=self.schools().exclude(pk__in=list(moved)).values("pk"))
            | models.Q(pk__in=held)
        )

    def part_key(self, model: type[models.Model], key: str, *, only: set[int] | None = None) -> Any:
        """What to group rows of ``model`` by to split them by their school's bureau or
        township (``key``: ``"school__bureau_id"`` or ``"school__township_id"``). By
        record date, a moved school's records go to the bureau or township of their
        date; otherwise, and where no school moved, it is the field itself. ``only``:
        the schools to split (:meth:`moved_apart`), the others by where they are now."""
        field = {"school__bureau_id": "bureau_id", "school__township_id": "township_id"}.get(key)
        date_key = moves.record_date_key(model)
        stays = self._stays() if self._mode == DATED and field and date_key else []
        # Only a past stay somewhere else than the school is now needs a branch (the
        # default is where it is now); the rows of schools that never moved take one
        # membership test, not one per stay.
        now = {s.school_id: getattr(s, str(field)) for s in stays if s.current}
        elsewhere = [
            s
            for s in stays
            if not s.current
            and getattr(s, str(field)) != now.get(s.school_id)
            and (only is None or s.school_id in only)
        ]
        if not elsewhere:
            return models.F(key)
        inner = models.Case(
            *(
                models.When(
                    s.q(school_key="school_id", date_key=str(date_key)),
                    then=models.Value(getattr(s, str(field))),
                )
                for s in elsewhere
            ),
            default=models.F(key),
            output_field=models.BigIntegerField(),
        )
        return models.Case(
            models.When(school_id__in=sorted({s.school_id for s in elsewhere}), then=inner),
            default=models.F(key),
            output_field=models.BigIntegerField(),
        )

    def moved_apart(self, part: Any) -> set[int]:
        """By record date, the moved schools whose records a figure split by ``part`` (a
        function of a school id and a stay, e.g. the child bureau of the stay's bureau)
        must split by date: those in the scope for part of their life only, and those
        whose stays in it fall in different parts. A move between two counties of one
        city changes nothing in the province's figures by city."""
        if self._mode != DATED:
            return set()
        holds = self._holds()
        if holds is None:
            return set()
        by_school: dict[int, list[moves.Stay]] = {}
        for s in self._stays():
            by_school.setdefault(s.school_id, []).append(s)
        apart = set()
        for school, own in by_school.items():
            held = [s for s in own if holds(s)]
            if held and (len(held) < len(own) or len({part(school, s) for s in held}) > 1):
                apart.add(school)
        return apart

    def school_parts_on(self, day: date) -> dict[int, moves.Stay | None]:
        """By record date, for figures that count schools by the bureau or township they
        belonged to on ``day``: every school of the viewer's subtree that ever moved, with
        its stay on that day if the scope held it then (None: not the scope's that day).
        Empty in the other modes, and where no school moved."""
        if self._mode != DATED:
            return {}
        holds = self._holds()
        if holds is None:
            return {}
        out: dict[int, moves.Stay | None] = {}
        for s in self._stays():
            out.setdefault(s.school_id, None)
            if (s.start is None or s.start <= day) and (s.end is None or day < s.end) and holds(s):
                out[s.school_id] = s
        return out

    def _stays(self) -> list[moves.Stay]:
        """The stays of schools moved across the edge of the viewer's (or the system
        scope's) subtree; none asked for where no school ever crossed it."""
        if self._viewer is not None:
            if not moves.may_have_moved(self._viewer.bureau):
                return []
            return _reader_stays(self._viewer)
        if not moves.may_have_moved(self._root):
            return []
        return moves.moved_stays(self._cache, self._root.path)

    def _moves(self, model: type[models.Model]) -> tuple[list[moves.Stay], moves.Holds] | None:
        date_key = moves.record_date_key(model)
        if self._mode == NOW or date_key is None or getattr(model, "sensitive", False):
            return None
        holds = self._holds()
        if holds is None:
            return None
        stays = self._stays()
        # Schools moved within the scope only change nothing in it.
        return (stays, holds) if moves.mixed(stays, holds) else None

    def _correction(self, model: type[models.Model], school_key: str) -> moves.Correction | None:
        """How moved schools change ``rows(model)`` in this scope's mode: rule 2 adds the
        history of schools that have left (visible); rule 3 counts every moved school's
        records by their date (dated). None where no school crossed the scope's edge."""
        found = self._moves(model)
        if found is None:
            return None
        stays, holds = found
        return moves.correction(
            stays,
            holds,
            dated=self._mode == DATED,
            school_key=school_key,
            date_key=str(moves.record_date_key(model)),
        )

    def _holds(self) -> moves.Holds | None:
        """The scope's schools as a test on a stay: its narrowing within what its viewer
        reads. None where moves change nothing: one school, a school's or an inspector's
        account."""
        viewer, n = self._viewer, self._narrowed
        if "school" in n:
            return None
        if viewer is None:
            holds = moves.in_subtree(self._root.path)
        elif viewer.role in (BUREAU_LEADER, DEPARTMENT_STAFF, ADMINISTRATOR, TOWNSHIP_STAFF):
            if not viewer.bureau_id or not viewer.bureau.path:
                return None
            holds = _reader_holds(viewer)
        else:
            return None
        if "bureau" in n:
            bureau = n["bureau"]
            narrow = (
                moves.in_bureau(bureau.pk) if n.get("direct") else moves.in_subtree(bureau.path)
            )
            holds = moves.both(holds, narrow)
        if "township" in n:
            holds = moves.both(holds, moves.in_township(n["township"].pk))
        return holds

    def schools(self) -> models.QuerySet[School]:
        """The schools of the scope (closed ones included: filter ``is_active``)."""
        from edubureau.orgs.models import School

        return self.rows(School)

    def school_ids(
        self, model: type[models.Model], *, active: bool = False, also: Sequence[int] = ()
    ) -> models.QuerySet:
        """The keys of the schools whose rows of ``model`` the scope holds (with
        ``active``, open schools only; ``also``: these schools too, for moved schools'
        history), as a subquery, for aggregates and hand-written SQL keyed on
        ``school_id``: the rows of ``model`` whose school is among these are exactly
        ``rows(model)``, unless the model refines ``visible_to`` (then use ``rows``;
        these are the schools of those rows) or :meth:`moved` says a moved school's
        records are counted by date (then select from ``rows``)."""

        queryset = model._default_manager.all()
        if not isinstance(queryset, SchoolScopedQuerySet):
            raise TypeError(f"{model.__name__} is not a school-owned model")
        if _refines_read_rule(queryset):
            school_key, _ = queryset._scope_keys()
            return self.rows(model, active=active).order_by().values(school_key).distinct()
        return self._school_keys(self._school_rule(model), active=active, also=also)

    def _school_keys(
        self, rule: models.Q, *, active: bool, also: Sequence[int] = ()
    ) -> models.QuerySet:
        from edubureau.orgs.models import School

        schools = School.objects.filter(rule)
        if active:
            schools = schools.filter(is_active=True)
        keys = schools.order_by().values("pk")
        if not also:
            return keys
        # A UNION, not an OR: each branch keeps its index (an OR scans every school).
        extra = School.objects.filter(pk__in=list(also))
        if active:
            extra = extra.filter(is_active=True)
        return keys.union(extra.order_by().values("pk"))

    def _school_rule(self, model: type[models.Model]) -> models.Q:
        """The condition on School for the schools whose rows of ``model`` the scope
        holds; empty when that is every school of the deployment."""
        rule = self._narrow_q("pk", "bureau_id")
        if self._viewer is not None:
            sensitive = bool(getattr(model, "sensitive", False))
            rule &= school_read_q(
                self._viewer, school_key="pk", bureau_key="bureau_id", sensitive=sensitive
            )
        return rule

    def bureaus(self) -> models.QuerySet[Bureau]:
        """The bureaus of a subtree scope the viewer may read (the scope's own bureau for
        any other kind): for grouping figures by child bureau."""
        from edubureau.orgs.models import Bureau

        if self._bureau is None:
            return Bureau.objects.none()
        if self._kind != "bureau":
            return Bureau.objects.filter(pk=self._bureau.pk)
        base = (
            Bureau.objects.all()
            if self._viewer is None
            else Bureau.objects.visible_to(self._viewer)
        )
        return base.filter(path__startswith=self._bureau.path)

    def narrow(
        self,
        *,
        bureau: Any = None,
        township: Any = None,
        school: Any = None,
        direct: bool = False,
    ) -> SchoolScope:
        """A narrower scope for the same viewer (or system bureau), through the door again."""
        if self._viewer is None:
            from edubureau.orgs.models import Bureau

            target = self._root
            if bureau is not None:
                target = Bureau.objects.filter(
                    pk=_pk(bureau), path__startswith=self._root.path
                ).first()
                if target is None:
                    raise LookupError(f"教育局 {_pk(bureau)} 不在{self._root.name}范围内")
            return system_scope(target, township=township, school=school, direct=direct)
        n = self._narrowed
        return scope_for(
            self._viewer,
            bureau=bureau if bureau is not None else n.get("bureau"),
            township=township if township is not None else n.get("township"),
            school=school if school is not None else n.get("school"),
            direct=direct or bool(n.get("direct")),
        )

    def _narrow_q(self, school_key: str, bureau_key: str) -> models.Q:
        township_key = "township_id" if school_key == "pk" else school_key[:-3] + "__township_id"
        n, q = self._narrowed, models.Q()
        if "bureau" in n:
            if n.get("direct"):
                q &= models.Q(**{bureau_key: n["bureau"].pk})
            else:
                q &= models.Q(**{f"{bureau_key}__in": _subtree_of(n["bureau"])})
        if "township" in n:
            q &= models.Q(**{township_key: n["township"].pk})
        if "school" in n:
            q &= models.Q(**{school_key: n["school"].pk})
        return q


def _refines_read_rule(queryset: SchoolScopedQuerySet) -> bool:
    """Whether a school-owned model's queryset reads by a rule of its own, not only by
    the row's school."""
    return type(queryset).visible_to is not SchoolScopedQuerySet.visible_to


def _pk(value: Any) -> Any:
    return value.pk if isinstance(value, models.Model) else value


def _make_scope(
    *,
    viewer: Any,
    root: Any,
    default_kind: str,
    default_bureau: Any,
    default_township: Any,
    default_school: Any,
    bureau: Any,
    township: Any,
    school: Any,
    direct: bool,
) -> SchoolScope:
    narrowed: dict[str, Any] = {}
    if bureau is not None:
        narrowed["bureau"] = bureau
        if direct:
            narrowed["direct"] = True
    if township is not None:
        narrowed["township"] = township
    if school is not None:
        narrowed["school"] = school
    if school is not None:
        kind, scope_bureau = "school", school.bureau
    elif township is not None:
        kind, scope_bureau = "township", township.bureau
    elif bureau is not None:
        kind, scope_bureau = ("direct" if direct else "bureau"), bureau
    else:
        kind, scope_bureau = default_kind, default_bureau
    return SchoolScope(
        _DOOR,
        viewer=viewer,
        root=root,
        kind=kind,
        bureau=scope_bureau,
        township=township
        if township is not None
        else (default_township if kind == default_kind else None),
        school=school if school is not None else (default_school if kind == default_kind else None),
        narrowed=narrowed,
    )


def scope_for(
    user: User | Any,
    *,
    bureau: Any = None,
    township: Any = None,
    school: Any = None,
    direct: bool = False,
) -> SchoolScope:
    """The viewer's schools, narrowed (each argument an id or an object) to a bureau's
    subtree — or, with ``direct``, to the schools that bureau runs itself (``school.bureau``
    is it: a city's 市直 schools; ``direct`` alone: the viewer's own bureau's) —, a
    township or a school. Each must be one the viewer may see: another answers 404 and writes an
    ``access_denied`` audit event (:func:`~edubureau.orgs.access.get_visible_or_404`).
    Several narrow together (their intersection)."""
    from edubureau.orgs.access import get_visible_or_404
    from edubureau.orgs.models import Bureau, School, Township

    found_bureau = get_visible_or_404(Bureau, user, _pk(bureau)) if bureau is not None else None
    if direct and found_bureau is None:
        if not getattr(user, "bureau_id", None):
            from django.http import Http404

            raise Http404("记录不存在或无权访问")
        found_bureau = user.bureau
    found_township = (
        get_visible_or_404(Township, user, _pk(township)) if township is not None else None
    )
    found_school = get_visible_or_404(School, user, _pk(school)) if school is not None else None
    role = getattr(user, "role", None)
    own = user.bureau if getattr(user, "bureau_id", None) else None
    if role in (BUREAU_LEADER, DEPARTMENT_STAFF, ADMINISTRATOR) and own is not None:
        kind, default_township, default_school = "bureau", None, None
    elif role == TOWNSHIP_STAFF and getattr(user, "township_id", None):
        kind, default_township, default_school = "township", user.township, None
    elif role == SCHOOL_USER and getattr(user, "school_id", None):
        kind, default_township, default_school = "school", None, user.school
    else:
        kind, default_township, default_school = "assigned", None, None
    return _make_scope(
        viewer=user,
        root=own,
        default_kind=kind,
        default_bureau=own,
        default_township=default_township,
        default_school=default_school,
        bureau=found_bureau,
        township=found_township,
        school=found_school,
        direct=direct,
    )


def scope_from_params(user: User | Any, params: Any) -> SchoolScope:
    """:func:`scope_for` from a page's GET parameters ``bureau``, ``direct=1``,
    ``township`` and ``school`` (a malformed value is ignored, like every list filter;
    an id the viewer may not see answers 404)."""
    from edubureau.core.params import param_id

    return scope_for(
        user,
        bureau=param_id(params.get("bureau")),
        township=param_id(params.get("township")),
        school=param_id(params.get("school")),
        direct=params.get("direct") == "1",
    )


def system_scope(
    bureau: Bureau,
    *,
    direct: bool = False,
    township: Any = None,
    school: Any = None,
) -> SchoolScope:
    """FOR JOBS AND COMMANDS THAT RUN WITHOUT A USER (a scheduled circular, a digest):
    every school of ``bureau``'s subtree — no viewer, so no viewer's rule applies —
    optionally narrowed to the bureau's direct schools, one of its townships or one of
    its schools. Never call it from a view or an API endpoint: a request has a user,
    and its scope is :func:`scope_for`. (``orgs/tests/test_school_scope.py`` checks
    where it is called.)"""
    from edubureau.orgs.models import Bureau, School, Township

    if not isinstance(bureau, Bureau) or not bureau.path:
        raise TypeError("system_scope needs a saved Bureau")
    inside = Bureau.objects.filter(path__startswith=bureau.path)

    def find(model: Any, value: Any) -> Any:
        if value is None:
            return None
        found = model.objects.filter(pk=_pk(value), bureau__in=inside).first()
        if found is None:
            raise LookupError(f"{model._meta.verbose_name} {_pk(value)} 不在{bureau.name}范围内")
        return found

    return _make_scope(
        viewer=None,
        root=bureau,
        default_kind="bureau",
        default_bureau=bureau,
        default_township=None,
        default_school=None,
        bureau=bureau,
        township=find(Township, township),
        school=find(School, school),
        direct=direct,
    )
