"""Celery tasks of the jobs page: run one started job, and start a job from a beat schedule."""

from __future__ import annotations

from celery import shared_task

from jobs import services


@shared_task(acks_late=True)
def run_job(run_id: int) -> str:
    """Run a started job; delivered again after a worker died, it finishes the run (or does nothing
    when the run has already finished)."""
    return services.job_execute(run_id=run_id)


@shared_task(acks_late=True)
def run_scheduled(job_key: str) -> int:
    """A beat entry: start the job for its default period, as the page would; returns the run's id."""
    return services.job_start_scheduled(job_key=job_key).pk
