"""Oversight (周调度、月通报、约谈): the weekly dispatch sheet of each unit, the monthly bulletin, and
interview cases of lagging cadres."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
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


class BulletinStatus(models.TextChoices):
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded by a correction")


class Bulletin(models.Model):
    """The monthly bulletin (月通报) of one month: a frozen snapshot of the month's figures.

    Later edits to visits or appeals never change it; a correction is a new version of the same
    month, and the old one stays readable. The current bulletin of a month is its highest version.
    """

    month = models.DateField(_("month"), help_text=_("The first day of the month reported on."))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    status = models.CharField(
        _("status"), max_length=20, choices=BulletinStatus.choices, default=BulletinStatus.PUBLISHED
    )
    # The whole snapshot, as built by reports.bulletins.bulletin_figures (see its docstring for the shape).
    figures = models.JSONField(_("figures"), default=dict)
    reason = models.TextField(_("reason for the correction"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the monthly job published it."),
    )
    published_at = models.DateTimeField(_("published at"))
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("monthly bulletin")
        verbose_name_plural = _("monthly bulletins")
        ordering = ["-month", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["month", "version"], name="bulletin_one_per_month_and_version"),
            models.UniqueConstraint(
                fields=["month"], condition=Q(status="published"), name="bulletin_one_current_per_month"
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="bulletin_month_is_first_day"),
            models.CheckConstraint(condition=Q(version__gte=1), name="bulletin_version_from_one"),
            models.CheckConstraint(condition=Q(version=1) | ~Q(reason=""), name="bulletin_correction_has_reason"),
            models.CheckConstraint(
                condition=Q(status="published", superseded_at__isnull=True)
                | Q(status="superseded", superseded_at__isnull=False),
                name="bulletin_superseded_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} v{self.version}"

    def get_absolute_url(self) -> str:
        url = reverse("bulletin-detail", args=[self.month_slug])
        return url if self.is_current else f"{url}?v={self.version}"

    @property
    def month_slug(self) -> str:
        return f"{self.month:%Y-%m}"

    @property
    def is_current(self) -> bool:
        return self.status == BulletinStatus.PUBLISHED

    def clean(self) -> None:
        if self.month and self.month.day != 1:
            raise ValidationError({"month": _("A bulletin's month is given by its first day.")})
        if self.version and self.version > 1 and not self.reason.strip():
            raise ValidationError({"reason": _("Give the reason for the correction.")})
