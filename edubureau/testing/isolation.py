"""The generic isolation check: every route, as every role of every level of the
bureau tree, against the rows of every other party.

It walks the whole URL configuration, so a route added later is covered without
editing any test. Before the walk it makes, for every registered target (an object
id kwarg such as ``hazard_id``), the object of each *party* of the cast:

==============  ==========================================  =========================
party           rows of                                     marker in their texts
==============  ==========================================  =========================
``school_b``    school B (甲县, 乙镇)                        ``SCHOOL_B_MARKER``
``sibling``     乙县 (the sibling county) and its school     ``SIBLING_MARKER``
``city``        甲市 itself and its 市直 school              ``CITY_SCHOOL_MARKER``
``other_city``  丙县 of 丙市 (another city) and its school   ``OTHER_BUREAU_MARKER``
==============  ==========================================  =========================

Each viewer relates to each party in one of three ways, stated here from the tree,
not asked of the scoping door (:func:`relation`):

* **hidden** — a school-side account (school user, inspector, township staff) hides
  every party; a bureau account hides the parties outside its subtree: a county its
  sibling, its city's own 市直 school (nobody sees upward) and the other city; a city
  the other city;
* **reads** — a bureau account reads the parties below it: the city both counties,
  the province everything;
* **own** — a bureau account and the party's rows belong to the same bureau.

The walk requires:

* every answer: no 5xx; no marker of a party the viewer hides (.xlsx and .docx
  unzipped and their character references decoded); no row changed or created that
  the viewer may not write (its school's or bureau's, by the rows' owners);
* object routes (``<model>_id`` kwargs), hidden party: GET and POST answer 403, 404
  or 405, and every 403/404 writes an audit event;
* object routes, a party below the viewer (the converse): GET never answers 404 to
  a role the target is read by; a *read route* (``-detail``, ``-photo``, circulars,
  :data:`READ_WORDS`) answers 200 wherever the party's own bureau's account of the
  same role gets 200; POST (the row is not the viewer's bureau's) changes nothing;
* routes without ids: every GET parameter the view reads is tried with a hidden
  party's id (its marker, for text); every POST field the view or its form reads is
  posted with a hidden party's and a not-owned party's ids, the rest of the page's
  form filled in;
* lists: a route without ids says what it lists (``listed_by=`` /
  :func:`register_listing`) or that it shows no rows (:func:`register_rowless_route`).
  Before each listing request the listed rows of every hidden party must exist (the
  walk had something to leak), and a viewer whose role reads the target sees the
  marker of every party below it wherever that party's own account of the same role
  does (a higher bureau sees its subtree through every list, export, API list and
  dashboard).

An unknown id kwarg, an unnamed route, an unknown non-id kwarg or a route without
ids that declares nothing is itself a failure, so nobody can add a route the check
silently skips. Each app registers its targets, listings and rowless routes in its
``tests/isolation_targets.py``, which the walk autodiscovers.

Cost (about 6,700 requests for the eighteen accounts of the cast): the objects are
made once, before the walk; each viewer keeps one client; every viewer requests each
object route with the nearest party it hides and the nearest below it, the farther
parties shared out among the accounts of its scope (:meth:`Viewer.probed`); the
filters of a route are tried once per level of the tree (school-side accounts,
counties, cities); a method a route refuses (405) is not asked again for another id.
"""

from __future__ import annotations

import html
import inspect
import io
import logging
import re
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction
from django.http import QueryDict
from django.shortcuts import resolve_url
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.datastructures import MultiValueDict
from django.utils.module_loading import autodiscover_modules

from edubureau.audit.models import AuditEvent
from edubureau.core.roles import BUREAU_ROLES
from edubureau.orgs.models import Bureau, School, User
from edubureau.testing.cast import CITY_SCHOOL_MARKER, SCHOOL_B_MARKER, SIBLING_MARKER, Cast
from edubureau.testing.dates import today

OTHER_BUREAU_MARKER = "外局标记"
MARKERS = (SCHOOL_B_MARKER, SIBLING_MARKER, CITY_SCHOOL_MARKER, OTHER_BUREAU_MARKER)

SCHOOL_B, SIBLING, CITY, OTHER_CITY = "school_b", "sibling", "city", "other_city"
PARTY_KEYS = (SCHOOL_B, SIBLING, CITY, OTHER_CITY)

# Roles that read a bureau's whole subtree (leaders, department staff, administrators).
EVERY_BUREAU_ROLE = frozenset(str(r) for r in BUREAU_ROLES)


@dataclass(frozen=True)
class Party:
    """An owner of rows the viewers are tested against."""

    key: str
    marker: str
    school: School
    # The bureau whose own rows (departments, checklists, campaigns, …) stand for the
    # party; None for school B, whose bureau is school A's own.
    bureau: Bureau | None

    @property
    def school_bureau(self) -> Bureau:
        bureau: Bureau = self.school.bureau
        return bureau


def parties(cast: Cast) -> tuple[Party, ...]:
    """The parties, nearest to school A first."""
    return (
        Party(SCHOOL_B, SCHOOL_B_MARKER, cast.school_b, None),
        Party(SIBLING, SIBLING_MARKER, cast.sibling_school, cast.sibling_bureau),
        Party(CITY, CITY_SCHOOL_MARKER, cast.city_school, cast.city),
        Party(OTHER_CITY, OTHER_BUREAU_MARKER, cast.other_school, cast.other_bureau),
    )


# Targets and routes ------------------------------------------------------------------

