"""A job started from the jobs page is run by a real Celery worker on Redis, which writes its
progress and result to the same test database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from jobs import services
from jobs.models import JobRun, RunStatus
from liaison.celery import app as celery_app
from liaison.models import Role
from liaison.selectors import today
from reports.models import Dispatch
from reports.services import week_monday
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def worker():
    """A Celery worker process on its own queue, pointed at this test database (as in test_celery_worker)."""
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
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "liaison",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "-l",
            "warning",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
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


def wait_for_finish(run: JobRun, worker, *, seconds: float = 60) -> JobRun:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if not run.is_active:
            return run
        time.sleep(0.3)
    worker.terminate()
    output = worker.stdout.read().decode(errors="replace")[-3000:]
    pytest.fail(f"the run is still {run.status}; the worker's output:\n{output}")


def test_a_real_worker_runs_a_started_job_and_writes_its_progress_and_result(worker):
    # given three units to dispatch (the worker's clock is the real one: this week)
    week = week_monday(today())
    for _ in range(3):
        factories.make_assignment()
    staff = factories.make_user(role=Role.TASKFORCE)
    # when task-force staff start the weekly dispatch (queued on commit, picked up by the worker)
    run, created = services.job_start(job_key="weekly_dispatch", period=week, acting_user=staff)
    assert created and run.status == RunStatus.QUEUED
    # then the worker runs it to the end, with its progress and result
    run = wait_for_finish(run, worker)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert (run.done, run.total) == (3, 3)
    assert run.result["created"] == 3 and run.started_at and run.finished_at
    assert Dispatch.objects.filter(week_start=week).count() == 3
    # and starting it again for the same week changes nothing
    again, _ = services.job_start(job_key="weekly_dispatch", period=week, acting_user=staff)
    again = wait_for_finish(again, worker)
    assert again.status == RunStatus.SUCCEEDED and again.result["created"] == 0
    assert Dispatch.objects.filter(week_start=week).count() == 3
