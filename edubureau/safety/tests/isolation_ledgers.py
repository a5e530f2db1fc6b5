"""Isolation-check targets for the ledgers routes (see edubureau/testing/isolation.py)."""
