"""The official working-day calendar: which years are published, and their exceptional days.

A day is a working day when it is Monday to Friday and not a holiday row, or when it is a
make-up working day row (调休上班). Ordinary weekends and weekdays have no row at all.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

MIN_YEAR, MAX_YEAR = 2000, 2100


class Source(models.TextChoices):
    PACKAGE = "package", _("chinese_calendar package")
    STAFF = "staff", _("Entered by staff")


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday (a weekday off)")
    WORKDAY = "workday", _("Make-up working day (a weekend day at work)")


class CalendarYear(models.Model):
    """One year of the State Council's holiday notice; only a published year can be counted on."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    published = models.BooleanField(
        _("published"), default=False, help_text=_("Working days are counted only in published years.")
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.STAFF)
    notice = models.TextField(
        _("notice"), blank=True, help_text=_("The State Council notice the year follows: its title or number.")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(condition=Q(source__in=Source.values), name="calendar_year_source_valid"),
            models.CheckConstraint(
                condition=Q(year__gte=MIN_YEAR, year__lte=MAX_YEAR),
                name="calendar_year_in_range",
                violation_error_message=_("The year must be between 2000 and 2100."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """An exception to the Monday-to-Friday rule: a weekday holiday or a weekend make-up working day."""

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=50, help_text=_("For example 春节, 国庆节 or 调休上班."))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.STAFF)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=DayKind.values), name="calendar_day_kind_valid"),
            models.CheckConstraint(condition=Q(source__in=Source.values), name="calendar_day_source_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"

    def clean(self) -> None:
        """A holiday must fall on a weekday and a make-up working day on a weekend; otherwise it changes nothing."""
        if self.date is None:
            return
        weekend = self.date.weekday() >= 5
        if self.kind == DayKind.HOLIDAY and weekend:
            raise ValidationError(
                {
                    "kind": _(
                        "%(date)s is a Saturday or Sunday, already a day off; only a weekday can be entered as a "
                        "holiday. Did you mean a make-up working day?"
                    )
                    % {"date": self.date.isoformat()}
                }
            )
        if self.kind == DayKind.WORKDAY and not weekend:
            raise ValidationError(
                {
                    "kind": _(
                        "%(date)s is a weekday, already a working day; only a Saturday or Sunday can be entered as "
                        "a make-up working day. Did you mean a holiday?"
                    )
                    % {"date": self.date.isoformat()}
                }
            )
