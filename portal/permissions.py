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


def contact_rights(user: User, enterprise: Enterprise) -> tuple[bool, bool]:
    """(may see the contacts and their access log, may issue a card), the pairing read once: whoever
    may issue a card sees them, and so do leaders (read only)."""
    can_issue = can_issue_contact(user, enterprise)
    return can_issue or (user.is_authenticated and user.sees_everything), can_issue


def can_view_contacts(user: User, enterprise: Enterprise) -> bool:
    return contact_rights(user, enterprise)[0]
