"""Isolation-check targets for the dashboard routes (see edubureau/testing/isolation.py)."""
