"""DRF permission classes: login and role only, plus the object rules of liaison.permissions.

What a user may *see* is decided by the selectors (a row outside the viewer's scope is a 404);
the object checks below repeat the named rules of liaison.permissions as a second line. What a
user may *change* on a visit is the service's decision too; checking it here first only spares
a non-owner a validation error before the refusal.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from enterprises.models import Enterprise
from liaison import permissions
from liaison.models import Assignment, Cadre, Visit


def _signed_in(request) -> bool:
    return bool(request.user and request.user.is_authenticated)


class RosterManagerOrReadOnly(BasePermission):
    """Everyone signed in reads; only task-force staff write units, cadres, enterprises and pairings."""

    message = _("Only task-force staff can change the roster.")

    def has_permission(self, request, view) -> bool:
        if not _signed_in(request):
            return False
        return request.method in SAFE_METHODS or permissions.can_manage_roster(request.user)


class CanViewObject(BasePermission):
    """The named view rule for the object's kind; units are visible to all signed-in users."""

    message = _("You cannot see this record.")

    def has_object_permission(self, request, view, obj) -> bool:
        user = request.user
        if isinstance(obj, Cadre):
            return permissions.can_view_cadre(user, obj)
        if isinstance(obj, Enterprise):
            return permissions.can_view_enterprise(user, obj)
        if isinstance(obj, Assignment):
            return permissions.can_view_cadre(user, obj.cadre)
        if isinstance(obj, Visit):
            return permissions.can_view_visit(user, obj)
        return _signed_in(request)


class VisitOwnerOrReadOnly(BasePermission):
    """Only the visit's own cadre changes it (or adds attachments to it)."""

    message = _("Only the cadre who made this visit can change it.")

    def has_object_permission(self, request, view, obj) -> bool:
        return request.method in SAFE_METHODS or permissions.can_edit_visit(request.user, obj)
