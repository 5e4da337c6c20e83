"""Deadlines that reach a year with no official calendar: counted provisionally, never refused, marked
as such on the appeal and in the API, and counted again when staff publish the year's notice."""

from datetime import date

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from appeals import services
from appeals.models import Appeal, AppealEvent, EventKind, Status, Tier
from jobs.models import JobRun, RunStatus
from liaison.models import Notification, Role
from tests import factories
from workdays import services as calendar
from workdays.models import CalendarYear, DayKind

pytestmark = pytest.mark.django_db

NOTICE = "国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕7号）"


@pytest.fixture(autouse=True)
def _fresh_calendar(db):
    calendar.calendar_cache_clear()
    yield
    calendar.calendar_cache_clear()


@pytest.fixture
def world(db):
    unit = factories.make_unit(name="区科工局")
    pairing = factories.make_assignment(cadre=factories.make_cadre(unit=unit, name="张干部"))
    group = factories.make_service_group(name="金融服务组")
    return type(
        "World",
        (),
        {
            "pairing": pairing,
            "cadre": pairing.cadre.user,
            "group": group,
            "group_handler": factories.make_unit_handler(group, username="group-handler"),
            "taskforce": factories.make_user(role=Role.TASKFORCE, username="tf"),
        },
    )


def at_taskforce(world) -> Appeal:
    appeal = factories.make_appeal(pairing=world.pairing)
    services.appeal_escalate(appeal=appeal, acting_user=world.cadre, reason="需要单位协调")
    unit_handler = factories.make_unit_handler(world.pairing.cadre.unit, username="kgj-handler")
    return services.appeal_escalate(appeal=appeal.pk, acting_user=unit_handler, reason="需要专班协调")


def publish_2027(world, django_capture_on_commit_callbacks, *, extra_holidays=()):
    """Staff enter the 2027 notice (as the State Council might publish it) and publish the year."""
    days = [
        ("2027-01-01", DayKind.HOLIDAY, "元旦"),
        *[(f"2027-02-{d:02d}", DayKind.HOLIDAY, "春节") for d in (5, 8, 9, 10, 11, 12)],
        ("2027-02-20", DayKind.WORKDAY, "春节调休上班"),
        *extra_holidays,
    ]
    with django_capture_on_commit_callbacks(execute=True):
        for day, kind, name in days:
            calendar.calendar_day_add(
                year=2027, day=date.fromisoformat(day), kind=kind, name=name, acting_user=world.taskforce
            )
        calendar.calendar_year_publish(year=2027, published=True, notice=NOTICE, acting_user=world.taskforce)


def test_a_task_force_assignment_in_december_reaching_2027_is_provisional_and_never_refused(clock, world):
    # given an appeal at the task force on Tuesday 2026-12-15, and no 2027 calendar
    clock.set(date(2026, 12, 15))
    appeal = at_taskforce(world)
    assert not CalendarYear.objects.filter(year=2027, published=True).exists()
    # when staff assign it for 15 working days
    appeal = services.appeal_assign(appeal=appeal.pk, acting_user=world.taskforce, unit=world.group, workdays=15)
    # then the deadline is counted on the provisional calendar (New Year's Day off) and marked so
    appeal.refresh_from_db()
    assert appeal.deadline == date(2027, 1, 6)
    assert appeal.deadline_provisional and appeal.deadline_workdays == 15
    # and the timeline records the deadline as usual
    assert appeal.events.get(kind=EventKind.ASSIGNED).deadline == date(2027, 1, 6)


def test_a_deadline_wholly_in_a_published_year_is_not_provisional(clock, world):
    clock.set(date(2026, 12, 1))
    appeal = factories.make_appeal(pairing=world.pairing)
    assert appeal.deadline == date(2026, 12, 8) and not appeal.deadline_provisional


def test_a_date_given_by_hand_is_never_provisional(clock, world):
    clock.set(date(2026, 12, 15))
    appeal = at_taskforce(world)
    services.appeal_assign(appeal=appeal.pk, acting_user=world.taskforce, unit=world.group, deadline=date(2027, 1, 20))
    appeal.refresh_from_db()
    assert appeal.deadline == date(2027, 1, 20)
    assert not appeal.deadline_provisional and appeal.deadline_workdays is None


