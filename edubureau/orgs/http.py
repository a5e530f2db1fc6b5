"""Request typing for views behind ``login_required``."""

from __future__ import annotations

from django.http import HttpRequest

from edubureau.orgs.models import User


class AuthedRequest(HttpRequest):
    """A request that ``login_required`` (or the login middleware) let through: its
    user is an account, never ``AnonymousUser``. For type checking only: Django
    still passes a plain ``HttpRequest``."""

    user: User
