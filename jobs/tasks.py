"""Celery tasks of the jobs page: run one started job, and start a job from a beat schedule; a worker
starting up queues again the runs a killed worker left behind."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import worker_ready

from jobs import services

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def run_job(run_id: int) -> str:
    """Run a started job; delivered again after a worker died, it finishes the run (or does nothing
    when the run has already finished)."""
    return services.job_execute(run_id=run_id)


@shared_task(acks_late=True)
def run_scheduled(job_key: str) -> int:
    """A beat entry: start the job for its default period, as the page would; returns the run's id."""
    return services.job_start_scheduled(job_key=job_key).pk


@worker_ready.connect
def recover_lost_runs(sender=None, **kwargs) -> None:
    """A worker starting up (after a crash, say) queues again the runs whose worker was lost."""
    try:
        recovered = services.job_runs_recover()
    except Exception:  # the worker must start even when this fails; a new start replaces a lost run
        log.exception("could not recover lost job runs")
        return
    if recovered:
        log.warning("queued again lost job runs %s", recovered)
