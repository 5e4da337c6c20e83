"""The jobs page in a real browser: run the weekly dispatch now and watch the run page follow it."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from jobs.models import JobRun, RunStatus
from liaison.models import Role
from liaison.selectors import today
from reports.models import Dispatch
from reports.services import week_monday
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ["SCREENSHOT_DIR"]) if os.environ.get("SCREENSHOT_DIR") else None


def shot(page, name: str) -> None:
    """Keep a screenshot when SCREENSHOT_DIR is set, so people can look at what users see."""
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next=/jobs/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pass-1234")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/jobs/")


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_task_force_staff_run_the_weekly_dispatch_and_see_it_finished(live_server, request, viewport):
    # given two units to dispatch, and task-force staff on the jobs page
    page = request.getfixturevalue(f"{viewport}_page")
    if viewport == "desktop":
        page.set_viewport_size({"width": 1280, "height": 900})
    for _ in range(2):
        factories.make_assignment()
    staff = factories.make_user(role=Role.TASKFORCE)
    week = week_monday(today()) - timedelta(days=7)
    log_in(page, live_server, staff.username)
    assert page.locator("#job-weekly_dispatch").is_visible()
    shot(page, f"jobs-list-{viewport}")
    # when they choose last week and run the weekly dispatch now
    page.fill("#id_weekly_dispatch-period", week.isoformat())
    page.click("#job-weekly_dispatch button[type=submit]")
    # then they land on the run's page, finished, with its counts
    page.wait_for_url(f"{live_server.url}/jobs/runs/*/")
    page.wait_for_selector('#run-status[data-status="succeeded"]')
    result = page.locator("#run-result").inner_text()
    assert "2" in result
    assert page.locator(".progress-bar").inner_text() == "100%"
    shot(page, f"jobs-run-succeeded-{viewport}")
    # (the handbook PDF job runs on its own whenever the test data touch the policy catalogue)
    run = JobRun.objects.get(job="weekly_dispatch")
    assert run.status == RunStatus.SUCCEEDED and run.result["created"] == 2 and run.requested_by == staff
    assert Dispatch.objects.filter(week_start=week).count() == 2
    # and the jobs page lists the run
    page.goto(f"{live_server.url}/jobs/")
    assert page.locator("#job-runs tbody tr").count() == 1
    assert page.locator('#job-weekly_dispatch [data-status="succeeded"]').is_visible()


def test_the_run_page_follows_a_running_job_until_it_ends(live_server, desktop_page):
    # given a run under way, half done
    page = desktop_page
    page.set_viewport_size({"width": 1280, "height": 900})
    staff = factories.make_user(role=Role.TASKFORCE)
    run = JobRun.objects.create(
        job="weekly_dispatch",
        period=week_monday(today()),
        status=RunStatus.RUNNING,
        done=3,
        total=8,
        note="区科工局",
        requested_by=staff,
    )
    log_in(page, live_server, staff.username)
    page.goto(f"{live_server.url}/jobs/runs/{run.pk}/")
    assert page.locator("#run-progress").get_attribute("data-done") == "3"
    shot(page, "jobs-run-running-desktop")
    # when the worker reports more progress, then finishes
    JobRun.objects.filter(pk=run.pk).update(done=6, note="区商务局")
    page.wait_for_function("() => document.querySelector('#run-progress').dataset.done === '6'", timeout=5000)
    JobRun.objects.filter(pk=run.pk).update(
        status=RunStatus.SUCCEEDED, done=8, result={"week_start": "2026-06-08", "units": 8, "created": 8}
    )
    # then the page shows it finished without a reload, and stops asking
    page.wait_for_selector('#run-status[data-status="succeeded"]', timeout=5000)
    assert page.locator("#run-status").get_attribute("hx-trigger") is None
    assert "8" in page.locator("#run-result").inner_text()
