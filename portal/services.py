"""Every write of the enterprise pages: contact cards (issue, issue again, revoke), a contact's sign-in
by link or code (with the code's lock-out), the access log, what a contact raises or answers through
the appeals service, and notices on an enterprise's page."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.lockout import client_ip
from appeals import services as appeal_services
from appeals.models import Appeal, AppealCategory, Urgency
from enterprises.models import Enterprise
from liaison.models import User
from policies.qr import policy_qr_base_url
from portal.models import AccessKind, ContactAccess, EnterpriseContact, EnterpriseNotice, code_digest, normalise_code
from portal.permissions import can_issue_contact

LINK_SALT = "portal.contact-link"
# No 0/O, 1/I/L: a code read off a card and typed on a phone.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8


class SignInRefused(ValidationError):
    """A link or code that signs no one in; `code` says why (invalid, expired, revoked, locked)."""


# --- The access log -------------------------------------------------------------------------------


def access_record(
    *,
    kind: str,
    contact: EnterpriseContact | None = None,
    enterprise: Enterprise | None = None,
    user: User | None = None,
    request=None,
    summary: str = "",
) -> ContactAccess:
    """Append one row of the access log (address and path from the request when there is one)."""
    if enterprise is None and contact is not None:
        enterprise = contact.enterprise
    return ContactAccess.objects.create(
        kind=kind,
        contact=contact,
        enterprise=enterprise,
        user=user if user is not None and user.is_authenticated else None,
        address=(client_ip(request) if request is not None else None) or None,
        path=(getattr(request, "path", "") or "")[:300],
        summary=summary[:300],
    )


# --- Cards ------------------------------------------------------------------------------------------


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """ABCD-2345: easier to read off a card."""
    code = normalise_code(code)
    return f"{code[:4]}-{code[4:]}"


def card_days(days: int | None) -> int:
    limit = settings.CONTACT_CARD_MAX_DAYS
    days = settings.CONTACT_CARD_DAYS if days is None else int(days)
    if not 1 <= days <= limit:
        raise ValidationError({"days": _("A card is valid for 1 to %(max)d days.") % {"max": limit}})
    return days


def _new_secret_and_code(contact: EnterpriseContact) -> str:
    """Give the contact a new secret and code (kept as its digest); returns the code, shown once."""
    contact.secret = secrets.token_urlsafe(24)
    for _attempt in range(5):
        code = _new_code()
        digest = code_digest(code)
        if not EnterpriseContact.objects.filter(code_digest=digest).exists():
            contact.code_digest = digest
            return code
    raise RuntimeError("no free contact code")  # 31^8 codes: never in practice


@transaction.atomic
def contact_issue(
    *, enterprise: Enterprise, name: str, phone: str = "", days: int | None = None, acting_user: User, request=None
) -> tuple[EnterpriseContact, str]:
    """A card for a person at the enterprise: returns the contact and the short code (not kept in clear)."""
    if not can_issue_contact(acting_user, enterprise):
        raise PermissionDenied(_("Only the enterprise's paired cadre, their unit or the task force issue its cards."))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the contact's name.")})
    now = timezone.now()
    contact = EnterpriseContact(
        enterprise=enterprise, name=name, phone=(phone or "").strip(), issued_by=acting_user, issued_at=now,
        expires_at=now + timedelta(days=card_days(days)),
    )
    code = _new_secret_and_code(contact)
    contact.full_clean()
    contact.save()
    access_record(kind=AccessKind.ISSUED, contact=contact, user=acting_user, request=request,
                  summary=_("Card for %(name)s, valid until %(date)s") % {
                      "name": contact.name, "date": timezone.localdate(contact.expires_at).isoformat()})
    return contact, code


def _locked_contact(contact: EnterpriseContact | int) -> EnterpriseContact:
    pk = contact.pk if isinstance(contact, EnterpriseContact) else contact
    return EnterpriseContact.objects.select_for_update().select_related("enterprise").get(pk=pk)


@transaction.atomic
def contact_reissue(
    *, contact: EnterpriseContact | int, days: int | None = None, acting_user: User, request=None
) -> tuple[EnterpriseContact, str]:
    """A new card for the same person (lost, or expired): the old link and code stop working at once."""
    contact = _locked_contact(contact)
    if not can_issue_contact(acting_user, contact.enterprise):
        raise PermissionDenied(_("Only the enterprise's paired cadre, their unit or the task force issue its cards."))
    if contact.is_revoked:
        raise ValidationError(_("This card was revoked; issue a new one."))
    now = timezone.now()
    code = _new_secret_and_code(contact)
    contact.issued_by, contact.issued_at = acting_user, now
    contact.expires_at = now + timedelta(days=card_days(days))
    contact.save(update_fields=["secret", "code_digest", "issued_by", "issued_at", "expires_at"])
    access_record(kind=AccessKind.REISSUED, contact=contact, user=acting_user, request=request,
                  summary=_("Card for %(name)s, valid until %(date)s") % {
                      "name": contact.name, "date": timezone.localdate(contact.expires_at).isoformat()})
    return contact, code


@transaction.atomic
def contact_revoke(*, contact: EnterpriseContact | int, acting_user: User, request=None) -> EnterpriseContact:
    """End a card: its link, its code and every session it opened stop working at once."""
    contact = _locked_contact(contact)
    if not can_issue_contact(acting_user, contact.enterprise):
        raise PermissionDenied(_("Only the enterprise's paired cadre, their unit or the task force issue its cards."))
    if contact.is_revoked:
        return contact
    contact.revoked_at, contact.revoked_by = timezone.now(), acting_user
    contact.secret = secrets.token_urlsafe(24)
    contact.save(update_fields=["revoked_at", "revoked_by", "secret"])
    access_record(kind=AccessKind.REVOKED, contact=contact, user=acting_user, request=request,
                  summary=contact.name)
    return contact


# --- Signing in -------------------------------------------------------------------------------------


def contact_link_token(contact: EnterpriseContact) -> str:
    """The signed part of the card's link: the contact and their current secret."""
    return signing.dumps({"c": contact.pk, "s": contact.secret}, salt=LINK_SALT, compress=True)


