"""Sign-in security kept beside the user: whether their password must be changed, and their API tokens."""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserSecurity(models.Model):
    """One row per user who ever had a password set: the must-change flag and when they last changed it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="security",
    )
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_("Set when the password is shared or was set by someone else; cleared when the user changes it."),
    )
    password_changed_at = models.DateTimeField(_("password last changed by the user"), null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in security")
        verbose_name_plural = _("sign-in security")

    def __str__(self) -> str:
        return str(self.user)


class RevokeReason(models.TextChoices):
    BY_USER = "user", _("Revoked by its owner")
    BY_STAFF = "staff", _("Revoked by staff")
    PASSWORD_CHANGED = "password", _("Password changed")
    DEACTIVATED = "deactivated", _("Account deactivated")


class TokenState(models.TextChoices):
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")
    PASSWORD_CHANGED = "password", _("Dead: password changed")
    DEACTIVATED = "deactivated", _("Dead: account deactivated")


def token_digest(key: str) -> str:
    """Tokens are kept only as their SHA-256: a copy of the table signs nobody in."""
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def live(self):
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ApiToken(models.Model):
    """An API token (`Authorization: Token …`) that expires, and dies with a password change or deactivation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    digest = models.CharField(_("digest"), max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("starts with"), max_length=8, editable=False)
    client = models.CharField(_("client"), max_length=200, blank=True)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoke_reason = models.CharField(_("why revoked"), max_length=20, choices=RevokeReason.choices, blank=True)
    # The user's session hash (an HMAC of the password hash) when the token was made: a password set
    # anywhere (the change page, the admin, a command) changes it and so kills the token.
    password_fingerprint = models.CharField(max_length=128, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")), name="api_token_expires_after_creation"
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revoke_reason="")
                | Q(revoked_at__isnull=False) & ~Q(revoke_reason=""),
                name="api_token_revoked_with_reason",
            ),
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="api_token_user_created")]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return TokenState.REVOKED
        if self.expires_at <= timezone.now():
            return TokenState.EXPIRED
        if not self.user.is_active:
            return TokenState.DEACTIVATED
        from django.utils.crypto import constant_time_compare

        if not constant_time_compare(self.password_fingerprint, self.user.get_session_auth_hash()):
            return TokenState.PASSWORD_CHANGED
        return TokenState.ACTIVE

    @property
    def is_live(self) -> bool:
        return self.state == TokenState.ACTIVE

    def get_state_display(self) -> str:
        return TokenState(self.state).label
