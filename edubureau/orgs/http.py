"""Request typing for views behind ``login_required``."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from edubureau.orgs.models import Role, User

View = Callable[..., HttpResponse]


class AuthedRequest(HttpRequest):
    """A request that ``login_required`` (or the login middleware) let through: its
    user is an account, never ``AnonymousUser``. For type checking only: Django
    still passes a plain ``HttpRequest``."""

    user: User


def administrator_only(refusal: str) -> Callable[[View], View]:
    """Decorator: signed in, and an administrator; anyone else gets 403 (audited by
    handler403) with ``refusal`` as the reason."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: AuthedRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.user.role != Role.ADMINISTRATOR:
                raise PermissionDenied(refusal)
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator
