"""The weekly dispatch (周调度): sheets per unit, reminders, the interview list, and the pages."""

import time
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from appeals import services as appeal_services
from appeals.models import Appeal
from liaison.models import Notification
from reports import services
from reports.models import Dispatch, InterviewCase, InterviewReason
from reports.tasks import weekly_dispatch
from tests import factories

MONDAY = date(2026, 6, 8)


def _overdue(appeal, deadline):
    Appeal.objects.filter(pk=appeal.pk).update(deadline=deadline)


def _visited_in(pairing, *months):
    for month in months:
        factories.make_visit(assignment=pairing, date=month.replace(day=10))


@pytest.fixture
def unit_fixture(db, clock):
    """One unit: cadre A (not contacted in June, an overdue appeal), cadre B (contacted, an appeal due this week)."""
    clock.set(date(2026, 6, 3))
    unit = factories.make_unit()
    lagging = factories.make_assignment(cadre=factories.make_cadre(unit=unit, name="甲"))
    busy = factories.make_assignment(cadre=factories.make_cadre(unit=unit, name="乙"))
    for pairing in (lagging, busy):
        _visited_in(pairing, date(2026, 4, 1), date(2026, 5, 1))
    factories.make_visit(assignment=busy, date=date(2026, 6, 3))
    overdue = factories.make_appeal(pairing=lagging, title="逾期诉求")
    _overdue(overdue, date(2026, 6, 5))
    due = factories.make_appeal(pairing=busy, title="本周到期诉求")
    _overdue(due, date(2026, 6, 10))
    clock.set(MONDAY)
    return {"unit": unit, "lagging": lagging, "busy": busy, "overdue": overdue, "due": due}


@pytest.mark.django_db
def test_the_sheet_lists_overdue_and_due_appeals_the_lagging_pairing_and_new_appeals(unit_fixture):
    # given a unit with an overdue appeal, an appeal due this week and a pairing not contacted in June
    f = unit_fixture
    # when the dispatch runs for the week of 8 June
    result = services.weekly_dispatch_run(week_start=MONDAY)
    # then the unit's sheet holds each of them
    sheet = Dispatch.objects.get(unit=f["unit"], week_start=MONDAY).data
    assert [a["id"] for a in sheet["overdue_appeals"]] == [f["overdue"].pk]
    assert [a["id"] for a in sheet["due_this_week"]] == [f["due"].pk]
    assert [p["id"] for p in sheet["not_contacted"]] == [f["lagging"].pk]
    assert sheet["not_contacted"][0]["name"] == "甲"
    assert {a["id"] for a in sheet["new_appeals"]} == {f["overdue"].pk, f["due"].pk}
    assert sheet["interviews"] == []
    assert result["units"] == result["created"] == 1


@pytest.mark.django_db
def test_the_lagging_cadre_and_the_overdue_appeals_handler_are_reminded(unit_fixture):
    # given the fixture unit
    f = unit_fixture
    # when the dispatch runs
    services.weekly_dispatch_run(week_start=MONDAY)
    # then the lagging cadre gets a contact reminder and, as the tier-1 handler, an overdue reminder
    lagging_user = f["lagging"].cadre.user
    assert set(Notification.objects.filter(user=lagging_user).values_list("kind", flat=True)) >= {
        "dispatch.contact",
        "dispatch.overdue",
    }
    assert not Notification.objects.filter(user=f["busy"].cadre.user, kind="dispatch.contact").exists()


@pytest.mark.django_db
def test_no_contact_reminder_in_the_first_week_of_the_month(db, clock):
    # given a pairing without contact on Monday 1 June
    clock.set(date(2026, 6, 1))
    pairing = factories.make_assignment()
    # when the dispatch runs for that week
    services.weekly_dispatch_run(week_start=date(2026, 6, 1))
    # then the sheet lists the pairing but nobody is reminded yet
    sheet = Dispatch.objects.get(unit=pairing.cadre.unit).data
    assert len(sheet["not_contacted"]) == 1
    assert not Notification.objects.filter(kind="dispatch.contact").exists()


@pytest.mark.django_db
def test_running_the_same_week_twice_changes_nothing_the_second_time(unit_fixture):
    # given a first run
    first = services.weekly_dispatch_run(week_start=MONDAY)
    notes = Notification.objects.count()
    # when the same week runs again
    second = services.weekly_dispatch_run(week_start=MONDAY)
    # then there is still one sheet per unit and no notification was added
    assert Dispatch.objects.filter(week_start=MONDAY).count() == 1
    assert Notification.objects.count() == notes > 0
    assert first["created"] == 1 and second["created"] == 0 and second["reminders"] == 0


