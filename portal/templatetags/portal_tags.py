"""The enterprise's contacts and their access log, on the staff's enterprise page."""

from django import template

from portal import selectors
from portal.permissions import contact_rights

register = template.Library()


@register.inclusion_tag("portal/_enterprise_contacts.html", takes_context=True)
def enterprise_contacts(context, enterprise):
    request = context["request"]
    user = request.user
    can_view, can_issue = contact_rights(user, enterprise)
    if not can_view:
        return {"show": False}
    return {
        "show": True,
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "enterprise": enterprise,
        "can_issue": can_issue,
        "contacts": selectors.enterprise_contacts(enterprise=enterprise),
        "accesses": selectors.enterprise_accesses(enterprise=enterprise),
    }
