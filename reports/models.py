"""Oversight (周调度、约谈): the weekly dispatch sheet of each unit, and interview cases of lagging cadres."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Dispatch(models.Model):
    """One unit's sheet for one week: what is overdue, due, not yet contacted, and new."""

    unit = models.ForeignKey(
        "liaison.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="dispatches"
    )
    week_start = models.DateField(_("week starting"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # {"overdue_appeals": [...], "due_this_week": [...], "not_contacted": [...], "new_appeals": [...],
    #  "reminded": int}; each list holds small dicts with at least `id` and `title` or `name`.
    data = models.JSONField(_("sheet"), default=dict, blank=True)

    class Meta:
        verbose_name = _("weekly dispatch")
        verbose_name_plural = _("weekly dispatches")
        ordering = ["-week_start", "unit__name"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "week_start"], name="dispatch_once_per_unit_and_week"),
            models.CheckConstraint(condition=Q(week_start__iso_week_day=1), name="dispatch_week_starts_monday"),
        ]

    def __str__(self) -> str:
        return f"{self.week_start} {self.unit}"

    def clean(self) -> None:
        if self.week_start and self.week_start.isoweekday() != 1:
            raise ValidationError({"week_start": _("A week starts on a Monday.")})


class InterviewReason(models.TextChoices):
    MISSED_CONTACT = "missed_contact", _("Missed monthly contact")
    OVERDUE_APPEALS = "overdue_appeals", _("Appeals gone overdue")


class InterviewCase(models.Model):
    """A cadre due for a formal interview (约谈); open until the interview is recorded as held."""

    cadre = models.ForeignKey(
        "liaison.Cadre", verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="interview_cases"
    )
    reason = models.CharField(_("reason"), max_length=20, choices=InterviewReason.choices)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    opened_week = models.DateField(_("listed in week"))
    held_on = models.DateField(_("held on"), null=True, blank=True)
    record = models.TextField(_("record"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("interview case")
        verbose_name_plural = _("interview cases")
        ordering = ["held_on", "-opened_week", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cadre", "reason"], condition=Q(held_on__isnull=True), name="one_open_interview_per_reason"
            ),
            models.CheckConstraint(condition=Q(held_on__isnull=True) | ~Q(record=""), name="held_interview_has_record"),
        ]

    def __str__(self) -> str:
        return f"{self.cadre} · {self.get_reason_display()}"

    @property
    def is_open(self) -> bool:
        return self.held_on is None
