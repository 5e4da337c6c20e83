"""Background jobs for appeals: notify the new handler, and remind handlers on working days."""

from celery import shared_task

from appeals import notifications


@shared_task(acks_late=True)
def appeal_notify(appeal_id: int, event_id: int) -> int:
    """Tell whoever now holds the appeal; safe to run twice (one notification per user and event)."""
    return notifications.appeal_notify(appeal_id=appeal_id, event_id=event_id)


@shared_task(acks_late=True)
def appeal_send_reminders() -> int:
    """Remind handlers of appeals due soon or overdue; nothing on weekends and holidays."""
    return notifications.appeal_send_reminders()
