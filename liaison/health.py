"""`/healthz` for a load balancer, and the Celery worker heartbeat it reads.

Each check is bounded (sub-second socket timeouts), so the endpoint answers within a second even when
Redis is unreachable. The answer names each component and its state, never an address, a host name
or an error message (those go to the log).
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

log = logging.getLogger(__name__)

WORKER_HEARTBEAT_KEY = "liaison:health:celery-worker"
REDIS_TIMEOUT_SECONDS = 0.5


def _redis():
    import redis

    return redis.Redis.from_url(
        settings.REDIS_URL, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
    )


def _check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"status": "ok"}


def _check_redis() -> dict:
    if not settings.REDIS_URL:
        return {"status": "not_configured"}
    _redis().ping()
    return {"status": "ok"}


def _check_worker() -> dict:
    if settings.CELERY_TASK_ALWAYS_EAGER or not settings.REDIS_URL:
        # The embedded demo: jobs run in the request, there is no worker to wait for.
        return {"status": "not_configured"}
    beat = _redis().get(WORKER_HEARTBEAT_KEY)
    if beat is None:
        return {"status": "down", "required": settings.HEALTHZ_REQUIRE_WORKER}
    age = max(0.0, time.time() - float(beat))
    state = "ok" if age <= settings.HEALTHZ_WORKER_MAX_AGE else "down"
    return {"status": state, "age_seconds": round(age, 1), "required": settings.HEALTHZ_REQUIRE_WORKER}


CHECKS = {"database": _check_database, "redis": _check_redis, "celery_worker": _check_worker}


def health_report() -> tuple[bool, dict]:
    """Each component's state, and whether the whole is healthy."""
    components = {}
    healthy = True
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            redis_down = components.get("redis", {}).get("status") == "down"
            if name == "celery_worker" and redis_down and not settings.CELERY_TASK_ALWAYS_EAGER:
                # The heartbeat lives in Redis: no second wait for an unreachable server.
                result = {"status": "down", "required": settings.HEALTHZ_REQUIRE_WORKER}
            else:
                result = check()
        except Exception:
            log.exception("health check %s failed", name)
            result = {"status": "down"}
        result["ms"] = round((time.monotonic() - started) * 1000, 1)
        components[name] = result
        if result["status"] == "down" and result.get("required", True):
            healthy = False
    return healthy, components


@never_cache
@require_safe
def healthz(request):
    """200 when the database, Redis and a worker answer, 503 otherwise; no sign-in."""
    healthy, components = health_report()
    return JsonResponse(
        {"status": "ok" if healthy else "fail", "components": components}, status=200 if healthy else 503
    )


# --- The worker's side ------------------------------------------------------------------------

def worker_heartbeat_write() -> None:
    """Record that a worker is alive now (read by /healthz)."""
    ttl = max(settings.HEALTHZ_WORKER_MAX_AGE * 2, settings.CELERY_HEARTBEAT_SECONDS * 2)
    _redis().set(WORKER_HEARTBEAT_KEY, repr(time.time()), ex=ttl)


def worker_heartbeat_start(stop: threading.Event | None = None) -> threading.Thread:
    """A daemon thread in the worker's main process writes the heartbeat every CELERY_HEARTBEAT_SECONDS,
    whether or not the worker is busy with a long job."""
    stop = stop or threading.Event()

    def beat():
        while not stop.is_set():
            try:
                worker_heartbeat_write()
            except Exception:  # Redis away for a moment: try again at the next beat
                log.warning("could not write the worker heartbeat", exc_info=True)
            stop.wait(settings.CELERY_HEARTBEAT_SECONDS)

    thread = threading.Thread(target=beat, name="liaison-health-heartbeat", daemon=True)
    thread.start()
    return thread