PartyFactory = Callable[[Cast, Party], models.Model | None]


@dataclass(frozen=True)
class Target:
    """The objects behind one id kwarg: ``make(cast, party)`` returns the party's
    object, None where the party has none of this kind (``legacy(cast)``, the older
    form, makes one object, whose party is found from its school or bureau).

    ``readers``: the bureau roles that read a party's rows of this kind when the party
    is below them. Empty for rows that stay with their own bureau or person: accounts,
    settings, notifications."""

    kwarg: str
    make: PartyFactory | None
    readers: frozenset[str] = EVERY_BUREAU_ROLE
    legacy: Callable[[Cast], models.Model | None] | None = None


TARGETS: dict[str, Target] = {}

# Route name (a route without ids) -> the kwargs of the targets whose rows it lists.
LISTINGS: dict[str, set[str]] = {}

# Route names without ids that show no rows of any party, with the reason.
ROWLESS_ROUTES: dict[str, str] = {}

# Non-id kwargs and a harmless sample value for each; the year and month of a walk
# follow the test clock (:func:`sample_value`).
SAMPLE_VALUES: dict[str, Any] = {"year": 2026, "format": "json", "month": 9}

# Routes the check must not call: they end the session.
SKIP_ROUTE_NAMES = {"logout"}

# Form fields and filters that carry an id under another name than ``<model>``.
PARAM_ALIASES = {
    "schools": "school_id",
    "scope": "school_id",
    "assigned_schools": "school_id",
    "team": "user_id",
    "actor": "user_id",
    "recipient": "user_id",
    "leader_in_charge": "user_id",
    "endpoint": "endpoint_id",
    "item": "checklistitem_id",
    "school_year": "schoolyear_id",
}
# Posted to every form, whether or not it declares them.
FORGED_FIELDS = ("school", "school_id", "township", "hazard", "inspection")
# Never forged or tried as filters.
IGNORED_PARAMS = {"page", "csrfmiddlewaretoken", "version", "next"}

# A route whose name has one of these words reads (a GET shows the row to whoever may
# see it), unless it also has one of WRITE_WORDS.
READ_WORDS = frozenset({"detail", "photo", "open", "feedback", "circular"})
WRITE_WORDS = frozenset(
    {
        "edit",
        "delete",
        "upload",
        "remove",
        "plan",
        "rectify",
        "verify",
        "close",
        "return",
        "inspect",
        "reset",
        "deactivate",
        "reactivate",
        "unlock",
        "access",
        "schools",
        "read",
        "test",
        "retry",
        "chase",
    }
)

# Rows that are messages to a school or the log, not its records: a city chasing its
# counties' schools (催办) writes them rightly. Their routes are walked all the same.
UNWATCHED_MODELS = {
    "notifications.Notification",
    "notifications.WebhookDelivery",
    "notifications.WebhookAttempt",
    "audit.AuditEvent",
}
UNWATCHED_FIELDS = {"last_login"}


def register_target(
    kwarg: str,
    factory: Callable[..., models.Model | None],
    *,
    listed_by: Iterable[str] = (),
    readers: Iterable[str] | None = None,
) -> None:
    """The objects behind ``kwarg``: ``factory(cast, party)`` makes the party's
    object (a factory of the cast alone, the older form, makes one object).
    ``listed_by``: routes without ids that list these rows. ``readers``: see
    :class:`Target` (default: every bureau role)."""
    per_party = len(inspect.signature(factory).parameters) >= 2
    TARGETS[kwarg] = Target(
        kwarg=kwarg,
        make=factory if per_party else None,
        legacy=None if per_party else factory,
        readers=EVERY_BUREAU_ROLE if readers is None else frozenset(str(r) for r in readers),
    )
    register_listing(kwarg, *listed_by)


def register_listing(kwarg: str, *routes: str) -> None:
    """``routes`` (without ids: lists, exports, API lists, dashboards, circulars) list
    the rows of target ``kwarg``."""
    for route in routes:
        LISTINGS.setdefault(route, set()).add(kwarg)


def register_rowless_route(name: str, reason: str) -> None:
    """A route without ids that shows no row of any party: a form (its choices are
    still checked for leaks), an action, the user's own data, counts."""
    ROWLESS_ROUTES[name] = reason


def sample_value(kwarg: str) -> Any:
    """A non-id kwarg's value: the year and month of the test clock, so that a month's
    circular lists the rows made today."""
    if kwarg == "year":
        return today().year
    if kwarg == "month":
        return today().month
    return SAMPLE_VALUES[kwarg]


# The project's own routes (each app registers its targets and routes in its
# ``tests/isolation_targets.py``, which the walk autodiscovers).
register_rowless_route("api-schema", "the API description")
register_rowless_route("api-docs", "the API description page")


@dataclass(frozen=True)
class Route:
    name: str | None
    pattern: str
    kwargs: tuple[str, ...]

    @property
    def id_kwargs(self) -> tuple[str, ...]:
        return tuple(k for k in self.kwargs if k.endswith("_id"))

    @property
    def is_read(self) -> bool:
        words = set(re.split(r"[-:]", self.name or ""))
        return bool(words & READ_WORDS) and not words & WRITE_WORDS


@dataclass(frozen=True)
class Failure:
    route: str
    user: str
    problem: str

    def __str__(self) -> str:
        return f"{self.route} as {self.user}: {self.problem}"


