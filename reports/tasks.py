"""The weekly dispatch job, run by beat every Monday morning (and on demand by the task force)."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from liaison.selectors import today
from reports import services


@shared_task(acks_late=True)
def weekly_dispatch(week_start: str | None = None) -> dict:
    """Build the week's sheets (default: this week, Asia/Shanghai); a re-run only fills in what is missing."""
    day = date.fromisoformat(week_start) if week_start else services.week_monday(today())
    return services.weekly_dispatch_run(week_start=day)
