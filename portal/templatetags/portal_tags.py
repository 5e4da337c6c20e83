"""The enterprise's contacts and their access log, on the staff's enterprise page."""

from django import template

from portal import selectors
from portal.permissions import can_issue_contact, can_view_contacts

register = template.Library()


@register.inclusion_tag("portal/_enterprise_contacts.html", takes_context=True)
def enterprise_contacts(context, enterprise):
    request = context["request"]
    user = request.user
    if not can_view_contacts(user, enterprise):
        return {"show": False}
    return {
        "show": True,
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "enterprise": enterprise,
        "can_issue": can_issue_contact(user, enterprise),
        "contacts": selectors.enterprise_contacts(enterprise=enterprise),
        "accesses": selectors.enterprise_accesses(enterprise=enterprise),
    }
