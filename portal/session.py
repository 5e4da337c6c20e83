"""A contact's sign-in lives in the session under its own key: Django's auth never sees it, so every staff
page answers a contact as it answers anyone not signed in."""

from __future__ import annotations

from functools import wraps

from django.shortcuts import redirect
from django.urls import reverse

from portal.models import EnterpriseContact
from portal.services import SignInRefused, contact_usable

SESSION_KEY = "portal_contact"


def sign_in(request, contact: EnterpriseContact) -> None:
    """Start a contact's session: a new session altogether, so no staff sign-in in this browser carries over."""
    request.session.flush()
    request.session[SESSION_KEY] = {"id": contact.pk, "secret": contact.secret}


def sign_out(request) -> None:
    request.session.flush()


def current_contact(request) -> EnterpriseContact | None:
    """The signed-in contact, if their card still holds (not revoked, expired or issued again)."""
    held = request.session.get(SESSION_KEY)
    if not isinstance(held, dict) or not isinstance(held.get("id"), int):
        return None
    contact = (
        EnterpriseContact.objects.select_related("enterprise", "issued_by").filter(pk=held["id"]).first()
    )
    try:
        return contact_usable(contact, held.get("secret", ""))
    except SignInRefused:
        request.session.pop(SESSION_KEY, None)
        return None


def contact_required(view):
    """The view gets `request.contact`; without a contact whose card holds, the code sign-in page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        contact = current_contact(request)
        if contact is None:
            return redirect(f"{reverse('portal-login')}?next={request.path}")
        request.contact = contact
        return view(request, *args, **kwargs)

    return wrapper
