"""Autodiscovered by the generic isolation check (edubureau/testing/isolation.py)."""

from edubureau.testing.isolation import register_rowless_route

for _name in ("core:calendar", "core:calendar-year", "core:calendar-year-delete"):
    register_rowless_route(_name, "the working-day calendar, shared by every bureau")
