from celery import shared_task

from audit import services


@shared_task(acks_late=True)
def audit_purge() -> int:
    """Nightly: drop audit rows past the retention (never younger than 180 days)."""
    return services.audit_purge()