def iter_routes(urlconf: str | None = None) -> Iterator[Route]:
    """Every named leaf route with the kwargs of its whole path (prefixes included)."""

    def walk(
        patterns: list[Any], prefix: str, ns: str | None, kwargs: tuple[str, ...]
    ) -> Iterator[Route]:
        for p in patterns:
            own = tuple(p.pattern.regex.groupindex)
            if isinstance(p, URLResolver):
                inner = ns
                if p.namespace:
                    inner = f"{ns}:{p.namespace}" if ns else p.namespace
                yield from walk(p.url_patterns, prefix + str(p.pattern), inner, kwargs + own)
            elif isinstance(p, URLPattern):
                name = f"{ns}:{p.name}" if ns and p.name else p.name
                yield Route(name=name, pattern=prefix + str(p.pattern), kwargs=kwargs + own)

    seen: set[tuple[str | None, tuple[str, ...]]] = set()
    for route in walk(get_resolver(urlconf).url_patterns, "", None, ()):
        key = (route.name, route.kwargs)
        if key not in seen:
            seen.add(key)
            yield route


def response_text(response: Any) -> str:
    """The body as text; .xlsx and .docx are unzipped so markers inside are found."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK":
        try:
            # A workbook writes Chinese as character references (&#23398;): decoded, or
            # a marker in an export would never be found.
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                return " ".join(
                    html.unescape(archive.read(name).decode("utf-8", "replace"))
                    for name in archive.namelist()
                    if name.endswith(".xml")
                )
        except zipfile.BadZipFile:
            pass
    return content.decode("utf-8", "replace")


# Viewers ---------------------------------------------------------------------------

HIDDEN, READS, OWN = "hidden", "reads", "own"


def relation(user: User, party: Party) -> str:
    """What ``user`` may see of ``party``, from the tree: a bureau account reads its
    subtree; a school-side account (school user, inspector, township staff) none of
    the parties, which are all outside school A and township 甲镇."""
    if str(user.role) not in EVERY_BUREAU_ROLE or user.bureau is None:
        return HIDDEN
    owner = party.school_bureau
    if owner.pk == user.bureau_id:
        return OWN
    return READS if owner.path.startswith(user.bureau.path) else HIDDEN


@dataclass
class Viewer:
    user: User
    relations: dict[str, str]  # party key -> HIDDEN / READS / OWN
    client: Client = field(default_factory=Client)
    # This viewer's place among the viewers of its scope (see probed()).
    turn: tuple[int, int] = (0, 1)

    @property
    def name(self) -> str:
        return str(self.user.username)

    @property
    def role_key(self) -> tuple[str, str]:
        department = self.user.department
        return (str(self.user.role), department.code if department is not None else "")

    @property
    def level(self) -> tuple[Any, ...]:
        """School-side accounts, or the depth of the viewer's bureau in the tree."""
        user = self.user
        if str(user.role) not in EVERY_BUREAU_ROLE or user.bureau is None:
            return ("school-side",)
        return ("bureau", len(user.bureau.path))

    @property
    def scope_key(self) -> tuple[Any, ...]:
        """Accounts with the same key read the same rows."""
        user, role = self.user, str(self.user.role)
        if role in EVERY_BUREAU_ROLE:
            return ("bureau", user.bureau_id)
        if role == "inspector":
            return ("inspector", user.pk)
        return (role, user.school_id, user.township_id)

    def with_relation(self, every: Iterable[Party], rel: str) -> list[Party]:
        return [p for p in every if self.relations[p.key] == rel]

    def probed(self, every: Iterable[Party]) -> list[Party]:
        """The parties whose objects this viewer requests object routes with. Every
        viewer tries the nearest party it hides and the nearest it reads; the other
        parties are shared out among the school-side accounts, or among the accounts
        of one bureau, so each route meets every party through at least one of them.
        Its own bureau's parties are tried on read routes (:func:`_subtree_object`)."""
        i, n = self.turn
        every = list(every)
        out = self.with_relation(every, OWN)
        for rel in (HIDDEN, READS):
            group = self.with_relation(every, rel)
            out += group[:1] + [p for j, p in enumerate(group[1:]) if j % n == i]
        return out


def viewers_for(cast: Cast, users: Iterable[User]) -> list[Viewer]:
    every = parties(cast)
    viewers = [Viewer(user=u, relations={p.key: relation(u, p) for p in every}) for u in users]
    # School-side accounts all hide every party: they share the far parties out
    # among themselves; bureau accounts among the accounts of their bureau.
    scopes: dict[tuple[Any, ...], list[Viewer]] = {}
    for viewer in viewers:
        share = viewer.level if viewer.level == ("school-side",) else viewer.scope_key
        scopes.setdefault(share, []).append(viewer)
    for members in scopes.values():
        for i, viewer in enumerate(members):
            viewer.turn = (i, len(members))
    # Deepest bureaus first: a higher bureau is compared with what the party's own
    # bureau's account of the same role got.
    return sorted(viewers, key=lambda v: -len(v.user.bureau.path if v.user.bureau else ""))


def every_viewer(cast: Cast) -> list[User]:
    """Every role of every level of the cast."""
    return [
        cast.school_a_officer,
        cast.school_a_principal,
        cast.school_a_teacher,
        cast.inspector,
        cast.township_staff,
        cast.leader,
        cast.safety_staff,
        cast.office_staff,
        cast.admin,
        cast.auditor,
        cast.sibling_safety,
        cast.sibling_admin,
        cast.other_admin,
        cast.city_leader,
        cast.city_safety,
        cast.city_admin,
        cast.province_leader,
        cast.province_safety,
    ]


