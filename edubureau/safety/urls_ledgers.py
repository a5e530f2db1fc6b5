"""Ledger routes: the same six views for every ledger spec, plus the overview.

Names: ``safety:<key>-list`` (-create, -edit, -delete, -export, -import), e.g.
``safety:drill-list``; object ids are ``<model>_id`` (``drill_id``,
``responsibilityletter_id``), as the generic isolation check requires."""

from django.urls import URLPattern, path

from edubureau.safety.selectors.ledger_specs import LEDGERS, LedgerSpec
from edubureau.safety.views import ledgers as views


def _routes(spec: LedgerSpec) -> list[URLPattern]:
    base, key, ledger = f"ledgers/{spec.path}/", spec.key, {"ledger": spec.key}
    one = f"{base}<int:{spec.id_kwarg}>/"
    return [
        path(base, views.ledger_list, ledger, name=f"{key}-list"),
        path(f"{base}new/", views.ledger_create, ledger, name=f"{key}-create"),
        path(f"{base}export/", views.ledger_export, ledger, name=f"{key}-export"),
        path(f"{base}import/", views.ledger_import, ledger, name=f"{key}-import"),
        path(f"{one}edit/", views.ledger_edit, ledger, name=f"{key}-edit"),
        path(f"{one}delete/", views.ledger_delete, ledger, name=f"{key}-delete"),
    ]


urlpatterns = [
    path("ledgers/", views.ledger_home, name="ledger-home"),
    *(route for spec in LEDGERS.values() for route in _routes(spec)),
]
