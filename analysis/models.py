"""Hot-problem clusters of a period, and the term index behind the similar-appeal lookup."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class AppealTerms(models.Model):
    """An appeal's terms (analysis.text.tokenize of its title and description), space-separated: what
    the clustering reads instead of cutting the text again. Its presence marks the appeal as indexed."""

    appeal = models.OneToOneField(
        "appeals.Appeal", on_delete=models.CASCADE, primary_key=True, related_name="analysis_terms"
    )
    terms = models.TextField(blank=True)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("appeal terms")
        verbose_name_plural = _("appeal terms")

    def __str__(self) -> str:
        return f"#{self.appeal_id}"


class AppealTerm(models.Model):
    """One term of one appeal with its weight there: the inverted index the similar lookup reads."""

    appeal = models.ForeignKey("appeals.Appeal", on_delete=models.CASCADE, related_name="+", db_index=False)
    term = models.CharField(max_length=40)
    weight = models.FloatField()

    class Meta:
        verbose_name = _("appeal term")
        verbose_name_plural = _("appeal terms")
        constraints = [models.UniqueConstraint(fields=["appeal", "term"], name="appeal_term_unique")]
        # A term's heaviest postings first (analysis.selectors._postings), covering the appeal.
        indexes = [models.Index(fields=["term", "-weight"], include=["appeal"], name="appeal_term_by_weight")]

    def __str__(self) -> str:
        return f"#{self.appeal_id} {self.term}"


class ClusterRun(models.Model):
    """One clustering of a period's appeals and meeting issues. Running it again for the same period
    replaces its clusters (one run per period)."""

    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    documents = models.PositiveIntegerField(_("problems clustered"), default=0)
    k = models.PositiveSmallIntegerField(_("number of clusters"), default=0)
    silhouette = models.JSONField(_("silhouette by number of clusters"), default=dict, blank=True)
    seconds = models.FloatField(_("seconds taken"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("run by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("run at"), auto_now=True)

    class Meta:
        verbose_name = _("clustering run")
        verbose_name_plural = _("clustering runs")
        ordering = ["-period_start"]
        constraints = [
            models.UniqueConstraint(fields=["period_start", "period_end"], name="one_cluster_run_per_period"),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="cluster_run_period_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period_start} – {self.period_end}"

    @property
    def year(self) -> int:
        return self.period_start.year


class Cluster(models.Model):
    """A group of problems about the same thing, with its figures as of the run, and what the task
    force decided about it (countermeasures and draft policies made from it)."""

    run = models.ForeignKey(ClusterRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="clusters")
    number = models.PositiveSmallIntegerField(_("number"))
    keywords = models.JSONField(_("keywords"), default=list)
    label = models.CharField(_("label"), max_length=100, blank=True, help_text=_("Leave empty to show the keywords."))
    label_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("label edited by"), on_delete=models.SET_NULL, null=True,
        blank=True, related_name="+",
    )
    label_edited_at = models.DateTimeField(_("label edited at"), null=True, blank=True)
    size = models.PositiveIntegerField(_("problems"), default=0)
    enterprises = models.PositiveIntegerField(_("enterprises"), default=0)
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")
        ordering = ["run", "-enterprises", "-size", "number"]
        constraints = [models.UniqueConstraint(fields=["run", "number"], name="cluster_number_unique")]

    def __str__(self) -> str:
        return self.display_label

    def get_absolute_url(self) -> str:
        return reverse("analysis-cluster", args=[self.pk])

    @property
    def display_label(self) -> str:
        return self.label or " · ".join(self.keywords)


class ClusterMember(models.Model):
    """An appeal, or a meeting issue not raised as an appeal, in a cluster."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="members")
    appeal = models.ForeignKey("appeals.Appeal", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    issue = models.ForeignKey(
        "meetings.MeetingIssue", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    similarity = models.FloatField(default=0)

    class Meta:
        verbose_name = _("cluster member")
        verbose_name_plural = _("cluster members")
        ordering = ["cluster", "-similarity", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(appeal__isnull=False, issue__isnull=True) | Q(appeal__isnull=True, issue__isnull=False),
                name="cluster_member_appeal_or_issue",
            ),
        ]
        indexes = [models.Index(fields=["cluster", "similarity"])]

    def __str__(self) -> str:
        return f"{self.cluster_id}: {self.appeal_id or self.issue_id}"


class ClusterLink(models.Model):
    """A countermeasure or policy tied to a cluster: made from it in one step, or linked by staff; who
    and when."""

    cluster = models.ForeignKey(Cluster, verbose_name=_("cluster"), on_delete=models.CASCADE, related_name="links")
    countermeasure = models.ForeignKey(
        "meetings.Countermeasure", verbose_name=_("countermeasure"), on_delete=models.CASCADE, null=True,
        blank=True, related_name="+",
    )
    policy = models.ForeignKey(
        "policies.Policy", verbose_name=_("policy"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("cluster link")
        verbose_name_plural = _("cluster links")
        ordering = ["cluster", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(countermeasure__isnull=False, policy__isnull=True)
                | Q(countermeasure__isnull=True, policy__isnull=False),
                name="cluster_link_countermeasure_or_policy",
            ),
            models.UniqueConstraint(fields=["cluster", "countermeasure"], name="cluster_link_countermeasure_once"),
            models.UniqueConstraint(fields=["cluster", "policy"], name="cluster_link_policy_once"),
        ]

    def __str__(self) -> str:
        return str(self.countermeasure or self.policy)


class ReportPeriod(models.TextChoices):
    CAMPAIGN = "campaign", _("Campaign to date")
    YEAR = "year", _("Year")
    QUARTER = "quarter", _("Quarter")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded by a new version")


class AnalysisReport(models.Model):
    """The 总结分析报告 of a period: generated as a draft (figures computed then), its texts edited by
    staff, then published frozen. Publishing again makes the next version; older versions stay
    readable, marked superseded. Every change is in its history (who, when, which fields)."""

    period_kind = models.CharField(_("period"), max_length=10, choices=ReportPeriod.choices)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    status = models.CharField(_("status"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    version = models.PositiveSmallIntegerField(_("version"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    # The computed sections (一、二、三): figures, tables and hot clusters, as of `computed_at`.
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    computed_at = models.DateTimeField(_("figures computed at"), null=True, blank=True)
    basics_note = models.TextField(_("commentary on the basic situation"), blank=True)
    problems_note = models.TextField(_("commentary on the problem analysis"), blank=True)
    measures_note = models.TextField(_("commentary on the countermeasures"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    reason = models.TextField(_("reason for the new version"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("drafted by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("drafted at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("published by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["figures"])

    class Meta:
        verbose_name = _("analysis report")
        verbose_name_plural = _("analysis reports")
        ordering = ["-period_end", "period_kind", "-version"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="analysis_report_period_ordered"
            ),
            models.CheckConstraint(
                condition=Q(status="draft", version__isnull=True, published_at__isnull=True)
                | Q(status="published", version__gte=1, published_at__isnull=False, superseded_at__isnull=True)
                | Q(status="superseded", version__gte=1, published_at__isnull=False, superseded_at__isnull=False),
                name="analysis_report_status_consistent",
            ),
            models.CheckConstraint(
                condition=Q(version__isnull=True) | Q(version=1) | ~Q(reason=""),
                name="analysis_report_new_version_has_reason",
            ),
            models.UniqueConstraint(
                fields=["period_kind", "period_start", "period_end"], condition=Q(status="draft"),
                name="analysis_report_one_draft_per_period",
            ),
            models.UniqueConstraint(
                fields=["period_kind", "period_start", "period_end"], condition=Q(status="published"),
                name="analysis_report_one_current_per_period",
            ),
            models.UniqueConstraint(
                fields=["period_kind", "period_start", "period_end", "version"],
                name="analysis_report_version_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}" if self.version else f"{self.title} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("analysis-report", args=[self.pk])

    @property
    def is_draft(self) -> bool:
        return self.status == ReportStatus.DRAFT

    @property
    def is_current(self) -> bool:
        return self.status == ReportStatus.PUBLISHED


class ReportDocumentKind(models.TextChoices):
    DOCX = "docx", _("Word document")
    PDF = "pdf", _("PDF")


class ReportDocumentStatus(models.TextChoices):
    PENDING = "pending", _("Being made")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class ReportDocument(models.Model):
    """A published report's Word document or PDF, rendered once by the `analysis_report_documents`
    job and kept in the default storage; downloads serve the file."""

    report = models.ForeignKey(AnalysisReport, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=10, choices=ReportDocumentKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=ReportDocumentStatus.choices, default=ReportDocumentStatus.PENDING
    )
    file = models.FileField(_("file"), upload_to="analysis-reports/", max_length=300, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    error = models.TextField(_("error"), blank=True)
    rendered_at = models.DateTimeField(_("rendered at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("analysis report document")
        verbose_name_plural = _("analysis report documents")
        ordering = ["report", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["report", "kind"], name="analysis_report_document_once_per_kind"),
            models.CheckConstraint(
                condition=Q(status="ready", rendered_at__isnull=False) & ~Q(file="") | ~Q(status="ready"),
                name="analysis_report_document_ready_has_file",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report} {self.kind} ({self.status})"

    @property
    def is_ready(self) -> bool:
        return self.status == ReportDocumentStatus.READY