# Rows and who owns them ------------------------------------------------------------


@dataclass(frozen=True)
class Owner:
    school_path: str | None  # lookup to the owning school's key
    bureau_path: str | None  # lookup to the owning bureau's key, not through a school


def _owner_paths(model: type[models.Model]) -> Owner:
    """Lookups from a row to the school and the bureau that own it, following foreign
    keys (never through an account, which only says who did something)."""
    if model is School:
        return Owner("pk", None)
    if model is Bureau:
        return Owner(None, "pk")
    school_path: str | None = None
    bureau_path: str | None = None
    frontier: list[tuple[type[models.Model], str]] = [(model, "")]
    for _depth in range(3):
        following: list[tuple[type[models.Model], str]] = []
        for current, prefix in frontier:
            for f in current._meta.concrete_fields:
                related = f.related_model if f.is_relation else None
                if not isinstance(related, type):
                    continue
                lookup = f"{prefix}{f.name}"
                if related is School:
                    school_path = school_path or lookup
                elif related is Bureau:
                    bureau_path = bureau_path or lookup
                elif related is not User:
                    following.append((related, f"{lookup}__"))
        frontier = following
    return Owner(school_path, bureau_path)


def _watched_models() -> list[tuple[type[models.Model], Owner]]:
    found = []
    for model in apps.get_models(include_auto_created=True):
        if not model._meta.app_config.name.startswith("edubureau"):
            continue
        if model._meta.label in UNWATCHED_MODELS:
            continue
        owner = _owner_paths(model)
        if owner.school_path is not None or owner.bureau_path is not None:
            found.append((model, owner))
    return found


Snapshot = dict[tuple[str, Any], tuple[Any, Any, tuple[Any, ...]]]


class Rows:
    """Every owned row of the (test) database, and whether a request wrote to one of
    their tables, or wrote an audit event, since the last look."""

    def __init__(self) -> None:
        self.models = _watched_models()
        self.tables = {m._meta.db_table.lower() for m, _ in self.models}
        self.dirty = False
        self.writes = 0  # statements that wrote to a watched table
        self.audited = False
        self.current = self.take()

    def take(self) -> Snapshot:
        rows: Snapshot = {}
        for model, owner in self.models:
            names = [
                f.attname for f in model._meta.concrete_fields if f.name not in UNWATCHED_FIELDS
            ]
            school = owner.school_path
            keys = [
                school or "pk",
                (f"{school}__bureau" if school != "pk" else "bureau") if school else "pk",
                owner.bureau_path or "pk",
            ]
            pk_at = names.index(model._meta.pk.attname)
            for values in model._base_manager.values_list(*keys, *names):
                school_id = values[0] if school else None
                # A school's row belongs to the school's bureau; any other to its own.
                if school_id is not None:
                    bureau_id = values[1]
                else:
                    bureau_id = values[2] if owner.bureau_path else None
                row = tuple(values[3:])
                rows[(model._meta.label, row[pk_at])] = (school_id, bureau_id, row)
        return rows

    @contextmanager
    def watching(self) -> Iterator[None]:
        def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            match = _WRITE.match(sql)
            if match:
                table = match.group(2).lower()
                if table in self.tables:
                    self.dirty = True
                    self.writes += 1
                elif table == AUDIT_TABLE and match.group(1).upper().startswith("INSERT"):
                    self.audited = True
            return execute(sql, params, many, context)

        with connection.execute_wrapper(wrapper):
            yield

    def changed(self) -> list[tuple[str, Any, Any, Any]]:
        """(model, pk, school id, bureau id) of every row added, removed or changed
        since the last look (a new look only after a write to a watched table)."""
        if not self.dirty:
            return []
        self.dirty = False
        before, after = self.current, self.take()
        self.current = after
        out = []
        for key in before.keys() | after.keys():
            old, new = before.get(key), after.get(key)
            if old != new:
                out += [(key[0], key[1], s[0], s[1]) for s in (old, new) if s is not None]
        return out


