"""Reads about sign-in security."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Max, Sum
from django.utils import timezone


@dataclass(frozen=True)
class Lock:
    kind: str  # "username" or "ip_address"
    value: str
    failures: int
    last_attempt: datetime
    locked: bool


def lockout_list() -> list[Lock]:
    """User names and addresses with failed sign-ins still counting, locked ones first."""
    from axes.models import AccessAttempt

    attempts = AccessAttempt.objects.all()
    if settings.AXES_COOLOFF_TIME is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME)
    locks = []
    for field, limit in (
        ("username", settings.AXES_FAILURE_LIMIT),
        ("ip_address", settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS),
    ):
        rows = (
            attempts.exclude(**{f"{field}__isnull": True})
            .values(field)
            .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        )
        for row in rows:
            if row[field]:
                locks.append(Lock(field, row[field], row["failures"], row["last"], row["failures"] >= limit))
    return sorted(locks, key=lambda lock: (not lock.locked, -lock.last_attempt.timestamp()))
