"""Oversight (周调度、月通报、约谈): the weekly dispatch sheet of each unit, the monthly bulletin, and
interview cases of lagging cadres."""

from functools import cached_property

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
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
    # The small overall figures (totals, trend, rules; see reports.bulletins.bulletin_summary); the
    # per-unit and per-cadre figures are rows of BulletinUnitRow and BulletinCadreRow.
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


class AppealCounts(models.Model):
    """The appeal figures of a bulletin row, as counts (the rates are computed from them, as
    `appeals.selectors.AppealMetrics` computes them)."""

    appeals_total = models.PositiveIntegerField(_("appeals raised"), default=0)
    appeals_withdrawn = models.PositiveIntegerField(_("withdrawn"), default=0)
    appeals_out_of_scope = models.PositiveIntegerField(_("out of scope"), default=0)
    appeals_resolved = models.PositiveIntegerField(_("resolved"), default=0)
    appeals_on_time = models.PositiveIntegerField(_("resolved on time"), default=0)
    appeals_with_feedback = models.PositiveIntegerField(_("with feedback"), default=0)
    appeals_satisfied = models.PositiveIntegerField(_("satisfied"), default=0)
    appeals_avg_workdays = models.FloatField(_("average handling time (working days)"), null=True, blank=True)
    appeals_open = models.PositiveIntegerField(_("still open"), default=0)
    appeals_overdue = models.PositiveIntegerField(_("overdue"), default=0)

    APPEAL_FIELDS = {
        "total": "appeals_total",
        "withdrawn": "appeals_withdrawn",
        "out_of_scope": "appeals_out_of_scope",
        "resolved": "appeals_resolved",
        "on_time": "appeals_on_time",
        "with_feedback": "appeals_with_feedback",
        "satisfied": "appeals_satisfied",
        "avg_handling_workdays": "appeals_avg_workdays",
        "open": "appeals_open",
        "overdue": "appeals_overdue",
    }

    class Meta:
        abstract = True

    @cached_property
    def appeals(self) -> dict:
        """The row's appeal figures in the shape of `AppealMetrics.as_dict()`."""
        from appeals.selectors import AppealMetrics

        return AppealMetrics(**{key: getattr(self, field) for key, field in self.APPEAL_FIELDS.items()}).as_dict()

    @property
    def compliance(self) -> float | None:
        return self.contacted / self.due if self.due else None


