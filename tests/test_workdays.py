"""The official working-day calendar: holidays, make-up working days, and deadlines counted on them."""

import os
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from liaison.models import Role
from tests import factories
from workdays import services
from workdays.models import CalendarDay, CalendarYear, DayKind, Source
from workdays.services import (
    add_workdays,
    calendar_sync_from_package,
    is_workday,
    next_workday,
    workdays_between,
)

pytestmark = pytest.mark.django_db

SHOTS = Path(os.environ["SCREENSHOT_DIR"]) if os.environ.get("SCREENSHOT_DIR") else None


def shot(page, name: str) -> None:
    """Keep a screenshot when SCREENSHOT_DIR is set, as tests/test_browser.py does."""
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture(autouse=True)
def _fresh_calendar(db):
    """Each test starts from the seeded calendar with an empty in-process cache.

    Rolled-back rows send no signal, so the cache is cleared by hand. Transactional tests
    (the browser ones) flush the tables the migration seeded, so they are seeded again if empty.
    """
    services.calendar_cache_clear()
    if not CalendarYear.objects.exists():
        calendar_sync_from_package()
    yield
    services.calendar_cache_clear()


def d(value: str) -> date:
    return date.fromisoformat(value)


# --- The two long holidays of 2024 ------------------------------------------------------------


def test_the_2024_spring_festival_expectations_agree_with_chinese_calendar():
    # given the 2024 notice: off 02-10 to 02-17, at work on Sunday 02-04 and Sunday 02-18
    # then the package says the same
    assert all(chinese_calendar.is_holiday(d("2024-02-10") + timedelta(days=k)) for k in range(8))
    assert chinese_calendar.is_workday(d("2024-02-04")) and d("2024-02-04").weekday() == 6
    assert chinese_calendar.is_workday(d("2024-02-18")) and d("2024-02-18").weekday() == 6
    assert chinese_calendar.is_workday(d("2024-02-09"))
    assert chinese_calendar.find_workday(1, d("2024-02-09")) == d("2024-02-18")


def test_one_working_day_after_the_eve_of_spring_festival_2024_is_the_sunday_make_up_day():
    # given the seeded calendar
    # when counting one working day from the Thursday and from the Friday before the holiday
    # then Thursday leads to Friday, and Friday jumps the whole holiday to the make-up Sunday
    assert add_workdays(d("2024-02-08"), 1) == d("2024-02-09")
    assert add_workdays(d("2024-02-09"), 1) == d("2024-02-18")
    assert add_workdays(d("2024-02-09"), 2) == d("2024-02-19")


def test_working_days_across_spring_festival_2024_count_only_the_days_at_work():
    # given the week of the holiday and the make-up Sundays around it
    # when counting from Saturday 02-03 to Monday 02-19
    count = workdays_between(d("2024-02-03"), d("2024-02-19"))
    # then 02-04 (Sun, make-up), 02-05..02-09, 02-18 (Sun, make-up) and 02-19 count: 8
    assert count == 8
    assert workdays_between(d("2024-02-09"), d("2024-02-17")) == 0
    assert is_workday(d("2024-02-04")) and is_workday(d("2024-02-18"))
    assert not is_workday(d("2024-02-12")) and not is_workday(d("2024-02-10"))
    assert next_workday(d("2024-02-10")) == d("2024-02-18")


def test_the_2024_national_day_expectations_agree_with_chinese_calendar():
    # given the 2024 notice: off 10-01 to 10-07, at work on Sunday 09-29 and Saturday 10-12
    # then the package says the same
    assert all(chinese_calendar.is_holiday(d("2024-10-01") + timedelta(days=k)) for k in range(7))
    assert chinese_calendar.is_workday(d("2024-09-29")) and d("2024-09-29").weekday() == 6
    assert chinese_calendar.is_workday(d("2024-10-12")) and d("2024-10-12").weekday() == 5
    assert not chinese_calendar.is_workday(d("2024-09-28"))
    assert chinese_calendar.find_workday(1, d("2024-09-30")) == d("2024-10-08")
    assert chinese_calendar.find_workday(4, d("2024-10-08")) == d("2024-10-12")


