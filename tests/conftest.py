import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from liaison.models import Role
from tests import factories

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture
def taskforce_user(db):
    return factories.make_user(role=Role.TASKFORCE, username="taskforce")


@pytest.fixture
def leader_user(db):
    return factories.make_user(role=Role.LEADER, username="leader")


@pytest.fixture
def admin_user_(db):
    return factories.make_user(role=Role.ADMIN, username="administrator", is_superuser=True, is_staff=True)


@pytest.fixture
def pairing(db):
    """An active pairing whose cadre has a login."""
    return factories.make_pairing_with_login()


@pytest.fixture
def other_pairing(db):
    return factories.make_pairing_with_login()


@pytest.fixture
def unit_handler(db, pairing):
    """A unit handler for the unit of `pairing`'s cadre."""
    return factories.make_user(role=Role.UNIT_HANDLER, username="handler", unit=pairing.cadre.unit)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright; never a downloaded browser build."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (scripts/setup.sh does).")
    # Playwright's sync API runs an event loop in this thread; the ORM calls tests make are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def desktop_page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session", autouse=True)
def _remove_test_media():
    """Uploaded files of the run go to a temporary MEDIA_ROOT; remove it afterwards."""
    import shutil

    from django.conf import settings

    yield
    if "liaison-test-media-" in str(settings.MEDIA_ROOT):
        shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


class Clock:
    """A settable 'now' for tests whose outcome depends on the date (deadlines, overdue, reminders)."""

    def __init__(self, monkeypatch):
        import zoneinfo

        from django.utils import timezone

        self._tz = zoneinfo.ZoneInfo("Asia/Shanghai")
        self.now = timezone.now()
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def set(self, day, hour: int = 10):
        import datetime

        self.now = datetime.datetime(day.year, day.month, day.day, hour, tzinfo=self._tz)
        return self

    def today(self):
        return self.now.astimezone(self._tz).date()


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def categories(db):
    from appeals.models import AppealCategory

    return {c.code: c for c in AppealCategory.objects.all()}


def ensure_reference_data() -> None:
    """Put back what data migrations seed (appeal categories, tier deadlines, the holiday calendar, policy
    categories and handbook sections):
    a transactional test's teardown truncates every table, so the next one would find them gone."""
    import importlib

    from django.apps import apps

    from appeals.models import AppealCategory
    from policies.models import PolicyCategory
    from workdays.models import CalendarYear
    from workdays.services import calendar_cache_clear, calendar_sync_from_package

    if not AppealCategory.objects.exists():
        importlib.import_module("appeals.migrations.0002_seed_and_guard").seed(apps, None)
    if not PolicyCategory.objects.exists():  # policy categories and handbook sections
        from unittest import mock

        from policies import handbook

        # What the migration seeded, put back: not a change of the catalogue that the handbook PDF job
        # should render (a real migration's historical models send no signal either).
        with mock.patch.object(handbook, "handbook_mark_stale", lambda: None):
            importlib.import_module("policies.migrations.0002_seed").seed(apps, None)
    if not CalendarYear.objects.exists():
        calendar_sync_from_package()
    calendar_cache_clear()


def _flush_may_remove_appeals() -> None:
    """A transactional test's teardown empties every table with one TRUNCATE, which PostgreSQL refuses
    for appeals and their events (liaison/migrations/0005_appeals_refuse_removal.py) unless the
    transaction says so: the test harness's flush, and nothing else, does."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.sql_flush
    if getattr(original, "allows_removal", False):
        return

    def sql_flush(self, style, tables, **kwargs):
        statements = original(self, style, tables, **kwargs)
        return ["SET LOCAL liaison.allow_removal = 'on'", *statements] if statements else statements

    sql_flush.allows_removal = True
    DatabaseOperations.sql_flush = sql_flush


_flush_may_remove_appeals()


def _scan_salt_of_this_run() -> None:
    """QR scans are de-duplicated through keys kept in Redis until midnight: each test run counts on a
    salt of its own, so a second run on the same day (same ids, same test client) starts from zero."""
    from policies import services as policy_services

    policy_services.SCAN_SALT_KEY = f"policies:scan-salt:test-{uuid.uuid4().hex}:{{day}}"


_scan_salt_of_this_run()


@pytest.fixture(autouse=True)
def _reference_data_for_transactional_tests(request):
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        request.getfixturevalue("transactional_db")
        ensure_reference_data()


@pytest.fixture(autouse=True)
def _fresh_appeal_counts():
    """Each test's appeals are rolled back without a commit, so without a signal: counts kept by an earlier
    test must not answer a later one (appeals.selectors.queue_counts)."""
    from appeals.selectors import appeals_changed

    appeals_changed()


@pytest.fixture
def start_worker(transactional_db):
    """Start a real Celery worker process on Redis, on its own queue, pointed at this test database;
    `start_worker(SOME_SETTING="1")` passes settings to it through its environment, and
    `start_worker(queue=other.queue)` starts a second worker on the same queue. Stopped after the test."""
    from django.conf import settings
    from django.db import connection

    from liaison.celery import app as celery_app

    processes = []
    saved = celery_app.conf.task_always_eager, celery_app.conf.task_default_queue

    def start(queue: str | None = None, **extra_env):
        queue = queue or f"test-{uuid.uuid4().hex[:8]}"
        db = settings.DATABASES["default"]
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "liaison.test_settings",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{connection.settings_dict['NAME']}",
            "REDIS_URL": settings.REDIS_URL,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            # Tasks the worker itself sends (a chord's parts) stay on this test's queue.
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            **extra_env,
        }
        command = [sys.executable, "-m", "celery", "-A", "liaison", "worker", "--pool=solo", "-Q", queue]
        command += ["-l", "warning", "--without-heartbeat", "--without-gossip", "--without-mingle"]
        process = subprocess.Popen(
            command, cwd=Path(__file__).resolve().parent.parent, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        process.queue = queue
        processes.append(process)
        celery_app.conf.task_always_eager = False
        celery_app.conf.task_default_queue = queue
        return process

    yield start
    celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = saved
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def worker(start_worker):
    """A real Celery worker on Redis for this test (see `start_worker`)."""
    return start_worker()
