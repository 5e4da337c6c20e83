"""A job run whose worker died is noticed at once (its process is gone) or within JOB_LOST_SECONDS (its
heartbeat stopped), and a new start replaces it; with the task queue down a start says so and leaves
nothing queued. The real-worker cases (kill -9 mid-run, a broker that is not there) are at the end."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone, translation

from jobs import services
from jobs.models import JobRun, RunStatus
from liaison.celery import app as celery_app
from liaison.models import Role
from liaison.selectors import today
from reports.models import Dispatch
from reports.services import week_monday
from tests import factories


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def running_run(*, worker: str, beat_seconds_ago: float) -> JobRun:
    week = week_monday(today())
    beat = timezone.now() - timedelta(seconds=beat_seconds_ago)
    return JobRun.objects.create(
        job="weekly_dispatch", period=week, status=RunStatus.RUNNING, worker=worker, heartbeat_at=beat,
        started_at=beat,
    )


# --- Lost or alive --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_run_whose_worker_process_is_gone_is_replaced_by_a_new_start_at_once(taskforce_user):
    # given a run "running" a second ago in a process of this host that no longer exists
    pid = dead_pid()
    stuck = running_run(worker=f"{socket.gethostname()}:{pid}", beat_seconds_ago=1)
    # when task-force staff start the job again
    run, created = services.job_start(job_key="weekly_dispatch", period=stuck.period, acting_user=taskforce_user)
    # then the dead one is marked lost and a new run starts
    stuck.refresh_from_db()
    assert created and run.pk != stuck.pk
    assert stuck.status == RunStatus.FAILED and f":{pid}" in stuck.error and stuck.finished_at


@pytest.mark.django_db
def test_a_run_on_another_host_is_lost_when_its_heartbeat_stops(taskforce_user, settings):
    # given runs on another machine: one silent for longer than JOB_LOST_SECONDS
    settings.JOB_LOST_SECONDS = 60
    silent = running_run(worker="worker-2.internal:4242", beat_seconds_ago=61)
    # when the job is started again
    run, created = services.job_start(job_key="weekly_dispatch", period=silent.period, acting_user=taskforce_user)
    # then the silent run is replaced
    silent.refresh_from_db()
    assert created and silent.status == RunStatus.FAILED and "60" in silent.error


@pytest.mark.django_db
def test_a_run_with_a_live_worker_is_returned_not_replaced_nor_run_twice(taskforce_user, settings):
    # given a run whose worker (elsewhere) beat 5 seconds ago
    settings.JOB_LOST_SECONDS = 60
    alive = running_run(worker="worker-2.internal:4242", beat_seconds_ago=5)
    # when it is started again, and its task is delivered again (acks_late after a visibility timeout)
    run, created = services.job_start(job_key="weekly_dispatch", period=alive.period, acting_user=taskforce_user)
    status = services.job_execute(run_id=alive.pk)
    # then the live run is returned and left to its worker
    alive.refresh_from_db()
    assert not created and run.pk == alive.pk
    assert status == RunStatus.RUNNING and alive.status == RunStatus.RUNNING
    assert alive.worker == "worker-2.internal:4242"


@pytest.mark.django_db
def test_the_heartbeat_keeps_a_long_unit_alive_and_stops_with_the_job(settings):
    # given a run whose job spends 1.5 s in one unit without reporting progress, beating every 0.2 s
    settings.JOB_HEARTBEAT_SECONDS = 0.2
    run = JobRun.objects.create(job="weekly_dispatch", period=week_monday(today()), status=RunStatus.RUNNING)
    beats = []
    heartbeat = services.Heartbeat(run.pk, 0.2)
    original = JobRun.objects.filter

    # the thread's writes happen on its own connection, outside this test's transaction: watch them instead
    def spy(*args, **kwargs):
        beats.append(time.monotonic())
        return original(*args, **kwargs)

    JobRun.objects.filter = spy
    try:
        heartbeat.start()
        time.sleep(1.1)
        heartbeat.stop()
        stopped_at = len(beats)
        time.sleep(0.5)
    finally:
        del JobRun.objects.filter
    # then it beat about every 0.2 s, and not after it stopped
    assert 3 <= stopped_at <= 7
    assert len(beats) == stopped_at
    assert not heartbeat.is_alive()


# --- The queue down -------------------------------------------------------------------------------


@pytest.fixture
def broker_down():
    """Celery publishing to a Redis that is not there (a closed port), as when Redis is down."""
    saved = celery_app.conf.task_always_eager, celery_app.conf.broker_url

    def use(eager: bool, url: str) -> None:
        celery_app.conf.task_always_eager, celery_app.conf.broker_url = eager, url
        celery_app._pool = None  # the pools are keyed by the broker's address: new ones for this one
        celery_app.amqp._producer_pool = None

    use(False, "redis://127.0.0.1:1/0")
    yield
    use(*saved)


@pytest.mark.django_db(transaction=True)
def test_starting_a_job_with_the_queue_down_says_so_and_leaves_nothing_queued(client, broker_down):
    # given task-force staff on the jobs page and the API, with Redis down
    staff = factories.make_user(role=Role.TASKFORCE)
    client.force_login(staff)
    week = week_monday(today()).isoformat()
    # when they start the weekly dispatch on the page
    started = time.monotonic()
    with translation.override("zh-hans"):
        page = client.post("/jobs/weekly_dispatch/start/", {"weekly_dispatch-period": week},
                           HTTP_ACCEPT_LANGUAGE="zh-hans")
        api = client.post("/api/v1/job-runs/", {"job": "weekly_dispatch", "period": week},
                          content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    elapsed = time.monotonic() - started
    # then both answer 503 with a Chinese message, quickly, and no run is left queued or running
    assert page.status_code == 503 and "任务队列" in page.content.decode()
    assert api.status_code == 503 and api.json()["code"] == "queue_unavailable" and "任务队列" in api.json()["detail"]
    assert elapsed < 15, elapsed  # two refused publishes, with a short retry each
    assert not JobRun.objects.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).exists()
    assert set(JobRun.objects.values_list("status", flat=True)) == {RunStatus.FAILED}
    assert "Redis" in JobRun.objects.first().error


# --- A real worker killed mid-run -----------------------------------------------------------------


def hold_dispatch_table():
    """Another session locks the dispatch table, so that a worker running the dispatch waits mid-run."""
    other = connections.create_connection("default")
    other.set_autocommit(False)
    other.cursor().execute("LOCK TABLE reports_dispatch IN ACCESS EXCLUSIVE MODE")
    return other


def wait_until(predicate, *, seconds: float = 60, what: str = ""):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def status_of(run: JobRun) -> str:
    run.refresh_from_db()
    return run.status


def kill_mid_run(start_worker, staff) -> tuple[JobRun, subprocess.Popen, float]:
    """Start the dispatch on a real worker, hold it mid-run, kill -9 the worker; returns the run, the dead
    worker and the moment it was killed."""
    for _ in range(3):
        factories.make_assignment()
    worker = start_worker(JOB_HEARTBEAT_SECONDS="0.5")
    lock = hold_dispatch_table()
    try:
        run, created = services.job_start(job_key="weekly_dispatch", period=week_monday(today()), acting_user=staff)
        assert created
        wait_until(lambda: status_of(run) == RunStatus.RUNNING, what="the worker to take the run")
        assert run.worker.endswith(f":{worker.pid}")
        os.kill(worker.pid, signal.SIGKILL)
        killed_at = time.monotonic()
        worker.wait(timeout=10)
    finally:
        lock.rollback()
        lock.close()
    return run, worker, killed_at


@pytest.mark.django_db(transaction=True)
def test_a_run_whose_worker_was_killed_can_be_started_again_at_once(start_worker):
    # given a weekly dispatch whose worker was killed (-9) in the middle of the run
    staff = factories.make_user(role=Role.TASKFORCE)
    lost, dead, killed_at = kill_mid_run(start_worker, staff)
    assert status_of(lost) == RunStatus.RUNNING
    # when task-force staff start it again right away
    run, created = services.job_start(job_key="weekly_dispatch", period=lost.period, acting_user=staff)
    noticed_after = time.monotonic() - killed_at
    # then the lost run is failed with the reason and a new run is queued, within a second of the kill
    assert created and run.pk != lost.pk and noticed_after < 1, noticed_after
    assert status_of(lost) == RunStatus.FAILED and f":{dead.pid}" in lost.error
    # and a new worker finishes it, every unit once
    start_worker(queue=dead.queue)
    wait_until(lambda: status_of(run) == RunStatus.SUCCEEDED, what="the new run to finish")
    assert Dispatch.objects.filter(week_start=lost.period).count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_worker_starting_after_a_crash_recovers_the_lost_run(start_worker):
    # given a weekly dispatch whose worker was killed (-9) in the middle of the run
    staff = factories.make_user(role=Role.TASKFORCE)
    lost, dead, killed_at = kill_mid_run(start_worker, staff)
    # when a worker starts again on the queue
    start_worker(queue=dead.queue)
    # then it queues the lost run again and finishes it (same run, same requester)
    wait_until(lambda: status_of(lost) == RunStatus.SUCCEEDED, what="the lost run to be recovered")
    recovered_after = time.monotonic() - killed_at
    assert lost.requested_by == staff and lost.result["created"] == 3, lost.result
    assert Dispatch.objects.filter(week_start=lost.period).count() == 3
    assert list(JobRun.objects.values_list("status", flat=True)) == [RunStatus.SUCCEEDED]
    assert recovered_after < 30, recovered_after


@pytest.mark.django_db
def test_the_run_page_says_when_a_run_was_lost(client, taskforce_user):
    # given a run whose worker process on this host is gone
    pid = dead_pid()
    stuck = running_run(worker=f"{socket.gethostname()}:{pid}", beat_seconds_ago=1)
    client.force_login(taskforce_user)
    # when staff open its page, then it says so (and a live run's page does not)
    page = client.get(f"/jobs/runs/{stuck.pk}/").content.decode()
    assert 'id="run-lost"' in page and f":{pid}" in page
    JobRun.objects.filter(pk=stuck.pk).update(worker=f"{socket.gethostname()}:{os.getpid()}")
    assert 'id="run-lost"' not in client.get(f"/jobs/runs/{stuck.pk}/").content.decode()
