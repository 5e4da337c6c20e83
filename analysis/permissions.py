"""Who sees the analysis and who acts on it."""

from __future__ import annotations

from liaison.permissions import sees_everything


def can_view_analysis(user) -> bool:
    """Leaders, task-force staff and administrators: the problems across the whole campaign."""
    return bool(user.is_authenticated and sees_everything(user))


def can_act_on_clusters(user) -> bool:
    """Task-force staff (and administrators): name clusters, make countermeasures and draft policies."""
    return bool(user.is_authenticated and user.is_taskforce)


def can_view_reports(user) -> bool:
    """The analysis report: leaders, task-force staff and administrators read it."""
    return can_view_analysis(user)


def can_write_reports(user) -> bool:
    """Task-force staff and administrators draft, edit and publish the analysis report."""
    return bool(user.is_authenticated and user.is_taskforce)
