"""DRF permission classes for the appeals API: login and role only.

Which appeals a user sees is the selectors' decision (outside the scope is a 404); whether they
may make a move is the service's (appeals.permissions, through TRANSITIONS). The classes below
only turn away, up front, roles that can never make the move, so that they get a 403 whatever
the appeal's state.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from liaison.models import Role


def _signed_in(request) -> bool:
    return bool(request.user and request.user.is_authenticated)


class LeadersOnlyRead(BasePermission):
    """Leaders follow appeals but make no move on them (appeals.permissions.acting_capacity).

    Raising stays with the service: it alone knows whether the user is the enterprise's paired cadre.
    """

    message = _("Leaders follow appeals; they do not act on them.")

    def has_permission(self, request, view) -> bool:
        if not _signed_in(request):
            return False
        if request.method in SAFE_METHODS or getattr(view, "action", None) == "create":
            return True
        return request.user.role != Role.LEADER


class TaskforceOnly(BasePermission):
    message = _("Only task-force staff assign appeals.")

    def has_permission(self, request, view) -> bool:
        return _signed_in(request) and request.user.is_taskforce


class SeesAppealMetrics(BasePermission):
    """Leaders, task-force staff and administrators see every figure; a unit handler their own unit's."""

    message = _("Only leaders, task-force staff and unit handlers see the appeal figures.")

    def has_permission(self, request, view) -> bool:
        if not _signed_in(request):
            return False
        return request.user.sees_everything or request.user.role == Role.UNIT_HANDLER
