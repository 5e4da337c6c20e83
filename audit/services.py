"""Writing and pruning the audit log."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts.lockout import client_ip
from audit.context import current_request
from audit.models import RETENTION_FLOOR_DAYS, AuditEvent


def audit_build(
    *, kind: str, user=None, username: str = "", request=None, summary: str = "", detail: dict | None = None
) -> AuditEvent:
    """An unsaved row; the request (given, or the one being served) supplies the address and path."""
    request = request if request is not None else current_request.get()
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if user is not None and not username:
        username = user.get_username()
    address = client_ip(request) if request is not None else None
    path = getattr(request, "path", "")[:300] if request is not None else ""
    return AuditEvent(
        kind=kind,
        user=user,
        username=(username or "")[:150],
        address=address or None,
        path=path,
        summary=summary[:500],
        detail=detail or {},
    )


def audit_record(**fields) -> AuditEvent:
    """Append one row (see audit_build for the fields)."""
    event = audit_build(**fields)
    event.save()
    return event


def audit_record_many(events: list[AuditEvent]) -> None:
    """Append rows built with audit_build in one statement (a bulk admin action)."""
    AuditEvent.objects.bulk_create(events)


def retention_days() -> int:
    return max(RETENTION_FLOOR_DAYS, int(getattr(settings, "AUDIT_RETENTION_DAYS", RETENTION_FLOOR_DAYS)))


def audit_purge(*, days: int | None = None) -> int:
    """Delete rows older than the retention (AUDIT_RETENTION_DAYS, never under 180 days); returns how many."""
    days = retention_days() if days is None else days
    if days < RETENTION_FLOOR_DAYS:
        raise ValueError(f"audit rows are kept at least {RETENTION_FLOOR_DAYS} days")
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = AuditEvent.objects.filter(at__lt=cutoff).delete()
    return deleted
