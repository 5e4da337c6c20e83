"""The appeal state machine: individual → unit → task force, deadlines, pauses, feedback and pressing."""

from datetime import date, timedelta

import chinese_calendar
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.utils import translation

from appeals import services
from appeals.models import Appeal, AppealCategory, AppealEvent, EventKind, Feedback, ResolutionKind, Status, Tier
from appeals.services import ConcurrentChange, TransitionError
from liaison.models import Notification, Role, Substitution
from tests import factories

pytestmark = pytest.mark.django_db

ORDINARY_DAY = date(2026, 6, 3)  # a Wednesday with no holiday near


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def expected_workday(start: date, n: int) -> date:
    """The n-th official working day after `start`, straight from chinese_calendar."""
    day = start
    while n:
        day += timedelta(days=1)
        if chinese_calendar.is_workday(day):
            n -= 1
    return day


@pytest.fixture
def world(db, clock):
    """A cadre paired with an enterprise, their unit's handler, a service group with its handler,
    task-force staff and a leader."""
    clock.set(ORDINARY_DAY)
    unit = factories.make_unit(name="区科工局")
    pairing = factories.make_assignment(cadre=factories.make_cadre(unit=unit))
    group = factories.make_service_group(name="金融服务组")
    return {
        "pairing": pairing,
        "cadre": pairing.cadre.user,
        "unit": unit,
        "handler": factories.make_unit_handler(unit, username="kgj-handler"),
        "group": group,
        "group_handler": factories.make_unit_handler(group, username="group-handler"),
        "taskforce": factories.make_user(role=Role.TASKFORCE, username="tf"),
        "leader": factories.make_user(role=Role.LEADER, username="boss"),
        "clock": clock,
    }


def raise_one(world, **kwargs) -> Appeal:
    return factories.make_appeal(pairing=world["pairing"], **kwargs)


# --- The happy path ---------------------------------------------------------------------------


def test_the_whole_flow_from_cadre_to_task_force_and_back_to_the_enterprise(world):
    # given a cadre raises an appeal
    appeal = raise_one(world)
    assert (appeal.status, appeal.tier, appeal.handler_cadre.user) == (Status.HANDLING, Tier.INDIVIDUAL, world["cadre"])
    assert appeal.deadline == expected_workday(ORDINARY_DAY, 5)
    # when it climbs to the unit and the task force, which assigns it to a service group
    services.appeal_escalate(appeal=appeal, acting_user=world["cadre"], reason="需要单位协调银行")
    appeal.refresh_from_db()
    assert (appeal.tier, appeal.handler_unit) == (Tier.UNIT, world["unit"])
    assert appeal.deadline == expected_workday(ORDINARY_DAY, 10)
    services.appeal_escalate(appeal=appeal, acting_user=world["handler"], reason="涉及多家银行，需专班协调")
    appeal.refresh_from_db()
    assert appeal.tier == Tier.TASKFORCE and appeal.awaiting_triage
    services.appeal_assign(appeal=appeal, acting_user=world["taskforce"], unit=world["group"], workdays=7)
    appeal.refresh_from_db()
    assert appeal.handler_unit == world["group"] and appeal.deadline == expected_workday(ORDINARY_DAY, 7)
    # and the group resolves it, and the enterprise is satisfied
    services.appeal_resolve(appeal=appeal, acting_user=world["group_handler"], resolution="协调建行授信500万元")
    services.appeal_feedback(appeal=appeal, acting_user=world["cadre"], verdict=Feedback.SATISFIED)
    # then it is closed and the timeline tells every step, in order, with who did it
    appeal.refresh_from_db()
    assert appeal.status == Status.CLOSED and appeal.closed_at is not None
    events = list(appeal.events.order_by("seq"))
    assert [e.kind for e in events] == ["raised", "escalated", "escalated", "assigned", "resolved", "feedback"]
    assert [e.seq for e in events] == [1, 2, 3, 4, 5, 6]
    assert [e.actor for e in events] == [
        world["cadre"],
        world["cadre"],
        world["handler"],
        world["taskforce"],
        world["group_handler"],
        world["cadre"],
    ]
    assert events[3].to_handler == "金融服务组"
    assert appeal.version == 6


