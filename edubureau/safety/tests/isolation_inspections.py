"""Isolation-check targets for the inspections routes (see edubureau/testing/isolation.py)."""
