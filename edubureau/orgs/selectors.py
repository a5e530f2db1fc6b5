"""Reads of the organisation directory and of the accounts pages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet

from edubureau.core.listing import ListSpec
from edubureau.core.params import param_id
from edubureau.core.rawsql import kept_rows
from edubureau.orgs.login_limits import locked_usernames
from edubureau.orgs.models import (
    Department,
    Role,
    School,
    SchoolPosition,
    SchoolYear,
    Semester,
    Township,
    User,
)


@dataclass(frozen=True)
class SchoolFilter:
    q: str = ""
    township_id: int | None = None
    kind: str = ""
    ownership: str = ""
    locality: str = ""
    active: bool | None = True

    @classmethod
    def from_params(cls, params: Any) -> SchoolFilter:
        """Tolerant parsing of query parameters: a malformed value is ignored."""

        active_raw = params.get("active", "1")
        return cls(
            q=(params.get("q") or "").strip()[:50],
            township_id=param_id(params.get("township")),
            kind=params.get("kind") or "",
            ownership=params.get("ownership") or "",
            locality=params.get("locality") or "",
            active=None if active_raw == "all" else active_raw != "0",
        )


# The school directory as the list component reads it (core.listing). Its search (q)
# is SchoolFilter's, shared with the API: a name fragment or an identifier prefix.
SCHOOL_LIST = ListSpec(
    filters=frozenset({"township", "kind", "ownership", "locality", "active"}),
    search_hint="学校名称或学校标识码",
    sorts={
        "name": ("name",),
        "identifier": ("identifier",),
        "kind": ("kind", "name"),
        "township": ("township__sort_order", "township_id", "name"),
    },
)


def school_list(*, user: User, filters: SchoolFilter) -> QuerySet[School]:
    # The bureau names a 市直 school's place (School.area_name); not its phone (each row's
    # copy would be decrypted).
    qs = School.objects.visible_to(user).select_related("township", "bureau").defer("bureau__phone")
    if filters.q:
        qs = qs.filter(Q(name__icontains=filters.q) | Q(identifier__startswith=filters.q))
    if filters.township_id:
        qs = qs.filter(township_id=filters.township_id)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.ownership:
        qs = qs.filter(ownership=filters.ownership)
    if filters.locality:
        qs = qs.filter(locality=filters.locality)
    if filters.active is not None:
        qs = qs.filter(is_active=filters.active)
    return qs.order_by("township__sort_order", "township_id", "kind", "name")


def school_counts_by_kind(*, user: User) -> list[dict[str, Any]]:
    return list(
        School.objects.visible_to(user)
        .filter(is_active=True)
        .values("kind")
        .annotate(n=Count("id"))
        .order_by("-n")
    )


def townships_for(user: User) -> QuerySet[Township]:
    return Township.objects.visible_to(user)


# Accounts (administrators' pages) ---------------------------------------------


@dataclass(frozen=True)
class UserFilter:
    q: str = ""
    role: str = ""
    department_id: int | None = None
    school_id: int | None = None
    active: bool | None = True
    locked: bool = False

    @classmethod
    def from_params(cls, params: Any) -> UserFilter:
        """Tolerant parsing: a malformed value is ignored."""

        active_raw = params.get("active", "1")
        role = params.get("role") or ""
        return cls(
            q=(params.get("q") or "").strip()[:50],
            role=role if role in Role.values else "",
            department_id=param_id(params.get("department")),
            school_id=param_id(params.get("school")),
            active=None if active_raw == "all" else active_raw != "0",
            locked=params.get("locked") == "1",
        )


# The account list as the list component reads it (core.listing). Its search (q) is
# UserFilter's: username, name, school name or code.
USER_LIST = ListSpec(
    filters=frozenset({"role", "department", "school", "active", "locked"}),
    search_hint="学校名称、标识码、用户名或姓名",
    sorts={
        "username": ("username",),
        "full_name": ("full_name", "username"),
        "role": ("role", "username"),
        "last_login": ("last_login",),
    },
)


def user_list(*, actor: User, filters: UserFilter) -> QuerySet[User]:
    qs = User.objects.writable_by(actor).select_related("school", "department")
    if filters.q:
        qs = qs.filter(
            Q(username__icontains=filters.q)
            | Q(full_name__icontains=filters.q)
            | Q(school__name__icontains=filters.q)
            | Q(school__identifier__startswith=filters.q)
        )
    if filters.role:
        qs = qs.filter(role=filters.role)
    if filters.department_id:
        qs = qs.filter(department_id=filters.department_id)
    if filters.school_id:
        qs = qs.filter(school_id=filters.school_id)
    if filters.active is not None:
        qs = qs.filter(is_active=filters.active)
    if filters.locked:
        qs = qs.filter(username__in=locked_usernames())
    return qs.order_by("role", "school__identifier", "school_position", "username")


def schools_for_accounts(
    *, actor: User, township_id: int | None = None, kind: str = ""
) -> QuerySet[School]:
    """Active schools of the bureau, each with how many active principal and
    safety-officer accounts it has (one query)."""
    active_users = Q(users__is_active=True, users__role=Role.SCHOOL_USER)
    qs = (
        School.objects.writable_by(actor)
        .active()
        .select_related("township")
        .annotate(
            principal_accounts=Count(
                "users", filter=active_users & Q(users__school_position=SchoolPosition.PRINCIPAL)
            ),
            officer_accounts=Count(
                "users",
                filter=active_users & Q(users__school_position=SchoolPosition.SAFETY_OFFICER),
            ),
        )
    )
    if township_id:
        qs = qs.filter(township_id=township_id)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("township__sort_order", "township_id", "kind", "name")


def schools_missing_accounts(
    *, actor: User, positions: Sequence[str], township_id: int | None = None, kind: str = ""
) -> QuerySet[School]:
    """Of :func:`schools_for_accounts`, those lacking an active account in at
    least one of ``positions``."""
    missing = Q(pk__in=[])
    if SchoolPosition.PRINCIPAL in positions:
        missing |= Q(principal_accounts=0)
    if SchoolPosition.SAFETY_OFFICER in positions:
        missing |= Q(officer_accounts=0)
    return schools_for_accounts(actor=actor, township_id=township_id, kind=kind).filter(missing)


# School year and semester --------------------------------------------------------


def current_school_year(*, user: User, today: date) -> SchoolYear | None:
    """The school year ``today`` falls in, else the latest one already begun."""
    years = SchoolYear.objects.visible_to(user).filter(starts_on__lte=today)
    return years.filter(ends_on__gte=today).first() or years.order_by("-starts_on").first()


def current_semester(*, user: User, today: date) -> tuple[date, date]:
    """This semester's first and last day: the bureau's semester containing ``today``
    (or the last one begun, during holidays); without a calendar, autumn is
    September to January and spring February to August."""
    semester = None
    if user.bureau_id is not None:
        bureau_id = user.bureau_id
        # Compiled once per process for the bureau and day (asked by every dashboard).
        found = kept_rows(
            ("orgs.semester", bureau_id, today),
            lambda: Semester.objects.filter(
                school_year__bureau_id=bureau_id, starts_on__lte=today
            ).order_by("-starts_on")[:1],
        )
        semester = found[0] if found else None
    if semester is not None and (today - semester.ends_on).days < 120:
        return semester.starts_on, max(semester.ends_on, today)
    if today.month >= 9:
        return date(today.year, 9, 1), date(today.year + 1, 1, 31)
    if today.month == 1:
        return date(today.year - 1, 9, 1), date(today.year, 1, 31)
    return date(today.year, 2, 1), date(today.year, 8, 31)


# Departments -------------------------------------------------------------------------


def departments_for(user: User) -> QuerySet[Department]:
    """The departments of ``user``'s bureau, in the bureau's order, with their leaders."""
    return (
        Department.objects.visible_to(user)
        .select_related("leader_in_charge")
        .order_by("sort_order", "pk")
    )


def leaders_in_charge(*, bureau_id: int, department_code: str) -> list[User]:
    """Who answers for a department at the bureau: its leader in charge (分管局领导) if
    one is set and active, else every active leader of the bureau."""
    leaders = User.objects.filter(is_active=True, bureau_id=bureau_id, role=Role.BUREAU_LEADER)
    in_charge = leaders.filter(
        departments_in_charge__bureau_id=bureau_id,
        departments_in_charge__code=department_code,
    )
    return list(in_charge) or list(leaders)


def school_recipients(school_id: int, *, besides: Any = None) -> QuerySet[User]:
    """The school's users who can act on a request: active and not read-only, by id,
    without ``besides`` (who made the request). A query, so that ``notify`` reads who
    muted the topic with them in one statement."""
    users = _school_recipients([school_id])
    return users.exclude(pk=besides.pk) if getattr(besides, "pk", None) else users


def recipients_by_school(school_ids: Sequence[int]) -> dict[int, list[User]]:
    """:func:`school_recipients` of many schools in one query (schools without any
    such user are absent). Every module that asks a school to act (催报, 退回, 证照到期,
    统计报表) sends to these users."""
    found: dict[int, list[User]] = {}
    for user in _school_recipients(school_ids):
        if user.school_id is not None:
            found.setdefault(user.school_id, []).append(user)
    return found


def _school_recipients(school_ids: Sequence[int]) -> QuerySet[User]:
    return User.objects.filter(
        school_id__in=school_ids, role=Role.SCHOOL_USER, is_active=True, read_only=False
    ).order_by("pk")


# The place chooser of every list (includes/place_chooser.html) --------------------

# The parameters the chooser sets; every list that offers it accepts them.
PLACE_PARAMS = ("bureau", "direct", "township", "school")


@dataclass(frozen=True)
class PlaceCrumb:
    label: str
    query: str  # the list's query string narrowed to this place (other filters kept)
    current: bool = False


@dataclass(frozen=True)
class PlaceChooser:
    """Where a list is narrowed to, and the next step down.

    ``trail`` runs from the viewer's whole scope to the chosen place, each crumb a link
    back up; ``param`` is the parameter of the one <select> offered (the chosen place's
    children: a bureau's child bureaus, a county's townships, a township's or a bureau's
    own schools), so no select is ever longer than one level of the tree. ``hidden`` are
    the narrowing parameters the form carries besides the select."""

    trail: list[PlaceCrumb]
    hidden: list[tuple[str, str]]
    param: str = ""
    field_label: str = ""
    options: list[tuple[int, str]] = field(default_factory=list)
    all_value: str = ""
    all_label: str = "全部"
    selected: int | None = None
    # The schools of the place are too many for a select: search by name instead.
    too_many: bool = False
    direct: PlaceCrumb | None = None  # the link to the bureau's own (市直/县直) schools


def _place_query(params: Any, **place: Any) -> str:
    """``params`` with the place parameters replaced by ``place`` (and no page)."""
    query = params.copy()
    for name in (*PLACE_PARAMS, "page"):
        query.pop(name, None)
    for name, value in place.items():
        if value not in (None, ""):
            query[name] = str(value)
    return str(query.urlencode())


def place_chooser(user: User, params: Any) -> PlaceChooser | None:
    """The cascading place chooser for ``user`` narrowed as ``params`` (a QueryDict:
    ``bureau``, ``direct``, ``township``, ``school``) ask — through the scoping door
    (``scope_from_params``: an id the user may not see answers 404, audited). None for
    a school's own account (one school: nothing to choose)."""
    from edubureau.core.listing import short_choices
    from edubureau.core.roles import BUREAU_ROLES
    from edubureau.orgs.models import DIRECT_LABELS, Bureau, BureauLevel
    from edubureau.orgs.scoping import scope_from_params

    if user.role == Role.SCHOOL_USER:
        return None
    scope = scope_from_params(user, params)
    narrowed = scope.params
    own = user.bureau if user.role in BUREAU_ROLES and user.bureau_id else None
    trail: list[PlaceCrumb] = []
    node = scope.bureau  # the bureau of the chosen place
    if own is not None:
        trail.append(PlaceCrumb(f"{own.display_name}全部", _place_query(params)))
        if node is not None and node.pk != own.pk:
            chain = Bureau.objects.filter(
                pk__in=[*node.ancestor_ids, node.pk], path__startswith=own.path
            ).exclude(pk=own.pk)
            trail += [PlaceCrumb(b.display_name, _place_query(params, bureau=b.pk)) for b in chain]
        if scope.direct and node is not None:
            label = f"{DIRECT_LABELS.get(BureauLevel(node.level), '直属')}学校"
            trail.append(PlaceCrumb(label, _place_query(params, bureau=node.pk, direct=1)))
    elif scope.township is not None and scope.kind != "township":
        trail.append(PlaceCrumb("全部", _place_query(params)))
    school = scope.school
    township = scope.township
    if township is None and school is not None and "school" in narrowed:
        township = school.township
    if township is not None and (own is not None or "township" in narrowed):
        trail.append(
            PlaceCrumb(
                township.name,
                _place_query(params, bureau=narrowed.get("bureau"), township=township.pk),
            )
        )
    if school is not None and "school" in narrowed:
        trail.append(PlaceCrumb(school.name, _place_query(params, **narrowed)))
    if trail:
        trail[-1] = PlaceCrumb(trail[-1].label, trail[-1].query, current=True)

    def hidden(*dropped: str) -> list[tuple[str, str]]:
        return [(k, v) for k, v in narrowed.items() if k not in dropped]

    if school is not None and "school" in narrowed:
        return PlaceChooser(trail=trail, hidden=hidden())
    if scope.kind in ("township", "direct", "assigned") or township is not None:
        # The schools of the place: a township's ~20, a bureau's own, an inspector's.
        schools = scope.schools().filter(is_active=True).only("pk", "name").order_by("name")
        options = short_choices(schools.values_list("pk", "name"))
        return PlaceChooser(
            trail=trail,
            hidden=hidden("school"),
            param="school",
            field_label="学校",
            options=options,
            too_many=not options and schools.exists(),
        )
    if node is None:
        return PlaceChooser(trail=trail, hidden=hidden())
    direct_link = None
    if node.schools.filter(township__isnull=True).exists():
        label = f"{DIRECT_LABELS.get(BureauLevel(node.level), '直属')}学校"
        direct_link = PlaceCrumb(label, _place_query(params, bureau=node.pk, direct=1))
    children = list(
        Bureau.objects.visible_to(user).filter(parent_id=node.pk).values_list("pk", "name", "level")
    )
    current = narrowed.get("bureau", "")
    if children:
        return PlaceChooser(
            trail=trail,
            hidden=hidden("bureau"),
            param="bureau",
            field_label=BureauLevel(children[0][2]).label,
            options=[(pk, name) for pk, name, _ in children],
            all_value=current,
            direct=direct_link,
        )
    townships = list(
        Township.objects.visible_to(user).filter(bureau_id=node.pk).values_list("pk", "name")
    )
    return PlaceChooser(
        trail=trail,
        hidden=hidden("township"),
        param="township",
        field_label="乡镇（街道）",
        options=townships,
        direct=direct_link,
    )
