"""Jobs run by a real Celery worker on Redis, reading the same test database."""

import os
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from appeals import services
from liaison.celery import app as celery_app
from liaison.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def worker():
    """A Celery worker process on its own queue, pointed at this test database."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "liaison.test_settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{connection.settings_dict['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "liaison", "worker", "--pool=solo", "-Q", queue, "-l", "warning",
         "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    saved = celery_app.conf.task_always_eager, celery_app.conf.task_default_queue
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    try:
        yield process
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = saved
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_for(check, *, seconds: float = 40):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.3)
    return False


def test_a_real_worker_notifies_the_new_handler_after_the_commit(worker, clock):
    # given an appeal with its cadre and the unit's handler
    clock.set(date(2026, 6, 3))
    unit = factories.make_unit()
    pairing = factories.make_assignment(cadre=factories.make_cadre(unit=unit))
    handler = factories.make_unit_handler(unit)
    appeal = factories.make_appeal(pairing=pairing)
    # when the cadre escalates it (the task is queued on commit, and the worker picks it up)
    services.appeal_escalate(appeal=appeal, acting_user=pairing.cadre.user, reason="需要单位协调")
    # then the worker, a separate process, writes the unit handler's notification
    arrived = wait_for(lambda: Notification.objects.filter(user=handler, kind="appeal.escalated").exists())
    if not arrived:
        worker.terminate()
        output = worker.stdout.read().decode(errors="replace")[-3000:]
        pytest.fail(f"no notification from the worker; its output:\n{output}")
    assert Notification.objects.filter(user=handler).count() == 1