class BulletinUnitRow(AppealCounts):
    """One unit's line in a published bulletin, frozen with it, in ranking order (`position`)."""

    # The unique constraints' indexes serve the reads; an index per key would only slow the writes.
    bulletin = models.ForeignKey(Bulletin, on_delete=models.CASCADE, related_name="unit_rows", db_index=False)
    # No database constraint: the snapshot outlives any later change to the organisation chart.
    unit = models.ForeignKey(
        "liaison.Unit",
        verbose_name=_("unit"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    name = models.CharField(_("unit"), max_length=200)
    position = models.PositiveIntegerField(_("order in the table"))
    rank = models.PositiveIntegerField(_("place in the ranking"))
    cadres = models.PositiveIntegerField(_("cadres with a pairing due"), default=0)
    due = models.PositiveIntegerField(_("pairings due"), default=0)
    contacted = models.PositiveIntegerField(_("pairings contacted"), default=0)
    visits = models.PositiveIntegerField(_("visits"), default=0)

    class Meta:
        verbose_name = _("bulletin unit row")
        verbose_name_plural = _("bulletin unit rows")
        ordering = ["bulletin", "position"]
        constraints = [
            models.UniqueConstraint(fields=["bulletin", "unit"], name="bulletin_unit_row_once"),
            models.UniqueConstraint(fields=["bulletin", "position"], name="bulletin_unit_row_position"),
            models.CheckConstraint(condition=Q(contacted__lte=F("due")), name="bulletin_unit_contacted_within_due"),
            models.CheckConstraint(condition=Q(rank__lte=F("position")), name="bulletin_unit_rank_within_position"),
        ]

    def __str__(self) -> str:
        return f"{self.bulletin} #{self.rank} {self.name}"

    @property
    def missed(self) -> int:
        return self.due - self.contacted


class BulletinCadreRow(AppealCounts):
    """One cadre's line in a published bulletin, frozen with it, in the order of the bulletin's
    cadre table (`position`: unit name, cadre name, id)."""

    # The constraints' and Meta's indexes serve the reads (48,000 rows a month at a province: every
    # index more is paid at each publication).
    bulletin = models.ForeignKey(Bulletin, on_delete=models.CASCADE, related_name="cadre_rows", db_index=False)
    cadre = models.ForeignKey(
        "liaison.Cadre",
        verbose_name=_("cadre"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    unit = models.ForeignKey(
        "liaison.Unit",
        verbose_name=_("unit"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    name = models.CharField(_("cadre"), max_length=100)
    unit_name = models.CharField(_("unit"), max_length=200)
    position = models.PositiveIntegerField(_("order in the table"))
    # The enterprises of the cadre's pairings due in the month, and those of them not contacted.
    enterprises = models.JSONField(_("enterprises"), default=list, blank=True)
    missed_enterprises = models.JSONField(_("enterprises not contacted"), default=list, blank=True)
    due = models.PositiveIntegerField(_("pairings due"), default=0)
    contacted = models.PositiveIntegerField(_("pairings contacted"), default=0)
    visits = models.PositiveIntegerField(_("visits"), default=0)
    # Appeals overdue when the bulletin was published, whatever the month they were raised in.
    overdue_appeals = models.PositiveIntegerField(_("overdue appeals"), default=0)
    lagging = models.BooleanField(_("lagging"), default=False)

    class Meta:
        verbose_name = _("bulletin cadre row")
        verbose_name_plural = _("bulletin cadre rows")
        ordering = ["bulletin", "position"]
        constraints = [
            models.UniqueConstraint(fields=["bulletin", "cadre"], name="bulletin_cadre_row_once"),
            models.UniqueConstraint(fields=["bulletin", "position"], name="bulletin_cadre_row_position"),
            models.CheckConstraint(condition=Q(contacted__lte=F("due")), name="bulletin_cadre_contacted_within_due"),
            models.CheckConstraint(
                condition=Q(lagging=True) & (Q(contacted__lt=F("due")) | Q(overdue_appeals__gt=0))
                | Q(lagging=False, contacted=F("due"), overdue_appeals=0),
                name="bulletin_cadre_lagging_when_missed_or_overdue",
            ),
        ]
        indexes = [
            models.Index(fields=["bulletin", "unit", "position"], name="bulletin_cadre_row_unit"),
            models.Index(
                fields=["bulletin", "position"], condition=Q(lagging=True), name="bulletin_cadre_row_lagging"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bulletin} {self.unit_name} {self.name}"


class DocumentKind(models.TextChoices):
    PDF = "pdf", _("PDF")
    XLSX = "xlsx", _("Excel workbook")


class DocumentStatus(models.TextChoices):
    PENDING = "pending", _("Being made")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class BulletinDocument(models.Model):
    """A bulletin's PDF or workbook, rendered once by the `bulletin_documents` job after it is
    published and kept in the default storage (shared by every app node); downloads serve the file."""

    bulletin = models.ForeignKey(Bulletin, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=10, choices=DocumentKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.PENDING
    )
    file = models.FileField(_("file"), upload_to="bulletins/", max_length=300, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    error = models.TextField(_("error"), blank=True)
    rendered_at = models.DateTimeField(_("rendered at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("bulletin document")
        verbose_name_plural = _("bulletin documents")
        ordering = ["bulletin", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["bulletin", "kind"], name="bulletin_document_once_per_kind"),
            models.CheckConstraint(
                condition=Q(status="ready", rendered_at__isnull=False) & ~Q(file="") | ~Q(status="ready"),
                name="bulletin_document_ready_has_file",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bulletin} {self.kind} ({self.status})"

    @property
    def is_ready(self) -> bool:
        return self.status == DocumentStatus.READY