@pytest.mark.django_db
def test_a_run_that_failed_halfway_is_finished_by_the_rerun(db, clock, monkeypatch, settings):
    # given two units written one per transaction, and a run that dies while handling the second one
    settings.DISPATCH_CHUNK_UNITS = 1
    clock.set(MONDAY)
    first = factories.make_assignment()
    second = factories.make_assignment()
    real = services._remind

    def dying(*, week, unit_ids):
        if second.cadre.unit_id in unit_ids:
            raise RuntimeError("worker killed")
        return real(week=week, unit_ids=unit_ids)

    monkeypatch.setattr(services, "_remind", dying)
    with pytest.raises(RuntimeError):
        services.weekly_dispatch_run(week_start=MONDAY)
    # then the first unit is done and nothing of the second was kept
    assert list(Dispatch.objects.values_list("unit_id", flat=True)) == [first.cadre.unit_id]
    assert not Notification.objects.filter(user=second.cadre.user).exists()
    # when the run is repeated
    monkeypatch.setattr(services, "_remind", real)
    result = services.weekly_dispatch_run(week_start=MONDAY)
    # then it fills in only the missing unit
    assert result["created"] == 1
    assert Dispatch.objects.filter(week_start=MONDAY).count() == 2
    assert Notification.objects.filter(user=first.cadre.user).count() == 1
    assert Notification.objects.filter(user=second.cadre.user).count() == 1


@pytest.mark.django_db
def test_a_dispatch_week_must_start_on_a_monday(db):
    unit = factories.make_unit()
    with pytest.raises(IntegrityError), transaction.atomic():
        Dispatch.objects.create(unit=unit, week_start=date(2026, 6, 9))


@pytest.mark.django_db
@pytest.mark.parametrize(("visited", "listed"), [([date(2026, 4, 1)], False), ([], True)])
def test_a_cadre_is_listed_for_interview_after_two_months_without_contact(db, clock, visited, listed):
    # given a cadre who contacted the enterprise in April (missed May only) or in neither month
    clock.set(MONDAY)
    pairing = factories.make_assignment()
    _visited_in(pairing, *visited)
    # when the dispatch runs
    services.weekly_dispatch_run(week_start=MONDAY)
    # then only two missed months put them on the interview list
    cases = InterviewCase.objects.filter(cadre=pairing.cadre, reason=InterviewReason.MISSED_CONTACT)
    assert cases.exists() is listed
    sheet = Dispatch.objects.get(unit=pairing.cadre.unit).data
    assert bool(sheet["interviews"]) is listed


@pytest.mark.django_db
@pytest.mark.parametrize(("late", "listed"), [(2, False), (3, True)])
def test_a_cadre_is_listed_for_interview_after_three_overdue_appeals(db, clock, late, listed):
    # given a cadre in contact every month, with `late` appeals that went overdue last month
    clock.set(date(2026, 5, 12))
    pairing = factories.make_assignment()
    _visited_in(pairing, date(2026, 4, 1), date(2026, 5, 1))
    for i in range(late):
        appeal = factories.make_appeal(pairing=pairing, title=f"诉求{i}")
        Appeal.objects.filter(pk=appeal.pk).update(overdue_steps=1)
    clock.set(MONDAY)
    # when the dispatch runs
    services.weekly_dispatch_run(week_start=MONDAY)
    # then three overdue appeals, not two, put the cadre on the interview list
    reasons = set(InterviewCase.objects.filter(cadre=pairing.cadre).values_list("reason", flat=True))
    assert reasons == ({InterviewReason.OVERDUE_APPEALS} if listed else set())


@pytest.mark.django_db
def test_a_second_week_does_not_open_a_second_case_while_one_is_open(db, clock):
    # given a cadre listed for interview in the week of 8 June
    clock.set(MONDAY)
    pairing = factories.make_assignment()
    services.weekly_dispatch_run(week_start=MONDAY)
    services.weekly_dispatch_run(week_start=MONDAY)
    # when the next week runs too
    clock.set(MONDAY + timedelta(days=7))
    services.weekly_dispatch_run(week_start=MONDAY + timedelta(days=7))
    # then there is one open case
    assert InterviewCase.objects.filter(cadre=pairing.cadre, held_on__isnull=True).count() == 1
    assert Dispatch.objects.count() == 2


@pytest.mark.django_db
def test_only_the_task_force_records_a_held_interview(db, clock, taskforce_user):
    # given an open interview case
    clock.set(MONDAY)
    pairing = factories.make_assignment()
    services.weekly_dispatch_run(week_start=MONDAY)
    case = InterviewCase.objects.get(cadre=pairing.cadre)
    # when a cadre tries to record it, then it is refused
    with pytest.raises(PermissionDenied):
        services.interview_record(case=case, held_on=MONDAY, record="谈话", acting_user=pairing.cadre.user)
    # when the task force records it, then the case is closed and a later week may open a new one
    services.interview_record(case=case, held_on=MONDAY, record="约谈记录", acting_user=taskforce_user)
    case.refresh_from_db()
    assert case.held_on == MONDAY and case.recorded_by == taskforce_user
    clock.set(MONDAY + timedelta(days=7))
    services.weekly_dispatch_run(week_start=MONDAY + timedelta(days=7))
    assert InterviewCase.objects.filter(cadre=pairing.cadre).count() == 2