AUDIT_TABLE = AuditEvent._meta.db_table.lower()
_WRITE = re.compile(r'\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


def _party_of(obj: models.Model, cast: Cast) -> str | None:
    owner = _owner_paths(type(obj))
    row = type(obj)._base_manager.filter(pk=obj.pk)
    school_id = row.values_list(owner.school_path, flat=True).first() if owner.school_path else None
    bureau_id = row.values_list(owner.bureau_path, flat=True).first() if owner.bureau_path else None
    for party in parties(cast):
        if school_id is not None:
            if school_id == party.school.pk:
                return party.key
        elif party.bureau is not None and bureau_id == party.bureau.pk:
            return party.key
    return None


def _around(text: str, marker: str, width: int = 160) -> str:
    at = text.index(marker)
    return re.sub(r"\s+", " ", text[max(0, at - width) : at + len(marker) + 40])


# Forms and parameters ----------------------------------------------------------------


class _Forms(HTMLParser):
    """The fields of a page's POST forms that post to the page itself, as a browser
    would submit them (empty text fields filled in)."""

    def __init__(self, path: str) -> None:
        super().__init__(convert_charrefs=True)
        self.path = path
        self.values: dict[str, list[str]] = {}
        self.options: dict[str, list[str]] = {}  # unchecked checkboxes and radios
        self._in_form = False
        self._select: dict[str, Any] | None = None
        self._textarea: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            action = (a.get("action") or "").split("?")[0]
            post = (a.get("method") or "").lower() == "post"
            self._in_form = post and action in ("", self.path)
            return
        name = a.get("name")
        if not self._in_form:
            return
        if tag == "input" and name:
            self._input(name, (a.get("type") or "text").lower(), a)
        elif tag == "button" and name and name not in self.values:
            self.values[name] = [a.get("value") or ""]
        elif tag == "select" and name:
            self._select = {"name": name, "chosen": [], "first": None}
        elif tag == "option" and self._select is not None:
            value = a.get("value") or ""
            if value and self._select["first"] is None:
                self._select["first"] = value
            if "selected" in a:
                self._select["chosen"].append(value)
        elif tag == "textarea" and name:
            self._textarea = {"name": name, "text": ""}

    def _input(self, name: str, kind: str, a: dict[str, str | None]) -> None:
        value = a.get("value") or ""
        if kind in ("file", "reset", "image"):
            return
        if kind in ("checkbox", "radio"):
            self.options.setdefault(name, []).append(value or "on")
            if "checked" in a:
                self.values.setdefault(name, []).append(value or "on")
        elif kind in ("submit", "button"):
            self.values.setdefault(name, [value])
        else:
            self.values.setdefault(name, []).append(value or _filler(kind, name))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
        elif tag == "select" and self._select is not None:
            s, self._select = self._select, None
            chosen = [v for v in s["chosen"] if v]  # "---------" is no choice
            self.values.setdefault(s["name"], []).extend(
                chosen or ([s["first"]] if s["first"] else [])
            )
        elif tag == "textarea" and self._textarea is not None:
            t, self._textarea = self._textarea, None
            # A browser drops the newline that follows <textarea>.
            text = t["text"][1:] if t["text"].startswith("\n") else t["text"]
            self.values.setdefault(t["name"], []).append(text or "隔离检查")

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea["text"] += data

    def body(self) -> dict[str, list[str]]:
        out = dict(self.values)
        for name, choices in self.options.items():
            out.setdefault(name, choices[:1])
        return out


# Empty text fields whose name says what they hold, filled so that the form is valid.
NAMED_FILLERS = {
    "username": "isolation_check",
    "phone": "13800000000",
    "mobile": "13800000000",
    "identifier": "5109999999",
    "code": "999999",
    "year": "2026",
    "count": "1",
}


def _filler(kind: str, name: str = "") -> str:
    for word, value in NAMED_FILLERS.items():
        if word in name:
            return value
    return {
        "date": today().isoformat(),
        "month": today().strftime("%Y-%m"),
        "number": "1",
        "email": "isolation@example.com",
        "tel": "13800000000",
        "url": "https://example.com/",
        "password": "Isolation-check-1",
        "hidden": "",
    }.get(kind, "隔离检查")


def form_body(page: str, path: str) -> dict[str, list[str]]:
    """The fields a browser would post from ``page``'s forms to ``path``."""
    parser = _Forms(path)
    if not page.lstrip().startswith("<"):
        return {}
    parser.feed(page)
    return parser.body()


@contextmanager
def recording_params() -> Iterator[set[str]]:
    """Every key a view reads from ``request.GET`` / ``request.POST`` (any QueryDict)
    while inside: the filters and form fields it declares, however it parses them."""
    keys: set[str] = set()
    names = ("get", "__getitem__", "getlist", "__contains__")
    own = {n: MultiValueDict.__dict__.get(n) for n in names}
    inherited = {n: getattr(MultiValueDict, n) for n in names}

    def recorder(original: Callable[..., Any]) -> Callable[..., Any]:
        def read(self: Any, key: Any, *args: Any, **kwargs: Any) -> Any:
            if isinstance(self, QueryDict) and isinstance(key, str):
                keys.add(key)
            return original(self, key, *args, **kwargs)

        return read

    for n in names:
        setattr(MultiValueDict, n, recorder(inherited[n]))
    try:
        yield keys
    finally:
        for n in names:
            if own[n] is None:
                delattr(MultiValueDict, n)
            else:
                setattr(MultiValueDict, n, own[n])


def _target_of_param(name: str) -> str | None:
    base = name[:-3] if name.endswith("_id") else name
    for candidate in (f"{base}_id", PARAM_ALIASES.get(base)):
        if candidate is not None and candidate in TARGETS:
            return candidate
    return None


# The walk ----------------------------------------------------------------------------


@dataclass
class Walk:
    cast: Cast
    urlconf: str | None
    parties: tuple[Party, ...]
    objects: dict[str, dict[str, models.Model]]  # kwarg -> party key -> object
    rows: Rows
    failures: list[Failure] = field(default_factory=list)
    # (url, party key, role key) -> (status, marker seen) for the party's own bureau.
    own_answers: dict[tuple[str, str, tuple[str, str]], tuple[int, bool]] = field(
        default_factory=dict
    )
    filtered: set[tuple[str, tuple[Any, ...]]] = field(default_factory=set)
    posted: set[tuple[str, tuple[Any, ...]]] = field(default_factory=set)
    requests: int = 0
    # (viewer, method, url, data, status) of every request, when a list is given.
    trace: list[tuple[str, str, str, Any, int]] | None = None
    seconds: dict[str, float] = field(default_factory=dict)  # route name -> time spent

    def fail(self, route: str, viewer: Viewer | None, problem: str) -> None:
        self.failures.append(Failure(route, viewer.name if viewer else "-", problem))

    def party_value(self, name: str, party: Party) -> str | None:
        """The party's id for a parameter naming a target (``school``, ``township_id``,
        ``bureau``, ``schools``, …), else None."""
        kwarg = _target_of_param(name)
        if kwarg is None:
            return None
        obj = self.objects.get(kwarg, {}).get(party.key)
        if obj is None:  # e.g. school B's township: its school's own
            related = getattr(party.school, kwarg[:-3], None)
            obj = related if isinstance(related, models.Model) else None
        return str(obj.pk) if obj is not None else None


def prepare(cast: Cast, urlconf: str | None = None) -> Walk:
    """Make every target's object of every party, before any route is walked."""
    autodiscover_modules("tests.isolation_targets")
    every = parties(cast)
    objects: dict[str, dict[str, models.Model]] = {}
    unowned = []
    for kwarg, target in TARGETS.items():
        if target.make is not None:
            made = {p.key: target.make(cast, p) for p in every}
            objects[kwarg] = {k: obj for k, obj in made.items() if obj is not None}
            continue
        assert target.legacy is not None
        obj = target.legacy(cast)
        key = _party_of(obj, cast) if obj is not None else None
        objects[kwarg] = {key: obj} if key is not None and obj is not None else {}
        if key is None:
            unowned.append(Failure(kwarg, "-", f"{obj!r} belongs to none of {PARTY_KEYS}"))
    walk = Walk(cast=cast, urlconf=urlconf, parties=every, objects=objects, rows=Rows())
    walk.failures += unowned
    return walk


def check_isolation(cast: Cast, users: list[Any], urlconf: str | None = None) -> list[Failure]:
    """Walk every route of ``urlconf`` as each of ``users`` (see the module docstring).
    Photos are stored in a temporary MEDIA_ROOT for the walk."""
    with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media):
        walk = prepare(cast, urlconf)
        return run(walk, viewers_for(cast, users))


