"""Autodiscovered by the generic isolation check (edubureau/testing/isolation.py): the
directory's targets, one object of each party of the cast, and what its routes list.

A township, a department, a bureau and a school year belong to a bureau, whose own
accounts all see them: school B's party has none (its bureau is school A's). Bureaus
and townships carry no marker in their names: the lists of their schools are checked
instead. Accounts and departments stay with their bureau: the bureaus above do not
list them (``readers=()``)."""

from __future__ import annotations

from datetime import date

from django.db import models

from edubureau.orgs.models import Bureau, Role, School, SchoolPosition, SchoolYear, Township, User
from edubureau.testing.cast import Cast
from edubureau.testing.dates import school_year_start, today
from edubureau.testing.isolation import (
    SCHOOL_B,
    Party,
    register_rowless_route,
    register_target,
)


def _school(cast: Cast, party: Party) -> School:
    return party.school


def _township(cast: Cast, party: Party) -> Township | None:
    township: Township | None = party.school.township  # a 市直 school has none
    return township if party.bureau is not None else None


def _department(cast: Cast, party: Party) -> models.Model | None:
    if party.bureau is None:
        return None
    return party.bureau.departments.get_or_create(
        code="isolation", defaults={"name": f"督导室{party.marker}"}
    )[0]


def _school_user(cast: Cast, party: Party) -> User:
    if party.key == SCHOOL_B:
        return cast.school_b_officer
    user, _ = User.objects.get_or_create(
        username=f"isolation_{party.key}",
        defaults={
            "bureau": party.school_bureau,
            "role": Role.SCHOOL_USER,
            "school": party.school,
            "school_position": SchoolPosition.SAFETY_OFFICER,
            "full_name": f"安全员{party.marker}",
        },
    )
    return user


def _bureau(cast: Cast, party: Party) -> Bureau | None:
    return party.bureau


def _school_year(cast: Cast, party: Party) -> SchoolYear | None:
    if party.bureau is None:
        return None
    start = school_year_start(today())
    return SchoolYear.objects.get_or_create(
        bureau=party.bureau,
        start_year=start,
        defaults={"starts_on": date(start, 9, 1), "ends_on": date(start + 1, 8, 31)},
    )[0]


register_target(
    "school_id",
    _school,
    listed_by=("orgs:school-list", "orgs:school-export", "api:school-list"),
)
register_target("township_id", _township, listed_by=("api:township-list",), readers=())
register_target(
    "department_id",
    _department,
    listed_by=("api:department-list", "orgs:department-list"),
    readers=(),
)
register_target("user_id", _school_user, listed_by=("orgs:user-list",), readers=())
# The administration of the tree (bureaus/<bureau_id>/…); list filters naming a bureau.
register_target("bureau_id", _bureau, listed_by=("orgs:bureau-list",), readers=())
# Forms and filters naming a school year.
register_target("schoolyear_id", _school_year, readers=())

for _name, _reason in {
    "home": "workbench counts, each linking to its list; an inspector's own schools",
    "login": "the sign-in form",
    "password-change": "the user's own password",
    "orgs:school-create": "a form",
    "orgs:school-import": "an upload form",
    "orgs:user-create": "a form",
    "orgs:user-bulk-create": "a form",
    "orgs:bureau-import": "an upload form",
    "orgs:bureau-import-template": "an empty workbook",
    "api:api-root": "links only",
    "api:api-me": "the user's own account",
    "api:api-token": "the sign-in for API tokens",
    "login-verify": "the sign-in's second step (TOTP)",
    "two-factor": "the user's own second factor",
    "two-factor-setup": "the user's own second factor: its QR code",
    "two-factor-disable": "an action on the user's own second factor",
    "orgs:two-factor-policy": "the administrator's own bureau's requirement, its accounts",
}.items():
    register_rowless_route(_name, _reason)
