"""Autodiscovered by the generic isolation check: registers, for every id kwarg of
the safety routes, an object of school B (or another bureau) that school A must not reach."""

from edubureau.safety.tests import (  # noqa: F401  (imported for their registrations)
    isolation_dashboard,
    isolation_hazards,
    isolation_inspections,
    isolation_ledgers,
)
