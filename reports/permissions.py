"""Who sees the weekly dispatch, the monthly bulletin and the interview list, and who runs or records them."""

from __future__ import annotations

from liaison.models import User
from liaison.permissions import handled_unit_id


def can_view_dispatch(user: User) -> bool:
    """Task force and leaders see every unit's sheet; a unit handler sees their unit's."""
    return user.is_authenticated and (user.sees_everything or handled_unit_id(user) is not None)


def can_run_dispatch(user: User) -> bool:
    return user.is_authenticated and user.is_taskforce


def can_record_interview(user: User) -> bool:
    return user.is_authenticated and user.is_taskforce


def can_view_bulletin(user: User) -> bool:
    """The monthly bulletin is circulated in the district: task force, leaders, administrators and
    unit handlers read it; cadres do not."""
    return user.is_authenticated and (user.sees_everything or handled_unit_id(user) is not None)


def can_publish_bulletin(user: User) -> bool:
    """Publishing a month and issuing a correction are the task force's."""
    return user.is_authenticated and user.is_taskforce
