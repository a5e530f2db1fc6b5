"""Optimistic concurrency for edit forms: the form carries the version the editor
loaded; the service refuses the save if the row has moved on since."""

from __future__ import annotations

from typing import Any


class EditConflict(Exception):
    """Someone else saved the record after this editor loaded it."""


def version_token(obj: Any) -> str:
    """The row's version as text: its ``updated_at`` timestamp."""
    return obj.updated_at.isoformat() if obj.updated_at else ""


def ensure_unchanged(current: Any, loaded_token: str | None, *, what: str = "该记录") -> None:
    if loaded_token is not None and version_token(current) != loaded_token:
        raise EditConflict(f"{what}已被他人修改,请刷新页面查看最新内容后重新编辑。")
