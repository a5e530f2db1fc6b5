"""Autodiscovered by the generic isolation check (edubureau.testing.isolation)."""

from edubureau.notifications.testing import register_isolation_targets

register_isolation_targets()
