import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison.settings")

app = Celery("liaison")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _start_health_heartbeat(sender=None, **kwargs) -> None:
    """/healthz sees a worker through the timestamp this worker keeps writing to Redis."""
    from django.conf import settings

    if settings.REDIS_URL:
        from liaison.health import worker_heartbeat_start

        worker_heartbeat_start()
