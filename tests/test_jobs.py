"""The jobs page (run any job now, with progress): the registry's periods, starting and running,
idempotent re-runs, redelivery after a worker died, permissions, and the API."""

from __future__ import annotations

import socket
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from appeals.models import Appeal
from jobs import services
from jobs.models import JobRun, RunStatus
from jobs.registry import JOBS, get_job
from jobs.tasks import run_job, run_scheduled
from liaison.models import Notification
from policies.models import Policy, PolicyCategory, PolicyStatus
from reports.models import Dispatch
from tests import factories
from tests.test_jobs_recovery import dead_pid

MONDAY = date(2026, 6, 8)

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_units(clock):
    """Three units with a pairing each, none contacted in June: three sheets to write."""
    clock.set(MONDAY)
    return [factories.make_assignment() for _ in range(3)]


def start(key: str, period, user, capture):
    with capture(execute=True):
        return services.job_start(job_key=key, period=period, acting_user=user)


# --- Periods --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("weekly_dispatch", "2026-06-08", date(2026, 6, 8)),
        ("monthly_bulletin", "2026-05", date(2026, 5, 1)),
        ("monthly_bulletin", "2026-05-01", date(2026, 5, 1)),
        ("annual_evaluation", "2025", date(2025, 1, 1)),
        ("annual_evaluation", 2025, date(2025, 1, 1)),
        ("policy_expiry", "2026-06-01", date(2026, 6, 1)),
        ("appeal_reminders", "2026-06-10", date(2026, 6, 10)),
    ],
)
def test_a_period_is_read_as_its_kind_says(key, value, expected):
    assert get_job(key).clean_period(value, today=date(2026, 6, 10)) == expected


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("weekly_dispatch", "2026-06-09", "Monday"),
        ("weekly_dispatch", "2026-06-15", "not started"),
        ("weekly_dispatch", "next week", "not a valid period"),
        ("monthly_bulletin", "2026-06", "not over"),
        ("monthly_bulletin", "2026-13", "not a valid period"),
        ("annual_evaluation", "2026", "not over"),
        ("annual_evaluation", "26", "not a valid period"),
        ("annual_evaluation", "1999", "from 2000"),
        ("policy_expiry", "2026-06-11", "still to come"),
        ("appeal_reminders", "2026-06-09", "today only"),
        ("policy_expiry", "", "Choose the period"),
    ],
)
def test_a_bad_period_is_refused_with_a_message(key, value, message):
    with translation.override("en"), pytest.raises(ValidationError) as error:
        get_job(key).clean_period(value, today=date(2026, 6, 10))
    assert message in " ".join(error.value.message_dict["period"])


def test_default_periods_are_this_monday_last_month_last_year_and_today():
    day = date(2026, 1, 7)  # a Wednesday in January
    assert JOBS["weekly_dispatch"].default_period(day) == date(2026, 1, 5)
    assert JOBS["monthly_bulletin"].default_period(day) == date(2025, 12, 1)
    assert JOBS["annual_evaluation"].default_period(day) == date(2025, 1, 1)
    assert JOBS["policy_expiry"].default_period(day) == day


# --- Starting and running ---------------------------------------------------------------------


def test_the_weekly_dispatch_run_twice_for_the_same_week_writes_each_sheet_once(
    three_units, taskforce_user, django_capture_on_commit_callbacks
):
    # given three units to dispatch
    # when the task force runs the job twice for the week of 8 June
    first, created = start("weekly_dispatch", "2026-06-08", taskforce_user, django_capture_on_commit_callbacks)
    second, created_again = start("weekly_dispatch", "2026-06-08", taskforce_user, django_capture_on_commit_callbacks)
    # then there are two finished runs, and the second one created nothing
    first.refresh_from_db()
    second.refresh_from_db()
    assert created and created_again and first.pk != second.pk
    assert (first.status, second.status) == (RunStatus.SUCCEEDED, RunStatus.SUCCEEDED)
    assert first.result["created"] == 3 and second.result["created"] == 0
    assert second.result["units"] == 3
    assert Dispatch.objects.filter(week_start=MONDAY).count() == 3
    assert Notification.objects.filter(kind="dispatch.contact").count() == 3


