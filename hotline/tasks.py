"""Background jobs of the hotline: send a work order's status changes back, and sweep up what was left."""

from celery import shared_task

from hotline import services


@shared_task(bind=True, acks_late=True, max_retries=None)
def hotline_callback_send(self, work_order_id: int) -> str:
    """Send the work order's due changes in order; after a failed attempt, come back after the backoff.
    Safe to run twice or at once (one sender per work order at a time; a delivered change is not sent again)."""
    outcome = services.callback_send_all(work_order_id=work_order_id)
    if outcome.kind == "retry":
        raise self.retry(countdown=outcome.retry_in + 0.5)
    return outcome.kind


@shared_task(acks_late=True)
def hotline_callback_sweep() -> int:
    """Beat, every minute: queue a sender for every work order with a change due (a lost message, a
    worker killed mid-send, a change to give up)."""
    due = services.callback_sweep()
    for work_order_id in due:
        hotline_callback_send.delay(work_order_id)
    return len(due)
