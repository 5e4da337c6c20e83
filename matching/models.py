"""Precise matching (精准匹配): the tunable fit between cadres and enterprises, and the proposals
the portal makes from it.

The factors and their weights, what each unit is competent for and how each professional category
suits each industry are data that task-force staff edit (with history); a proposal keeps a snapshot
of them, so its scores never change after it is made.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from enterprises.industries import DIVISIONS, SECTIONS
from liaison.models import Category


class Factor(models.TextChoices):
    UNIT_FUNCTION = "unit_function", _("Unit function vs industry")
    CATEGORY = "category", _("Professional category vs industry")
    RANK = "rank", _("Rank vs enterprise weight")
    STREET = "street", _("Street")
    LOAD = "load", _("Unit load")


FACTOR_HELP = {
    Factor.UNIT_FUNCTION: _("Full points when the cadre's unit is competent for the enterprise's industry."),
    Factor.CATEGORY: _("Full points for a strong fit of the professional category, half for some fit."),
    Factor.RANK: _(
        "Senior cadres for weighty enterprises (above scale, revenue, employees, high-tech): "
        "full points when the rank matches the weight."
    ),
    Factor.STREET: _(
        "Full points for a street office cadre in the enterprise's own street, half for a district-wide unit, "
        "none for another street."
    ),
    Factor.LOAD: _("Spares units whose cadres already serve many enterprises: share of the unit's cadres still free."),
}

DEFAULT_WEIGHTS = {
    Factor.UNIT_FUNCTION: 30,
    Factor.CATEGORY: 25,
    Factor.RANK: 20,
    Factor.STREET: 15,
    Factor.LOAD: 10,
}
MAX_WEIGHT = 100


def validate_sections(value: str) -> None:
    unknown = sorted({letter for letter in value if letter not in SECTIONS})
    if unknown:
        raise ValidationError(
            _("Unknown industry sections: %(codes)s. Use GB/T 4754 letters A–T.") % {"codes": ", ".join(unknown)}
        )


def validate_divisions(value: str) -> None:
    unknown = sorted({code for code in split_divisions(value) if code not in DIVISIONS})
    if unknown:
        raise ValidationError(
            _("Unknown industry divisions: %(codes)s. Use GB/T 4754 two-digit codes.") % {"codes": ", ".join(unknown)}
        )


def split_divisions(value: str) -> list[str]:
    return [code for code in value.replace("，", ",").replace(" ", ",").split(",") if code]


class FactorWeight(models.Model):
    """How many points a factor gives at full fit; 0 switches it off."""

    factor = models.CharField(_("factor"), max_length=20, choices=Factor.choices, unique=True)
    weight = models.PositiveSmallIntegerField(_("weight"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("factor weight")
        verbose_name_plural = _("factor weights")
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(weight__lte=MAX_WEIGHT), name="factor_weight_at_most_100")]

    def __str__(self) -> str:
        return f"{self.get_factor_display()}: {self.weight}"


class UnitFunction(models.Model):
    """The GB/T 4754 sections and divisions a unit is competent for (工信 → C, 商务 → F/H...)."""

    unit = models.OneToOneField(
        "liaison.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="matching_function"
    )
    sections = models.CharField(
        _("industry sections"),
        max_length=20,
        blank=True,
        validators=[validate_sections],
        help_text=_("GB/T 4754 section letters, e.g. CIM."),
    )
    divisions = models.CharField(
        _("industry divisions"),
        max_length=300,
        blank=True,
        validators=[validate_divisions],
        help_text=_("Two-digit GB/T 4754 divisions beyond whole sections, comma separated, e.g. 27,39."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("unit function")
        verbose_name_plural = _("unit functions")
        ordering = ["unit__name"]

    def __str__(self) -> str:
        return f"{self.unit}: {self.sections} {self.divisions}".strip()

    def clean(self) -> None:
        self.sections = "".join(sorted(set((self.sections or "").upper().replace(" ", ""))))
        self.divisions = ",".join(sorted(set(split_divisions(self.divisions or ""))))


class CategoryIndustry(models.Model):
    """How a cadre's professional category suits the industry sections: strongly, or somewhat."""

    category = models.CharField(_("professional category"), max_length=20, choices=Category.choices, unique=True)
    strong = models.CharField(
        _("strong fit"), max_length=20, blank=True, validators=[validate_sections], help_text=_("Full points.")
    )
    some = models.CharField(
        _("some fit"), max_length=20, blank=True, validators=[validate_sections], help_text=_("Half the points.")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("category fit")
        verbose_name_plural = _("category fits")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.get_category_display()

    def clean(self) -> None:
        self.strong = "".join(sorted(set((self.strong or "").upper().replace(" ", ""))))
        self.some = "".join(sorted(set((self.some or "").upper().replace(" ", "")) - set(self.strong)))


class BlockedPair(models.Model):
    """A pair staff have excluded (conflict of interest...): never proposed."""

    cadre = models.ForeignKey(
        "liaison.Cadre", verbose_name=_("cadre"), on_delete=models.CASCADE, related_name="blocked_pairs"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="blocked_pairs"
    )
    reason = models.CharField(_("reason"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("blocked by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("blocked at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("blocked pair")
        verbose_name_plural = _("blocked pairs")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["cadre", "enterprise"], name="blocked_pair_once")]

    def __str__(self) -> str:
        return f"{self.cadre.name} ✕ {self.enterprise.name}"


class Scope(models.TextChoices):
    ALL = "all", _("All unpaired enterprises")
    STREET = "street", _("One street")
    SECTION = "section", _("One industry section")


class ProposalStatus(models.TextChoices):
    COMPUTING = "computing", _("Computing")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class Proposal(models.Model):
    """An optimal one-to-one proposal for the unpaired enterprises of a scope and the free cadres."""

    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.ALL)
    street = models.ForeignKey(
        "liaison.Unit", verbose_name=_("street"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    section = models.CharField(_("industry section"), max_length=1, blank=True)
    above_scale_only = models.BooleanField(_("above-scale enterprises only"), default=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.COMPUTING
    )
    enterprise_count = models.PositiveIntegerField(_("enterprises"), default=0)
    cadre_count = models.PositiveIntegerField(_("free cadres"), default=0)
    blocks_total = models.PositiveIntegerField(_("blocks"), default=0)
    blocks_done = models.PositiveIntegerField(_("blocks done"), default=0)
    total_score = models.DecimalField(_("total fit"), max_digits=14, decimal_places=2, null=True, blank=True)
    # The best total any assignment could reach: the exact optimum when one block holds the whole
    # problem, else an upper bound (see matching.solver.upper_bound).
    best_bound = models.DecimalField(_("best possible"), max_digits=14, decimal_places=2, null=True, blank=True)
    bound_is_exact = models.BooleanField(_("exact optimum"), default=False)
    settings_snapshot = models.JSONField(_("weights and tables used"), default=dict)
    error = models.TextField(_("error"), blank=True)
    elapsed_ms = models.PositiveIntegerField(_("computing time (ms)"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("matching proposal")
        verbose_name_plural = _("matching proposals")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(blocks_done__lte=models.F("blocks_total")), name="proposal_progress"),
        ]

    def __str__(self) -> str:
        return _("Proposal #%(id)s") % {"id": self.pk}

    def get_absolute_url(self) -> str:
        return reverse("matching-proposal", args=[self.pk])

    @property
    def scope_label(self) -> str:
        if self.scope == Scope.STREET:
            return self.street.name if self.street_id else str(_("One street"))
        if self.scope == Scope.SECTION:
            return f"{self.section} {SECTIONS.get(self.section, '')}"
        return str(Scope.ALL.label)

    @property
    def gap(self):
        """Total fit the split into blocks gave up against the best it could check."""
        if self.total_score is None or self.best_bound is None:
            return None
        return max(self.best_bound - self.total_score, 0)

    @property
    def gap_percent(self) -> float | None:
        gap = self.gap
        if gap is None or not self.best_bound:
            return None
        return float(gap) / float(self.best_bound) * 100

    @property
    def progress_percent(self) -> int:
        return round(self.blocks_done * 100 / self.blocks_total) if self.blocks_total else 0


class ProposalBlock(models.Model):
    """One independent part of a large proposal, solved by its own Celery task."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="blocks")
    index = models.PositiveIntegerField()
    label = models.CharField(max_length=100, blank=True)
    cadre_ids = models.JSONField(default=list)
    enterprise_ids = models.JSONField(default=list)
    total_score = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["proposal", "index"]
        constraints = [models.UniqueConstraint(fields=["proposal", "index"], name="proposal_block_once")]

    def __str__(self) -> str:
        return f"{self.proposal_id}/{self.index}"


class ProposalPair(models.Model):
    """A proposed pair with its score broken down by factor; accepted through the re-pairing service."""

    proposal = models.ForeignKey(Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="pairs")
    block = models.PositiveIntegerField(default=0)
    cadre = models.ForeignKey("liaison.Cadre", verbose_name=_("cadre"), on_delete=models.CASCADE, related_name="+")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="+"
    )
    score = models.DecimalField(_("score"), max_digits=7, decimal_places=2)
    breakdown = models.JSONField(_("score by factor"), default=dict)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("accepted by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    assignment = models.ForeignKey(
        "liaison.Assignment", verbose_name=_("pairing"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    failure = models.CharField(_("could not accept"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("proposed pair")
        verbose_name_plural = _("proposed pairs")
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "cadre"], name="proposal_pair_cadre_once"),
            models.UniqueConstraint(fields=["proposal", "enterprise"], name="proposal_pair_enterprise_once"),
        ]

    def __str__(self) -> str:
        return f"{self.cadre.name} ↔ {self.enterprise.name} ({self.score})"


class LeftoverSide(models.TextChoices):
    CADRE = "cadre", _("Cadre")
    ENTERPRISE = "enterprise", _("Enterprise")


class LeftoverReason(models.TextChoices):
    MORE_CADRES = "more_cadres", _("More free cadres than enterprises")
    MORE_ENTERPRISES = "more_enterprises", _("More enterprises than free cadres")
    EXCLUDED = "excluded", _("Every possible partner is excluded")


class ProposalLeftover(models.Model):
    """A free cadre or an unpaired enterprise the proposal could not pair, with why."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="leftovers")
    block = models.PositiveIntegerField(default=0)
    side = models.CharField(max_length=10, choices=LeftoverSide.choices)
    cadre = models.ForeignKey("liaison.Cadre", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=20, choices=LeftoverReason.choices)

    class Meta:
        ordering = ["side", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(side="cadre", cadre__isnull=False, enterprise__isnull=True))
                | Q(side="enterprise", enterprise__isnull=False, cadre__isnull=True),
                name="proposal_leftover_one_side",
            ),
        ]

    def __str__(self) -> str:
        return str(self.cadre or self.enterprise)
