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
