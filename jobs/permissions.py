"""Who runs jobs and sees their runs: task-force staff and administrators."""

from __future__ import annotations

from liaison.models import User


def can_run_jobs(user: User) -> bool:
    return bool(user and user.is_authenticated and user.is_taskforce)


def can_view_jobs(user: User) -> bool:
    return can_run_jobs(user)
