"""The annual evaluation job: run by the task force (or the jobs page), by default for last year."""

from __future__ import annotations

from celery import shared_task

from evaluations import services
from liaison.models import User
from liaison.selectors import today


@shared_task(acks_late=True)
def annual_evaluation(
    year: int | None = None, recompute: bool = False, reason: str = "", user_id: int | None = None
) -> dict:
    """Evaluate `year` (default: last year, Asia/Shanghai); a second run returns the stored result."""
    acting_user = User.objects.get(pk=user_id) if user_id is not None else None
    return services.annual_evaluation_run(
        year=year if year is not None else today().year - 1,
        recompute=recompute,
        reason=reason,
        acting_user=acting_user,
    )
