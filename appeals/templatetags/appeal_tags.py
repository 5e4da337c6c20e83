"""Appeal cards shown on pages that belong to other apps (home, enterprise, visit), each a
fixed, small number of queries."""

from django import template
from django.db.models import F, Q

from appeals import selectors
from appeals.models import Status
from liaison.models import Role
from liaison.permissions import handled_unit_id

register = template.Library()

HOME_LIMIT = 10
ENTERPRISE_LIMIT = 20
# Open appeals, and resolved ones whose feedback the cadre still has to collect.
CADRE_STATUSES = (Status.HANDLING, Status.SUSPENDED, Status.RESOLVED)


@register.inclusion_tag("appeals/_home_card.html", takes_context=True)
def home_appeals(context):
    """A cadre's own open appeals with deadlines; queue counts for unit handlers, task force and leaders."""
    request = context["request"]
    user = request.user
    data = {"request": request, "user": user}
    cadre = getattr(user, "cadre", None)
    if cadre is not None:
        mine = selectors.appeal_list(viewer=user).filter(
            Q(cadre=cadre) | Q(raised_by=user) | Q(handler_cadre=cadre), status__in=CADRE_STATUSES
        )
        data["my_appeals"] = list(mine.order_by(F("deadline").asc(nulls_last=True), "-id")[: HOME_LIMIT + 1])
        data["more_appeals"] = len(data["my_appeals"]) > HOME_LIMIT
        data["my_appeals"] = data["my_appeals"][:HOME_LIMIT]
        data["cadre"] = cadre
        data["pairing"] = context.get("pairing")
    if user.role == Role.LEADER:
        data["queue_counts"] = selectors.queue_counts(selectors.appeal_list(viewer=user))
        data["queue_scope"] = "all"
    elif user.is_taskforce or handled_unit_id(user) is not None:
        data["queue_counts"] = selectors.queue_counts(selectors.my_queue(viewer=user))
        data["queue_scope"] = "mine"
    return data


@register.inclusion_tag("appeals/_enterprise_appeals.html", takes_context=True)
def enterprise_appeals(context, enterprise):
    """The enterprise's appeals the viewer may see, and a button to raise one."""
    from appeals.views import can_raise_for

    user = context["request"].user
    appeals = list(
        selectors.appeal_list(viewer=user).filter(enterprise=enterprise).order_by("-raised_at", "-id")[
            : ENTERPRISE_LIMIT + 1
        ]
    )
    return {
        "enterprise": enterprise,
        "appeals": appeals[:ENTERPRISE_LIMIT],
        "more": len(appeals) > ENTERPRISE_LIMIT,
        "can_raise": can_raise_for(user, enterprise),
    }


@register.simple_tag(takes_context=True)
def can_raise_from_visit(context, visit) -> bool:
    """Only the visit's own cadre, still paired with the enterprise, raises an appeal from it."""
    from appeals.views import can_raise_for

    user = context["request"].user
    return visit.cadre.user_id == user.pk and can_raise_for(user, visit.enterprise)
