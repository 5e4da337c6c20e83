"""Who sees which funnel and who marks a push."""

from __future__ import annotations

from liaison.models import Role, User
from liaison.permissions import cadre_id_of, handled_unit_id, sees_everything


def can_view_policy_funnel(user: User) -> bool:
    """A policy's funnel across every unit: task force, leaders and administrators."""
    return sees_everything(user)


def can_view_unit_funnel(user: User, unit_id: int) -> bool:
    """A unit's funnel: those who see everything, and the unit's own handler."""
    if not user.is_authenticated:
        return False
    return sees_everything(user) or handled_unit_id(user) == unit_id


def can_view_funnels(user: User) -> bool:
    """Some funnel page is open to the user (the navigation's link)."""
    return bool(user.is_authenticated and (sees_everything(user) or user.role == Role.UNIT_HANDLER))


def can_list_own_pushes(user: User) -> bool:
    """A cadre's list of policies to tell."""
    return bool(user.is_authenticated and cadre_id_of(user) is not None)
