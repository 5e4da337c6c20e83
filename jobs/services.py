"""Starting and running jobs (jobs.registry) with their progress, for pages, the API and beat.

A start writes one JobRun row and queues `jobs.tasks.run_job` after the commit; the database
allows one queued-or-running run per job and period, so a second start while one is under way
returns that one. On the embedded default (no Redis) Celery runs the task in-process, so the run
is finished when the start returns. When the queue cannot be reached the run is marked failed at
once and the start raises QueueUnavailable: nothing is left queued that nothing will run.

A running run records its worker ("host:pid") and a heartbeat written every JOB_HEARTBEAT_SECONDS by
a thread beside the job. It is lost when that process is gone (same host) or the heartbeat is older
than JOB_LOST_SECONDS: a new start then replaces it at once, and a worker starting up queues again the
lost runs it finds (`job_runs_recover`). The task may also be delivered again (`acks_late`, with a
short Redis visibility timeout): a finished run is left alone, a live one too, a lost one is run
again, which the job's own idempotence makes safe.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
import uuid
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jobs.models import ACTIVE_STATUSES, JobRun, RunStatus
from jobs.permissions import can_run_jobs
from jobs.registry import get_job
from liaison.models import User
from liaison.selectors import today

log = logging.getLogger(__name__)


class QueueUnavailable(Exception):
    """The task queue (Redis) could not take the run; the run has been marked failed."""

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
        now = timezone.now()
        JobRun.objects.filter(pk=self.run_id).update(
            done=self.done, total=self.total, note=self.note, updated_at=now, heartbeat_at=now
        )


# --- Workers alive or lost ---------------------------------------------------------------------


def this_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _process_gone(worker: str) -> bool:
    """True when `worker` ("host:pid") ran on this host and that process no longer exists (or is a zombie)."""
    host, _sep, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another machine's process: only its heartbeat tells
    pid = int(pid)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except (OSError, IndexError):
        return False


def lost_reason(run: JobRun) -> str:
    """Why a running run is taken as lost ("" when it is alive or not running)."""
    if run.status != RunStatus.RUNNING:
        return ""
    if run.worker and _process_gone(run.worker):
        return _("Lost: its worker (%(worker)s) stopped.") % {"worker": run.worker}
    beat = run.heartbeat_at or run.updated_at
    if beat is not None and beat < timezone.now() - timedelta(seconds=settings.JOB_LOST_SECONDS):
        return _("Lost: no heartbeat from its worker for %(seconds)d seconds.") % {"seconds": settings.JOB_LOST_SECONDS}
    return ""


class Heartbeat(threading.Thread):
    """Writes the run's heartbeat every `interval` seconds while the job runs in the main thread."""

    def __init__(self, run_id: int, interval: float):
        super().__init__(name=f"job-run-{run_id}-heartbeat", daemon=True)
        self.run_id, self.interval = run_id, interval
        self._stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self._stopped.wait(self.interval):
                try:
                    JobRun.objects.filter(pk=self.run_id, status=RunStatus.RUNNING).update(heartbeat_at=timezone.now())
                except Exception:  # a busy database must not stop the job itself
                    log.warning("heartbeat of job run %s not written", self.run_id, exc_info=True)
        finally:
            connections.close_all()  # this thread's own connections

    def stop(self) -> None:
        self._stopped.set()
        self.join(timeout=10)


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
    """A running run whose worker is gone (lost_reason), or a queued one that has not moved for
    JOB_STALE_MINUTES (its message was lost), is marked failed so that a new run can start at once."""
    now = timezone.now()
    limit = now - timedelta(minutes=settings.JOB_STALE_MINUTES)
    JobRun.objects.filter(job=job, period=period, status=RunStatus.QUEUED, updated_at__lt=limit).update(
        status=RunStatus.FAILED,
        error=_("Abandoned: no progress for %(minutes)d minutes.") % {"minutes": settings.JOB_STALE_MINUTES},
        finished_at=now,
        updated_at=now,
    )
    for run in JobRun.objects.select_for_update().filter(job=job, period=period, status=RunStatus.RUNNING):
        reason = lost_reason(run)
        if reason:
            log.warning("job run %s (%s %s) lost: %s", run.pk, run.job, run.period, reason)
            JobRun.objects.filter(pk=run.pk).update(
                status=RunStatus.FAILED, error=reason, finished_at=now, updated_at=now
            )


