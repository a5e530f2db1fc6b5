"""Login, logout and failed-login events. Auth events arrive as Django signals, so
this is the one place the audit log listens rather than being called."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from edubureau.audit.models import Action
from edubureau.audit.services import audit_log


@receiver(user_logged_in)
def on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_log(actor=user, action=Action.LOGIN, obj=None)


@receiver(user_logged_out)
def on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_log(actor=user, action=Action.LOGOUT)


@receiver(user_login_failed)
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username", ""))[:150]
    user = get_user_model()._default_manager.filter(username=username).first()
    # A failed second step (orgs.views_two_factor) names its own reason; a password
    # failure's credentials come from the login form and carry none.
    detail = str(credentials.get("reason") or "用户名或密码错误")[:200]
    audit_log(actor=user, actor_name=username, action=Action.LOGIN_FAILED, detail=detail)


@receiver(user_locked_out)
def on_locked_out(sender: Any, request: Any, username: str | None = None, **kwargs: Any) -> None:
    name = (username or "")[:150]
    user = get_user_model()._default_manager.filter(username=name).first()
    audit_log(
        actor=user, actor_name=name, action=Action.LOCKED_OUT, detail="连续登录失败，账号已锁定"
    )
