"""A run of a job (周调度、月通报、年考评、提醒…) for one period, with its progress and result."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


ACTIVE_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)


class JobRun(models.Model):
    """One run of a registered job (jobs.registry) for one period; a year is kept as its 1 January,
    a month as its first day, a week as its Monday."""

    job = models.CharField(_("job"), max_length=40)
    period = models.DateField(_("period"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty for a scheduled run."),
    )
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    note = models.CharField(_("note"), max_length=300, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Touched by every status or progress write: a run whose worker vanished stops moving.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # The process running it ("host:pid") and its last sign of life, written every few seconds by a
    # thread beside the job: a killed worker is noticed by its missing process or its silence.
    worker = models.CharField(_("worker"), max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "period"],
                condition=Q(status__in=["queued", "running"]),
                name="one_active_run_per_job_and_period",
            ),
            models.CheckConstraint(condition=Q(done__lte=F("total")), name="job_run_done_within_total"),
        ]
        indexes = [models.Index(fields=["job", "-created_at"], name="job_run_job_recent")]

    def __str__(self) -> str:
        return f"{self.job} {self.period} ({self.status})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("job-run-detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def percent(self) -> int:
        if self.status == RunStatus.SUCCEEDED:
            return 100
        return round(100 * self.done / self.total) if self.total else 0
