"""Who may see an appeal and who may act on it, including substitutes acting for someone away."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from appeals.models import Appeal, Tier
from liaison.models import Role, Substitution
from liaison.permissions import handled_unit_id
from liaison.selectors import today

if TYPE_CHECKING:
    from liaison.models import User

Rule = Callable[["User", Appeal], bool]


def principals_of(user: User) -> list[User]:
    """The users `user` stands in for today; asked once per user object (that is, per request)."""
    if not user.is_authenticated:
        return []
    day = today()
    cached = getattr(user, "_principals_cache", None)
    if cached is not None and cached[0] == day:
        return cached[1]
    principals = [
        s.principal
        for s in Substitution.objects.filter(substitute=user, starts_on__lte=day, ends_on__gte=day).select_related(
            "principal__cadre"
        )
    ]
    user._principals_cache = (day, principals)
    return principals


def handles_unit(user: User, unit_id: int | None) -> bool:
    return unit_id is not None and user.role == Role.UNIT_HANDLER and handled_unit_id(user) == unit_id


def _cadre_user_id(cadre) -> int | None:
    return cadre.user_id if cadre is not None else None


# --- Rules: each takes (user, appeal) and says whether that user, in their own right, may act --------


def owns_step(user: User, appeal: Appeal) -> bool:
    """The current handler: the cadre (tier 1), the unit's handlers (tier 2), the task force or the
    assigned group's handlers (tier 3)."""
    if appeal.tier == Tier.INDIVIDUAL:
        return _cadre_user_id(appeal.handler_cadre) == user.pk
    if appeal.tier == Tier.UNIT:
        return handles_unit(user, appeal.handler_unit_id)
    return user.is_taskforce or handles_unit(user, appeal.handler_unit_id)


def returns_step(user: User, appeal: Appeal) -> bool:
    """A unit handler sends an appeal back to the cadre; only the task force returns from tier 3."""
    if appeal.tier == Tier.UNIT:
        return handles_unit(user, appeal.handler_unit_id)
    return appeal.tier == Tier.TASKFORCE and user.is_taskforce


def is_taskforce(user: User, appeal: Appeal) -> bool:
    return user.is_taskforce


def recategorises(user: User, appeal: Appeal) -> bool:
    """The task force, or the handler of the unit the appeal counts for or of the unit holding it, may correct
    its category (a mis-filed appeal skews the figures by category)."""
    counted_unit_id = appeal.cadre.unit_id if appeal.cadre is not None else None
    return user.is_taskforce or handles_unit(user, counted_unit_id) or handles_unit(user, appeal.handler_unit_id)


def speaks_for_enterprise(user: User, appeal: Appeal) -> bool:
    """The enterprise's cadre records its verdict or withdrawal; the task force may too."""
    return user.is_taskforce or _cadre_user_id(appeal.cadre) == user.pk or appeal.raised_by_id == user.pk


def acting_capacity(user: User, appeal: Appeal, rule: Rule) -> tuple[bool, User | None]:
    """Whether `user` may act under `rule`, and for whom when as a substitute (else None)."""
    if not user.is_authenticated or user.role == Role.LEADER:
        return False, None
    if rule(user, appeal):
        return True, None
    for principal in principals_of(user):
        if rule(principal, appeal):
            return True, principal
    return False, None


def can_view_appeal(user: User, appeal: Appeal) -> bool:
    if not user.is_authenticated:
        return False
    if user.sees_everything:
        return True
    for who in [user, *principals_of(user)]:
        if who.pk in (appeal.raised_by_id, _cadre_user_id(appeal.cadre), _cadre_user_id(appeal.handler_cadre)):
            return True
        unit_id = handled_unit_id(who)
        if unit_id is not None and unit_id in (appeal.handler_unit_id, appeal.cadre.unit_id if appeal.cadre else None):
            return True
    return False