def test_the_api_and_the_pages_mark_a_provisional_deadline(client, clock, world):
    clock.set(date(2026, 12, 15))
    appeal = at_taskforce(world)
    services.appeal_assign(appeal=appeal.pk, acting_user=world.taskforce, unit=world.group, workdays=15)
    api = APIClient()
    api.force_authenticate(world.taskforce)
    listed = api.get("/api/v1/appeals/").json()["results"][0]
    assert listed["deadline"] == "2027-01-06" and listed["deadline_provisional"] is True
    detail = api.get(f"/api/v1/appeals/{appeal.pk}/").json()
    assert detail["deadline_provisional"] is True and detail["deadline_workdays"] == 15
    assert detail["handling_provisional"] is False
    client.force_login(world.group_handler)
    page = client.get(reverse("appeal-detail", args=[appeal.pk])).content.decode()
    assert "暂定" in page and 'id="appeal-deadline-provisional"' in page
    listing = client.get(reverse("appeal-list")).content.decode()
    assert 'data-provisional="1"' in listing


def test_publishing_2027_counts_the_deadline_again_and_tells_the_handler(
    clock, world, django_capture_on_commit_callbacks
):
    # given an assignment of 15 working days on 2026-12-28 (provisionally due 2027-01-19)
    clock.set(date(2026, 12, 28))
    appeal = at_taskforce(world)
    services.appeal_assign(appeal=appeal.pk, acting_user=world.taskforce, unit=world.group, workdays=15)
    appeal.refresh_from_db()
    assert (appeal.deadline, appeal.deadline_provisional) == (date(2027, 1, 19), True)
    version = appeal.version
    # when staff publish 2027 with one more day off in January than the law alone gives (01-04)
    clock.set(date(2026, 12, 30))
    publish_2027(world, django_capture_on_commit_callbacks, extra_holidays=[("2027-01-04", DayKind.HOLIDAY, "元旦")])
    # then the job counted the appeal again: one working day later, no longer provisional
    appeal.refresh_from_db()
    assert (appeal.deadline, appeal.deadline_provisional) == (date(2027, 1, 20), False)
    assert appeal.version == version + 1
    event = appeal.events.get(kind=EventKind.RECOUNTED)
    assert event.actor == world.taskforce and event.deadline == date(2027, 1, 20)
    assert event.data["deadline"] == ["2027-01-19", "2027-01-20"]
    assert "2027-01-20" in event.comment
    # and the service group's handler was told
    assert Notification.objects.filter(user=world.group_handler, url=appeal.get_absolute_url(),
                                       kind="appeal.recounted").exists()
    run = JobRun.objects.get(job="provisional_deadlines")
    assert run.status == RunStatus.SUCCEEDED and run.requested_by == world.taskforce
    assert run.result["recounted"] == 1 and run.result["moved"] == 1 and run.result["still_provisional"] == 0


def test_counting_again_is_idempotent_and_records_an_unmoved_deadline_too(
    clock, world, django_capture_on_commit_callbacks
):
    clock.set(date(2026, 12, 15))
    appeal = at_taskforce(world)
    services.appeal_assign(appeal=appeal.pk, acting_user=world.taskforce, unit=world.group, workdays=15)
    clock.set(date(2026, 12, 16))
    publish_2027(world, django_capture_on_commit_callbacks)
    appeal.refresh_from_db()
    # the official calendar agrees on early January: the date stays, the mark goes
    assert (appeal.deadline, appeal.deadline_provisional) == (date(2027, 1, 6), False)
    event = appeal.events.get(kind=EventKind.RECOUNTED)
    assert event.data == {"deadline_provisional": [True, False]}
    # a second run finds nothing to do
    events = AppealEvent.objects.count()
    assert services.appeals_recount_provisional(acting_user=world.taskforce) == {
        "appeals": 0, "recounted": 0, "moved": 0, "still_provisional": 0
    }
    assert AppealEvent.objects.count() == events