def test_task_force_can_register_an_appeal_that_starts_in_triage(world):
    appeal = services.appeal_raise(
        acting_user=world["taskforce"],
        enterprise=world["pairing"].enterprise,
        category=AppealCategory.objects.get(code="approvals"),
        title="12345热线：施工许可办理慢",
        description="企业反映施工许可审批超时。",
        source="hotline",
    )
    assert appeal.tier == Tier.TASKFORCE and appeal.awaiting_triage
    assert appeal.cadre == world["pairing"].cadre  # it still counts for the cadre's unit


def test_another_cadre_cannot_raise_an_appeal_for_an_enterprise_not_theirs(world):
    stranger = factories.make_pairing_with_login().cadre.user
    with pytest.raises(PermissionDenied):
        services.appeal_raise(
            acting_user=stranger,
            enterprise=world["pairing"].enterprise,
            category=AppealCategory.objects.get(code="other"),
            title="x",
            description="y",
        )
    assert not Appeal.objects.exists()


# --- Illegal transitions ----------------------------------------------------------------------


def test_escalating_from_the_task_force_tier_is_refused(world):
    appeal = raise_one(world)
    services.appeal_escalate(appeal=appeal, acting_user=world["cadre"], reason="a")
    services.appeal_escalate(appeal=appeal, acting_user=world["handler"], reason="b")
    with pytest.raises(TransitionError):
        services.appeal_escalate(appeal=appeal, acting_user=world["taskforce"], reason="c")


@pytest.mark.parametrize(
    ("action", "kwargs"),
    [
        ("appeal_assign", {"unit": None}),
        ("appeal_return", {"reason": "x"}),
        ("appeal_mark_out_of_scope", {"explanation": "x"}),
        ("appeal_resume", {}),
        ("appeal_feedback", {"verdict": "satisfied"}),
        ("appeal_reopen", {"reason": "x"}),
        ("appeal_press", {}),
    ],
)
def test_moves_that_do_not_apply_at_the_individual_tier_are_refused(world, action, kwargs):
    # given a fresh appeal with the cadre, not overdue
    appeal = raise_one(world)
    if "unit" in kwargs:
        kwargs["unit"] = world["group"]
    # when task-force staff try a move that does not apply
    with pytest.raises(TransitionError):
        getattr(services, action)(appeal=appeal, acting_user=world["taskforce"], **kwargs)
    # then nothing changed and no event was added
    appeal.refresh_from_db()
    assert appeal.version == 1 and appeal.events.count() == 1


@pytest.mark.parametrize("final", ["closed", "withdrawn", "out_of_scope"])
def test_finished_appeals_accept_no_handling_moves(world, final):
    appeal = raise_one(world)
    if final == "closed":
        services.appeal_resolve(appeal=appeal, acting_user=world["cadre"], resolution="已解决")
        services.appeal_feedback(appeal=appeal, acting_user=world["cadre"], verdict=Feedback.SATISFIED)
    elif final == "withdrawn":
        services.appeal_withdraw(appeal=appeal, acting_user=world["cadre"], reason="企业自行解决")
    else:
        services.appeal_escalate(appeal=appeal, acting_user=world["cadre"], reason="a")
        services.appeal_escalate(appeal=appeal, acting_user=world["handler"], reason="b")
        services.appeal_mark_out_of_scope(appeal=appeal, acting_user=world["taskforce"], explanation="属司法程序")
    for action, kwargs in [
        ("appeal_resolve", {"resolution": "x"}),
        ("appeal_escalate", {"reason": "x"}),
        ("appeal_suspend", {"reason": "x"}),
        ("appeal_withdraw", {"reason": "x"}),
    ]:
        with pytest.raises((TransitionError, PermissionDenied)):
            getattr(services, action)(appeal=appeal, acting_user=world["taskforce"], **kwargs)