# --- Pages ---------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/dispatch/", "/dispatch/2026-06-08/", "/dispatch/interviews/"])
def test_a_cadre_may_not_open_the_dispatch_pages(client, pairing, url):
    client.force_login(pairing.cadre.user)
    assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_a_unit_handler_sees_only_their_units_sheet(client, clock, unit_handler, pairing, other_pairing):
    # given sheets for two units
    clock.set(MONDAY)
    services.weekly_dispatch_run(week_start=MONDAY)
    # when the first unit's handler opens the week
    client.force_login(unit_handler)
    page = client.get("/dispatch/2026-06-08/").content.decode()
    # then they see their unit only, and cannot run the dispatch
    assert pairing.cadre.unit.name in page and other_pairing.cadre.unit.name not in page
    assert client.post("/dispatch/", {"week_start": "2026-06-15"}).status_code == 403


@pytest.mark.django_db
def test_the_task_force_runs_the_dispatch_from_the_page(client, clock, taskforce_user, pairing):
    # given the task force on the dispatch page
    clock.set(MONDAY)
    client.force_login(taskforce_user)
    # when they run it for the week of 8 June (the task runs in-process in tests)
    response = client.post("/dispatch/", {"week_start": "2026-06-08"})
    # then the sheet is written and the result shown
    assert response.status_code == 200
    assert 'id="dispatch-result"' in response.content.decode()
    assert Dispatch.objects.filter(unit=pairing.cadre.unit, week_start=MONDAY).exists()
    assert client.get("/dispatch/").status_code == 200
    assert pairing.cadre.unit.name in client.get("/dispatch/2026-06-08/").content.decode()


@pytest.mark.django_db
def test_the_task_force_records_an_interview_from_the_list(client, clock, taskforce_user, leader_user, pairing):
    # given an open case
    clock.set(MONDAY)
    services.weekly_dispatch_run(week_start=MONDAY)
    case = InterviewCase.objects.get(cadre=pairing.cadre)
    # a leader reads the list but may not record
    client.force_login(leader_user)
    assert pairing.cadre.name in client.get("/dispatch/interviews/").content.decode()
    assert client.post(f"/dispatch/interviews/{case.pk}/record/", {}).status_code == 403
    # when the task force records it
    client.force_login(taskforce_user)
    response = client.post(
        f"/dispatch/interviews/{case.pk}/record/", {"held_on": "2026-06-09", "record": "已约谈，限期整改"}
    )
    # then the case is held
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.held_on == date(2026, 6, 9) and case.record == "已约谈，限期整改"


# --- A real Celery worker on Redis ---------------------------------------------------------------



def wait_for(check, *, seconds: float = 40) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.3)
    return False


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_writes_the_weeks_sheets_and_reminders(worker, clock):
    # given two units with a pairing each, neither contacted in June
    clock.set(MONDAY)
    pairings = [factories.make_assignment(), factories.make_assignment()]
    # when the weekly dispatch is queued for the week of 8 June and a separate worker process runs it
    outcome = weekly_dispatch.delay(MONDAY.isoformat())
    # then the worker writes one sheet per unit and reminds each lagging cadre
    done = wait_for(lambda: Dispatch.objects.filter(week_start=MONDAY).count() == 2)
    if not done:
        worker.terminate()
        output = worker.stdout.read().decode(errors="replace")[-3000:]
        pytest.fail(f"no sheets from the worker; its output:\n{output}")
    assert outcome.get(timeout=20)["created"] == 2
    for pairing in pairings:
        assert Notification.objects.filter(user=pairing.cadre.user, kind="dispatch.contact").count() == 1
    # and queuing the same week again adds nothing
    assert weekly_dispatch.delay(MONDAY.isoformat()).get(timeout=30)["created"] == 0
    assert Dispatch.objects.count() == 2
    assert Notification.objects.filter(kind="dispatch.contact").count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("units", [3, 30])
def test_the_run_reads_and_writes_in_a_bounded_number_of_queries(db, clock, units, django_assert_max_num_queries):
    # given `units` units, each with a lagging cadre (reminded), an overdue appeal (its unit's handler
    # reminded) and a cadre with two months without contact (listed for interview)
    clock.set(date(2026, 6, 1))
    for _i in range(units):
        unit = factories.make_unit()
        factories.make_unit_handler(unit)
        pairing = factories.make_assignment(cadre=factories.make_cadre(unit=unit), started_on=date(2026, 3, 1))
        appeal = factories.make_appeal(pairing=pairing)
        appeal_services.appeal_escalate(appeal=appeal, acting_user=pairing.cadre.user, reason="需要单位协调")
        _overdue(appeal, date(2026, 6, 5))
    clock.set(MONDAY)
    # when the week runs, then the number of queries does not grow with the units
    with django_assert_max_num_queries(18):
        result = services.weekly_dispatch_run(week_start=MONDAY)
    assert result["created"] == units
    assert result["interviews"] == units and result["reminders"] == 2 * units
    assert Dispatch.objects.filter(week_start=MONDAY).count() == units
