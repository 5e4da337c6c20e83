"""Who may change meetings: task-force staff only. Everyone signed in reads them."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from liaison.models import User


def can_view_meetings(user: User) -> bool:
    return user.is_authenticated


def can_manage_meetings(user: User) -> bool:
    return user.is_authenticated and user.is_taskforce
