"""A job started from the jobs page is run by a real Celery worker on Redis, which writes its
progress and result to the same test database."""

from __future__ import annotations

import time

import pytest

from jobs import services
from jobs.models import JobRun, RunStatus
from liaison.models import Role
from liaison.selectors import today
from reports.models import Dispatch
from reports.services import week_monday
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)



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