def test_resuming_an_appeal_that_is_not_paused_is_refused(world):
    appeal = raise_one(world)
    with pytest.raises(TransitionError):
        services.appeal_resume(appeal=appeal, acting_user=world["cadre"])


def test_feedback_before_resolution_is_refused(world):
    appeal = raise_one(world)
    with pytest.raises(TransitionError):
        services.appeal_feedback(appeal=appeal, acting_user=world["cadre"], verdict=Feedback.SATISFIED)


def test_returning_to_the_same_or_a_higher_tier_is_refused(world):
    appeal = raise_one(world)
    services.appeal_escalate(appeal=appeal, acting_user=world["cadre"], reason="a")
    with pytest.raises(TransitionError):
        services.appeal_return(appeal=appeal, acting_user=world["handler"], reason="x", to_tier=Tier.UNIT)


# --- Who may act ------------------------------------------------------------------------------


def test_another_cadre_cannot_touch_the_appeal(world):
    appeal = raise_one(world)
    stranger = factories.make_pairing_with_login().cadre.user
    for call in (
        lambda: services.appeal_escalate(appeal=appeal, acting_user=stranger, reason="x"),
        lambda: services.appeal_resolve(appeal=appeal, acting_user=stranger, resolution="x"),
        lambda: services.appeal_withdraw(appeal=appeal, acting_user=stranger, reason="x"),
    ):
        with pytest.raises(PermissionDenied):
            call()


def test_a_unit_handler_acts_only_on_their_own_units_appeals(world):
    appeal = raise_one(world)
    services.appeal_escalate(appeal=appeal, acting_user=world["cadre"], reason="a")
    other_handler = factories.make_unit_handler(factories.make_unit(name="区商务局"))
    with pytest.raises(PermissionDenied):
        services.appeal_resolve(appeal=appeal, acting_user=other_handler, resolution="x")
    # and the cadre, no longer holding it, cannot resolve it either
    with pytest.raises(PermissionDenied):
        services.appeal_resolve(appeal=appeal, acting_user=world["cadre"], resolution="x")
    services.appeal_return(appeal=appeal, acting_user=world["handler"], reason="请先与企业核实数据")
    appeal.refresh_from_db()
    assert appeal.tier == Tier.INDIVIDUAL and appeal.handler_cadre == world["pairing"].cadre


def test_a_leader_reads_but_cannot_act(world):
    appeal = raise_one(world)
    assert services.allowed_actions(world["leader"], appeal) == []
    with pytest.raises(PermissionDenied):
        services.appeal_withdraw(appeal=appeal, acting_user=world["leader"], reason="x")


def test_only_task_force_staff_assign(world):
    appeal = raise_one(world)
    services.appeal_escalate(appeal=appeal, acting_user=world["cadre"], reason="a")
    services.appeal_escalate(appeal=appeal, acting_user=world["handler"], reason="b")
    with pytest.raises(PermissionDenied):
        services.appeal_assign(appeal=appeal, acting_user=world["handler"], unit=world["group"])
    with pytest.raises(ValidationError):  # a cadre's unit kind that cannot take assignments
        services.appeal_assign(
            appeal=appeal, acting_user=world["taskforce"], unit=factories.make_unit(name="区工作专班", kind="taskforce")
        )


# --- Feedback and reopening -------------------------------------------------------------------