def run(walk: Walk, viewers: list[Viewer], shard: tuple[int, int] = (0, 1)) -> list[Failure]:
    """Walk the routes as each viewer. ``shard=(i, n)`` walks the i-th of n shares of
    the routes (by name), so that the walk can run as n tests side by side; every
    check compares answers within one route, so a share is checked as fully as the
    whole walk (the routes the check cannot interpret are failures of share 0)."""
    i, n = shard
    reported = len(walk.failures)
    routes = [r for r in _routes(walk) if _share(str(r.name), n) == i]
    if i != 0:
        del walk.failures[reported:]  # share 0 reports them
    # Every refusal is logged with its traceback by django.request: thousands of them.
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with walk.rows.watching():
            for viewer in viewers:
                viewer.client.force_login(viewer.user)
                walk.rows.dirty = True
                walk.rows.changed()  # the sign-in is not a request of the walk
                for route in routes:
                    started = time.perf_counter()
                    if route.id_kwargs:
                        _object_route(walk, viewer, route)
                    else:
                        _route_without_ids(walk, viewer, route)
                    name = str(route.name)
                    walk.seconds[name] = walk.seconds.get(name, 0.0) + (
                        time.perf_counter() - started
                    )
    finally:
        logger.setLevel(level)
    return walk.failures


def _share(name: str, n: int) -> int:
    """A route's share of n, stable across processes (``hash`` is salted)."""
    return zlib.crc32(name.encode()) % n


def _routes(walk: Walk) -> list[Route]:
    """The routes to walk; the ones the check cannot interpret are failures."""
    out = []
    for route in iter_routes(walk.urlconf):
        label = route.name or route.pattern
        if route.name in SKIP_ROUTE_NAMES:
            continue
        if route.name is None:
            walk.fail(route.pattern, None, "route has no name; name it so it can be checked")
            continue
        unknown = [k for k in route.id_kwargs if k not in TARGETS] + [
            k for k in route.kwargs if not k.endswith("_id") and k not in SAMPLE_VALUES
        ]
        if unknown:
            walk.fail(
                label,
                None,
                f"kwargs {unknown} unknown to the isolation check: "
                "name ids <model>_id and register a target",
            )
            continue
        if not route.id_kwargs and route.name not in LISTINGS | ROWLESS_ROUTES.keys():
            walk.fail(
                label,
                None,
                "a route without ids must say what it lists (register_target(..., "
                "listed_by=...) or register_listing) or that it shows no rows "
                "(register_rowless_route)",
            )
            continue
        out.append(route)
    return out


def _url(walk: Walk, route: Route, ids: dict[str, Any]) -> str:
    kwargs = {k: sample_value(k) for k in route.kwargs if k not in ids} | ids
    return reverse(str(route.name), kwargs=kwargs, urlconf=walk.urlconf)


def _request(
    walk: Walk, viewer: Viewer, label: str, method: str, url: str, data: Any = None
) -> tuple[Any, str]:
    """One request, and the checks that hold for every answer: no 5xx, no marker of a
    hidden party, no row changed that the viewer may not write, still signed in.

    A POST runs in a savepoint rolled back after the checks: what one viewer writes
    (its own rows included, deletions too) never changes what the next one meets."""
    walk.requests += 1
    shown = f"{method.upper()} {url}" + (f" {str(data)[:300]}" if data else "")
    if method != "post":
        return _checked(walk, viewer, label, method, url, data, shown)
    session = viewer.client.cookies.get(settings.SESSION_COOKIE_NAME)
    writes = walk.rows.writes
    with transaction.atomic():
        answer = _checked(walk, viewer, label, method, url, data, shown)
        transaction.set_rollback(True)
    if walk.rows.writes != writes:
        walk.rows.current = walk.rows.take()
    if viewer.client.cookies.get(settings.SESSION_COOKIE_NAME) != session:
        viewer.client.force_login(viewer.user)  # its session was rolled back too
    return answer