def test_progress_reaches_the_total_after_one_step_per_unit(three_units, taskforce_user, monkeypatch, settings):
    # given a run of the weekly dispatch writing one unit per transaction, and a record of every progress write
    settings.DISPATCH_CHUNK_UNITS = 1
    writes = []
    original = services.ProgressReporter.write

    def record(self):
        writes.append((self.done, self.total, self.note))
        original(self)

    monkeypatch.setattr(services, "PROGRESS_INTERVAL", 0)
    monkeypatch.setattr(services.ProgressReporter, "write", record)
    run = JobRun.objects.create(job="weekly_dispatch", period=MONDAY, requested_by=taskforce_user)
    # when it runs
    assert services.job_execute(run_id=run.pk) == RunStatus.SUCCEEDED
    # then progress went unit by unit, naming the unit, and the run ends at 3 of 3
    assert [(d, t) for d, t, _note in writes] == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert writes[1][2] == three_units[0].cadre.unit.name
    run.refresh_from_db()
    assert (run.done, run.total, run.percent) == (3, 3, 100)
    assert run.started_at and run.finished_at and run.started_at <= run.finished_at


def test_progress_writes_are_throttled_but_the_last_one_always_lands(db, taskforce_user):
    run = JobRun.objects.create(job="weekly_dispatch", period=MONDAY)
    progress = services.ProgressReporter(run.pk, interval=3600)
    progress(0, 10)
    progress(5, 10, "halfway")
    run.refresh_from_db()
    assert (run.done, run.total) == (0, 10)  # the second call came too soon
    progress(10, 10)
    run.refresh_from_db()
    assert (run.done, run.total) == (10, 10)


def test_a_second_start_while_one_is_queued_returns_the_queued_run(three_units, taskforce_user):
    # given a start whose task has not run yet (its commit callbacks are not executed)
    first, created = services.job_start(job_key="weekly_dispatch", period="2026-06-08", acting_user=taskforce_user)
    # when the same job is started for the same week again
    second, created_again = services.job_start(job_key="weekly_dispatch", period=MONDAY, acting_user=taskforce_user)
    # then it is the same run
    assert created and not created_again and second.pk == first.pk
    assert JobRun.objects.filter(job="weekly_dispatch", period=MONDAY).count() == 1
    # and another week is a run of its own
    other, created_other = services.job_start(job_key="weekly_dispatch", period="2026-06-01", acting_user=None)
    assert created_other and other.pk != first.pk


def test_the_database_allows_one_active_run_per_job_and_period(db):
    JobRun.objects.create(job="weekly_dispatch", period=MONDAY, status=RunStatus.RUNNING)
    with pytest.raises(IntegrityError), transaction.atomic():
        JobRun.objects.create(job="weekly_dispatch", period=MONDAY, status=RunStatus.QUEUED)
    # finished runs of the same job and period may be many
    JobRun.objects.create(job="weekly_dispatch", period=MONDAY, status=RunStatus.SUCCEEDED)
    JobRun.objects.create(job="weekly_dispatch", period=MONDAY, status=RunStatus.FAILED)
    assert JobRun.objects.count() == 3


def test_a_bad_start_saves_nothing(clock, taskforce_user):
    clock.set(MONDAY)
    for key, period in [("weekly_dispatch", "2026-06-09"), ("no_such_job", "2026-06-08")]:
        with pytest.raises(ValidationError):
            services.job_start(job_key=key, period=period, acting_user=taskforce_user)
    assert not JobRun.objects.exists()


def test_only_the_task_force_starts_jobs(clock, leader_user, pairing):
    clock.set(MONDAY)
    for user in (leader_user, pairing.cadre.user):
        with pytest.raises(PermissionDenied):
            services.job_start(job_key="weekly_dispatch", period=MONDAY, acting_user=user)
    assert not JobRun.objects.exists()


def test_a_redelivered_task_of_a_finished_run_does_nothing(three_units, monkeypatch):
    # given a run that succeeded
    run = JobRun.objects.create(job="weekly_dispatch", period=MONDAY)
    assert run_job(run.pk) == RunStatus.SUCCEEDED
    run.refresh_from_db()
    finished_at = run.finished_at
    # when its task is delivered again (a worker died before acknowledging it)
    called = []
    monkeypatch.setattr("reports.services.weekly_dispatch_run", lambda **kw: called.append(kw) or {})
    assert run_job(run.pk) == RunStatus.SUCCEEDED
    # then the job is not called and the run is unchanged
    run.refresh_from_db()
    assert called == [] and run.finished_at == finished_at and run.result["created"] == 3


