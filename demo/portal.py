"""The demo district's enterprise pages: the `cadre` login's enterprise has a contact with a service contact
card (its link is printed by seed_demo). No appeal is added: the demo's figures stay the campaign's 201."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import translation

from demo.district import Reporter
from liaison.models import Assignment
from portal import services
from portal.models import ContactAccess, EnterpriseContact, EnterpriseNotice

CONTACT_NAME = "刘晓燕"
CONTACT_PHONE = "13904110000"


@dataclass
class DemoContact:
    name: str
    enterprise: str
    link: str
    code: str  # empty when the card was issued by an earlier run (only its digest is kept)


def demo_portal_build(*, reporter: Reporter | None = None) -> tuple[Counter, DemoContact | None]:
    """A card for a contact of the `cadre` login's enterprise, unless one is in force; returns what was created
    and the contact's sign-in link (with the code when the card was issued now)."""
    reporter = reporter or Reporter()
    made: Counter = Counter()
    pairing = (
        Assignment.objects.active().filter(cadre__user__username="cadre").select_related("cadre__user", "enterprise")
        .first()
    )
    if pairing is None:
        return made, None
    enterprise = pairing.enterprise
    contact = (
        EnterpriseContact.objects.filter(enterprise=enterprise, name=CONTACT_NAME, revoked_at__isnull=True)
        .order_by("-issued_at").first()
    )
    code = ""
    if contact is None or not contact.is_active:
        reporter.stage("  Enterprise contact and card")
        with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
            if contact is None:
                contact, code = services.contact_issue(enterprise=enterprise, name=CONTACT_NAME, phone=CONTACT_PHONE,
                                                       acting_user=pairing.cadre.user)
            else:  # the card of an earlier run has expired: a new one
                contact, code = services.contact_reissue(contact=contact, acting_user=pairing.cadre.user)
        made["enterprise contacts"] += 1
    return made, DemoContact(name=contact.name, enterprise=enterprise.name, link=services.contact_link(contact),
                             code=services.format_code(code) if code else "")


def demo_portal_delete(*, enterprise_ids: list[int], reporter: Reporter | None = None) -> Counter:
    """The demo enterprises' contacts, their access log and notices (they hold on to enterprises and users)."""
    reporter = reporter or Reporter()
    deleted: Counter = Counter()
    reporter.stage("Deleting the enterprise pages' contacts, access log and notices")
    deleted["contact accesses"] = ContactAccess.objects.filter(enterprise__in=enterprise_ids).delete()[0]
    deleted["enterprise notices"] = EnterpriseNotice.objects.filter(enterprise__in=enterprise_ids).delete()[0]
    deleted["enterprise contacts"] = EnterpriseContact.objects.filter(enterprise__in=enterprise_ids).delete()[0]
    return deleted