def test_deadlines_around_national_day_2024_use_the_make_up_days():
    # given the seeded calendar
    # then Friday 09-27 plus one is the make-up Sunday, the holiday is skipped,
    # and four days after 10-08 land on the make-up Saturday
    assert add_workdays(d("2024-09-27"), 1) == d("2024-09-29")
    assert add_workdays(d("2024-09-30"), 1) == d("2024-10-08")
    assert add_workdays(d("2024-10-08"), 4) == d("2024-10-12")
    assert workdays_between(d("2024-09-27"), d("2024-10-12")) == 7
    assert next_workday(d("2024-10-05")) == d("2024-10-08")
    assert next_workday(d("2024-10-12")) == d("2024-10-12")


# --- Rules of the arithmetic ------------------------------------------------------------------


def test_zero_working_days_is_the_start_itself_even_on_a_holiday():
    assert add_workdays(d("2024-10-01"), 0) == d("2024-10-01")


def test_a_negative_number_of_working_days_is_refused():
    with pytest.raises(ValueError):
        add_workdays(d("2024-10-01"), -1)


def test_a_datetime_is_refused_rather_than_compared_as_a_date():
    from datetime import datetime

    with pytest.raises(TypeError):
        is_workday(datetime(2024, 10, 8, 9, 0))


def test_working_days_between_is_zero_when_the_end_is_not_after_the_start():
    assert workdays_between(d("2024-10-08"), d("2024-10-08")) == 0
    assert workdays_between(d("2024-10-09"), d("2024-10-08")) == 0


def test_adding_then_counting_gives_back_the_same_number_of_working_days():
    # given starts spread over 2024 and 2025, holidays and make-up days included
    starts = [d("2024-01-01") + timedelta(days=k) for k in range(731)]
    for i, start in enumerate(starts):
        for n in range(31):
            # when adding n working days
            end = add_workdays(start, n)
            # then counting them back gives n, and the package agrees on the date
            assert workdays_between(start, end) == n, (start, n, end)
            # (the package's find_workday(k, day) first moves to the next working day from `day`
            # itself, then k more; so the n-th working day strictly after `start` is this:)
            if n and i % 5 == 0:
                assert end == chinese_calendar.find_workday(n - 1, start + timedelta(days=1)), (start, n)