def _checked(
    walk: Walk, viewer: Viewer, label: str, method: str, url: str, data: Any, shown: str
) -> tuple[Any, str]:
    try:
        response = getattr(viewer.client, method)(url, data or {})
    except Exception as exc:  # a server error in production
        walk.fail(label, viewer, f"{shown} raised {exc!r}")
        walk.rows.changed()
        return None, ""
    text = response_text(response)
    if walk.trace is not None:
        walk.trace.append((viewer.name, method, url, data, response.status_code))
    status = response.status_code
    if status >= 500:
        walk.fail(label, viewer, f"{shown} answered {status}")
    if status in (301, 302) and response["Location"].startswith(resolve_url(settings.LOGIN_URL)):
        walk.fail(label, viewer, f"{shown} was sent to sign in: the rest of its walk is void")
    leaked = [p.marker for p in _hidden_on(label, viewer, walk.parties) if p.marker in text]
    if leaked:
        # Where each marker sits on the page: enough to tell which column leaked.
        where = [_around(text, m) for m in leaked]
        walk.fail(label, viewer, f"{shown} leaked {leaked} in {where}")
    _check_rows(walk, viewer, label, shown)
    location = response.get("Location", "") if status in (301, 302) else ""
    if method == "get" and not data and location.startswith(url.split("?")[0] + "?"):
        # A list that opens on its default filter (core.listing.needs_defaults) sends
        # a bare visit to itself with that filter: walk the list it opens on.
        return _checked(walk, viewer, label, "get", location, None, f"GET {location}")
    return response, text


# The audit administrator reads no school's records, but its bureau's audit log names
# the objects of every school of the bureau: reviewing them is the role (三员分立).
AUDIT_LOG_ROUTES = frozenset({"audit:event-list"})


def _hidden_on(label: str, viewer: Viewer, parties: Iterable[Party]) -> list[Party]:
    """The parties whose marker must not appear on the answer of route ``label``."""
    hidden = viewer.with_relation(parties, HIDDEN)
    if label in AUDIT_LOG_ROUTES and str(viewer.user.role) == "auditor":
        return [p for p in hidden if p.school_bureau.pk != viewer.user.bureau_id]
    return hidden


def _check_rows(walk: Walk, viewer: Viewer, label: str, shown: str) -> None:
    changed = walk.rows.changed()
    if not changed:
        return
    schools = {p.school.pk for p in walk.parties if viewer.relations[p.key] != OWN}
    c = walk.cast
    bureaus = {
        b.pk for b in (c.province, c.city, c.other_city, c.bureau, c.sibling_bureau, c.other_bureau)
    } - {viewer.user.bureau_id}
    touched = sorted(
        {
            f"{model}#{pk}"
            for model, pk, school_id, bureau_id in changed
            if school_id in schools or bureau_id in bureaus
        }
    )
    if touched:
        walk.fail(label, viewer, f"{shown} changed rows it may not write: {touched}")


# Object routes


def _object_route(walk: Walk, viewer: Viewer, route: Route) -> None:
    refused: set[str] = set()  # methods the route answered 405 (the same for every id)
    for party in viewer.probed(walk.parties):
        ids: dict[str, Any] = {}
        for kwarg in route.id_kwargs:
            obj = walk.objects[kwarg].get(party.key)
            if obj is None:
                break
            ids[kwarg] = obj.pk
        else:
            url = _url(walk, route, ids)
            rel = viewer.relations[party.key]
            if rel == HIDDEN:
                _hidden_object(walk, viewer, str(route.name), url, party, refused)
            else:
                _subtree_object(walk, viewer, route, url, party, refused)


def _hidden_object(
    walk: Walk, viewer: Viewer, label: str, url: str, party: Party, refused: set[str]
) -> None:
    for method, data in (("get", None), ("post", _forged_body(walk, party, {}))):
        if method in refused:
            continue
        walk.rows.audited = False
        response, _ = _request(walk, viewer, label, method, url, data)
        if response is None:
            continue
        status = response.status_code
        if status == 405:
            refused.add(method)
        elif status not in (403, 404):
            walk.fail(label, viewer, f"{method.upper()} {url} ({party.key}) answered {status}")
        elif not walk.rows.audited:
            walk.fail(label, viewer, f"{method.upper()} {url} denied without an audit event")


def _subtree_object(
    walk: Walk, viewer: Viewer, route: Route, url: str, party: Party, refused: set[str]
) -> None:
    """The converse: a bureau reads its subtree's rows and writes only its own; and
    its own rows' forms do not take a school or bureau it hides."""
    label = str(route.name)
    rel = viewer.relations[party.key]
    readers = set.intersection(*(set(TARGETS[k].readers) for k in route.id_kwargs))
    reads = str(viewer.user.role) in readers
    page = ""
    if "get" not in refused:
        response, text = _request(walk, viewer, label, "get", url)
        if response is None:
            return
        status = response.status_code
        if status == 405:
            refused.add("get")
        if reads and status == 404:
            walk.fail(label, viewer, f"GET {url} ({party.key}, below it) answered 404")
        own = walk.own_answers.get((url, party.key, viewer.role_key))
        if rel == OWN:
            walk.own_answers[(url, party.key, viewer.role_key)] = (status, party.marker in text)
        elif reads and route.is_read and own is not None and own[0] == 200 and status != 200:
            walk.fail(
                label,
                viewer,
                f"GET {url} ({party.key}, below it) answered {status} where the party's "
                f"own {viewer.role_key[0]} reads it",
            )
        page = text if status == 200 else ""
    if "post" in refused or (rel == OWN and route.is_read):
        return
    # A row of its own bureau: the viewer may change it, not move it to a school or
    # bureau it hides. Any other: its ids, which the viewer may not write.
    hidden = viewer.with_relation(walk.parties, HIDDEN)
    forged = hidden[0] if rel == OWN and hidden else party
    if rel == OWN and not hidden:
        return
    body = _forged_body(walk, forged, form_body(page, url))
    response, _ = _request(walk, viewer, label, "post", url, body)
    if response is not None and response.status_code == 405:
        refused.add("post")


