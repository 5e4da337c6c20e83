"""Starting and running jobs (jobs.registry) with their progress, for pages, the API and beat.

A start writes one JobRun row and queues `jobs.tasks.run_job` after the commit; the database
allows one queued-or-running run per job and period, so a second start while one is under way
returns that one. On the embedded default (no Redis) Celery runs the task in-process, so the run
is finished when the start returns. The task may be delivered again after a worker died
(`acks_late`): a finished run is left alone, a run left "running" is run again, which the job's own
idempotence makes safe.
"""

from __future__ import annotations

import logging
import time
import traceback
import uuid
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jobs.models import ACTIVE_STATUSES, JobRun, RunStatus
from jobs.permissions import can_run_jobs
from jobs.registry import get_job
from liaison.models import User
from liaison.selectors import today

log = logging.getLogger(__name__)

PROGRESS_INTERVAL = 0.5  # seconds between two progress writes
ERROR_MAX_CHARS = 4000


class ProgressReporter:
    """The job's `progress(done, total, note)`: writes the run row at most every PROGRESS_INTERVAL
    seconds (and always for the last unit). A job that calls it outside its own transactions
    (between units) makes its progress visible at once."""

    def __init__(self, run_id: int, *, interval: float | None = None):
        self.run_id = run_id
        self.interval = PROGRESS_INTERVAL if interval is None else interval
        self.done = self.total = 0
        self.note = ""
        self._written_at: float | None = None

    def __call__(self, done: int, total: int, note: str = "") -> None:
        self.total = max(int(total), 0)
        self.done = min(max(int(done), 0), self.total)
        self.note = str(note or "")[:300]
        moment = time.monotonic()
        last = self._written_at
        if last is None or moment - last >= self.interval or self.done == self.total:
            self.write()
            self._written_at = moment

    def write(self) -> None:
        JobRun.objects.filter(pk=self.run_id).update(
            done=self.done, total=self.total, note=self.note, updated_at=timezone.now()
        )


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _short_traceback(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    text = "".join(traceback.format_exception(exc, limit=-6))
    return text[-ERROR_MAX_CHARS:]


def _abandon_stale(*, job: str, period: date) -> None:
    """A queued or running run that has not moved for JOB_STALE_MINUTES lost its worker and its
    message (a worker coming back would have run it again): mark it failed so that a new run can start."""
    limit = timezone.now() - timedelta(minutes=settings.JOB_STALE_MINUTES)
    JobRun.objects.filter(job=job, period=period, status__in=ACTIVE_STATUSES, updated_at__lt=limit).update(
        status=RunStatus.FAILED,
        error=_("Abandoned: no progress for %(minutes)d minutes.") % {"minutes": settings.JOB_STALE_MINUTES},
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )


def _enqueue(run: JobRun) -> None:
    from jobs.tasks import run_job

    run_job.apply_async(args=[run.pk], task_id=run.task_id)


def job_start(*, job_key: str, period: date | str | int | None, acting_user: User | None) -> tuple[JobRun, bool]:
    """Start a job for a period (None: its default period); returns (run, created). While a run of the
    same job and period is queued or running, that run is returned instead (created is False).
    `acting_user` None is the scheduler."""
    if acting_user is not None and not can_run_jobs(acting_user):
        raise PermissionDenied(_("Only task-force staff run jobs."))
    job = get_job(job_key)
    day = today()
    period = job.default_period(day) if period is None or period == "" else job.clean_period(period, today=day)
    with transaction.atomic():
        _abandon_stale(job=job.key, period=period)
        running = JobRun.objects.filter(job=job.key, period=period, status__in=ACTIVE_STATUSES).first()
        if running is not None:
            return running, False
        try:
            with transaction.atomic():
                run = JobRun.objects.create(
                    job=job.key, period=period, requested_by=acting_user, task_id=uuid.uuid4().hex
                )
        except IntegrityError:
            # Started at the same moment by someone else: the constraint let only one through.
            return JobRun.objects.get(job=job.key, period=period, status__in=ACTIVE_STATUSES), False
        transaction.on_commit(lambda: _enqueue(run))
    return run, True


def job_execute(*, run_id: int) -> str:
    """Run a started job (the body of jobs.tasks.run_job); returns the run's final status."""
    with transaction.atomic():
        run = JobRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None:
            log.warning("job run %s does not exist", run_id)
            return ""
        if not run.is_active:
            return run.status  # delivered again after it finished: nothing to do
        now = timezone.now()
        run.status, run.started_at, run.error = RunStatus.RUNNING, now, ""
        run.done, run.total, run.note = 0, 0, _("Starting")
        run.save(update_fields=["status", "started_at", "error", "done", "total", "note", "updated_at"])
    progress = ProgressReporter(run.pk)
    try:
        job = get_job(run.job)
        function = job.resolve()
        # No transaction around the job: it commits unit by unit, so a killed worker leaves finished units.
        kwargs = {job.period_kwarg: job.period_argument(run.period), "progress": progress}
        if job.pass_user:
            kwargs["acting_user"] = run.requested_by
        result = function(**kwargs)
    except Exception as exc:
        log.exception("job run %s (%s %s) failed", run.pk, run.job, run.period)
        JobRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED,
            error=_short_traceback(exc),
            note=progress.note,
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
        return RunStatus.FAILED
    total = max(progress.total, progress.done)
    JobRun.objects.filter(pk=run.pk).update(
        status=RunStatus.SUCCEEDED,
        result=_jsonable(result if isinstance(result, dict) else {"result": result}),
        done=total,
        total=total,
        note="",
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    return RunStatus.SUCCEEDED


def job_start_scheduled(*, job_key: str) -> JobRun:
    """A beat entry's run: the job's default period, no user."""
    run, _created = job_start(job_key=job_key, period=None, acting_user=None)
    return run
