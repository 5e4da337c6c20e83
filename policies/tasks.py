"""Background jobs for the catalogue: expire policies by date, tell cadres about new deliveries."""

from celery import shared_task

from policies import services
from policies.notifications import delivery_notify as _delivery_notify


@shared_task(acks_late=True)
def policy_expire_due() -> int:
    return services.policy_expire_due()


@shared_task(acks_late=True)
def delivery_notify(policy_id: int) -> int:
    return _delivery_notify(policy_id=policy_id)
