"""The weekly dispatch job (every Monday morning) and the monthly bulletin job (the 1st of each month),
run by beat and on demand by the task force."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from liaison.selectors import previous_month, today
from reports import bulletins, services


@shared_task(acks_late=True)
def weekly_dispatch(week_start: str | None = None) -> dict:
    """Build the week's sheets (default: this week, Asia/Shanghai); a re-run only fills in what is missing."""
    day = date.fromisoformat(week_start) if week_start else services.week_monday(today())
    return services.weekly_dispatch_run(week_start=day)


@shared_task(acks_late=True)
def monthly_bulletin(month: str | None = None) -> dict:
    """Publish the monthly bulletin (default: the month before today, Asia/Shanghai); a re-run of a
    month already published returns it and publishes nothing."""
    first = bulletins.parse_month(month) if month else previous_month(today())
    return bulletins.monthly_bulletin_run(month=first)