def _forged_body(
    walk: Walk, party: Party, form: dict[str, list[str]], names: Iterable[str] = ()
) -> dict[str, list[str]]:
    """The form as the page offers it, with every id-like field pointing at ``party``."""
    body = {k: v for k, v in form.items() if k not in IGNORED_PARAMS or k == "version"}
    for name in {*FORGED_FIELDS, *form, *names} - IGNORED_PARAMS:
        value = walk.party_value(name, party)
        if value is not None:
            body[name] = [value]
        elif name not in body:
            body[name] = ["隔离检查"]
    return body


# Routes without ids


def _route_without_ids(walk: Walk, viewer: Viewer, route: Route) -> None:
    label = str(route.name)
    url = _url(walk, route, {})
    listed = [TARGETS[k] for k in sorted(LISTINGS.get(label, ())) if k in TARGETS]
    hidden = viewer.with_relation(walk.parties, HIDDEN)
    for target in listed:
        for party in hidden:
            obj = walk.objects[target.kwarg].get(party.key)
            if obj is not None and not type(obj)._base_manager.filter(pk=obj.pk).exists():
                walk.fail(
                    label,
                    viewer,
                    f"GET {url} ran with no row of {party.key} for {target.kwarg}: "
                    "a request before it removed the row",
                )
    with recording_params() as read_on_get:
        response, text = _request(walk, viewer, label, "get", url)
    if response is None:
        return
    status = response.status_code
    _check_listing(walk, viewer, label, url, listed, status, text)
    # Every parameter the view reads, pointed at a hidden party (the parties taking
    # turns); once per route and level of the tree (school-side accounts, counties,
    # cities): a filter that goes round the door does so for every account of a level.
    once = (label, viewer.level)
    if status == 200 and hidden and once not in walk.filtered:
        walk.filtered.add(once)
        for i, name in enumerate(sorted(read_on_get - IGNORED_PARAMS)):
            turn = hidden[i % len(hidden) :] + hidden[: i % len(hidden)]
            tried = [(p, walk.party_value(name, p)) for p in turn]
            party, value = next(((p, v) for p, v in tried if v is not None), (turn[0], None))
            # A text filter searches for the marker, one character short: a page that
            # repeats the search term is not taken for a leak.
            _request(walk, viewer, label, "get", url, {name: value or party.marker[:-1]})
    # POST: the page's form as a browser would send it, every id pointed elsewhere. A
    # page without a form of its own is posted to once per level, to find a view that
    # reads posted fields all the same.
    form = form_body(text, url) if status == 200 else {}
    if status == 200 and not form:
        if once in walk.posted:
            return
        walk.posted.add(once)
    with recording_params() as read_on_post:
        response, _ = _request(walk, viewer, label, "post", url)
    if response is None or response.status_code == 405:
        return
    if not form and not read_on_post - read_on_get - IGNORED_PARAMS:
        return  # no form and no posted field read: a page that answers POST like GET
    names = read_on_post | set(form)
    for party in _forged_parties(viewer, walk.parties):
        _request(
            walk,
            viewer,
            label,
            "post",
            url,
            _forged_body(walk, party, form, names),
        )


def _forged_parties(viewer: Viewer, every: tuple[Party, ...]) -> list[Party]:
    """The nearest party the viewer hides, and the nearest it reads without owning (a
    higher bureau posting a county's ids)."""
    hidden = viewer.with_relation(every, HIDDEN)
    below = viewer.with_relation(every, READS)
    return hidden[:1] + below[:1]


def _check_listing(
    walk: Walk, viewer: Viewer, label: str, url: str, listed: list[Target], status: int, text: str
) -> None:
    """The converse on lists: a viewer whose role reads a target sees the rows of
    every party below it, wherever the party's own account of that role sees them."""
    role = str(viewer.user.role)
    for target in listed:
        if role not in target.readers:
            continue
        for party in walk.parties:
            rel = viewer.relations[party.key]
            if rel == HIDDEN or party.key not in walk.objects[target.kwarg]:
                continue
            seen = party.marker in text
            key = (url, party.key, viewer.role_key)
            if rel == OWN:
                walk.own_answers[key] = (status, seen)
                continue
            own = walk.own_answers.get(key)
            if own is not None and not own[1]:
                continue  # the party's own bureau does not see it here either
            if status == 200 and not seen:
                walk.fail(
                    label,
                    viewer,
                    f"GET {url} does not list {party.key}'s {target.kwarg} rows, "
                    "which are below it",
                )
            elif status != 200 and own is not None:
                walk.fail(
                    label,
                    viewer,
                    f"GET {url} answered {status} where the party's own "
                    f"{viewer.role_key[0]} lists its {target.kwarg} rows",
                )
