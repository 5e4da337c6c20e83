"""The annual evaluation (年考评): configurable weights and stored, versioned results per year."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# The measures, in the order the pages, the export and the API list them.
MEASURES = ("contact", "visits", "closure", "on_time", "satisfaction", "handling", "overdue")
WEIGHT_TOTAL = 100
CHECKED_IN_CLEAN = {"evaluation_weights_not_negative", "evaluation_weights_sum_to_100"}


def _weight(verbose_name, default: int, help_text) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        verbose_name, default=default, validators=[MaxValueValidator(WEIGHT_TOTAL)], help_text=help_text
    )


class EvaluationWeights(models.Model):
    """The weight of each measure (summing to 100) and the targets that turn raw figures into 0–100.

    One row (pk 1); every change is kept in its history with who and when.
    """

    contact = _weight(_("monthly contact"), 30, _("Share of monthly contacts due that were made."))
    visits = _weight(_("visits logged"), 10, _("Visits logged against the target per month of pairing."))
    closure = _weight(_("closure rate"), 20, _("Appeals resolved or closed among those counted."))
    on_time = _weight(_("on-time rate"), 10, _("Resolved appeals with no step finished late."))
    satisfaction = _weight(_("satisfaction"), 15, _("Appeals whose latest verdict is satisfied."))
    handling = _weight(_("handling time"), 5, _("Average working days from raising to resolution."))
    overdue = _weight(_("overdue appeals"), 10, _("A penalty for each appeal that went overdue."))
    visits_per_month = models.PositiveSmallIntegerField(
        _("visits expected per month"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text=_("A cadre who logs this many visits for every month of pairing scores 100 on visits."),
    )
    handling_days_target = models.PositiveSmallIntegerField(
        _("target handling time (working days)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(250)],
        help_text=_("An average at or under this scores 100; above it the score falls in proportion."),
    )
    overdue_penalty = models.PositiveSmallIntegerField(
        _("points off per overdue appeal"),
        default=20,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("The overdue measure starts at 100 and loses this many points per overdue appeal."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("evaluation weights")
        verbose_name_plural = _("evaluation weights")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    contact__gte=0,
                    visits__gte=0,
                    closure__gte=0,
                    on_time__gte=0,
                    satisfaction__gte=0,
                    handling__gte=0,
                    overdue__gte=0,
                ),
                name="evaluation_weights_not_negative",
            ),
            # Written as "contact = 100 - the others", a form every database accepts.
            models.CheckConstraint(
                condition=Q(
                    contact=models.Value(WEIGHT_TOTAL)
                    - F("visits")
                    - F("closure")
                    - F("on_time")
                    - F("satisfaction")
                    - F("handling")
                    - F("overdue")
                ),
                name="evaluation_weights_sum_to_100",
            ),
            models.CheckConstraint(condition=Q(id=1), name="evaluation_weights_single_row"),
        ]

    def __str__(self) -> str:
        return str(_("Evaluation weights"))

    def get_constraints(self):
        # clean() checks these two with the figures in its message; the database still enforces them.
        return [
            (model, [c for c in constraints if c.name not in CHECKED_IN_CLEAN])
            for model, constraints in super().get_constraints()
        ]

    @classmethod
    def current(cls) -> "EvaluationWeights":
        """The weights in force; the defaults until task-force staff change them."""
        weights, _created = cls.objects.get_or_create(pk=1)
        return weights

    def as_weights(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in MEASURES}

    def as_dict(self) -> dict:
        return {
            **self.as_weights(),
            "visits_per_month": self.visits_per_month,
            "handling_days_target": self.handling_days_target,
            "overdue_penalty": self.overdue_penalty,
        }

    def clean(self) -> None:
        values = self.as_weights()
        if any(value is None for value in values.values()):
            return  # the missing field has its own error
        negative = [name for name, value in values.items() if value < 0]
        if negative:
            raise ValidationError({name: _("A weight cannot be negative.") for name in negative})
        total = sum(values.values())
        if total != WEIGHT_TOTAL:
            raise ValidationError(
                _("The weights must add up to %(expected)d; they add up to %(total)d.")
                % {"expected": WEIGHT_TOTAL, "total": total}
            )


class Evaluation(models.Model):
    """One year's evaluation as computed at one moment; a recomputation is a new version, the old kept."""

    year = models.PositiveSmallIntegerField(_("year"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    period_end = models.DateField(_("counted up to"))
    months = models.PositiveSmallIntegerField(_("months of contact counted"))
    weights = models.JSONField(_("weights used"))
    reason = models.CharField(_("reason for recomputing"), max_length=300, blank=True)
    cadre_count = models.PositiveIntegerField(_("cadres"), default=0)
    unit_count = models.PositiveIntegerField(_("units"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["year", "version"], name="one_evaluation_per_year_and_version"),
            models.CheckConstraint(condition=Q(version__gte=1), name="evaluation_version_from_one"),
            models.CheckConstraint(condition=Q(months__lte=12), name="evaluation_at_most_twelve_months"),
        ]

    def __str__(self) -> str:
        return f"{self.year} v{self.version}"


class ScoreKind(models.TextChoices):
    CADRE = "cadre", _("Cadre")
    UNIT = "unit", _("Unit")


def _measure_score(verbose_name) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=5, decimal_places=2, null=True, blank=True)


class EvaluationScore(models.Model):
    """One cadre's or one unit's figures, measure scores (0–100, empty when there was nothing to
    measure), weighted score and rank in an evaluation. Names are kept as they were at the time."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="scores")
    kind = models.CharField(_("kind"), max_length=10, choices=ScoreKind.choices)
    cadre = models.ForeignKey(
        "liaison.Cadre", verbose_name=_("cadre"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey("liaison.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    unit_name = models.CharField(_("unit"), max_length=100)
    # Raw figures
    cadres = models.PositiveIntegerField(_("cadres"), default=1)
    months_due = models.PositiveIntegerField(_("contacts due"), default=0)
    months_contacted = models.PositiveIntegerField(_("contacts made"), default=0)
    visit_count = models.PositiveIntegerField(_("visits"), default=0)
    appeals = models.PositiveIntegerField(_("appeals counted"), default=0)
    resolved = models.PositiveIntegerField(_("resolved"), default=0)
    on_time = models.PositiveIntegerField(_("resolved on time"), default=0)
    with_feedback = models.PositiveIntegerField(_("with feedback"), default=0)
    satisfied = models.PositiveIntegerField(_("satisfied"), default=0)
    avg_handling_workdays = models.DecimalField(
        _("average handling time (working days)"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    overdue_appeals = models.PositiveIntegerField(_("overdue appeals"), default=0)
    # Measure scores, 0–100
    contact_score = _measure_score(_("monthly contact"))
    visits_score = _measure_score(_("visits logged"))
    closure_score = _measure_score(_("closure rate"))
    on_time_score = _measure_score(_("on-time rate"))
    satisfaction_score = _measure_score(_("satisfaction"))
    handling_score = _measure_score(_("handling time"))
    overdue_score = _measure_score(_("overdue appeals"))
    score = _measure_score(_("score"))
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)

    class Meta:
        verbose_name = _("evaluation score")
        verbose_name_plural = _("evaluation scores")
        ordering = ["evaluation", "kind", "rank", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "cadre"], condition=Q(kind="cadre"), name="one_score_per_cadre"
            ),
            models.UniqueConstraint(fields=["evaluation", "unit"], condition=Q(kind="unit"), name="one_score_per_unit"),
            models.CheckConstraint(
                condition=(Q(kind="cadre") & Q(cadre__isnull=False)) | (Q(kind="unit") & Q(cadre__isnull=True)),
                name="score_kind_matches_cadre",
            ),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=100), name="score_0_to_100"),
        ]
        indexes = [
            models.Index(fields=["evaluation", "kind", "score"]),
            models.Index(fields=["evaluation", "kind", "rank"]),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation} {self.name}: {self.score}"

    def measure_scores(self) -> list:
        return [getattr(self, f"{name}_score") for name in MEASURES]