def test_a_pause_across_the_new_year_is_counted_again(clock, world, django_capture_on_commit_callbacks):
    # given an appeal at the individual tier paused from 2026-12-30 to 2027-01-11
    clock.set(date(2026, 12, 28))
    appeal = factories.make_appeal(pairing=world.pairing)
    assert appeal.deadline == date(2027, 1, 5) and appeal.deadline_provisional  # 12-29..31, 01-04, 01-05
    clock.set(date(2026, 12, 30))
    services.appeal_suspend(appeal=appeal.pk, acting_user=world.cadre, reason="等待企业补充材料")
    clock.set(date(2027, 1, 11))
    services.appeal_resume(appeal=appeal.pk, acting_user=world.cadre)
    appeal.refresh_from_db()
    # provisionally: 12-31, 01-04..01-08, 01-11 paused = 7 working days; deadline 7 working days later
    assert appeal.paused_workdays == 7 and appeal.deadline == date(2027, 1, 14) and appeal.deadline_provisional
    # when 2027 is published with 01-04 off as well
    publish_2027(world, django_capture_on_commit_callbacks, extra_holidays=[("2027-01-04", DayKind.HOLIDAY, "元旦")])
    appeal.refresh_from_db()
    # then the pause is one working day shorter, and the deadline is counted from the step's start
    assert appeal.paused_workdays == 6
    assert appeal.deadline == calendar.add_workdays(date(2026, 12, 28), 5 + 6) == date(2027, 1, 14)
    assert not appeal.deadline_provisional
    assert appeal.events.get(kind=EventKind.RECOUNTED).data["paused_workdays"] == [7, 6]


def test_a_handling_time_counted_provisionally_is_counted_again(clock, world, django_capture_on_commit_callbacks):
    clock.set(date(2026, 12, 28))
    appeal = factories.make_appeal(pairing=world.pairing)
    clock.set(date(2027, 1, 5))
    services.appeal_resolve(appeal=appeal.pk, acting_user=world.cadre, resolution="已协调银行授信")
    appeal.refresh_from_db()
    # 12-29, 12-30, 12-31, 01-04, 01-05 provisionally
    assert (appeal.handling_workdays, appeal.handling_provisional, appeal.deadline_provisional) == (5, True, False)
    publish_2027(world, django_capture_on_commit_callbacks, extra_holidays=[("2027-01-04", DayKind.HOLIDAY, "元旦")])
    appeal.refresh_from_db()
    assert (appeal.handling_workdays, appeal.handling_provisional, appeal.status) == (4, False, Status.RESOLVED)


def test_a_supervision_response_date_is_counted_again(clock, world, django_capture_on_commit_callbacks, settings):
    # given an overdue appeal pressed twice on 2026-12-31: the response is due 3 working days later
    clock.set(date(2026, 12, 1))
    appeal = at_taskforce(world)
    services.appeal_assign(appeal=appeal.pk, acting_user=world.taskforce, unit=world.group, workdays=5)
    clock.set(date(2026, 12, 31))
    services.appeal_press(appeal=appeal.pk, acting_user=world.taskforce)
    leader = factories.make_cadre(name="王区长")
    services.appeal_press(appeal=appeal.pk, acting_user=world.taskforce, leader=leader)
    appeal.refresh_from_db()
    assert appeal.supervision_due == date(2027, 1, 6) and appeal.deadline_provisional
    publish_2027(world, django_capture_on_commit_callbacks, extra_holidays=[("2027-01-04", DayKind.HOLIDAY, "元旦")])
    appeal.refresh_from_db()
    assert appeal.supervision_due == date(2027, 1, 7) and not appeal.deadline_provisional
    assert appeal.deadline == date(2026, 12, 8)  # the step's own deadline was never provisional


def test_no_job_starts_when_nothing_is_provisional(world, django_capture_on_commit_callbacks):
    publish_2027(world, django_capture_on_commit_callbacks)
    assert not JobRun.objects.filter(job="provisional_deadlines").exists()


