"""The 12345 hotline: its API clients, the work orders it forwards (each one an appeal), and the
status changes sent back to it (an outbox row per change, and a log of every attempt)."""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def key_digest(key: str) -> str:
    """Client keys are kept only as their SHA-256 (as accounts' API tokens): a copy of the table signs nobody in."""
    return hashlib.sha256(key.encode()).hexdigest()


class HotlineClient(models.Model):
    """A hotline system allowed to post work orders (`Authorization: Hotline <key>`) and read them back."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    digest = models.CharField(_("key digest"), max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("key starts with"), max_length=8, editable=False)
    # The HMAC key of the callbacks' signatures; the hotline keeps a copy to verify them.
    signing_secret = models.CharField(_("signing secret"), max_length=100, editable=False)
    # The account appeals from this client are raised by (inactive: it never signs in).
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.PROTECT, related_name="hotline_client"
    )
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("hotline client")
        verbose_name_plural = _("hotline clients")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WorkOrder(models.Model):
    """A 12345 work order, one per (client, external id), and the appeal it became."""

    client = models.ForeignKey(HotlineClient, verbose_name=_("hotline client"), on_delete=models.PROTECT,
                               related_name="work_orders")
    external_id = models.CharField(_("work order number"), max_length=64)
    appeal = models.OneToOneField("appeals.Appeal", verbose_name=_("appeal"), on_delete=models.PROTECT,
                                  related_name="work_order")
    contact_name = models.CharField(_("caller's name"), max_length=100, blank=True)
    contact_phone = models.CharField(_("caller's phone"), max_length=30, blank=True)
    received_at = models.DateTimeField(_("received by the hotline"), null=True, blank=True)
    deadline = models.DateField(_("hotline deadline"), null=True, blank=True)
    callback_url = models.URLField(_("callback URL"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["client", "external_id"], name="hotline_work_order_once_per_client"),
        ]

    def __str__(self) -> str:
        return f"12345 {self.external_id}"


class CallbackState(models.TextChoices):
    PENDING = "pending", _("Waiting to be delivered")
    DELIVERED = "delivered", _("Delivered")
    GAVE_UP = "gave_up", _("Given up")


class Callback(models.Model):
    """One status change of a work order's appeal, to be POSTed to its callback URL: an outbox row written
    in the transition's own transaction, sent after the commit, oldest first per work order."""

    work_order = models.ForeignKey(WorkOrder, verbose_name=_("work order"), on_delete=models.PROTECT,
                                   related_name="callbacks")
    # The timeline event's sequence number: the order of the changes, and what makes a change queued once.
    seq = models.PositiveIntegerField(_("sequence"))
    payload = models.JSONField(_("body"))
    state = models.CharField(_("state"), max_length=20, choices=CallbackState.choices, default=CallbackState.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # Giving up counts from here (the change, or staff sending it again).
    clock_from = models.DateTimeField(_("retrying since"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    gave_up_at = models.DateTimeField(_("given up"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        ordering = ["work_order", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["work_order", "seq"], name="hotline_callback_once_per_change"),
            models.CheckConstraint(
                condition=~Q(state="delivered") | Q(delivered_at__isnull=False), name="hotline_callback_delivered_at"
            ),
            models.CheckConstraint(
                condition=~Q(state="gave_up") | Q(gave_up_at__isnull=False), name="hotline_callback_gave_up_at"
            ),
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], condition=Q(state="pending"),
                         name="hotline_callback_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.work_order} #{self.seq}"


class CallbackAttempt(models.Model):
    """One POST of a callback: when, what came back, how long it took."""

    callback = models.ForeignKey(Callback, verbose_name=_("callback"), on_delete=models.CASCADE,
                                 related_name="attempt_log")
    at = models.DateTimeField(_("at"), default=timezone.now)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    ok = models.BooleanField(_("delivered"), default=False)

    class Meta:
        verbose_name = _("callback attempt")
        verbose_name_plural = _("callback attempts")
        ordering = ["callback", "at", "id"]

    def __str__(self) -> str:
        return f"{self.callback} {self.at:%Y-%m-%d %H:%M:%S}"
