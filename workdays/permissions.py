"""Who may read and change the working-day calendar."""

from __future__ import annotations

from typing import TYPE_CHECKING

from liaison import permissions

if TYPE_CHECKING:
    from liaison.models import User


def can_view_calendar(user: User) -> bool:
    """Task-force staff and leaders; a cadre or unit handler only meets the calendar through deadlines."""
    return permissions.sees_everything(user)


def can_manage_calendar(user: User) -> bool:
    """Entering the State Council's notice is task-force work, like the roster."""
    return permissions.can_manage_roster(user)
