"""Isolation-check targets for the hazards routes (see edubureau/testing/isolation.py)."""
