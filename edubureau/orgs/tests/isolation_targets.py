"""Autodiscovered by the generic isolation check: the orgs routes' id kwargs that
``testing/isolation.py`` does not know itself."""

from edubureau.testing import isolation

# A bureau of another city (丙县): outside the subtree of every county and city account
# of the cast; the tree's administration pages (bureaus/<bureau_id>/…) must refuse it.
isolation.register_target("bureau_id", lambda c: c.other_bureau)