def test_every_seeded_day_agrees_with_chinese_calendar():
    # given the calendar the migration seeded from the package
    day, last = d("2004-01-01"), d("2026-12-31")
    # then every day from 2004 to 2026 is a working day exactly when the package says so
    while day <= last:
        assert is_workday(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


# --- Years without a published calendar -------------------------------------------------------


@pytest.mark.parametrize("year", [2027, 2031])
def test_a_year_without_a_published_calendar_counts_on_the_provisional_calendar(year):
    # given no calendar for the year (the package stops at 2026)
    assert year not in services.package_years()
    # when a deadline needs days of that year, it is counted (early March has no holiday): never refused
    start = date(year, 3, 1)
    weekdays = [start + timedelta(days=k) for k in range(1, 15) if (start + timedelta(days=k)).weekday() < 5]
    assert add_workdays(start, 5) == weekdays[4]
    # and the count is marked provisional
    assert services.span_is_provisional(start, add_workdays(start, 5))
    assert services.provisional_years(date(2026, 12, 1), start) == list(range(2027, year + 1))
    assert not services.span_is_provisional(d("2026-01-05"), d("2026-12-31"))


def test_the_provisional_2027_calendar_keeps_the_national_holidays_and_their_make_up_days_off():
    # 2027: New Year's Day is a Friday; the Spring Festival runs from Friday 02-05 (eve) to Monday 02-08,
    # so its Saturday and Sunday are made up on Tuesday 02-09 and Wednesday 02-10.
    assert not is_workday(d("2027-01-01"))
    assert [day.isoformat() for day in _days_off(d("2027-02-01"), d("2027-02-14"))] == [
        "2027-02-05", "2027-02-08", "2027-02-09", "2027-02-10"
    ]
    # Labour Day (Saturday and Sunday) is made up on Monday and Tuesday; National Day's Saturday and
    # Sunday on Monday 10-04 and Tuesday 10-05
    assert [day.isoformat() for day in _days_off(d("2027-05-01"), d("2027-05-07"))] == ["2027-05-03", "2027-05-04"]
    assert [day.isoformat() for day in _days_off(d("2027-10-01"), d("2027-10-08"))] == [
        "2027-10-01", "2027-10-04", "2027-10-05"
    ]
    # Qingming (04-05), the Dragon Boat (06-09) and Mid-Autumn (09-15) festivals are off
    assert not any(is_workday(d(day)) for day in ("2027-04-05", "2027-06-09", "2027-09-15"))
    # no make-up working days can be foreseen: every weekend stays off
    assert not is_workday(d("2027-02-20")) and not is_workday(d("2027-02-21"))
    # so a deadline of 15 working days from 2026-12-15 falls on 2027-01-06
    assert add_workdays(d("2026-12-15"), 15) == d("2027-01-06")


def _days_off(first: date, last: date) -> list[date]:
    days = [first + timedelta(days=k) for k in range((last - first).days + 1)]
    return [day for day in days if day.weekday() < 5 and not is_workday(day)]


@pytest.mark.parametrize("year", range(2025, 2027))
def test_the_provisional_rule_gives_no_day_off_the_official_calendar_did_not(year):
    # under the 2024 amendment of the law, every provisional day off was off in the published calendar
    from workdays.provisional import provisional_days_off

    off = provisional_days_off(year)
    assert len(off) == 13
    assert [day for day in off if chinese_calendar.is_workday(day)] == []


def test_a_year_entered_but_not_yet_published_still_counts_provisionally(taskforce_user):
    # given staff entered a make-up working day of 2031 but did not publish the year
    services.calendar_day_add(
        year=2031, day=d("2031-01-04"), kind=DayKind.WORKDAY, name="调休上班", acting_user=taskforce_user
    )
    # then the year is still counted on the provisional calendar, without the staff row
    assert not services.year_is_covered(2031)
    assert not is_workday(d("2031-01-04"))
    assert not is_workday(d("2031-01-01"))


def test_after_staff_enter_and_publish_a_year_its_days_count(taskforce_user):
    # given 2027 is not covered: its days count provisionally
    assert add_workdays(d("2026-12-31"), 1) == d("2027-01-04")
    assert is_workday(d("2027-02-20")) is False
    # when staff enter New Year's Day (a Friday) and a make-up Saturday, then publish the year
    services.calendar_day_add(
        year=2027, day=d("2027-01-01"), kind=DayKind.HOLIDAY, name="元旦", acting_user=taskforce_user
    )
    services.calendar_day_add(
        year=2027, day=d("2027-01-09"), kind=DayKind.WORKDAY, name="调休上班", acting_user=taskforce_user
    )
    services.calendar_year_publish(
        year=2027, published=True, notice="国务院办公厅关于2027年部分节假日安排的通知", acting_user=taskforce_user
    )
    # then the same calls count those rows, and nothing is provisional any more
    assert add_workdays(d("2026-12-31"), 1) == d("2027-01-04")
    assert not is_workday(d("2027-01-01"))
    assert is_workday(d("2027-01-09"))
    assert is_workday(d("2027-02-09"))  # the provisional make-up day off is gone: not in the notice as entered
    assert workdays_between(d("2027-01-03"), d("2027-01-10")) == 6
    assert not services.span_is_provisional(d("2026-12-31"), d("2027-12-31"))
    # and the history records who did it
    assert CalendarYear.objects.get(year=2027).history.first().history_user == taskforce_user


# --- Staff edits and the cache ----------------------------------------------------------------


def test_a_weekday_turned_into_a_holiday_changes_deadlines_at_once(taskforce_user):
    # given a warm cache in which Wednesday 2025-03-12 is a working day
    assert add_workdays(d("2025-03-11"), 1) == d("2025-03-12")
    # when staff make it a holiday
    row = services.calendar_day_add(
        year=2025, day=d("2025-03-12"), kind=DayKind.HOLIDAY, name="临时休假", acting_user=taskforce_user
    )
    # then the very next computation skips it
    assert add_workdays(d("2025-03-11"), 1) == d("2025-03-13")
    # and deleting it restores the working day
    services.calendar_day_delete(day_id=row.pk, acting_user=taskforce_user)
    assert add_workdays(d("2025-03-11"), 1) == d("2025-03-12")


def test_another_process_notices_a_change_through_the_shared_stamp(monkeypatch):
    # given this process has a warm snapshot and looks at the shared stamp on every call
    monkeypatch.setattr(services, "STAMP_CHECK_INTERVAL_SECONDS", 0)
    assert is_workday(d("2025-03-12"))
    # when another process changes the calendar (simulated: a row written without signals, stamp replaced)
    CalendarDay.objects.bulk_create([CalendarDay(date=d("2025-03-12"), kind=DayKind.HOLIDAY, name="x")])
    assert is_workday(d("2025-03-12")), "no signal, no change: the snapshot is still in use"
    from django.core.cache import cache

    cache.set(services._stamp_key(), "changed-elsewhere", timeout=None)
    # then this process reloads
    assert not is_workday(d("2025-03-12"))


def test_thirty_working_days_on_a_warm_cache_need_no_query(django_assert_max_num_queries):
    # given a warm cache
    add_workdays(d("2024-09-20"), 1)
    # when computing a deadline across National Day and counting it back
    with django_assert_max_num_queries(1):
        end = add_workdays(d("2024-09-20"), 30)
        assert workdays_between(d("2024-09-20"), end) == 30
        assert next_workday(d("2024-10-01")) == d("2024-10-08")


def test_a_holiday_on_a_saturday_is_refused_by_the_model():
    row = CalendarDay(date=d("2030-01-05"), kind=DayKind.HOLIDAY, name="x")
    with pytest.raises(ValidationError) as caught:
        row.full_clean()
    assert "kind" in caught.value.message_dict


def test_a_make_up_working_day_on_a_weekday_is_refused(taskforce_user):
    with pytest.raises(ValidationError) as caught:
        services.calendar_day_add(
            year=2025, day=d("2025-03-12"), kind=DayKind.WORKDAY, name="调休上班", acting_user=taskforce_user
        )
    assert "kind" in caught.value.message_dict
    assert not CalendarDay.objects.filter(date=d("2025-03-12")).exists()


def test_an_unknown_kind_is_refused_by_the_database():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        CalendarDay.objects.create(date=d("2030-01-07"), kind="rest", name="x")


def test_a_cadre_cannot_change_the_calendar(pairing):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.calendar_day_add(
            year=2025, day=d("2025-03-12"), kind=DayKind.HOLIDAY, name="x", acting_user=pairing.cadre.user
        )


# --- Syncing from the package -----------------------------------------------------------------


def test_syncing_from_the_package_keeps_what_staff_entered(taskforce_user):
    # given staff replaced the package's 2024-10-07 with their own row, added a day of their own,
    # and a package row went missing
    CalendarDay.objects.filter(date__in=[d("2024-10-07"), d("2024-10-04")]).delete()
    services.calendar_day_add(
        year=2024, day=d("2024-10-07"), kind=DayKind.HOLIDAY, name="国庆节（人工录入）", acting_user=taskforce_user
    )
    services.calendar_day_add(
        year=2024, day=d("2024-03-12"), kind=DayKind.HOLIDAY, name="区级活动", acting_user=taskforce_user
    )
    # when the package is synced again
    counts = calendar_sync_from_package(years=[2024])
    # then the staff rows are untouched, and only the missing package row is back
    kept = CalendarDay.objects.get(date=d("2024-10-07"))
    assert (kept.name, kept.source) == ("国庆节（人工录入）", Source.STAFF)
    assert CalendarDay.objects.get(date=d("2024-03-12")).source == Source.STAFF
    assert CalendarDay.objects.get(date=d("2024-10-04")).source == Source.PACKAGE
    assert counts["days_created"] == 1 and counts["days_kept_staff"] == 1
    assert counts["days_updated"] == 0 and counts["days_deleted"] == 0


def test_syncing_leaves_a_year_staff_withdrew_unpublished(taskforce_user):
    # given staff withdrew 2025
    services.calendar_year_publish(year=2025, published=False, notice="", acting_user=taskforce_user)
    # when the package is synced
    counts = calendar_sync_from_package(years=[2025, 2027])
    # then 2025 stays withdrawn, and 2027, which the package lacks, is reported
    assert not CalendarYear.objects.get(year=2025).published
    assert counts["years_kept_staff"] == 1
    assert counts["years_not_in_package"] == [2027]
    # and 2025 counts provisionally: the official make-up Sunday 01-26 is a day off again
    assert not is_workday(d("2025-01-26"))
    assert services.span_is_provisional(d("2025-06-02"), d("2025-06-02"))


def test_the_migration_seeded_every_year_the_package_covers():
    years = set(CalendarYear.objects.filter(published=True, source=Source.PACKAGE).values_list("year", flat=True))
    assert years == set(range(2004, 2027)) == set(services.package_years())
    spring = CalendarDay.objects.get(date=d("2024-02-12"))
    assert (spring.kind, spring.name) == (DayKind.HOLIDAY, "春节")
    assert CalendarDay.objects.get(date=d("2024-02-18")).kind == DayKind.WORKDAY


def test_the_sync_command_reports_its_counts(capsys):
    from django.core.management import call_command

    call_command("calendar_sync", "--year", "2024")
    out = capsys.readouterr().out
    assert "days_created: 0" in out and "years: 1" in out


# --- The calendar page ------------------------------------------------------------------------


def test_a_cadre_is_refused_the_calendar_page(client, pairing):
    client.force_login(pairing.cadre.user)
    assert client.get(reverse("calendar")).status_code == 403


def test_a_leader_reads_the_calendar_without_the_forms(client, leader_user):
    client.force_login(leader_user)
    response = client.get(reverse("calendar"), {"year": 2024})
    body = response.content.decode()
    assert response.status_code == 200
    assert "春节" in body and 'id="add-day"' not in body
    assert client.post(reverse("calendar") + "?year=2030", {}).status_code == 403


def test_task_force_staff_see_the_year_with_its_status_and_days(client, taskforce_user):
    client.force_login(taskforce_user)
    response = client.get(reverse("calendar"), {"year": 2024})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-status="published"' in body
    assert 'data-date="2024-10-01"' in body and 'data-date="2024-10-12"' in body
    assert 'id="add-day"' in body


def test_a_nonsense_year_is_not_found(client, taskforce_user):
    client.force_login(taskforce_user)
    assert client.get(reverse("calendar"), {"year": "abc"}).status_code == 404
    assert client.get(reverse("calendar"), {"year": "1900"}).status_code == 404


def test_staff_add_a_valid_day_on_the_page(client, taskforce_user):
    # given task-force staff on the 2027 page
    client.force_login(taskforce_user)
    # when they add New Year's Day
    response = client.post(
        reverse("calendar") + "?year=2027", {"date": "2027-01-01", "kind": "holiday", "name": "元旦"}
    )
    # then it is saved as theirs, with them on the history, and the year exists unpublished
    assert response.status_code == 302
    row = CalendarDay.objects.get(date=d("2027-01-01"))
    assert (row.kind, row.name, row.source) == (DayKind.HOLIDAY, "元旦", Source.STAFF)
    assert row.history.first().history_user == taskforce_user
    assert CalendarYear.objects.get(year=2027).published is False


def test_a_saturday_holiday_on_the_page_shows_an_error_and_saves_nothing(client, taskforce_user):
    # given task-force staff on the 2030 page, a year with nothing entered
    client.force_login(taskforce_user)
    # when they enter Saturday 2030-01-05 as a holiday
    response = client.post(
        reverse("calendar") + "?year=2030", {"date": "2030-01-05", "kind": "holiday", "name": "元旦"}
    )
    # then the page explains why, and neither the day nor the year is saved
    body = response.content.decode()
    assert response.status_code == 200
    assert "2030-01-05" in body and "errorlist" in body
    assert not CalendarDay.objects.filter(date__year=2030).exists()
    assert not CalendarYear.objects.filter(year=2030).exists()


@pytest.mark.parametrize(
    ("year", "day", "expected"),
    [
        (2024, "2024-10-01", "2024-10-01"),  # already in the calendar
        (2024, "2025-01-02", "2025-01-02"),  # not in the year being edited
    ],
)
def test_a_duplicate_or_out_of_year_day_on_the_page_shows_an_error(client, taskforce_user, year, day, expected):
    client.force_login(taskforce_user)
    before = CalendarDay.objects.count()
    response = client.post(reverse("calendar") + f"?year={year}", {"date": day, "kind": "holiday", "name": "x"})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode() and expected in response.content.decode()
    assert CalendarDay.objects.count() == before


def test_staff_publish_a_year_with_its_notice_and_not_without(client, taskforce_user):
    client.force_login(taskforce_user)
    url = reverse("calendar-year-publish", args=[2027])
    # when publishing without a notice, nothing is published
    client.post(url, {"published": "on", "notice": ""})
    assert not CalendarYear.objects.filter(year=2027, published=True).exists()
    # when publishing with the notice, the year counts
    response = client.post(url, {"published": "on", "notice": "国办发明电〔2026〕X号"})
    assert response.status_code == 302
    assert CalendarYear.objects.get(year=2027).published
    assert is_workday(d("2027-01-04"))
    # and withdrawing it stops the counting again
    client.post(url, {"published": "", "notice": ""})
    assert not services.year_is_covered(2027)
    assert services.span_is_provisional(d("2027-01-04"), d("2027-01-04"))


def test_staff_delete_their_own_day_but_not_the_packages(client, taskforce_user):
    client.force_login(taskforce_user)
    own = services.calendar_day_add(
        year=2025, day=d("2025-03-12"), kind=DayKind.HOLIDAY, name="临时休假", acting_user=taskforce_user
    )
    package_row = CalendarDay.objects.get(date=d("2024-10-01"))
    client.post(reverse("calendar-day-delete", args=[own.pk]))
    client.post(reverse("calendar-day-delete", args=[package_row.pk]))
    assert not CalendarDay.objects.filter(pk=own.pk).exists()
    assert CalendarDay.objects.filter(pk=package_row.pk).exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_task_force_staff_use_the_calendar_on_a_phone(live_server, phone_page):
    # given task-force staff on a 390px phone
    user = factories.make_user(role=Role.TASKFORCE, username="tf-phone")
    page = phone_page
    page.goto(f"{live_server.url}/accounts/login/?next=/calendar/%3Fyear%3D2024")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "pass-1234")
    page.click("button[type=submit]")
    # then the 2024 calendar fits the screen
    page.wait_for_selector('[data-date="2024-02-12"]')
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "phone-calendar-2024")
    # and when they add a day, it shows in the list
    page.goto(f"{live_server.url}/calendar/?year=2027")
    page.fill("#id_date", "2027-01-01")
    page.select_option("#id_kind", "holiday")
    page.fill("#id_name", "元旦")
    page.click("#add-day button[type=submit]")
    page.wait_for_selector('[data-date="2027-01-01"]')
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "phone-calendar-2027-added")
    # and a Saturday entered as a holiday is explained, not saved
    page.fill("#id_date", "2027-01-09")
    page.select_option("#id_kind", "holiday")
    page.fill("#id_name", "元旦")
    page.click("#add-day button[type=submit]")
    page.wait_for_selector("#add-day .errorlist")
    assert "周六或周日" in page.locator("#add-day").inner_text()
    shot(page, "phone-calendar-error")


def test_the_admin_lists_calendar_days_by_year_and_kind(client, admin_user_):
    client.force_login(admin_user_)
    url = reverse("admin:workdays_calendarday_changelist")
    response = client.get(url, {"year": "2024", "kind": "holiday", "q": "春节"})
    assert response.status_code == 200
    assert "2024-02-12" in response.content.decode() or "2024年2月12日" in response.content.decode()
    assert client.get(reverse("admin:workdays_calendaryear_changelist")).status_code == 200
