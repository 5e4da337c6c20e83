"""Reads for the jobs page and the API: recent runs, and each job's latest run."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Max, QuerySet
from django.utils.translation import gettext as _

from jobs.models import JobRun
from jobs.permissions import can_view_jobs
from jobs.registry import JOBS
from liaison.models import User

RECENT_RUNS = 20


def job_run_list(*, viewer: User) -> QuerySet[JobRun]:
    if not can_view_jobs(viewer):
        raise PermissionDenied(_("Jobs are for task-force staff."))
    return JobRun.objects.select_related("requested_by__cadre").order_by("-created_at", "-id")


def latest_runs(*, viewer: User) -> dict[str, JobRun]:
    """Each registered job's most recent run (ids grow with time), in two queries."""
    runs = job_run_list(viewer=viewer)
    last_ids = (
        runs.filter(job__in=list(JOBS)).order_by().values("job").annotate(last=Max("id")).values_list("last", flat=True)
    )
    return {run.job: run for run in runs.filter(pk__in=list(last_ids))}
