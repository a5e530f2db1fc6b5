from __future__ import annotations

import pytest
from django.test import Client

from edubureau.testing.cast import Cast, make_cast


@pytest.fixture
def cast(db: None) -> Cast:
    return make_cast()


@pytest.fixture
def client_for(client: Client):
    """``client_for(user)`` logs a fresh client in as ``user``."""

    def login(user) -> Client:
        c = Client()
        c.force_login(user)
        return c

    return login
