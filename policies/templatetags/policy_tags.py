"""Policy cards shown on pages that belong to other apps (a cadre's home, an enterprise's page),
each a fixed, small number of queries whatever the size of the catalogue."""

from django import template

from policies import qr, selectors, services
from policies.models import DeliveryTracking

register = template.Library()

# Shown at once; the rest of the eligible policies fold away (a phone screen is short).
VISIBLE_POLICIES = 5


def _split(policies: list) -> dict:
    return {"policies": policies[:VISIBLE_POLICIES], "more_policies": policies[VISIBLE_POLICIES:]}


@register.inclusion_tag("policies/staff/_home_deliveries.html", takes_context=True)
def home_deliveries(context):
    """The cadre's benefits to deliver, with buttons to record progress (one query)."""
    request = context["request"]
    cadre = getattr(request.user, "cadre", None)
    deliveries = selectors.cadre_deliveries(cadre=cadre) if cadre is not None else []
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "deliveries": deliveries,
        "open_count": sum(1 for d in deliveries if d.status in DeliveryTracking.OPEN),
        "next": request.get_full_path(),
    }


@register.inclusion_tag("policies/staff/_eligible_card.html", takes_context=True)
def eligible_policies_card(context, enterprise, card_id: str = "eligible-policies"):
    """Policies in force the enterprise is eligible for, each linking to its explanation (three queries)."""
    data = {"request": context["request"], "enterprise": enterprise, "card_id": card_id}
    if enterprise is None:
        return data
    # The page may have loaded the policies in force already (the cadre's home does, for its visit form).
    data.update(_split(selectors.eligible_policies_for(enterprise, policies=context.get("policies_in_force"))))
    return data


@register.inclusion_tag("policies/staff/_badges.html")
def policy_badges(policy):
    return {"p": policy}


@register.simple_tag
def delivery_status_class(status: str) -> str:
    return {
        "pending": "text-bg-warning",
        "informed": "text-bg-info",
        "delivered": "text-bg-success",
        "declined": "text-bg-secondary",
    }.get(status, "text-bg-light")


@register.inclusion_tag("policies/staff/_qr_address.html", takes_context=True)
def qr_address_check(context):
    """On the staff pages QR codes are printed from: keep the address staff reach the portal at (for the
    handbook drawn in the background), and warn the task force when the codes would point to this computer."""
    request = context.get("request")
    if request is None:
        return {"show": False}
    qr.remember_staff_base_url(request)
    if not services.can_edit_policies(request.user):
        return {"show": False}
    base = qr.policy_qr_base_url(request)
    return {"show": qr.is_loopback(base), "base": base, "configured": bool(qr.configured_base_url())}
