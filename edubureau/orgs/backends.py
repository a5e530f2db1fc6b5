"""The authentication backend: Django's, with the account's bureau and school read in
the same query as the account itself on every request (the middleware reads the
bureau's second-factor rule, and most pages name the bureau or the school)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from edubureau.orgs.models import User


class AccountBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        user = User._default_manager.select_related("bureau", "school").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