def contact_link(contact: EnterpriseContact, request=None) -> str:
    """The card's sign-in link, at the address printed QR codes point to (policies.qr)."""
    return f"{policy_qr_base_url(request)}{reverse('portal-link', args=[contact_link_token(contact)])}"


def contact_usable(contact: EnterpriseContact | None, secret: str) -> EnterpriseContact:
    """The contact if `secret` is still theirs and the card is neither revoked nor expired."""
    if contact is None or not secrets.compare_digest(contact.secret, str(secret or "")):
        raise SignInRefused(_("This link is not valid."), code="invalid")
    if contact.is_revoked:
        raise SignInRefused(_("This card has been revoked. Ask your service cadre for a new one."), code="revoked")
    if contact.is_expired:
        raise SignInRefused(_("This card has expired. Ask your service cadre for a new one."), code="expired")
    return contact


def _contact_by_pk(pk) -> EnterpriseContact | None:
    if not isinstance(pk, int):
        return None
    return EnterpriseContact.objects.select_related("enterprise").filter(pk=pk).first()


def contact_sign_in_by_link(*, token: str, request=None) -> EnterpriseContact:
    """The contact behind a card's link (SignInRefused if it is forged, re-issued, revoked or expired)."""
    try:
        payload = signing.loads(token, salt=LINK_SALT)
    except signing.BadSignature as exc:
        raise SignInRefused(_("This link is not valid."), code="invalid") from exc
    contact = contact_usable(_contact_by_pk(payload.get("c")), payload.get("s", ""))
    _signed_in(contact, request=request, how=_("by link"))
    return contact


def code_failures(address: str | None) -> int:
    """Failed codes from `address` within the lock-out window."""
    since = timezone.now() - timedelta(minutes=settings.CONTACT_CODE_LOCKOUT_MINUTES)
    return ContactAccess.objects.filter(kind=AccessKind.SIGN_IN_FAILED, address=address, at__gte=since).count()


def code_locked(request) -> bool:
    return code_failures(client_ip(request)) >= settings.CONTACT_CODE_FAILURE_LIMIT


def locked_message() -> str:
    return _(
        "Too many wrong codes from this network. Try again in %(minutes)d minutes, or scan the card's QR code."
    ) % {"minutes": settings.CONTACT_CODE_LOCKOUT_MINUTES}


