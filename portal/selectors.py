"""Reads of the enterprise pages, each scoped to the signed-in contact's one enterprise."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from appeals.models import Appeal, AppealEvent, EventKind, Feedback, Status
from enterprises.models import Enterprise
from liaison.models import Assignment, Cadre
from policies import eligibility
from policies import selectors as policy_selectors
from policies.models import Delivery, DeliveryStatus
from portal.models import ContactAccess, EnterpriseContact, EnterpriseNotice

# The steps of a timeline an enterprise sees. Reminders, supervision notices, feedback links, recounts and
# category changes are the government's own business; no event's comment is shown but the resolution
# (already sent to the enterprise with the feedback link) and the enterprise's own words.
PUBLIC_KINDS = (
    EventKind.RAISED,
    EventKind.ESCALATED,
    EventKind.RETURNED,
    EventKind.ASSIGNED,
    EventKind.SUSPENDED,
    EventKind.RESUMED,
    EventKind.RESOLVED,
    EventKind.FEEDBACK,
    EventKind.REOPENED,
    EventKind.WITHDRAWN,
    EventKind.OUT_OF_SCOPE,
)
# Whose words the comment is: shown to the enterprise (the raised event's is their description, the
# feedback's their own comment, the resolution the handler's answer to them).
PUBLIC_COMMENT_KINDS = (EventKind.RAISED, EventKind.RESOLVED, EventKind.FEEDBACK)


def paired_cadre(enterprise: Enterprise) -> Cadre | None:
    """The enterprise's cadre now, with their unit."""
    pairing = (
        Assignment.objects.active().filter(enterprise=enterprise).select_related("cadre__unit").first()
    )
    return pairing.cadre if pairing else None


def contact_appeals(*, contact: EnterpriseContact) -> QuerySet[Appeal]:
    return (
        Appeal.objects.filter(enterprise_id=contact.enterprise_id)
        .select_related("category", "handler_cadre", "handler_unit")
        .order_by("-raised_at", "-id")
    )


def contact_appeal(*, contact: EnterpriseContact, pk: int) -> Appeal:
    """One of the contact's enterprise's appeals; 404 for any other (the same answer as a missing one)."""
    return get_object_or_404(contact_appeals(contact=contact), pk=pk)


@dataclass
class PublicStep:
    kind: str
    label: str
    at: object
    text: str
    handler: str
    status: str


def public_timeline(appeal: Appeal) -> list[PublicStep]:
    """The appeal's timeline as the enterprise sees it: public steps, no staff names but the handler's."""
    steps = []
    for event in AppealEvent.objects.filter(appeal=appeal, kind__in=PUBLIC_KINDS).order_by("seq"):
        text = event.comment if event.kind in PUBLIC_COMMENT_KINDS else ""
        if event.kind == EventKind.FEEDBACK:
            verdict = event.data.get("verdict", "")
            label = Feedback(verdict).label if verdict in Feedback.values else ""
            text = f"{label}{'：' + event.comment if event.comment else ''}"
        handler = event.to_handler if event.kind in (
            EventKind.RAISED, EventKind.ESCALATED, EventKind.RETURNED, EventKind.ASSIGNED, EventKind.REOPENED
        ) else ""
        steps.append(PublicStep(kind=event.kind, label=event.get_kind_display(), at=event.at, text=text,
                                handler=handler, status=event.get_to_status_display() if event.to_status else ""))
    return steps


def awaiting_verdict(appeal: Appeal) -> bool:
    return appeal.status == Status.RESOLVED


@dataclass
class PolicyForContact:
    policy: object
    verdict: object


def contact_policies(*, contact: EnterpriseContact) -> list[PolicyForContact]:
    """Measures in force the enterprise is eligible for, each with the explanation of why."""
    enterprise = Enterprise.objects.select_related("street").get(pk=contact.enterprise_id)
    rows = []
    for policy in policy_selectors.policies_in_force_with_rules():
        verdict = eligibility.explain(policy, enterprise)
        if verdict.eligible:
            rows.append(PolicyForContact(policy=policy, verdict=verdict))
    return rows


def contact_deliveries(*, contact: EnterpriseContact) -> list[Delivery]:
    """No-application benefits (免申即享) brought to the enterprise, or on their way (declined ones left out)."""
    return list(
        Delivery.objects.filter(enterprise_id=contact.enterprise_id)
        .exclude(status=DeliveryStatus.DECLINED)
        .select_related("policy")
        .order_by("-updated_at", "-id")
    )


def contact_notices(*, contact: EnterpriseContact, limit: int = 20) -> list[EnterpriseNotice]:
    return list(EnterpriseNotice.objects.filter(enterprise_id=contact.enterprise_id)[:limit])


def enterprise_contacts(*, enterprise: Enterprise) -> list[EnterpriseContact]:
    return list(
        EnterpriseContact.objects.filter(enterprise=enterprise).select_related("issued_by", "revoked_by")
    )


def enterprise_accesses(*, enterprise: Enterprise, limit: int = 30) -> list[ContactAccess]:
    """The latest rows of the enterprise's access log (sign-ins, pages, appeals, verdicts, cards issued)."""
    return list(
        ContactAccess.objects.filter(enterprise=enterprise).select_related("contact", "user")[:limit]
    )


def no_cadre_text() -> str:
    return _("No cadre is paired with your enterprise at the moment; the task force handles your appeals.")