def test_a_run_left_running_by_a_killed_worker_is_finished_by_the_redelivery(three_units, monkeypatch, settings):
    # given a worker killed after the first unit (written one per transaction): one sheet written, the
    # run left "running"
    from reports import services as dispatch

    settings.DISPATCH_CHUNK_UNITS = 1
    real_unit = dispatch.weekly_dispatch_units
    calls = []

    def killed_after_one(**kwargs):
        if calls:
            raise SystemExit("worker killed")
        calls.append(1)
        return real_unit(**kwargs)

    monkeypatch.setattr(dispatch, "weekly_dispatch_units", killed_after_one)
    run = JobRun.objects.create(job="weekly_dispatch", period=MONDAY)
    with pytest.raises(SystemExit):
        run_job(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING and Dispatch.objects.count() == 1
    # (the killed worker was another process, now gone: the redelivery does not take the run for a live one)
    JobRun.objects.filter(pk=run.pk).update(worker=f"{socket.gethostname()}:{dead_pid()}")
    # when the task is delivered again to a healthy worker
    monkeypatch.setattr(dispatch, "weekly_dispatch_units", real_unit)
    assert run_job(run.pk) == RunStatus.SUCCEEDED
    # then the run finishes the missing units only
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED
    assert (run.result["units"], run.result["created"]) == (3, 2)
    assert Dispatch.objects.filter(week_start=MONDAY).count() == 3


def test_a_run_whose_worker_vanished_long_ago_is_replaced_by_a_new_start(three_units, taskforce_user, settings):
    # given a run stuck "running" with no progress for longer than JOB_STALE_MINUTES
    settings.JOB_STALE_MINUTES = settings.JOB_LOST_SECONDS = 30
    stuck = JobRun.objects.create(job="weekly_dispatch", period=MONDAY, status=RunStatus.RUNNING)
    JobRun.objects.filter(pk=stuck.pk).update(updated_at=stuck.updated_at.replace(year=2025))
    # when it is started again
    run, created = services.job_start(job_key="weekly_dispatch", period=MONDAY, acting_user=taskforce_user)
    # then the stuck one is marked failed and a new run is queued
    stuck.refresh_from_db()
    assert created and run.pk != stuck.pk
    assert stuck.status == RunStatus.FAILED and "30" in stuck.error


def test_a_job_whose_function_is_missing_fails_with_a_clear_error(db, monkeypatch):
    from jobs import registry

    broken = registry.Job(
        key="weekly_dispatch",
        label="x",
        description="x",
        period_kind=registry.PeriodKind.WEEK,
        function="reports.no_such_module.run",
        period_kwarg="week_start",
    )
    monkeypatch.setitem(registry.JOBS, "weekly_dispatch", broken)
    run = JobRun.objects.create(job="weekly_dispatch", period=MONDAY)
    assert services.job_execute(run_id=run.pk) == RunStatus.FAILED
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "reports.no_such_module" in run.error
    assert run.finished_at is not None and run.result is None


def test_a_scheduled_run_takes_the_default_period_and_no_user(three_units, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run_id = run_scheduled("weekly_dispatch")
    run = JobRun.objects.get(pk=run_id)
    assert (run.period, run.requested_by, run.status) == (MONDAY, None, RunStatus.SUCCEEDED)
    assert Dispatch.objects.filter(week_start=MONDAY).count() == 3


def test_appeal_reminders_run_twice_on_a_working_day_send_one_reminder(
    clock, taskforce_user, django_capture_on_commit_callbacks
):
    # given an appeal raised on Wednesday 3 June with its deadline on Wednesday 10 June
    clock.set(date(2026, 6, 3))
    pairing = factories.make_assignment()
    appeal = factories.make_appeal(pairing=pairing)
    clock.set(Appeal.objects.get(pk=appeal.pk).deadline)
    # when the reminders job is run twice that day
    first, _ = start("appeal_reminders", clock.today(), taskforce_user, django_capture_on_commit_callbacks)
    second, _ = start("appeal_reminders", clock.today(), taskforce_user, django_capture_on_commit_callbacks)
    # then one reminder went out
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.result == {"day": clock.today().isoformat(), "working_day": True, "notifications": 1}
    assert second.result["notifications"] == 0
    assert Notification.objects.filter(kind="appeal.reminder").count() == 1


def test_policy_expiry_run_twice_expires_each_policy_once(clock, taskforce_user, django_capture_on_commit_callbacks):
    # given a published policy that ended on 10 March
    clock.set(date(2025, 3, 11))
    category = PolicyCategory.objects.first()
    policy = Policy.objects.create(
        category=category, title="到期政策", status=PolicyStatus.PUBLISHED, effective_to=date(2025, 3, 10)
    )
    # when the expiry job runs twice for today
    first, _ = start("policy_expiry", "2025-03-11", taskforce_user, django_capture_on_commit_callbacks)
    second, _ = start("policy_expiry", "2025-03-11", taskforce_user, django_capture_on_commit_callbacks)
    # then the policy expired once
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.result["expired"], second.result["expired"]) == (1, 0)
    policy.refresh_from_db()
    assert policy.status == PolicyStatus.EXPIRED
    assert policy.history.filter(status=PolicyStatus.EXPIRED).count() == 1


# --- Pages ------------------------------------------------------------------------------------


def test_the_task_force_runs_the_dispatch_from_the_jobs_page_twice_with_one_result(
    client, three_units, taskforce_user, django_capture_on_commit_callbacks
):
    client.force_login(taskforce_user)
    assert client.get("/jobs/").status_code == 200
    for created in (3, 0):
        # when they start the weekly dispatch for the week of 8 June
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/jobs/weekly_dispatch/start/", {"weekly_dispatch-period": "2026-06-08"})
        # then they land on the run, finished with its counts
        run = JobRun.objects.latest("id")
        assert response.status_code == 302 and response["Location"] == f"/jobs/runs/{run.pk}/"
        page = client.get(response["Location"]).content.decode()
        assert 'data-status="succeeded"' in page and 'id="run-result"' in page
        assert "hx-trigger" not in page  # finished: no more polling
        assert run.result["created"] == created
    assert Dispatch.objects.filter(week_start=MONDAY).count() == 3
    assert JobRun.objects.filter(status=RunStatus.SUCCEEDED).count() == 2


def test_a_bad_period_on_the_page_shows_the_message_and_saves_nothing(client, clock, taskforce_user):
    clock.set(MONDAY)
    client.force_login(taskforce_user)
    response = client.post("/jobs/weekly_dispatch/start/", {"weekly_dispatch-period": "2026-06-10"})
    assert response.status_code == 400
    assert 'data-error-for="weekly_dispatch"' in response.content.decode()
    response = client.post("/jobs/monthly_bulletin/start/", {"monthly_bulletin-period": "2026-07"})
    assert response.status_code == 400
    assert client.post("/jobs/nonsense/start/", {}).status_code == 404
    assert not JobRun.objects.exists()


def test_starting_a_job_already_under_way_shows_that_run(client, clock, taskforce_user):
    clock.set(MONDAY)
    running = JobRun.objects.create(job="weekly_dispatch", period=MONDAY, status=RunStatus.RUNNING, done=1, total=4)
    client.force_login(taskforce_user)
    response = client.post("/jobs/weekly_dispatch/start/", {"weekly_dispatch-period": "2026-06-08"}, follow=True)
    assert response.redirect_chain == [(f"/jobs/runs/{running.pk}/", 302)]
    page = response.content.decode()
    assert 'data-status="running"' in page and 'hx-trigger="every 1s"' in page and 'id="run-reload"' in page
    assert 'aria-valuenow="25"' in page
    assert JobRun.objects.count() == 1


def test_the_run_page_answers_htmx_with_the_status_partial_only(client, taskforce_user):
    run = JobRun.objects.create(job="weekly_dispatch", period=MONDAY, status=RunStatus.RUNNING, done=2, total=4)
    client.force_login(taskforce_user)
    partial = client.get(f"/jobs/runs/{run.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<div id="run-status"') and "<html" not in partial
    assert 'hx-trigger="every 1s"' in partial and 'data-done="2" data-total="4"' in partial
    JobRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, error="RuntimeError: boom")
    partial = client.get(f"/jobs/runs/{run.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in partial and "RuntimeError: boom" in partial


@pytest.mark.parametrize("url", ["/jobs/", "/jobs/runs/{pk}/"])
def test_cadres_leaders_and_handlers_may_not_open_the_jobs_pages(client, leader_user, pairing, unit_handler, url):
    run = JobRun.objects.create(job="weekly_dispatch", period=MONDAY)
    for user in (leader_user, pairing.cadre.user, unit_handler):
        client.force_login(user)
        assert client.get(url.format(pk=run.pk)).status_code == 403
        assert client.post("/jobs/weekly_dispatch/start/", {"weekly_dispatch-period": "2026-06-08"}).status_code == 403
    assert JobRun.objects.count() == 1


def test_an_administrator_opens_the_jobs_page(client, admin_user_):
    client.force_login(admin_user_)
    page = client.get("/jobs/").content.decode()
    assert 'id="job-schedules"' in page and 'id="job-weekly_dispatch"' in page


def test_the_jobs_page_costs_the_same_queries_with_many_runs(client, taskforce_user, django_assert_max_num_queries):
    client.force_login(taskforce_user)
    for i in range(30):
        JobRun.objects.create(
            job=list(JOBS)[i % len(JOBS)],
            period=date(2026, 1, 5),
            status=RunStatus.SUCCEEDED,
            requested_by=taskforce_user,
            result={"created": i},
        )
    with django_assert_max_num_queries(8):
        response = client.get("/jobs/")
    assert response.status_code == 200
    assert response.content.decode().count('data-status="succeeded"') == 20 + len(JOBS)


# --- API --------------------------------------------------------------------------------------


def test_the_api_lists_the_job_kinds_with_their_default_periods(client, clock, taskforce_user):
    clock.set(date(2026, 6, 10))
    client.force_login(taskforce_user)
    kinds = {row["key"]: row for row in client.get("/api/v1/jobs/").json()}
    assert set(kinds) == set(JOBS)
    assert kinds["weekly_dispatch"]["period_kind"] == "week"
    assert kinds["weekly_dispatch"]["default_period"] == "2026-06-08"
    assert kinds["monthly_bulletin"]["default_period"] == "2026-05-01"
    assert kinds["annual_evaluation"]["default_period"] == "2025-01-01"
    assert kinds["weekly_dispatch"]["available"] is True


def test_the_api_starts_a_run_and_returns_the_one_under_way_on_a_second_start(
    client, three_units, taskforce_user, django_capture_on_commit_callbacks
):
    client.force_login(taskforce_user)
    # a start queues the run (its task runs in-process here, after the commit)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/job-runs/", {"job": "weekly_dispatch", "period": "2026-06-08"})
    assert response.status_code == 201
    body = client.get(f"/api/v1/job-runs/{response.json()['id']}/").json()
    assert body["status"] == "succeeded" and body["result"]["created"] == 3 and body["done"] == body["total"] == 3
    assert body["requested_by"] == taskforce_user.username and body["period"] == "2026-06-08"
    # a second start while a run is queued answers that run with 200
    queued = client.post("/api/v1/job-runs/", {"job": "policy_expiry"})
    again = client.post("/api/v1/job-runs/", {"job": "policy_expiry", "period": MONDAY.isoformat()})
    assert (queued.status_code, again.status_code) == (201, 200)
    assert queued.json()["id"] == again.json()["id"] and queued.json()["status"] == "queued"
    # list and detail
    listed = client.get("/api/v1/job-runs/", {"job": "weekly_dispatch"}).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == body["id"]
    assert client.get(f"/api/v1/job-runs/{body['id']}/").json()["job_label"]


def test_the_api_refuses_a_bad_period_or_job_and_saves_nothing(client, clock, taskforce_user):
    clock.set(MONDAY)
    client.force_login(taskforce_user)
    response = client.post("/api/v1/job-runs/", {"job": "weekly_dispatch", "period": "2026-06-09"})
    assert response.status_code == 400 and "period" in response.json()
    assert client.post("/api/v1/job-runs/", {"job": "nope", "period": "2026-06-08"}).status_code == 400
    assert client.post("/api/v1/job-runs/", {"job": "annual_evaluation", "period": "2026"}).status_code == 400
    assert not JobRun.objects.exists()


def test_the_jobs_api_is_for_the_task_force_only(client, leader_user, pairing):
    JobRun.objects.create(job="weekly_dispatch", period=MONDAY)
    for user in (leader_user, pairing.cadre.user):
        client.force_login(user)
        assert client.get("/api/v1/jobs/").status_code == 403
        assert client.get("/api/v1/job-runs/").status_code == 403
        assert client.post("/api/v1/job-runs/", {"job": "weekly_dispatch"}).status_code == 403
    client.logout()
    assert client.get("/api/v1/job-runs/").status_code == 401
    assert JobRun.objects.count() == 1


def test_the_jobs_endpoints_are_in_the_schema_without_warnings():
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    warnings = [message for message in GENERATOR_STATS._warn_cache if "job" in message.lower()]
    assert warnings == []
    assert {"/api/v1/jobs/", "/api/v1/job-runs/", "/api/v1/job-runs/{id}/"} <= set(schema["paths"])
    assert "post" in schema["paths"]["/api/v1/job-runs/"]
    components = schema["components"]["schemas"]
    # the run's status and the period kind have names of their own, not a collision's generated one
    assert components["JobRun"]["properties"]["status"]["allOf"][0]["$ref"].endswith("/JobRunStatusEnum")
    assert components["JobKind"]["properties"]["period_kind"]["$ref"].endswith("/JobPeriodKindEnum")