def contact_sign_in_by_code(*, code: str, request) -> EnterpriseContact:
    """The contact whose card carries `code`. After CONTACT_CODE_FAILURE_LIMIT wrong codes an address is
    refused for CONTACT_CODE_LOCKOUT_MINUTES, even with a right one."""
    if code_locked(request):
        raise SignInRefused(locked_message(), code="locked")
    digest = code_digest(code) if len(normalise_code(code)) == CODE_LENGTH else ""
    contact = EnterpriseContact.objects.select_related("enterprise").filter(code_digest=digest).first() if digest \
        else None
    if contact is None:
        access_record(kind=AccessKind.SIGN_IN_FAILED, request=request, summary=normalise_code(code)[:4] + "…")
        raise SignInRefused(_("This code is not valid. Check it against your card."), code="invalid")
    try:
        contact_usable(contact, contact.secret)
    except SignInRefused:
        access_record(kind=AccessKind.SIGN_IN_FAILED, contact=contact, request=request,
                      summary=_("revoked or expired card"))
        raise
    _signed_in(contact, request=request, how=_("by code"))
    return contact


def _signed_in(contact: EnterpriseContact, *, request, how: str) -> None:
    EnterpriseContact.objects.filter(pk=contact.pk).update(last_seen_at=timezone.now())
    access_record(kind=AccessKind.SIGN_IN, contact=contact, request=request, summary=how)


# --- What a contact does ----------------------------------------------------------------------------


def contact_label(contact: EnterpriseContact) -> str:
    return _("%(name)s (enterprise contact)") % {"name": contact.name}


def contact_appeal_raise(
    *,
    contact: EnterpriseContact,
    category: AppealCategory,
    title: str,
    description: str,
    urgency: str = Urgency.NORMAL,
    request=None,
) -> Appeal:
    """The contact raises a problem for their enterprise: to its paired cadre, source "enterprise"."""
    with transaction.atomic():
        appeal = appeal_services.appeal_raise_by_contact(
            raised_by=contact.issued_by, enterprise=contact.enterprise, category=category, title=title,
            description=description, urgency=urgency, contact_label=contact_label(contact),
        )
        access_record(kind=AccessKind.APPEAL_RAISED, contact=contact, request=request,
                      summary=f"#{appeal.pk} {appeal.title}")
    return appeal


def contact_verdict_give(
    *, contact: EnterpriseContact, appeal: Appeal | int, verdict: str, comment: str = "", request=None
) -> Appeal:
    """The contact gives their verdict on a resolved appeal of their enterprise (“unsatisfied” reopens it)."""
    appeal_id = appeal.pk if isinstance(appeal, Appeal) else appeal
    if not Appeal.objects.filter(pk=appeal_id, enterprise_id=contact.enterprise_id).exists():
        raise PermissionDenied
    with transaction.atomic():
        appeal = appeal_services.appeal_feedback_by_contact(
            appeal=appeal_id, verdict=verdict, comment=comment, contact_label=contact_label(contact)
        )
        access_record(kind=AccessKind.VERDICT, contact=contact, request=request,
                      summary=f"#{appeal.pk} {appeal.get_feedback_display()}")
    return appeal


# --- Notices ------------------------------------------------------------------------------------------


def enterprise_notice_add(
    *, enterprise: Enterprise | int, title: str, body: str = "", url: str = "", kind: str = "general", key: str = ""
) -> EnterpriseNotice:
    """Put a notice on the enterprise's page (/e/). With a `key` (e.g. "policy-push:12") a second call with
    the same key returns the first notice instead of adding another."""
    enterprise_id = enterprise.pk if isinstance(enterprise, Enterprise) else enterprise
    if key:
        existing = EnterpriseNotice.objects.filter(enterprise_id=enterprise_id, key=key).first()
        if existing is not None:
            return existing
    notice = EnterpriseNotice(enterprise_id=enterprise_id, title=title[:200], body=body, url=url[:300],
                              kind=kind[:30], key=key[:100])
    try:
        with transaction.atomic():
            notice.save()
    except IntegrityError:
        if not key:
            raise
        return EnterpriseNotice.objects.get(enterprise_id=enterprise_id, key=key)
    return notice


def enterprise_notices_mark_read(*, contact: EnterpriseContact) -> int:
    """The contact saw their notices: mark the unread ones read."""
    return EnterpriseNotice.objects.filter(enterprise_id=contact.enterprise_id, read_at__isnull=True).update(
        read_at=timezone.now()
    )
