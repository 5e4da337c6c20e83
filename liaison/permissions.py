"""Who may see and change what. Views, the API, templates and services all call these.

Roles, from narrowest to widest view:
- cadre: their own pairings (current and past), their enterprises and their own visits;
- unit handler: everything about the cadres of their unit;
- leader: reads everything, changes nothing;
- task-force staff and administrators: everything.
Logging a visit is not a role but a fact: the user's cadre has an active pairing with the enterprise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from liaison.models import Assignment, Role

if TYPE_CHECKING:
    from enterprises.models import Enterprise
    from liaison.models import Cadre, User, Visit


def cadre_id_of(user: User) -> int | None:
    cadre = getattr(user, "cadre", None)
    return cadre.pk if cadre is not None else None


def handled_unit_id(user: User) -> int | None:
    """The unit a unit handler oversees: their assigned unit, else their own cadre's unit."""
    if user.role != Role.UNIT_HANDLER:
        return None
    if user.unit_id:
        return user.unit_id
    cadre = getattr(user, "cadre", None)
    return cadre.unit_id if cadre is not None else None


def sees_everything(user: User) -> bool:
    return user.is_authenticated and user.sees_everything


def can_manage_roster(user: User) -> bool:
    """Pair, re-pair, import and edit units, cadres and enterprises."""
    return user.is_authenticated and user.is_taskforce


def can_view_roster(user: User) -> bool:
    return user.is_authenticated and (user.sees_everything or handled_unit_id(user) is not None)


def can_view_cadre(user: User, cadre: Cadre) -> bool:
    if sees_everything(user):
        return True
    if cadre.user_id == user.pk:
        return True
    unit_id = handled_unit_id(user)
    return unit_id is not None and cadre.unit_id == unit_id


def can_view_enterprise(user: User, enterprise: Enterprise) -> bool:
    if sees_everything(user):
        return True
    pairings = Assignment.objects.filter(enterprise=enterprise)
    unit_id = handled_unit_id(user)
    if unit_id is not None and pairings.filter(cadre__unit_id=unit_id).exists():
        return True
    cadre_id = cadre_id_of(user)
    return cadre_id is not None and pairings.filter(cadre_id=cadre_id).exists()


def active_pairing_for(user: User, enterprise: Enterprise) -> Assignment | None:
    cadre_id = cadre_id_of(user)
    if cadre_id is None:
        return None
    return Assignment.objects.active().filter(cadre_id=cadre_id, cadre__active=True, enterprise=enterprise).first()


def can_log_visit(user: User, enterprise: Enterprise) -> bool:
    return user.is_authenticated and active_pairing_for(user, enterprise) is not None


def can_view_visit(user: User, visit: Visit) -> bool:
    if sees_everything(user):
        return True
    if visit.cadre.user_id == user.pk:
        return True
    unit_id = handled_unit_id(user)
    return unit_id is not None and visit.cadre.unit_id == unit_id


def can_edit_visit(user: User, visit: Visit) -> bool:
    """Only the cadre who made the visit corrects its record (administrators too)."""
    if not user.is_authenticated:
        return False
    return visit.cadre.user_id == user.pk or user.is_superuser or user.role == Role.ADMIN


def can_withdraw_visit(user: User, visit: Visit) -> bool:
    """A visit logged by mistake is withdrawn by its own cadre or by task-force staff and administrators."""
    if not user.is_authenticated:
        return False
    return visit.cadre.user_id == user.pk or can_manage_roster(user)
