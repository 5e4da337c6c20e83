"""The audit log: who did what security-relevant thing, when, and from where. Rows are never changed,
and PostgreSQL refuses to delete one younger than the retention floor (180 days)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

RETENTION_FLOOR_DAYS = 180


class Kind(models.TextChoices):
    LOGIN = "login", _("Signed in")
    LOGOUT = "logout", _("Signed out")
    LOGIN_FAILED = "login_failed", _("Failed sign-in")
    LOCKED_OUT = "locked_out", _("Locked out")
    UNLOCKED = "unlocked", _("Unlocked")
    PASSWORD_CHANGED = "password_changed", _("Password changed by the user")
    PASSWORD_SET = "password_set", _("Password set by staff")
    TOKEN_CREATED = "token_created", _("API token created")
    TOKEN_REVOKED = "token_revoked", _("API token revoked")
    EXPORT = "export", _("Ledger exported")
    ADMIN = "admin", _("Admin action")


class AuditEvent(models.Model):
    at = models.DateTimeField(_("when"), default=timezone.now)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The user name as typed (failed sign-ins) or as it was then, so the row reads the same later.
    username = models.CharField(_("user name"), max_length=150, blank=True)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    path = models.CharField(_("path"), max_length=300, blank=True)
    summary = models.CharField(_("what"), max_length=500, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["-at"], name="audit_event_at"),
            models.Index(fields=["kind", "-at"], name="audit_event_kind_at"),
            models.Index(fields=["user", "-at"], name="audit_event_user_at"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="audit_event_kind_known"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()} {self.username}"