def test_unsatisfied_feedback_reopens_at_the_tier_and_handler_that_resolved_it(world):
    appeal = raise_one(world)
    services.appeal_escalate(appeal=appeal, acting_user=world["cadre"], reason="a")
    services.appeal_resolve(appeal=appeal, acting_user=world["handler"], resolution="已协调")
    with pytest.raises(ValidationError):  # unsatisfied needs a reason
        services.appeal_feedback(appeal=appeal, acting_user=world["cadre"], verdict=Feedback.UNSATISFIED)
    services.appeal_feedback(
        appeal=appeal, acting_user=world["cadre"], verdict=Feedback.UNSATISFIED, comment="贷款仍未到位"
    )
    appeal.refresh_from_db()
    assert (appeal.status, appeal.tier, appeal.handler_unit) == (Status.HANDLING, Tier.UNIT, world["unit"])
    assert appeal.resolved_at is None and appeal.feedback == Feedback.UNSATISFIED
    assert [e.kind for e in appeal.events.order_by("seq")][-2:] == ["feedback", "reopened"]


def test_not_our_responsibility_records_who_decided_and_why(world):
    appeal = raise_one(world)
    services.appeal_resolve(
        appeal=appeal,
        acting_user=world["cadre"],
        resolution="属于市级事权，已告知企业向市发改委反映",
        kind=ResolutionKind.NOT_RESPONSIBLE,
    )
    appeal.refresh_from_db()
    assert appeal.resolution_kind == ResolutionKind.NOT_RESPONSIBLE and appeal.resolved_by == world["cadre"]
    event = appeal.events.get(kind=EventKind.RESOLVED)
    assert event.actor == world["cadre"] and "市级事权" in event.comment and event.data["kind"] == "not_responsible"


# --- The clock --------------------------------------------------------------------------------


def test_a_pause_moves_the_deadline_and_is_left_out_of_handling_time(world):
    clock = world["clock"]
    appeal = raise_one(world)  # Wednesday 3 June 2026: deadline five working days on
    deadline = appeal.deadline
    # when it is paused on Thursday and resumed the next Tuesday (3 working days later)
    clock.set(date(2026, 6, 4))
    services.appeal_suspend(appeal=appeal, acting_user=world["cadre"], reason="等待企业补充材料")
    clock.set(date(2026, 6, 9))
    services.appeal_resume(appeal=appeal, acting_user=world["cadre"])
    appeal.refresh_from_db()
    # then the deadline moves on by those 3 working days
    assert appeal.paused_workdays == 3
    assert appeal.deadline == expected_workday(deadline, 3)
    # and the time already used survives an escalation: handling time excludes the pause
    services.appeal_escalate(appeal=appeal, acting_user=world["cadre"], reason="a")
    clock.set(date(2026, 6, 12))
    services.appeal_resolve(appeal=appeal, acting_user=world["handler"], resolution="已办结")
    appeal.refresh_from_db()
    # 4 June to 12 June 2026 is 7 working days (the Dragon Boat holiday is 19 June), less 3 paused
    assert appeal.handling_workdays == 7 - 3
    kinds = [e.kind for e in appeal.events.order_by("seq")]
    assert kinds == ["raised", "suspended", "resumed", "escalated", "resolved"]


def test_deadlines_count_across_the_spring_festival_with_make_up_days(world):
    # given an appeal raised on Thursday 12 February 2026, before the Spring Festival holiday
    world["clock"].set(date(2026, 2, 12))
    appeal = raise_one(world)
    # then its five working days skip the holiday and count the Saturday make-up days
    assert appeal.deadline == expected_workday(date(2026, 2, 12), 5)
    assert not chinese_calendar.is_workday(date(2026, 2, 17))
    assert chinese_calendar.is_workday(date(2026, 2, 14))  # Saturday make-up day
    assert appeal.deadline > date(2026, 2, 23)


def test_deadlines_count_across_national_day(world):
    world["clock"].set(date(2025, 9, 26))
    appeal = raise_one(world)
    assert appeal.deadline == expected_workday(date(2025, 9, 26), 5)
    assert appeal.deadline >= date(2025, 10, 9)


