"""Who on the staff side may issue, see and revoke an enterprise's contact cards."""

from __future__ import annotations

from typing import TYPE_CHECKING

from liaison.models import Assignment, Role

if TYPE_CHECKING:
    from enterprises.models import Enterprise
    from liaison.models import User


def can_issue_contact(user: User, enterprise: Enterprise) -> bool:
    """The enterprise's paired cadre, the handler of that cadre's unit, and task-force staff."""
    if not user.is_authenticated:
        return False
    if user.is_taskforce:
        return True
    pairing = Assignment.objects.active().filter(enterprise=enterprise).select_related("cadre").first()
    if pairing is None:
        return False
    if pairing.cadre.user_id == user.pk:
        return True
    if user.role == Role.UNIT_HANDLER:
        from liaison.permissions import handled_unit_id

        return handled_unit_id(user) == pairing.cadre.unit_id
    return False


def can_view_contacts(user: User, enterprise: Enterprise) -> bool:
    """Who may issue a card, and leaders (read only): the contacts and their access log."""
    return user.is_authenticated and (user.sees_everything or can_issue_contact(user, enterprise))
