"""Isolation-check targets for the stats routes (see edubureau/testing/isolation.py):
each party's school has a submitted return of the current census year, listed on the
returns list; the school's name carries the party's marker, and so does an
explanation."""

from __future__ import annotations

from decimal import Decimal

from edubureau.stats.models import (
    LocalTarget,
    ReturnImport,
    ReturnStatus,
    StatReturn,
    TargetKind,
)
from edubureau.stats.tests.factories import StatReturnFactory
from edubureau.stats.tests.factories_returns import census_year, file_return
from edubureau.testing.cast import Cast
from edubureau.testing.isolation import Party, register_rowless_route, register_target


def _return(cast: Cast, party: Party) -> StatReturn:
    existing = StatReturn.objects.filter(school=party.school).first()
    if existing is not None:
        return existing
    return StatReturnFactory.create(
        school=party.school,
        status=ReturnStatus.SUBMITTED,
        explanations={"change.primary.enrolled": party.marker},
    )


register_target("return_id", _return, listed_by=("stats:return-list",))


def _counted_return(cast: Cast, party: Party) -> StatReturn:
    """Each party's school's accepted return of last census year: figures that count,
    so the dashboard's drill-down lists the school (by its marked name) by default (it
    opens on the latest year with counted returns)."""
    year = census_year() - 1
    existing = StatReturn.objects.filter(school=party.school, school_year__start_year=year).first()
    if existing is not None:
        return existing
    return file_return(party.school, year, {"primary.enrolled": 100, "primary.grade1": 20})


register_target("statreturn_id", _counted_return, listed_by=("stats:dashboard-schools",))
register_rowless_route(
    "stats:dashboard",
    "figures of the scope's counted returns, grouped by the townships, child bureaus or "
    "kinds of its schools; the schools themselves are listed by stats:dashboard-schools",
)


def _local_target(cast: Cast, party: Party) -> LocalTarget | None:
    """A bureau's own target: the sibling county's and the other city's county's carry
    their marker; the city's does not — it is handed down to 甲县 and read there by
    design (a target applies below the bureau that set it). School B has no bureau of
    its own (its bureau is school A's, whose targets every account of 甲县 reads)."""
    if party.bureau is None:
        return None
    label = "全市2025目标" if party.bureau == cast.city else f"{party.marker}2025目标"
    row, _ = LocalTarget.objects.get_or_create(
        bureau=party.bureau,
        indicator="consolidation_9",
        kind=TargetKind.LOCAL,
        year=2025,
        defaults={"value": Decimal("96.50"), "label": label},
    )
    return row


register_target("target_id", _local_target, listed_by=("stats:targets",))
register_rowless_route(
    "stats:population",
    "the viewer's own bureau's population by age: figures only, never another bureau's",
)
register_rowless_route(
    "stats:return-chase", "an action: notifies the schools the user's department reviews"
)
register_rowless_route(
    "stats:return-start", "an action: opens the signed-in school user's own school's return"
)


def _import_batch(cast: Cast, party: Party) -> ReturnImport:
    """Each party's uploaded workbook: school B's own template (a school's batch), the
    other parties' bureau's workbook; the file's name and the summary's school carry
    the marker. Batches stay with their bureau (and school): no bureau above reads
    them."""
    existing = ReturnImport.objects.filter(filename__startswith=party.marker).first()
    if existing is not None:
        return existing
    school = party.school
    return ReturnImport.objects.create(
        bureau=party.school_bureau,
        school=school if party.bureau is None else None,
        year=census_year(),
        actor=cast.admin,
        filename=f"{party.marker}.xlsx",
        sha256="0" * 64,
        data=b"",
        summary={
            "counts": {"new": 1, "changed": 0, "unchanged": 0},
            "schools": [
                {
                    "id": school.pk,
                    "identifier": school.identifier,
                    "name": school.name,
                    "action": "new",
                    "status": "",
                    "version": "",
                    "changes": [],
                }
            ],
            "errors": [],
            "warnings": [],
        },
    )


register_target("batch_id", _import_batch, readers=())
register_rowless_route(
    "stats:import-template",
    "a download of the user's own school's template or its own bureau's schools it imports",
)
register_rowless_route("stats:import-upload", "a form: uploads into the user's own bureau")
