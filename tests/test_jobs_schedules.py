"""Schedules editable in the admin (django-celery-beat): seeded from the settings once, then the
database decides what beat runs; an edit survives restarts of beat and new migrations."""

from __future__ import annotations

import datetime
import json

import pytest
from django.conf import settings
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from jobs import tasks  # noqa: F401  (registers the tasks beat sends, as the worker's autodiscovery does)
from jobs.models import JobRun
from jobs.schedules import JobScheduler, schedule_seed, seed_after_migrate
from liaison.celery import app as celery_app

# Beat closes and reopens its database connection as a long-running process does: that needs real commits.
pytestmark = pytest.mark.django_db(transaction=True)

JOB_ENTRIES = {
    "appeal-reminders": "appeal_reminders",
    "policy-expiry": "policy_expiry",
    "weekly-dispatch": "weekly_dispatch",
}


@pytest.fixture
def seeded(clock):
    """The default schedule as migrate writes it, on Monday 8 June 2026 at 07:00."""
    at(clock, datetime.date(2026, 6, 8), 7)
    PeriodicTask.objects.all().delete()
    seed_after_migrate(sender=None)
    return {task.name: task for task in PeriodicTask.objects.select_related("crontab")}


def at(clock, day: datetime.date, hour: int, minute: int = 0):
    clock.set(day, hour)
    clock.now = clock.now.replace(minute=minute)


def beat(clock) -> dict:
    """What a freshly started beat would hold (crontab entries within a couple of hours of now)."""
    return JobScheduler(app=celery_app).schedule


def test_the_default_schedule_is_seeded_once_and_runs_jobs_through_the_jobs_page(seeded):
    # given the seeded schedule: every job entry starts a run through jobs.tasks.run_scheduled
    for name, key in JOB_ENTRIES.items():
        task = seeded[name]
        assert task.task == "jobs.tasks.run_scheduled" and json.loads(task.args) == [key] and task.enabled
    dispatch = seeded["weekly-dispatch"].crontab
    assert (dispatch.minute, dispatch.hour, dispatch.day_of_week) == ("0", "8", "mon")
    assert str(dispatch.timezone) == settings.CELERY_TIMEZONE
    # seeding again (another migrate) adds nothing
    assert schedule_seed() == []
    assert PeriodicTask.objects.count() == len(seeded) == len(settings.CELERY_BEAT_SCHEDULE)


def test_an_edit_in_the_admin_changes_what_beat_runs_and_survives_a_restart(client, clock, seeded, admin_user_):
    monday = datetime.date(2026, 6, 8)
    # given beat at Monday 08:00 holding the weekly dispatch at its default time
    at(clock, monday, 8)
    running = JobScheduler(app=celery_app)
    entry = running.schedule["weekly-dispatch"]
    assert (entry.task, list(entry.args)) == ("jobs.tasks.run_scheduled", ["weekly_dispatch"])
    assert (entry.schedule.hour, entry.schedule.minute, entry.schedule.day_of_week) == ({8}, {0}, {1})
    assert not running.schedule_changed()  # as at each tick of beat: nothing new yet
    # when an administrator moves it to Tuesdays at 14:15 in the admin
    at(clock, monday, 8, 5)
    client.force_login(admin_user_)
    crontab = seeded["weekly-dispatch"].crontab
    response = client.post(
        f"/admin/django_celery_beat/crontabschedule/{crontab.pk}/change/",
        {
            "minute": "15",
            "hour": "14",
            "day_of_month": "*",
            "month_of_year": "*",
            "day_of_week": "2",
            "timezone": settings.CELERY_TIMEZONE,
            # the page lists the periodic tasks on this crontab (read-only)
            "periodictask_set-TOTAL_FORMS": "1",
            "periodictask_set-INITIAL_FORMS": "1",
            "periodictask_set-0-id": str(seeded["weekly-dispatch"].pk),
            "periodictask_set-0-crontab": str(crontab.pk),
        },
    )
    assert response.status_code == 302, [line for line in response.content.decode().splitlines() if "errorlist" in line]
    # then the running beat sees the change, and so does a beat started again (the settings do not undo it)
    at(clock, monday + datetime.timedelta(days=1), 14, 15)
    for scheduler in (running, JobScheduler(app=celery_app)):
        entry = scheduler.schedule["weekly-dispatch"]
        assert (entry.schedule.hour, entry.schedule.minute, entry.schedule.day_of_week) == ({14}, {15}, {2})
    assert CrontabSchedule.objects.get(pk=crontab.pk).hour == "14"
    assert schedule_seed() == []


def test_a_disabled_schedule_is_left_out_of_beat(client, clock, seeded, admin_user_):
    at(clock, datetime.date(2026, 6, 8), 8)
    assert "appeal-reminders" in beat(clock)
    PeriodicTask.objects.filter(name="appeal-reminders").update(enabled=False)
    assert "appeal-reminders" not in beat(clock)
    assert "weekly-dispatch" in beat(clock)


def test_what_beat_sends_starts_a_run_for_the_default_period(clock, seeded, django_capture_on_commit_callbacks):
    # given beat on Monday 8 June at 08:00
    at(clock, datetime.date(2026, 6, 8), 8)
    entry = beat(clock)["weekly-dispatch"]
    # when the entry's task runs as beat would send it
    with django_capture_on_commit_callbacks(execute=True):
        celery_app.tasks[entry.task].apply(args=entry.args)
    # then a scheduled run of the week of 8 June is on the jobs page, finished
    run = JobRun.objects.get()
    assert (run.job, run.period, run.requested_by, run.status) == (
        "weekly_dispatch",
        datetime.date(2026, 6, 8),
        None,
        "succeeded",
    )


def test_the_schedules_show_in_the_admin(client, seeded, admin_user_):
    client.force_login(admin_user_)
    page = client.get("/admin/django_celery_beat/periodictask/").content.decode()
    assert "weekly-dispatch" in page and "appeal-reminders" in page
    task = seeded["weekly-dispatch"]
    assert client.get(f"/admin/django_celery_beat/periodictask/{task.pk}/change/").status_code == 200
