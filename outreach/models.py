"""Policy push (政策找企业 / 精准推送): which enterprise was told, by whom, of which measure, and when.

A `PolicyPush` is written once per policy and enterprise (a unique constraint) when the enterprise is
first found eligible while paired; its timestamps then follow the funnel: pushed to the cadre → read by
the cadre → told to the enterprise → applied (or, for a no-application measure, its delivery delivered).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ToldVia(models.TextChoices):
    BUTTON = "button", pgettext_lazy("told via", "Marked by the cadre")
    VISIT = "visit", pgettext_lazy("told via", "Explained on a visit")
    PORTAL = "portal", pgettext_lazy("told via", "Opened on the enterprise page")


class PolicyPush(models.Model):
    policy = models.ForeignKey("policies.Policy", verbose_name=_("policy"), on_delete=models.PROTECT,
                               related_name="pushes")
    enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name=_("enterprise"), on_delete=models.PROTECT,
                                   related_name="policy_pushes")
    # The pairing's cadre and their unit when pushed: the funnel of a unit counts what its cadres were given.
    cadre = models.ForeignKey("liaison.Cadre", verbose_name=_("cadre"), on_delete=models.PROTECT, null=True,
                              blank=True, related_name="policy_pushes")
    unit = models.ForeignKey("liaison.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, null=True, blank=True,
                             related_name="policy_pushes")
    pushed_at = models.DateTimeField(_("pushed at"))
    # The notification that told the cadre (per cadre and batch), so that a page can find it again.
    notification_key = models.CharField(_("notification key"), max_length=120, blank=True)
    read_at = models.DateTimeField(_("read by the cadre at"), null=True, blank=True)
    told_at = models.DateTimeField(_("told to the enterprise at"), null=True, blank=True)
    told_via = models.CharField(_("told how"), max_length=10, choices=ToldVia.choices, blank=True)
    told_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("told by"), on_delete=models.PROTECT,
                                null=True, blank=True, related_name="+")
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("applied recorded by"),
                                   on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("policy push")
        verbose_name_plural = _("policy pushes")
        ordering = ["-pushed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "enterprise"], name="one_push_per_policy_enterprise"),
            models.CheckConstraint(condition=Q(told_at__isnull=True, told_via="")
                                   | Q(told_at__isnull=False) & ~Q(told_via=""), name="push_told_has_how"),
            models.CheckConstraint(condition=Q(read_at__isnull=True) | Q(read_at__gte=models.F("pushed_at")),
                                   name="push_read_after_push"),
            models.CheckConstraint(condition=Q(told_at__isnull=True) | Q(told_at__gte=models.F("pushed_at")),
                                   name="push_told_after_push"),
        ]
        indexes = [
            models.Index(fields=["cadre", "told_at"], name="push_cadre_told"),
            models.Index(fields=["unit", "policy"], name="push_unit_policy"),
            models.Index(fields=["pushed_at"], condition=Q(told_at__isnull=True), name="push_untold_by_date"),
        ]

    def __str__(self) -> str:
        return f"{self.policy_id} → {self.enterprise_id}"


class PushRequest(models.Model):
    """A policy whose publication or rules changed and whose newly eligible enterprises are still to be
    pushed: written in the change's transaction, removed in the push's (a killed worker leaves it)."""

    policy = models.OneToOneField("policies.Policy", on_delete=models.CASCADE, primary_key=True, related_name="+")
    requested_at = models.DateTimeField()

    class Meta:
        verbose_name = _("policy push request")
        verbose_name_plural = _("policy push requests")

    def __str__(self) -> str:
        return f"push {self.policy_id}"