def test_a_deadline_in_a_year_without_a_calendar_is_counted_provisionally(world):
    # given a date late in a year whose next year's holidays are not entered
    world["clock"].set(date(2030, 12, 27))
    # when an appeal is raised, its deadline falls in 2031: counted on the provisional calendar, not refused
    appeal = raise_one(world)
    assert appeal.deadline == date(2031, 1, 6) and appeal.deadline_provisional
    assert appeal.events.get().deadline == date(2031, 1, 6)


# --- Pressing, withdrawal, immutability -------------------------------------------------------


def test_pressing_is_graded_reminder_then_supervision_with_a_leader(world):
    appeal = raise_one(world)
    leader_cadre = factories.make_cadre(name="王区长", rank="district")
    # not overdue yet: nothing to press
    with pytest.raises(TransitionError):
        services.appeal_press(appeal=appeal, acting_user=world["taskforce"])
    world["clock"].set(appeal.deadline + timedelta(days=7))
    services.appeal_press(appeal=appeal, acting_user=world["taskforce"], comment="请抓紧办理")
    with pytest.raises(ValidationError):
        services.appeal_press(appeal=appeal, acting_user=world["taskforce"])  # supervision needs a leader
    services.appeal_press(appeal=appeal, acting_user=world["taskforce"], leader=leader_cadre, comment="督办")
    appeal.refresh_from_db()
    assert appeal.press_level == 2 and appeal.supervising_leader == leader_cadre
    assert appeal.supervision_due is not None
    assert [e.kind for e in appeal.events.order_by("seq")][-2:] == ["reminded", "supervised"]
    # and the late step is counted when it ends
    services.appeal_resolve(appeal=appeal, acting_user=world["cadre"], resolution="已办结")
    appeal.refresh_from_db()
    assert appeal.overdue_steps == 1


def test_withdrawn_appeals_and_their_events_are_never_deleted(world):
    appeal = raise_one(world)
    services.appeal_withdraw(appeal=appeal, acting_user=world["cadre"], reason="企业已自行解决")
    appeal.refresh_from_db()
    assert appeal.status == Status.WITHDRAWN
    with pytest.raises(ValidationError):
        appeal.delete()
    event = appeal.events.first()
    with pytest.raises(ValidationError):
        event.delete()
    event.comment = "篡改"
    with pytest.raises(ValidationError):
        event.save()
    # even around the ORM, PostgreSQL refuses
    with pytest.raises(DatabaseError), transaction.atomic():
        AppealEvent.objects.filter(pk=event.pk).update(comment="篡改")


# --- Concurrency, substitutes, notifications --------------------------------------------------


def test_a_stale_version_gets_already_changed_and_no_event(world):
    appeal = raise_one(world)
    seen = appeal.version
    services.appeal_escalate(appeal=appeal, acting_user=world["cadre"], reason="a", expected_version=seen)
    with pytest.raises(ConcurrentChange):
        services.appeal_withdraw(appeal=appeal, acting_user=world["cadre"], reason="b", expected_version=seen)
    assert appeal.events.count() == 2


def test_a_substitute_acts_for_someone_away_and_the_timeline_says_so(world, django_capture_on_commit_callbacks):
    # given the cadre is away and names a colleague
    colleague = factories.make_cadre(
        unit=world["cadre"].cadre.unit, user=factories.make_user(username="colleague")
    ).user
    services.substitution_create(
        acting_user=world["cadre"],
        substitute=colleague,
        starts_on=ORDINARY_DAY,
        ends_on=ORDINARY_DAY + timedelta(days=10),
        reason="外出学习",
    )
    appeal = raise_one(world)
    # then the colleague sees it in their queue and escalates it on the cadre's behalf
    from appeals.selectors import my_queue

    assert list(my_queue(viewer=colleague)) == [appeal]
    services.appeal_escalate(appeal=appeal, acting_user=colleague, reason="代为上报")
    event = appeal.events.get(kind=EventKind.ESCALATED)
    assert event.actor == colleague and event.on_behalf_of == world["cadre"]
    # and when the unit's handler is away too, the notification goes to their substitute
    handler_sub = factories.make_user(username="handler-sub")
    Substitution.objects.create(
        principal=world["handler"], substitute=handler_sub, starts_on=ORDINARY_DAY, ends_on=ORDINARY_DAY
    )
    appeal.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.appeal_resolve(appeal=appeal, acting_user=handler_sub, resolution="已办结")
    assert Notification.objects.filter(user=colleague).exists()  # the resolved notice goes to the away cadre's stand-in


