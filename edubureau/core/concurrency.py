"""Optimistic concurrency for edit forms: the form carries the version the editor
loaded; the service refuses the save if the row has moved on since, or if the
form came back without the version (a save that cannot prove it saw the latest
row is refused like a stale one, never let through)."""

from __future__ import annotations

import enum
from typing import Any, Final, TypeAlias

from django.db import models

from edubureau.core import hooks


class EditConflict(Exception):
    """Someone else saved the record after this editor loaded it."""


class _Unchecked(enum.Enum):
    UNCHECKED = "unchecked"


UNCHECKED: Final = _Unchecked.UNCHECKED
"""For callers with no editor behind them (a data load, a scheduled job, a test
building its fixtures): there is no loaded version to compare. Services default
to it; views always pass what the form sent, "" or None included."""

LoadedVersion: TypeAlias = str | _Unchecked | None


def version_token(obj: Any) -> str:
    """The row's version as text: its ``updated_at`` timestamp."""
    return obj.updated_at.isoformat() if obj.updated_at else ""


def ensure_unchanged(current: Any, loaded_token: LoadedVersion, *, what: str = "该记录") -> None:
    if loaded_token is UNCHECKED:
        return
    if not loaded_token:
        raise EditConflict(
            f"{what}的编辑页面缺少版本信息，无法确认是否已被他人修改，"
            "请刷新页面查看最新内容后重新编辑。"
        )
    if version_token(current) != loaded_token:
        # The other person's change is named, so the editor knows what to look for.
        last = hooks.last_change(current) if isinstance(current, models.Model) else ""
        raise EditConflict(f"{what}已被他人修改，请刷新页面查看最新内容后重新编辑。{last}")
