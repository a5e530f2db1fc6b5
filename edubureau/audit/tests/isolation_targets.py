"""Autodiscovered by the generic isolation check (edubureau/testing/isolation.py)."""

from edubureau.testing.isolation import register_rowless_route

# Its rows carry no marker of their own; a probe of another party's row is shown to
# the bureau that owns the row, and every page is checked for the markers it hides.
register_rowless_route("audit:event-list", "the bureau's own audit trail")