# Publishing gives up after about a second: a start waits for no Redis that is not there.
PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.3, "interval_max": 0.5}


def _enqueue(run: JobRun) -> None:
    """Queue the run's task; when the queue cannot take it, the run fails at once (nothing left queued)."""
    from jobs.tasks import run_job

    try:
        run_job.apply_async(args=[run.pk], task_id=run.task_id, retry=True, retry_policy=PUBLISH_RETRY_POLICY)
    except Exception as exc:
        if run_job.app.conf.task_always_eager:
            raise  # run in-process: nothing was queued, and the job records its own errors
        log.exception("job run %s (%s %s) could not be queued", run.pk, run.job, run.period)
        now = timezone.now()
        JobRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(
            status=RunStatus.FAILED,
            error=_("Not started: the task queue (Redis) is unavailable. Try again when it is back."),
            finished_at=now,
            updated_at=now,
        )
        raise QueueUnavailable(_("The task queue is unavailable, so the job could not be started. "
                                 "Nothing has been queued; try again in a few minutes.")) from exc


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
        if run.status == RunStatus.RUNNING and not lost_reason(run):
            return run.status  # delivered again while its worker is still at it
        now = timezone.now()
        run.status, run.started_at, run.error = RunStatus.RUNNING, now, ""
        run.done, run.total, run.note = 0, 0, _("Starting")
        run.worker, run.heartbeat_at = this_worker(), now
        run.save(update_fields=["status", "started_at", "error", "done", "total", "note", "worker", "heartbeat_at",
                                "updated_at"])
    progress = ProgressReporter(run.pk)
    heartbeat = Heartbeat(run.pk, settings.JOB_HEARTBEAT_SECONDS)
    heartbeat.start()
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
    finally:
        heartbeat.stop()
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


def job_run_record(*, job_key: str, period: date, result: dict, note: str = "") -> JobRun | None:
    """Record a run of `job_key` for `period` that was done outside the queue — the demo builder calls the
    job's own function, with the clock at the time the schedule would have run it — so that the jobs page
    lists what it produced. Nothing when a successful run of that job and period is recorded already."""
    job = get_job(job_key)
    if JobRun.objects.filter(job=job.key, period=period, status=RunStatus.SUCCEEDED).exists():
        return None
    now = timezone.now()
    return JobRun.objects.create(
        job=job.key,
        period=period,
        status=RunStatus.SUCCEEDED,
        result=_jsonable(result),
        done=1,
        total=1,
        note=note[:300],
        started_at=now,
        finished_at=now,
    )


def job_runs_recover() -> list[int]:
    """Queue again every running run whose worker is lost (a worker starting up calls this); returns their ids.
    The run keeps its row, its requester and period; the job's idempotence makes the second pass safe."""
    recovered = []
    with transaction.atomic():
        for run in JobRun.objects.select_for_update(skip_locked=True).filter(status=RunStatus.RUNNING):
            reason = lost_reason(run)
            if not reason:
                continue
            log.warning("job run %s (%s %s) recovered: %s", run.pk, run.job, run.period, reason)
            run.status, run.task_id, run.worker, run.heartbeat_at = RunStatus.QUEUED, uuid.uuid4().hex, "", None
            run.note = _("Queued again: %(reason)s") % {"reason": reason}
            run.save(update_fields=["status", "task_id", "worker", "heartbeat_at", "note", "updated_at"])
            recovered.append(run)
            transaction.on_commit(lambda run=run: _enqueue(run))
    return [run.pk for run in recovered]


def job_start_scheduled(*, job_key: str) -> JobRun:
    """A beat entry's run: the job's default period, no user."""
    run, _created = job_start(job_key=job_key, period=None, acting_user=None)
    return run