def test_staff_see_the_provisional_calendar_of_an_unpublished_year(client, world):
    client.force_login(world.taskforce)
    html = client.get(reverse("calendar"), {"year": 2027}).content.decode()
    assert 'id="provisional-days"' in html and 'id="provisional-note"' in html
    assert "2027-02-09" in html and "春节补假" in html
    calendar.calendar_year_publish(year=2026, published=True, notice="x", acting_user=world.taskforce)
    assert 'id="provisional-days"' not in client.get(reverse("calendar"), {"year": 2026}).content.decode()


def test_the_appeal_stays_provisional_while_a_later_year_is_still_missing(
    clock, world, django_capture_on_commit_callbacks
):
    # given an assignment on 2027-12-20 (after 2027 was published) for 15 working days, into 2028
    publish_2027(world, django_capture_on_commit_callbacks)
    clock.set(date(2027, 12, 20))
    appeal = at_taskforce(world)
    services.appeal_assign(appeal=appeal.pk, acting_user=world.taskforce, unit=world.group, workdays=15)
    appeal.refresh_from_db()
    assert appeal.deadline.year == 2028 and appeal.deadline_provisional
    assert appeal.tier == Tier.TASKFORCE
    # a recount before 2028 is published changes nothing
    assert services.appeal_recount(appeal=appeal.pk, acting_user=world.taskforce) is None


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_publish_2027_on_the_page_and_the_handler_sees_the_deadline_counted_again(
    live_server, desktop_page, clock
):
    # given an appeal assigned on 2026-12-28 for 15 working days: provisionally due 2027-01-19
    clock.set(date(2026, 12, 28))
    unit = factories.make_unit(name="区科工局")
    pairing = factories.make_assignment(cadre=factories.make_cadre(unit=unit))
    group = factories.make_service_group(name="金融服务组")
    handler = factories.make_unit_handler(group, username="group-handler")
    taskforce = factories.make_user(role=Role.TASKFORCE, username="tf-publish")
    appeal = factories.make_appeal(pairing=pairing)
    services.appeal_escalate(appeal=appeal.pk, acting_user=pairing.cadre.user, reason="需要单位协调")
    services.appeal_escalate(appeal=appeal.pk, acting_user=factories.make_unit_handler(unit), reason="需要专班")
    services.appeal_assign(appeal=appeal.pk, acting_user=taskforce, unit=group, workdays=15)
    calendar.calendar_day_add(year=2027, day=date(2027, 1, 1), kind=DayKind.HOLIDAY, name="元旦", acting_user=taskforce)
    page, base = desktop_page, live_server.url

    # when task-force staff, who entered New Year's Day already, add 01-04 and publish the year on /calendar/
    page.goto(f"{base}/accounts/login/?next=/calendar/%3Fyear%3D2027")
    page.fill("#id_username", taskforce.username)
    page.fill("#id_password", "pass-1234")
    page.click("main button[type=submit]")
    page.wait_for_selector("#provisional-days")
    assert "2027-02-09" in page.locator("#provisional-days").inner_text()
    page.fill("#id_date", "2027-01-04")
    page.select_option("#id_kind", "holiday")
    page.fill("#id_name", "元旦")
    page.click("#add-day button[type=submit]")
    page.wait_for_selector('[data-date="2027-01-04"]')
    page.fill("#id_notice", NOTICE)
    page.click("button[name=published][value=on]")
    page.wait_for_selector('[data-status="published"]')
    assert "重新计算" in page.locator(".alert-success").inner_text()
    assert page.locator("#provisional-days").count() == 0

    # then the handler sees the deadline counted again, without the provisional mark, and was told
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/?next=/appeals/{appeal.pk}/")
    page.fill("#id_username", handler.username)
    page.fill("#id_password", "pass-1234")
    page.click("main button[type=submit]")
    page.wait_for_selector("#appeal-deadline")
    assert "2027-01-20" in page.locator("#appeal-deadline").inner_text()
    assert page.locator("#appeal-deadline [data-provisional]").count() == 0
    assert "按正式日历重算时限" in page.locator("#timeline").inner_text()
    assert Notification.objects.filter(user=handler, kind="appeal.recounted").exists()