def test_the_new_handler_is_notified_after_commit_once(world, django_capture_on_commit_callbacks):
    appeal = raise_one(world)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.appeal_escalate(appeal=appeal, acting_user=world["cadre"], reason="a")
    from appeals.selectors import appeals_changed

    # one notification job (the other callback says the queue counts kept are stale)
    assert len([c for c in callbacks if c is not appeals_changed]) == 1
    notes = Notification.objects.filter(user=world["handler"])
    assert notes.count() == 1 and "企业融资难" in notes.get().title
    # running the job again sends nothing more
    from appeals import tasks

    tasks.appeal_notify(appeal.pk, appeal.events.get(kind="escalated").pk)
    assert notes.count() == 1


def test_reminders_go_out_on_working_days_only_and_once_a_day(world):
    from appeals import notifications

    appeal = raise_one(world)
    saturday = date(2026, 6, 13)
    world["clock"].set(saturday)
    assert notifications.appeal_send_reminders() == 0
    monday = date(2026, 6, 15)
    world["clock"].set(monday)
    assert appeal.deadline <= monday
    assert notifications.appeal_send_reminders() == 1
    assert notifications.appeal_send_reminders() == 0
    assert Notification.objects.get(kind="appeal.reminder").user == world["cadre"]


def test_appeals_cannot_be_deleted_by_the_admin_or_the_orm(world):
    appeal = raise_one(world)
    with pytest.raises(ValidationError):
        Appeal.objects.get(pk=appeal.pk).delete()


def test_a_notification_for_a_step_already_over_is_not_sent(world):
    # given an appeal escalated before the job for its "raised" event ran
    appeal = raise_one(world)
    raised = appeal.events.get(kind=EventKind.RAISED)
    services.appeal_escalate(appeal=appeal, acting_user=world["cadre"], reason="a")
    # when the late job runs
    from appeals import tasks

    # then nobody is told about a step that is over
    assert tasks.appeal_notify(appeal.pk, raised.pk) == 0
    assert not Notification.objects.exists()


def test_bulk_assignment_is_all_or_nothing_and_names_the_refused_appeal(world):
    # given two appeals awaiting triage and one still with its cadre
    ready = []
    for _i in range(2):
        appeal = raise_one(world)
        services.appeal_escalate(appeal=appeal, acting_user=world["cadre"], reason="a")
        services.appeal_escalate(appeal=appeal, acting_user=world["handler"], reason="b")
        ready.append(appeal)
    not_ready = raise_one(world)
    # when task force assigns all three at once
    with pytest.raises(services.BulkAssignRefused) as refused:
        services.appeal_bulk_assign(appeal_ids=[ready[0].pk, not_ready.pk, ready[1].pk],
                                    acting_user=world["taskforce"], unit=world["group"], workdays=5)
    # then none is assigned, and the refusal names the appeal that was not ready
    assert refused.value.appeal_id == not_ready.pk and isinstance(refused.value.error, TransitionError)
    assert not Appeal.objects.filter(handler_unit=world["group"]).exists()
    # and without it, both are assigned
    assigned = services.appeal_bulk_assign(appeal_ids=[r.pk for r in ready], acting_user=world["taskforce"],
                                           unit=world["group"], workdays=5)
    assert {a.handler_unit for a in assigned} == {world["group"]}
