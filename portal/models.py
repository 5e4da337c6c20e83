"""The enterprise's side of the portal (/e/): the contacts a cadre issues a card to, what they did there,
and the notices put on their page.

A contact is not a Django user: signing in keeps the contact's id and secret in the session under its
own key (portal.session), so every staff page stays closed to them as to anyone not signed in.
"""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def now():
    """timezone.now, looked up when a row is made (so a test's clock holds for these defaults too)."""
    return timezone.now()


def code_digest(code: str) -> str:
    """Short codes are kept only as their SHA-256 (normalised: upper case, no dashes or spaces)."""
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


class EnterpriseContact(models.Model):
    """A person at an enterprise who may sign in to its page, by the link or the short code on the card
    a cadre issued them. Re-issuing the card changes the secret (the old link and code stop working);
    revoking ends it. Never deleted: the access log refers to it."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(_("issued at"), default=now)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Changed on every (re-)issue: the signed link and the session carry it, so an old card signs no one in.
    secret = models.CharField(_("secret"), max_length=64, editable=False)
    code_digest = models.CharField(_("code digest"), max_length=64, unique=True, editable=False)
    last_seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True)

    class Meta:
        verbose_name = _("enterprise contact")
        verbose_name_plural = _("enterprise contacts")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=F("issued_at")), name="contact_expires_after_issue"),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_by__isnull=False), name="contact_revoked_has_who"
            ),
            models.CheckConstraint(condition=~Q(secret=""), name="contact_has_secret"),
        ]
        indexes = [models.Index(fields=["enterprise", "-issued_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.enterprise})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return not self.is_revoked and not self.is_expired


class AccessKind(models.TextChoices):
    ISSUED = "issued", _("Card issued")
    REISSUED = "reissued", _("Card issued again")
    REVOKED = "revoked", _("Card revoked")
    SIGN_IN = "sign_in", _("Signed in")
    SIGN_IN_FAILED = "sign_in_failed", _("Failed sign-in")
    SIGN_OUT = "sign_out", _("Signed out")
    VIEW = "view", _("Page viewed")
    APPEAL_RAISED = "appeal_raised", _("Appeal raised")
    VERDICT = "verdict", _("Verdict given")


class ContactAccess(models.Model):
    """One thing a contact did on the enterprise pages, or a staff member did to a contact's card.
    Only ever appended. A failed code has no contact (the address counts towards the lock-out)."""

    at = models.DateTimeField(_("when"), default=now)
    kind = models.CharField(_("kind"), max_length=20, choices=AccessKind.choices)
    contact = models.ForeignKey(
        EnterpriseContact,
        verbose_name=_("contact"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accesses",
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Staff who issued or revoked a card; empty for what a contact did.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("staff"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+"
    )
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    path = models.CharField(_("path"), max_length=300, blank=True)
    summary = models.CharField(_("what"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("contact access")
        verbose_name_plural = _("contact accesses")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["enterprise", "-at"], name="contact_access_enterprise_at"),
            models.Index(fields=["kind", "address", "-at"], name="contact_access_failures"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AccessKind.values), name="contact_access_kind_known"),
            models.CheckConstraint(
                condition=Q(kind="sign_in_failed") | Q(enterprise__isnull=False), name="contact_access_has_enterprise"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"


class EnterpriseNotice(models.Model):
    """A message on the enterprise's page (a policy it became eligible for, say). `key` makes a notice
    put twice appear once (e.g. "policy-push:12")."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="notices"
    )
    kind = models.CharField(_("kind"), max_length=30, default="general")
    key = models.CharField(_("key"), max_length=100, blank=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("enterprise notice")
        verbose_name_plural = _("enterprise notices")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "key"], condition=~Q(key=""), name="enterprise_notice_key_once"
            ),
        ]
        indexes = [models.Index(fields=["enterprise", "-created_at"])]

    def __str__(self) -> str:
        return self.title
