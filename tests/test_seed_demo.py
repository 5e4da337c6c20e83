"""`manage.py seed_demo` builds the article's district (大连市西岗区): 1+3+8 units, 424 one-to-one
pairings, six months of visits with some lagging cadres, 201 appeals in every state, demo logins
for every role, the campaign's meetings, the bulletins of the months that are over, this week's
dispatch and the evaluation of the year so far.

The district is built once for the module inside a transaction that is rolled back at the end;
each test runs in a savepoint within it, so tests that change data do not affect the others.
"""

from __future__ import annotations

import datetime
import io
import re
import zoneinfo
from collections import Counter
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, F
from django.urls import resolve
from django.utils import timezone, translation

from accounts.models import UserSecurity
from appeals import services
from appeals.models import (
    OPEN_STATUSES,
    Appeal,
    AppealCategory,
    AppealEvent,
    EventKind,
    FeedbackLink,
    ResolutionKind,
    Source,
    Status,
    Tier,
    Urgency,
)
from appeals.selectors import appeal_metrics, my_queue, queue_counts
from demo import appeals as demo_appeals
from demo import district as demo
from demo import hotline as demo_hotline
from demo import oversight as demo_oversight
from demo import policies as demo_policies
from enterprises.models import Enterprise, EnterpriseStatus
from enterprises.validators import credit_code_error, make_credit_code
from evaluations.models import Evaluation, EvaluationScore, ScoreKind
from jobs.models import JobRun, RunStatus
from liaison.models import Assignment, Cadre, Notification, Rank, Role, Unit, UnitKind, User, Visit
from liaison.selectors import monthly_contact, previous_month, today
from meetings import services as meeting_services
from meetings.models import (
    Countermeasure,
    CountermeasureStatus,
    Meeting,
    MeetingEnterprise,
    MeetingIssue,
    MeetingKind,
)
from meetings.selectors import campaign_meeting_figures, three_ones_check
from policies import eligibility
from policies.models import Delivery, DeliveryStatus, Policy, PolicyCategory, PolicyScan, PolicyStatus, RuleGroup
from reports.models import Bulletin, BulletinStatus, Dispatch, InterviewCase

PASSWORD = demo.DEFAULT_PASSWORD
DEMO_LOGINS = {
    "admin": Role.ADMIN,
    "taskforce": Role.TASKFORCE,
    "leader": Role.LEADER,
    "handler": Role.UNIT_HANDLER,
    "cadre": Role.CADRE,
}


# The demo is built relative to today. Pin today, so that the tests never depend on the real date
# (in late December deadlines would fall in a year the holiday calendar does not cover yet).
FIXED_NOW = datetime.datetime(2026, 11, 25, 10, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="module", autouse=True)
def fixed_clock():
    # The default language too: an API test run before this module may leave English active in the
    # thread, and the tests compare labels the demo wrote in zh-hans with labels computed here.
    with mock.patch("django.utils.timezone.now", return_value=FIXED_NOW), translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture(scope="module")
def seeded(fixed_clock, django_db_setup, django_db_blocker):
    """The demo district, built once; returns what the command printed."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = io.StringIO()
        call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def _counts() -> dict[str, int]:
    return {
        "units": Unit.objects.count(),
        "users": User.objects.count(),
        "cadres": Cadre.objects.count(),
        "enterprises": Enterprise.objects.count(),
        "pairings": Assignment.objects.count(),
        "visits": Visit.objects.count(),
        "appeals": Appeal.objects.count(),
        "appeal events": AppealEvent.objects.count(),
        "feedback links": FeedbackLink.objects.count(),
        "policies": Policy.objects.count(),
        "rule groups": RuleGroup.objects.count(),
        "deliveries": Delivery.objects.count(),
        "policy scans": PolicyScan.objects.count(),
        "meetings": Meeting.objects.count(),
        "invited enterprises": MeetingEnterprise.objects.count(),
        "meeting issues": MeetingIssue.objects.count(),
        "countermeasures": Countermeasure.objects.count(),
        "bulletins": Bulletin.objects.count(),
        "dispatch sheets": Dispatch.objects.count(),
        "interview cases": InterviewCase.objects.count(),
        "evaluations": Evaluation.objects.count(),
        "notifications": Notification.objects.count(),
        "history": Unit.history.count()
        + Cadre.history.count()
        + Enterprise.history.count()
        + Assignment.history.count()
        + Visit.history.count()
        + Policy.history.count()
        + RuleGroup.history.count()
        + Delivery.history.count()
        + Meeting.history.count()
        + MeetingEnterprise.history.count()
        + MeetingIssue.history.count()
        + Countermeasure.history.count(),
    }


def _fingerprint() -> dict[str, list]:
    return {
        "units": sorted(Unit.objects.values_list("name", "kind", "parent__name", "function")),
        "cadres": sorted(
            Cadre.objects.values_list("user__username", "name", "unit__name", "rank", "category", "position", "phone")
        ),
        "enterprises": sorted(
            Enterprise.objects.values_list(
                "credit_code", "name", "industry_division", "street__name", "address", "annual_revenue", "founded_on"
            )
        ),
        "pairings": sorted(
            Assignment.objects.values_list("enterprise__credit_code", "cadre__name", "started_on", "ended_on")
        ),
        "visits": sorted(
            Visit.objects.values_list("enterprise__credit_code", "cadre__name", "date", "method", "summary")
        ),
        "appeals": sorted(
            Appeal.objects.values_list(
                "enterprise__credit_code", "raised_at", "title", "status", "tier", "deadline", "version"
            )
        ),
        "appeal events": sorted(
            AppealEvent.objects.values_list("appeal__enterprise__credit_code", "at", "seq", "kind", "actor__username")
        ),
        "policies": sorted(
            Policy.objects.values_list(
                "title", "doc_number", "category__code", "status", "effective_from", "effective_to", "contact"
            )
        ),
        "rule groups": sorted(
            RuleGroup.objects.values_list("policy__title", "name", "high_tech", "employees_min", "founded_year_min")
        ),
        "deliveries": sorted(
            Delivery.objects.values_list(
                "policy__title", "enterprise__credit_code", "cadre__name", "status", "note", "created_at", "updated_at"
            )
        ),
        "policy scans": sorted(PolicyScan.objects.values_list("policy__title", "day", "count")),
        "meetings": sorted(
            Meeting.objects.values_list("kind", "title", "date", "place", "chair__name", "notes", "created_at")
        ),
        "participants": sorted(
            Meeting.participants.through.objects.values_list("meeting__title", "meeting__date", "cadre__user__username")
        ),
        "invited enterprises": sorted(
            MeetingEnterprise.objects.values_list(
                "meeting__title", "meeting__date", "enterprise__credit_code", "representative", "position"
            )
        ),
        "meeting issues": sorted(
            MeetingIssue.objects.values_list(
                "meeting__title",
                "meeting__date",
                "enterprise__credit_code",
                "category__code",
                "title",
                "description",
                "appeal__raised_at",
            )
        ),
        "countermeasures": sorted(
            Countermeasure.objects.values_list("meeting__title", "meeting__date", "text", "status")
        ),
        "countermeasure policies": sorted(
            Countermeasure.policies.through.objects.values_list("countermeasure__text", "policy__title")
        ),
        "bulletins": sorted(
            (b.month, b.version, b.status, b.published_at, b.figures["totals"], b.figures["trend"])
            for b in Bulletin.objects.all()
        ),
        "dispatch sheets": sorted(
            (d.unit.name, d.week_start, {key: len(value) for key, value in d.data.items() if isinstance(value, list)})
            for d in Dispatch.objects.select_related("unit")
        ),
        "interview cases": sorted(
            InterviewCase.objects.values_list("cadre__user__username", "reason", "detail", "opened_week")
        ),
        "evaluation scores": sorted(
            EvaluationScore.objects.values_list(
                "evaluation__year", "evaluation__version", "kind", "name", "unit_name", "score", "rank"
            )
        ),
    }


def test_seeding_builds_the_1_3_8_task_force_departments_and_streets(seeded, db):
    # given the seeded district
    # when we look at its units
    taskforce = Unit.objects.get(kind=UnitKind.TASKFORCE)
    kinds = Counter(Unit.objects.values_list("kind", flat=True))

    # then there is one task force with 3 working groups and 8 service groups under it
    assert taskforce.name == demo.TASKFORCE
    assert kinds[UnitKind.TASKFORCE] == 1
    assert taskforce.children.filter(kind=UnitKind.WORKING_GROUP).count() == 3
    assert taskforce.children.filter(kind=UnitKind.SERVICE_GROUP).count() == 8
    assert {"金融服务组", "法律服务组", "科技创新服务组"} <= set(taskforce.children.values_list("name", flat=True))
    # and about 35 departments and Xigang's 7 street offices, each saying what it does
    assert 30 <= kinds[UnitKind.DEPARTMENT] <= 40
    assert {"区科技和工业信息化局", "区数据局", "区营商环境建设局"} <= set(Unit.objects.values_list("name", flat=True))
    assert set(Unit.objects.filter(kind=UnitKind.STREET).values_list("name", flat=True)) == {
        "白云街道",
        "北京街道",
        "人民广场街道",
        "香炉礁街道",
        "八一路街道",
        "日新街道",
        "站北街道",
    }
    assert not Unit.objects.filter(function="").exists()


def test_424_cadres_are_paired_one_to_one_with_operating_above_scale_enterprises(seeded, db):
    # given the seeded district
    # when we count the active pairings
    active = Assignment.objects.active()

    # then 424 distinct active cadres serve 424 distinct above-scale enterprises
    assert active.count() >= demo.PAIRED
    assert active.values("cadre").distinct().count() == active.count()
    assert active.values("enterprise").distinct().count() == active.count()
    assert not active.filter(cadre__active=False).exists()
    assert not active.exclude(enterprise__above_scale=True, enterprise__status=EnterpriseStatus.OPERATING).exists()


def test_the_roster_has_unpaired_cadres_and_enterprises_and_pairing_history(seeded, db):
    # given the seeded district
    paired_cadres = Assignment.objects.active().values("cadre")
    paired_enterprises = Assignment.objects.active().values("enterprise")

    # when we look for what is not paired, and for ended pairings
    waiting_cadres = Cadre.objects.filter(active=True).exclude(pk__in=paired_cadres)
    waiting_enterprises = Enterprise.objects.filter(status=EnterpriseStatus.OPERATING).exclude(
        pk__in=paired_enterprises
    )
    ended = Assignment.objects.filter(ended_on__isnull=False).select_related("enterprise")

    # then a few of each exist, some enterprises below the above-scale threshold
    assert 3 <= waiting_cadres.count() <= 10
    assert 5 <= waiting_enterprises.count() <= 12
    assert waiting_enterprises.filter(above_scale=False).exists()
    # and about ten pairings ended with a reason, each enterprise now served by a newer pairing
    assert 8 <= ended.count() <= 15
    for pairing in ended:
        assert pairing.end_reason
        successor = Assignment.objects.active().get(enterprise=pairing.enterprise)
        assert successor.started_on >= pairing.ended_on
    assert "干部岗位调整" in set(ended.values_list("end_reason", flat=True))


def test_cadre_ranks_follow_the_article(seeded, db):
    # given the seeded district
    # when we count active cadres by rank
    ranks = Counter(Cadre.objects.filter(active=True).values_list("rank", flat=True))

    # then 23 are district-level and 148 division-level leaders, the rest section-level
    assert ranks[Rank.DISTRICT] == 23
    assert ranks[Rank.DIVISION] == 148
    assert ranks[Rank.SECTION] > 200


def test_cadre_names_are_unique_within_each_unit_and_phones_are_mobile_numbers(seeded, db):
    # given the seeded district
    # when we group cadres by unit and name
    duplicates = Cadre.objects.values("unit", "name").annotate(n=Count("id")).filter(n__gt=1)
    phones = list(Cadre.objects.values_list("phone", flat=True))

    # then no unit has two cadres of the same name, and each has its own 11-digit mobile number
    assert not duplicates.exists()
    assert all(len(phone) == 11 and phone.startswith("1") and phone.isdigit() for phone in phones)
    assert len(set(phones)) == len(phones)


def test_every_credit_code_is_valid_and_every_row_passes_model_validation(seeded, db):
    # given the seeded enterprises and cadres
    enterprises = list(Enterprise.objects.select_related("street"))

    # when we check their codes and validate them as forms would
    errors = {e.credit_code: credit_code_error(e.credit_code) for e in enterprises}

    # then every code carries the Xigang division code and a correct check character
    assert all(error is None for error in errors.values()), errors
    assert all(code[2:8] == demo.DIVISION_CODE for code in errors)
    assert len({e.name for e in enterprises}) == len(enterprises)
    for enterprise in enterprises:
        enterprise.full_clean()
    for cadre in Cadre.objects.select_related("unit", "user"):
        cadre.full_clean()


def test_industries_are_weighted_like_an_urban_district(seeded, db):
    # given the seeded enterprises
    # when we count them by GB/T 4754 section
    sections = Counter(Enterprise.objects.values_list("industry_section", flat=True))
    total = sum(sections.values())
    high_tech = Enterprise.objects.filter(high_tech=True).count()

    # then wholesale and retail lead, services follow, manufacturing is present, about 15% high-tech
    assert sections.most_common(1)[0][0] == "F"
    assert {"I", "L", "M", "C", "K", "G", "H"} <= set(sections)
    assert 0.10 <= high_tech / total <= 0.20
    # and manufacturers above the scale earn at least the 20 million yuan threshold
    assert not Enterprise.objects.filter(above_scale=True, industry_section="C", annual_revenue__lt=2000).exists()


@pytest.mark.parametrize(("username", "role"), DEMO_LOGINS.items())
def test_each_demo_login_exists_with_its_role_and_can_sign_in(seeded, db, client, username, role):
    # given the seeded demo logins
    user = User.objects.get(username=username)

    # when it signs in with the demo password
    signed_in = client.login(username=username, password=PASSWORD)

    # then it gets in, with the role the demo promises
    assert signed_in
    assert user.role == role
    if username == "admin":
        assert user.is_superuser and user.is_staff
    if username == "taskforce":
        assert user.is_staff
    if username == "handler":
        assert user.unit.name == demo.HANDLER_UNIT


def test_every_demo_login_must_change_the_shared_password_at_first_sign_in(seeded, db, client):
    # given the seeded demo logins, all with the shared password
    # when one signs in and opens the portal
    assert client.login(username="c0002", password=PASSWORD)
    response = client.get("/")
    # then every login is flagged, and the portal asks for a new password first
    assert not User.objects.exclude(security__must_change_password=True).filter(cadre__isnull=False).exists()
    assert UserSecurity.objects.filter(user__username__in=DEMO_LOGINS, must_change_password=True).count() == len(
        DEMO_LOGINS
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/password_change/"


def test_every_active_cadre_has_a_login_of_their_own(seeded, db, client):
    # given the seeded cadres
    cadres = Cadre.objects.filter(active=True).select_related("user")

    # when one of them signs in with the demo password
    signed_in = client.login(username="c0001", password=PASSWORD)

    # then each has a distinct active login, and it works
    assert signed_in
    assert not cadres.filter(user__isnull=True).exists()
    assert all(cadre.user.is_active and cadre.user.role == Role.CADRE for cadre in cadres)
    assert "(existing user" not in seeded and "c0001" in seeded


def test_demo_cadre_is_paired_in_the_handlers_unit_and_not_yet_contacted_this_month(seeded, db):
    # given the 'cadre' and 'handler' demo logins
    cadre = User.objects.get(username="cadre").cadre
    handler = User.objects.get(username="handler")

    # when we look at the cadre's pairing this month and last month
    pairing = Assignment.objects.active().get(cadre=cadre)
    this_month = monthly_contact(today()).get(pk=pairing.pk)
    last_month = monthly_contact(previous_month(today())).get(pk=pairing.pk)

    # then the cadre belongs to the handler's unit, with colleagues, and has a visit still to log
    assert cadre.unit == handler.unit
    assert Assignment.objects.active().filter(cadre__unit=handler.unit).count() >= 5
    assert not this_month.contacted
    assert last_month.contacted


def test_visits_are_never_in_the_future_before_their_pairing_or_for_someone_else(seeded, db):
    # given the seeded visits
    visits = Visit.objects.all()

    # when we look for any that break the rules of logging a visit
    # then there are none
    assert visits.count() > demo.PAIRED * 5
    assert not visits.filter(date__gt=today()).exists()
    assert not visits.filter(date__lt=F("assignment__started_on")).exists()
    assert not visits.filter(assignment__ended_on__isnull=False, date__gt=F("assignment__ended_on")).exists()
    assert not visits.exclude(cadre=F("assignment__cadre")).exists()
    assert not visits.exclude(enterprise=F("assignment__enterprise")).exists()
    assert not visits.exclude(created_by=F("cadre__user")).exists()
    assert not visits.filter(date__lt=today() - timedelta(days=200)).exists()


def test_most_pairings_are_visited_monthly_but_some_cadres_lag(seeded, db):
    # given the seeded visits
    last_month = previous_month(today())
    month_before = previous_month(last_month)

    # when we check the monthly contact rule for the last months
    missed_last = set(monthly_contact(last_month).filter(contacted=False).values_list("pk", flat=True))
    missed_before = set(monthly_contact(month_before).filter(contacted=False).values_list("pk", flat=True))
    due_now = monthly_contact(today())
    contacted_now = due_now.filter(contacted=True).count() / due_now.count()

    # then about 8% missed last month, about 3% two months running, and about 60% are done this month
    due_last = monthly_contact(last_month).count()
    assert 0.05 <= len(missed_last) / due_last <= 0.12
    assert 0.015 <= len(missed_last & missed_before) / due_last <= 0.05
    assert 0.45 <= contacted_now <= 0.75
    # and visits read like real ones
    methods = Counter(Visit.objects.values_list("method", flat=True))
    assert methods.most_common(1)[0][0] == "on_site"
    assert Visit.objects.exclude(issues_raised="").count() > 0
    assert Visit.objects.filter(people_met__contains="某").count() > Visit.objects.count() // 2


def test_every_seeded_row_has_a_created_entry_in_its_history(seeded, db):
    # given the seeded district
    # when we count "created" history records
    for model in (Unit, Cadre, Enterprise, Assignment, Visit):
        created = model.history.filter(history_type="+")

        # then each row has one
        assert created.values("id").distinct().count() == model.objects.count(), model.__name__
    # and visits are recorded as made by their cadre, the roster by the task force
    assert not Visit.history.exclude(history_user_id=F("created_by_id")).exists()
    assert Cadre.history.filter(history_user__username="taskforce").count() == Cadre.objects.count()


def _demo_appeals():
    return Appeal.objects.filter(events__seq=1, events__data__demo=True).select_related(
        "enterprise", "cadre__user", "cadre__unit", "raised_by", "visit", "category", "handler_cadre", "handler_unit"
    )


def _campaign_start():
    return timezone.localdate(Appeal.objects.order_by("raised_at").first().raised_at)


def test_about_200_appeals_were_raised_over_the_campaign_by_the_paired_cadres(seeded, db):
    # given the seeded district
    appeals = list(_demo_appeals())
    pairings = {a.enterprise_id: a for a in Assignment.objects.active()}

    # when we look at who raised them, when, and about what
    raised_on = [timezone.localdate(a.raised_at) for a in appeals]

    # then about 200 appeals (the article's 201 issues) span the last six months, none in the future
    assert 190 <= len(appeals) <= 215
    assert Appeal.objects.count() == len(appeals)
    assert today() - timedelta(days=200) <= min(raised_on) <= today() - timedelta(days=120)
    assert max(a.raised_at for a in appeals) < timezone.now()
    for appeal, day in zip(appeals, raised_on, strict=True):
        # each is the paired cadre's: raised by them, or registered by the task force from a 12345 call
        assert appeal.cadre == pairings[appeal.enterprise_id].cadre
        assert day >= pairings[appeal.enterprise_id].started_on
        if appeal.raised_by.is_taskforce:
            assert appeal.source == Source.HOTLINE and appeal.visit is None
        else:
            assert appeal.raised_by == appeal.cadre.user
        # and one raised at a visit is about what that visit noted, on the day of the visit
        if appeal.visit is not None:
            assert appeal.visit.cadre == appeal.cadre and appeal.visit.enterprise == appeal.enterprise
            assert appeal.visit.date == day and appeal.visit.issues_raised
            assert appeal.source in (Source.VISIT, Source.MEETING)
    # with most raised at visits, some from meetings, phone calls and the enterprises themselves
    sources = Counter(a.source for a in appeals)
    assert sources[Source.VISIT] > len(appeals) / 2
    assert sources[Source.MEETING] and sources[Source.HOTLINE] and sources[Source.ENTERPRISE]
    # in all eight categories, mostly of normal urgency, each with a Chinese title and description
    assert {a.category.code for a in appeals} == set(AppealCategory.objects.values_list("code", flat=True))
    assert Counter(a.urgency for a in appeals)[Urgency.NORMAL] > 0.8 * len(appeals)
    assert all(a.title and a.description and "\u4e00" <= a.title[0] <= "\u9fff" for a in appeals)


def test_the_closure_rate_over_the_campaign_is_about_the_articles_95_percent(seeded, db):
    # given the seeded appeals
    # when the dashboards measure the campaign so far
    metrics = appeal_metrics(_campaign_start(), today())

    # then about 95% of the appeals that count are resolved, most on time and to the enterprise's satisfaction
    assert 0.90 <= metrics.closure_rate <= 0.99
    assert metrics.withdrawn >= 1 and metrics.out_of_scope >= 1
    assert 0.8 <= metrics.on_time_rate < 1
    assert 0.9 <= metrics.satisfaction < 1
    assert 3 <= metrics.avg_handling_workdays <= 15


def test_appeals_are_open_at_every_tier_and_in_every_state_the_pages_show(seeded, db):
    # given the seeded appeals
    appeals = Appeal.objects.all()

    # when we count them the way the queues do
    counts = queue_counts(appeals)
    reopened_open = appeals.filter(status__in=OPEN_STATUSES, events__kind=EventKind.REOPENED)

    # then a handful are open at each tier: with a cadre, a unit, awaiting triage, with a service group
    assert counts["individual"] >= 2 and counts["unit"] >= 2 and counts["taskforce"] >= 3
    assert counts["triage"] >= 2
    assert appeals.filter(
        status__in=OPEN_STATUSES, tier=Tier.TASKFORCE, handler_unit__kind=UnitKind.SERVICE_GROUP
    ).exists()
    # some paused, some overdue and pressed, one reopened after an unsatisfied verdict
    assert counts["suspended"] >= 2 and counts["overdue"] >= 2
    assert appeals.filter(press_level=2, supervising_leader__rank=Rank.DISTRICT).exists()
    assert reopened_open.exists()
    # many closed, some resolved and awaiting the verdict, a few answered "not our responsibility"
    assert counts["closed"] > 150 and 5 <= counts["resolved"] <= 15
    assert appeals.filter(resolution_kind=ResolutionKind.NOT_RESPONSIBLE).exists()
    assert appeals.filter(resolution_kind=ResolutionKind.EXPLAINED).exists()
    # and some verdicts came through the enterprise's feedback link
    assert AppealEvent.objects.filter(kind=EventKind.FEEDBACK, actor__isnull=True).exists()
    assert FeedbackLink.objects.filter(used_at__isnull=False).exists()


def test_each_timeline_is_numbered_1_to_version_and_leads_to_the_appeals_state(seeded, db):
    # given the seeded appeals and their events
    events: dict[int, list[AppealEvent]] = {}
    for event in AppealEvent.objects.order_by("appeal", "seq"):
        events.setdefault(event.appeal_id, []).append(event)

    # when we walk each timeline
    for appeal in Appeal.objects.select_related("handler_cadre", "handler_unit"):
        timeline = events[appeal.pk]

        # then the events are numbered 1..version with no gaps, in the order they happened
        assert [e.seq for e in timeline] == list(range(1, appeal.version + 1))
        assert [e.at for e in timeline] == sorted(e.at for e in timeline)
        assert timeline[0].kind == EventKind.RAISED and timeline[0].at == appeal.raised_at
        assert timeline[-1].at == appeal.updated_at
        # each starting where the one before ended, the last where the appeal is now
        for before, after in zip(timeline, timeline[1:], strict=False):
            assert (after.from_status, after.from_tier, after.from_handler) == (
                before.to_status,
                before.to_tier,
                before.to_handler,
            )
        last = timeline[-1]
        assert (last.to_status, last.to_tier, last.to_handler) == (appeal.status, appeal.tier, appeal.handler_label())
        assert last.deadline == (appeal.deadline if appeal.is_open else None)


def test_open_appeals_have_a_deadline_and_the_handler_their_tier_needs(seeded, db):
    # given the seeded appeals and the demo's unit-handler logins
    handled_units = set(User.objects.filter(role=Role.UNIT_HANDLER).values_list("unit", flat=True))

    # when we look at the open ones and validate every appeal as a form would
    for appeal in Appeal.objects.select_related("cadre__unit", "handler_cadre", "handler_unit"):
        appeal.full_clean()
        if not appeal.is_open:
            continue

        # then each has a deadline after its step began, and someone who can act on it
        assert appeal.deadline > timezone.localdate(appeal.step_started_at)
        if appeal.status == Status.SUSPENDED:
            assert appeal.paused_at is not None
        if appeal.tier == Tier.INDIVIDUAL:
            assert appeal.handler_cadre == appeal.cadre and appeal.handler_cadre.user.is_active
        elif appeal.tier == Tier.UNIT:
            assert appeal.handler_unit == appeal.cadre.unit and appeal.handler_unit_id in handled_units
        else:
            assert appeal.handler_unit is None or appeal.handler_unit_id in handled_units


def test_the_demo_logins_each_have_appeals_to_work_on(seeded, db, client):
    # given the demo's cadre, unit handler and task force, and a service group's handler
    cadre = User.objects.get(username="cadre")
    handler = User.objects.get(username="handler")
    taskforce = User.objects.get(username="taskforce")
    group = User.objects.get(username="g01")

    # when each opens their queue
    cadre_queue = my_queue(viewer=cadre)
    handler_queue = my_queue(viewer=handler)
    taskforce_queue = my_queue(viewer=taskforce)

    # then the cadre has an appeal of their own to handle, and one awaiting the enterprise's verdict
    assert cadre_queue.filter(tier=Tier.INDIVIDUAL, cadre__user=cadre).exists()
    assert Appeal.objects.filter(cadre__user=cadre, status=Status.RESOLVED).exists()
    # the handler has their unit's appeals, and the task force has some to assign
    assert handler_queue.filter(tier=Tier.UNIT, handler_unit=handler.unit).exists()
    assert taskforce_queue.filter(handler_unit__isnull=True).count() >= 2
    # and every service group and unit has a handler login that signs in with the demo password
    assert group.role == Role.UNIT_HANDLER and group.unit.kind == UnitKind.SERVICE_GROUP
    assert User.objects.filter(username__regex=r"^g0[1-8]$", unit__kind=UnitKind.SERVICE_GROUP).count() == 8
    assert User.objects.filter(username__startswith="h0", role=Role.UNIT_HANDLER).count() >= 40
    assert client.login(username="h0001", password=PASSWORD)
    assert "g01" in seeded


def _replay(appeal: Appeal) -> Appeal:
    """Play an appeal's timeline again through appeals.services, each step at the time it happened."""
    pk = signed = None
    for event in appeal.events.order_by("seq"):
        act = {"acting_user": event.actor}
        with mock.patch("django.utils.timezone.now", return_value=event.at):
            match event.kind:
                case EventKind.RAISED:
                    fields = ("enterprise", "category", "title", "description", "source", "urgency", "visit")
                    pk = services.appeal_raise(**act, **{f: getattr(appeal, f) for f in fields}).pk
                case EventKind.ESCALATED:
                    services.appeal_escalate(appeal=pk, reason=event.comment, **act)
                case EventKind.RETURNED:
                    services.appeal_return(appeal=pk, reason=event.comment, to_tier=event.to_tier, **act)
                case EventKind.ASSIGNED:
                    unit = Unit.objects.get(pk=event.data["unit"])
                    given = {"workdays": event.data["workdays"]} if event.data.get("workdays") else {
                        "deadline": event.deadline}
                    services.appeal_assign(appeal=pk, unit=unit, comment=event.comment, **given, **act)
                case EventKind.RESOLVED:
                    services.appeal_resolve(appeal=pk, resolution=event.comment, kind=event.data["kind"], **act)
                case EventKind.FEEDBACK_REQUESTED:
                    signed = resolve(services.feedback_link_create(appeal=pk, **act)).kwargs["signed"]
                case EventKind.FEEDBACK if event.actor is None:
                    services.feedback_link_submit(signed=signed, verdict=event.data["verdict"], comment=event.comment)
                case EventKind.FEEDBACK:
                    services.appeal_feedback(appeal=pk, verdict=event.data["verdict"], comment=event.comment, **act)
                case EventKind.REOPENED:
                    pass  # the unsatisfied verdict before it reopened the appeal
                case EventKind.SUSPENDED:
                    services.appeal_suspend(appeal=pk, reason=event.comment, **act)
                case EventKind.RESUMED:
                    services.appeal_resume(appeal=pk, comment=event.comment, **act)
                case EventKind.REMINDED | EventKind.SUPERVISED:
                    leader = Cadre.objects.filter(pk=event.data.get("leader_id")).first()
                    services.appeal_press(appeal=pk, comment=event.comment, leader=leader, **act)
                case EventKind.WITHDRAWN:
                    services.appeal_withdraw(appeal=pk, reason=event.comment, **act)
                case EventKind.OUT_OF_SCOPE:
                    services.appeal_mark_out_of_scope(appeal=pk, explanation=event.comment, **act)
    return Appeal.objects.get(pk=pk)


def _shape(appeal: Appeal) -> tuple:
    steps = tuple((e.kind, e.to_tier, e.actor_id is None) for e in appeal.events.order_by("seq"))
    return appeal.status, steps, appeal.overdue_steps > 0, appeal.paused_workdays > 0


def test_every_kind_of_demo_timeline_is_what_the_services_record(seeded, db):
    # given one demo appeal of each shape (the moves it went through, late or not, paused or not)
    examples = {}
    for appeal in Appeal.objects.order_by("pk"):
        examples.setdefault(_shape(appeal), appeal)
    assert len(examples) >= 30
    appeal_fields = [f.attname for f in Appeal._meta.concrete_fields if f.attname != "id"]
    event_fields = [f.attname for f in AppealEvent._meta.concrete_fields if f.attname not in ("id", "appeal_id")]
    link_fields = ("created_at", "expires_at", "used_at", "created_by")

    for demo_appeal in examples.values():
        # when the same people make the same moves at the same times through appeals.services
        again = _replay(demo_appeal)

        # then the appeal, its timeline and its feedback links come out exactly as the demo wrote them
        assert {f: getattr(again, f) for f in appeal_fields} == {f: getattr(demo_appeal, f) for f in appeal_fields}
        written = list(demo_appeal.events.order_by("seq").values(*event_fields))
        written[0]["data"].pop(demo_appeals.DEMO_MARK)
        assert list(again.events.order_by("seq").values(*event_fields)) == written
        assert list(again.feedback_links.values_list(*link_fields)) == list(
            demo_appeal.feedback_links.values_list(*link_fields)
        )


# --- Policies: the handbook's catalogue, its rules, scans and deliveries -----------------------


def test_the_catalogue_holds_the_handbooks_55_measures_in_7_categories(seeded, db):
    # given the seeded catalogue
    policies = list(Policy.objects.select_related("category"))
    categories = Counter(p.category.code for p in policies)
    statuses = Counter(p.status for p in policies)

    # then the handbook's 55 measures are spread over its 7 categories
    assert len(policies) == 55
    assert set(categories) == set(PolicyCategory.objects.values_list("code", flat=True)) == {
        "finance", "innovation", "talent", "industry", "market", "employment", "services"
    }
    assert min(categories.values()) >= 5
    # mostly published and in force, a couple of drafts, a few expired by date
    assert statuses[PolicyStatus.DRAFT] == 2 and 2 <= statuses[PolicyStatus.EXPIRED] <= 5
    assert statuses[PolicyStatus.PUBLISHED] >= 45
    expired = [p for p in policies if p.status == PolicyStatus.EXPIRED]
    assert all(p.effective_to < today() for p in expired)
    assert all(p.published_at and not p.is_expired for p in policies if p.status == PolicyStatus.PUBLISHED)
    # about ten are no-application (免申即享) or direct delivery (直达快享)
    assert 8 <= sum(1 for p in policies if p.no_application or p.direct_delivery) <= 12
    # each reads like a real measure: the article's documents, Chinese document numbers, Dalian contacts
    titles = [p.title for p in policies]
    assert any(t.startswith("《西岗区促进高新技术企业发展若干措施》第一条") for t in titles)
    assert any(t.startswith("《西岗区惠企强企政策免申即享、直达快享政策清单》") for t in titles)
    numbered = [p.doc_number for p in policies if p.doc_number]
    assert sum(1 for n in numbered if re.fullmatch(r"[西大]\w*发〔\d{4}〕\d+号", n)) >= 45
    assert all(re.search(r"0411-8\d{7}$", p.contact) for p in policies)
    for policy in policies:
        assert policy.summary and policy.eligibility_text and policy.benefit and policy.how_to_apply
        assert policy.tag_list and policy.issuer
        policy.full_clean()


def test_most_measures_have_valid_rules_that_match_their_words(seeded, db):
    # given the seeded rule groups
    groups = list(RuleGroup.objects.select_related("policy").prefetch_related("streets"))
    with_rules = {g.policy_id for g in groups}

    # then most measures have some, each passing model validation
    assert len(with_rules) >= 40
    for group in groups:
        group.full_clean()
    # for high-tech enterprises, above-scale manufacturers, software firms, by headcount, revenue and age
    assert any(g.high_tech for g in groups)
    assert any(g.above_scale and g.industry_sections == ["C"] and g.revenue_min == 2000 for g in groups)
    assert any("65" in g.industry_divisions for g in groups)
    assert any(g.employees_min == 50 for g in groups)
    assert any(g.founded_year_min and g.founded_year_min >= today().year - 5 for g in groups)
    # and a few on one street: 东关街 is on 八一路街道
    street_bound = {g.policy.title: {s.name for s in g.streets.all()} for g in groups if g.streets.all()}
    assert len(street_bound) >= 2
    assert any("东关街" in title and names == {"八一路街道"} for title, names in street_bound.items())
    # and every policy with rules admits someone in the district, or no one as its words say
    reward = Policy.objects.get(title__contains="高新技术企业首次认定奖励")
    assert set(eligibility.eligible_enterprises(reward)) == set(Enterprise.objects.filter(high_tech=True,
                                                                                        status="operating"))


def test_deliveries_bring_no_application_benefits_to_eligible_enterprises(seeded, db):
    # given the seeded deliveries
    deliveries = list(Delivery.objects.select_related("policy", "enterprise", "cadre", "visit"))
    pairings = {a.enterprise_id: a.cadre_id for a in Assignment.objects.active()}
    policies = {d.policy for d in deliveries}

    # then two or three no-application policies in force have beneficiary lists
    assert 2 <= len(policies) <= 3
    assert all((p.no_application or p.direct_delivery) and p.status == PolicyStatus.PUBLISHED for p in policies)
    for policy in policies:
        eligible = set(eligibility.eligible_enterprises(policy).values_list("pk", flat=True))
        assert {d.enterprise_id for d in deliveries if d.policy == policy} == eligible
    # each given to the enterprise's paired cadre, made before today
    for delivery in deliveries:
        assert delivery.cadre_id == pairings.get(delivery.enterprise_id)
        assert delivery.created_at < timezone.now() and delivery.updated_at >= delivery.created_at
        delivery.full_clean()
        # a benefit brought on a visit is one the visit explained, made after the list was generated
        if delivery.visit is not None:
            assert delivery.status != DeliveryStatus.PENDING
            assert delivery.visit.enterprise_id == delivery.enterprise_id
            assert delivery.visit.date >= timezone.localdate(delivery.created_at)
            assert delivery.visit.policies_explained.filter(pk=delivery.policy_id).exists()
    # with a realistic mix of progress, a declined one saying why
    statuses = Counter(d.status for d in deliveries)
    assert statuses[DeliveryStatus.DELIVERED] > 100 and statuses[DeliveryStatus.INFORMED] > 50
    assert statuses[DeliveryStatus.PENDING] > 50
    assert all(d.note for d in deliveries if d.status == DeliveryStatus.DECLINED)


def test_the_demo_cadre_has_a_pending_delivery_to_bring(seeded, db):
    # given the 'cadre' demo login
    cadre = User.objects.get(username="cadre").cadre

    # when we look at the benefits they have to bring
    pending = Delivery.objects.filter(cadre=cadre, status=DeliveryStatus.PENDING)

    # then at least one waits for them, for the enterprise they serve
    assert pending.exists()
    assert {d.enterprise_id for d in pending} == {Assignment.objects.active().get(cadre=cadre).enterprise_id}


def test_qr_scans_were_counted_over_the_last_30_days(seeded, db):
    # given the seeded scan counts
    scans = PolicyScan.objects.select_related("policy")

    # then published measures were opened on some of the last 30 days, never before they came out
    assert scans.count() > 100
    assert not scans.filter(day__lt=today() - timedelta(days=30)).exists()
    assert not scans.filter(day__gt=today()).exists()
    assert not scans.exclude(policy__status=PolicyStatus.PUBLISHED).exists()
    assert all(s.count > 0 for s in scans)


# --- Oversight: meetings, monthly bulletins, the weekly dispatch, the annual evaluation ---------


def test_the_meetings_add_up_to_the_articles_figures(seeded, db):
    # given the seeded meetings
    figures = campaign_meeting_figures()
    solicitation = list(Meeting.objects.filter(kind=MeetingKind.SOLICITATION).select_related("chair"))
    first_visit = Visit.objects.order_by("date").first().date

    # then 17 solicitation meetings, 23 district-level and 148 division-level leaders, 186 entrepreneurs,
    # 201 issues and 116 countermeasures, as the article counts them
    assert figures["meetings_by_kind"][MeetingKind.SOLICITATION] == 17
    assert (
        figures["district_leaders"],
        figures["division_leaders"],
        figures["entrepreneurs"],
        figures["issues"],
        figures["countermeasures"],
    ) == (23, 148, 186, 201, 116)
    # beside the task force's monthly progress and scheduling meetings, topic meetings and four 政企直通车
    assert figures["meetings_by_kind"][MeetingKind.PROGRESS] >= 5
    assert figures["meetings_by_kind"][MeetingKind.SCHEDULING] >= 4
    assert figures["meetings_by_kind"][MeetingKind.TOPIC] >= 2
    assert figures["meetings_by_kind"][MeetingKind.FIELD_EVENT] == 4
    # each chaired by a district-level leader, spread over the campaign's months, none in the future
    assert all(m.chair.rank == Rank.DISTRICT for m in solicitation)
    assert len({m.date.replace(day=1) for m in solicitation}) >= 5
    assert all(first_visit <= m.date < today() for m in Meeting.objects.all())
    # with cadres of every rank, and the invited enterprises' heads named
    ranks = Counter(
        Meeting.participants.through.objects.filter(meeting__kind=MeetingKind.SOLICITATION).values_list(
            "cadre__rank", flat=True
        )
    )
    assert ranks[Rank.DISTRICT] and ranks[Rank.DIVISION] > ranks[Rank.SECTION] > 0
    assert not MeetingEnterprise.objects.filter(representative="").exists()
    # every issue raised by an enterprise invited to its meeting
    invited = set(MeetingEnterprise.objects.values_list("meeting_id", "enterprise_id"))
    assert all(pair in invited for pair in MeetingIssue.objects.values_list("meeting_id", "enterprise_id"))
    for meeting in Meeting.objects.all():
        meeting.full_clean()
    # and nearly every leader invited their own enterprise's head ("三个一"), a few not yet
    rows = three_ones_check(today().year)
    assert len(rows) == 171 and 155 <= sum(1 for row in rows if row.ok) < 171


def test_meeting_issues_are_the_appeals_they_became(seeded, db):
    # given the issues collected at the meetings
    linked = list(MeetingIssue.objects.filter(appeal__isnull=False).select_related("appeal", "meeting"))
    newest = Meeting.objects.filter(kind=MeetingKind.SOLICITATION).order_by("-date").first()

    # then every appeal raised at a solicitation meeting is an issue of the meeting held that day
    for appeal in Appeal.objects.filter(source=Source.MEETING):
        issue = MeetingIssue.objects.select_related("meeting").get(appeal=appeal)
        assert issue.meeting.kind == MeetingKind.SOLICITATION
        assert issue.meeting.date == timezone.localdate(appeal.raised_at)
    # and other linked issues were raised as appeals within three weeks, about the same thing
    assert len(linked) > Appeal.objects.filter(source=Source.MEETING).count()
    for issue in linked:
        appeal = issue.appeal
        assert (issue.enterprise_id, issue.title, issue.category_id) == (
            appeal.enterprise_id,
            appeal.title,
            appeal.category_id,
        )
        assert 0 <= (timezone.localdate(appeal.raised_at) - issue.meeting.date).days <= 21
        assert appeal.source in (Source.MEETING, Source.VISIT, Source.ENTERPRISE)
    # no appeal was added for them: the demo's appeals are still the 201 of the campaign
    assert Appeal.objects.count() == _demo_appeals().count()
    # the newest meeting was held days ago and its issues wait for the task force
    assert today() - timedelta(days=7) <= newest.date < today()
    assert newest.issues.exists() and not newest.issues.filter(appeal__isnull=False).exists()

    # when the task force turns them into appeals
    taskforce = User.objects.get(username="taskforce")
    converted = meeting_services.issues_to_appeals(meeting=newest, acting_user=taskforce)

    # then each becomes an appeal of the enterprise's paired cadre
    assert len(converted) == newest.issues.count()
    assert all(issue.appeal.source == Source.MEETING and issue.appeal.cadre_id for issue in converted)


def test_countermeasures_were_adopted_and_implemented_after_their_meeting(seeded, db):
    # given the seeded countermeasures
    countermeasures = list(Countermeasure.objects.select_related("meeting").prefetch_related("policies"))
    statuses = Counter(c.status for c in countermeasures)

    # then some are still proposed, many adopted, many implemented
    assert statuses[CountermeasureStatus.PROPOSED] >= 5
    assert statuses[CountermeasureStatus.ADOPTED] >= 20 and statuses[CountermeasureStatus.IMPLEMENTED] >= 20
    # implemented ones name the measures they were carried out through; adopted ones the drafts they led to
    with_policies = [c for c in countermeasures if c.policies.all()]
    assert len(with_policies) >= 10
    for countermeasure in with_policies:
        status = countermeasure.status
        kinds = {p.status for p in countermeasure.policies.all()}
        assert (status, kinds) in (
            (CountermeasureStatus.IMPLEMENTED, {PolicyStatus.PUBLISHED}),
            (CountermeasureStatus.ADOPTED, {PolicyStatus.DRAFT}),
        )
    # each recorded by the task force at the meeting, its later steps after it and before now
    taskforce = User.objects.get(username="taskforce")
    for countermeasure in countermeasures:
        history = list(countermeasure.history.order_by("history_date"))
        assert all(record.history_user == taskforce for record in history)
        assert timezone.localdate(history[0].history_date) == countermeasure.meeting.date
        assert history[-1].status == countermeasure.status and history[-1].history_date < timezone.now()
        steps = [record.status for record in history]
        assert steps == sorted(steps, key=CountermeasureStatus.values.index)


def test_the_bulletin_of_every_month_that_is_over_is_published(seeded, db, client):
    # given the seeded bulletins (visits go back to June; today is in November)
    bulletins = list(Bulletin.objects.order_by("month"))

    # then June to October each have one, published by the monthly job on the 1st of the next month
    assert [b.month_slug for b in bulletins] == ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]
    for bulletin in bulletins:
        assert bulletin.version == 1 and bulletin.status == BulletinStatus.PUBLISHED
        assert bulletin.created_by is None
        published = timezone.localtime(bulletin.published_at)
        assert (published.date(), published.hour) == ((bulletin.month + timedelta(days=32)).replace(day=1), 6)
        # with the month's figures and a six-month trend ending with it
        totals = bulletin.figures["totals"]
        assert totals["due"] >= demo.PAIRED and 0.8 <= totals["compliance"] <= 1 and totals["visits"] > 400
        assert [point["month"] for point in bulletin.figures["trend"]][-1] == bulletin.month_slug
        assert len(bulletin.figures["trend"]) == 6
    # and the leaders read them with their charts (once they have chosen their own password)
    UserSecurity.objects.filter(user__username="leader").update(must_change_password=False)
    assert client.login(username="leader", password=PASSWORD)
    assert "2026-10" in client.get("/bulletins/").content.decode()
    assert "<svg" in client.get("/bulletins/2026-10/").content.decode()


def test_each_past_bulletin_counts_only_what_was_known_at_its_publication(seeded, db):
    # given the demo's bulletins and its appeals' timelines
    later_resolutions = 0
    for bulletin in Bulletin.objects.order_by("month"):
        first = timezone.make_aware(datetime.datetime.combine(bulletin.month, datetime.time()))
        after = timezone.make_aware(datetime.datetime.combine((bulletin.month + timedelta(days=32)).replace(day=1),
                                                              datetime.time()))
        month_appeals = list(_demo_appeals().filter(raised_at__gte=first, raised_at__lt=after))
        # when each appeal of the month is taken as its timeline stood at the bulletin's publication
        known = 0
        for appeal in month_appeals:
            last = appeal.events.filter(at__lte=bulletin.published_at).order_by("-seq").first()
            known += last is not None and last.to_status in (Status.RESOLVED, Status.CLOSED)
        resolved_now = sum(appeal.status in (Status.RESOLVED, Status.CLOSED) for appeal in month_appeals)
        later_resolutions += resolved_now - known
        # then the bulletin counted those resolved by then, not those resolved after it came out
        assert bulletin.figures["trend"][-1]["resolved"] == known, bulletin.month_slug
    # and some were resolved after their month's bulletin, so the order of building mattered
    assert later_resolutions > 0


def test_the_demos_bulletins_dispatch_and_evaluation_are_runs_on_the_jobs_page(seeded, db, client):
    # given the seeded district
    runs = JobRun.objects.filter(status=RunStatus.SUCCEEDED)
    # then each output the demo made is a run of its job, as the schedule would have run it
    assert sorted(runs.filter(job="monthly_bulletin").values_list("period", flat=True)) == [
        b.month for b in Bulletin.objects.order_by("month")
    ]
    bulletin_run = runs.get(job="monthly_bulletin", period=datetime.date(2026, 10, 1))
    assert timezone.localtime(bulletin_run.created_at).date() == datetime.date(2026, 11, 1)
    assert runs.filter(job="weekly_dispatch").count() == 1
    assert runs.get(job="annual_evaluation").result["year"] == 2026
    # and the jobs page shows them with links to what they made
    UserSecurity.objects.filter(user__username="taskforce").update(must_change_password=False)
    assert client.login(username="taskforce", password=PASSWORD)
    page = client.get("/jobs/").content.decode()
    assert "尚未运行过" not in page.split('id="job-monthly_bulletin"')[1].split('class="col"')[0]
    assert "/bulletins/2026-10/?v=1" in page and "/evaluations/2026/?version=1" in page


def test_this_weeks_dispatch_reminds_lagging_cadres_and_lists_interviews(seeded, db):
    # given the week of the pinned today (Wednesday 2026-11-25)
    week = datetime.date(2026, 11, 23)
    sheets = Dispatch.objects.filter(week_start=week)
    units = Unit.objects.filter(pk__in=Assignment.objects.active().values("cadre__unit"))

    # then every unit with pairings has its sheet, made by the Monday-morning job
    assert sheets.count() == units.count() >= 40
    assert {timezone.localtime(d.created_at) for d in sheets} == {
        datetime.datetime(2026, 11, 23, 8, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
    }
    # cadres with no contact yet this month were reminded, the demo cadre among them
    lagging = sum(len(sheet.data["not_contacted"]) for sheet in sheets)
    reminders = Notification.objects.filter(kind="dispatch.contact", dedupe_key__startswith="dispatch-2026-11-23")
    assert lagging > 50 and reminders.count() == lagging
    assert reminders.filter(user__username="cadre").exists()
    # and the cadres with no contact for two months are listed for an interview
    assert InterviewCase.objects.filter(held_on__isnull=True, opened_week=week).count() >= 5


def test_the_annual_evaluation_scores_the_year_so_far(seeded, db):
    # given the seeded evaluation
    evaluation = Evaluation.objects.get()

    # then it is this year's first version, over the ten months that are over, scoring cadres and units
    assert (evaluation.year, evaluation.version, evaluation.months) == (2026, 1, 10)
    assert evaluation.cadre_count >= demo.PAIRED and evaluation.unit_count >= 40
    scores = EvaluationScore.objects.filter(evaluation=evaluation)
    assert scores.filter(kind=ScoreKind.CADRE, rank=1).exists() and scores.filter(kind=ScoreKind.UNIT, rank=1).exists()


def test_a_district_seeded_before_policies_existed_gets_them_on_the_next_run(seeded, db):
    # given the district without its policies, as seeded before they were added
    before = _fingerprint()
    demo_policies.demo_policies_delete(enterprise_ids=[], cadre_ids=[], reporter=demo.Reporter())
    assert not Policy.objects.exists() and not Delivery.objects.exists()
    out = io.StringIO()

    # when the command runs again
    call_command("seed_demo", stdout=out)

    # then it adds the same policies, rules, scans and deliveries, and only those
    assert "55 policies" in out.getvalue() and "deliveries" in out.getvalue()
    after = _fingerprint()
    for key in ("policies", "rule groups", "deliveries", "policy scans", "appeals", "visits"):
        assert after[key] == before[key], key


def test_a_district_seeded_before_appeals_existed_gets_them_on_the_next_run(seeded, db):
    # given the district without its appeals (nor the meetings, bulletins, dispatch and evaluation, nor
    # the 12345 work orders, which came later still and hold on to the appeals), as seeded before them
    before = _fingerprint()
    demo_oversight.demo_oversight_delete()
    demo_hotline.demo_hotline_delete()
    demo_appeals.demo_appeals_delete(Appeal.objects.all(), demo.Reporter())
    out = io.StringIO()

    # when the command runs again
    call_command("seed_demo", stdout=out)

    # then it adds the same appeals, and the meetings linked to them again, and the rest as before
    assert "201 appeals" in out.getvalue()
    assert _fingerprint() == before
    assert "already exists" not in out.getvalue()


def test_a_district_seeded_before_meetings_and_bulletins_existed_gets_them_on_the_next_run(seeded, db):
    # given the district without meetings, bulletins, dispatch sheets and evaluations, as seeded before them
    before = _fingerprint()
    meetings = Meeting.objects.count()
    deleted = demo_oversight.demo_oversight_delete()
    assert deleted["meetings"] == meetings and deleted["bulletins"] == 5 and deleted["evaluations"] == 1
    assert not Meeting.objects.exists() and not Bulletin.objects.exists() and not Dispatch.objects.exists()
    out = io.StringIO()

    # when the command runs again
    call_command("seed_demo", stdout=out)

    # then it adds the same meetings, and touches nothing else; the bulletins of the months over come out now,
    # late, counting what is known now (a past publication date would claim what was not known then)
    assert f"{meetings} meetings created" in out.getvalue() and "5 bulletins published now" in out.getvalue()
    assert f"The demo district already existed; added what fell due since: {meetings} meetings" in out.getvalue()
    after = _fingerprint()
    assert [b[0] for b in after.pop("bulletins")] == [b[0] for b in before.pop("bulletins")]
    assert all(b.published_at == FIXED_NOW for b in Bulletin.objects.all())
    assert after == before


def test_running_it_again_adds_nothing_and_says_the_district_exists(seeded, db):
    # given the seeded district
    before = _counts()
    out = io.StringIO()

    # when the command runs again
    call_command("seed_demo", stdout=out)

    # then nothing was added, and it says so
    assert _counts() == before
    assert "already exists" in out.getvalue()


def test_verbosity_zero_prints_nothing(seeded, db):
    # given the seeded district
    out = io.StringIO()

    # when the command runs quietly
    call_command("seed_demo", verbosity=0, stdout=out)

    # then it prints nothing
    assert out.getvalue() == ""


def test_reset_leaves_an_empty_roster_and_the_same_seed_rebuilds_the_same_district(seeded, db):
    # given the district as first built, and a unit and an enterprise that are not the demo's
    first = _fingerprint()
    outsider_unit = Unit.objects.create(name="区审计局", kind=UnitKind.DEPARTMENT, function="审计监督")
    outsider = Enterprise.objects.create(
        name="大连外部测试有限公司", credit_code=make_credit_code(7), industry_section="F"
    )

    # when the demo data is deleted (what `seed_demo --reset` does)
    demo.demo_district_reset()

    # then only the outsiders are left, with no history of the demo rows
    assert list(Unit.objects.all()) == [outsider_unit]
    assert list(Enterprise.objects.all()) == [outsider]
    assert _counts() == {
        "units": 1,
        "users": 0,
        "cadres": 0,
        "enterprises": 1,
        "pairings": 0,
        "visits": 0,
        "appeals": 0,
        "appeal events": 0,
        "feedback links": 0,
        "policies": 0,
        "rule groups": 0,
        "deliveries": 0,
        "policy scans": 0,
        "meetings": 0,
        "invited enterprises": 0,
        "meeting issues": 0,
        "countermeasures": 0,
        "bulletins": 0,
        "dispatch sheets": 0,
        "interview cases": 0,
        "evaluations": 0,
        "notifications": 0,
        "history": 2,  # the outsiders' own "created" records
    }

    # when the command builds the district again with the same seed
    out = io.StringIO()
    call_command("seed_demo", seed=demo.DEFAULT_SEED, stdout=out)
    outsider_unit.delete()
    outsider.delete()

    # then names, codes, pairings, visits, appeals, policies and deliveries are the same as the first time
    assert "Demo district built" in out.getvalue()
    assert _fingerprint() == first
    # and timeline events are guarded again (on PostgreSQL, a trigger refuses to change them)
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic():
            AppealEvent.objects.filter(seq=1).update(comment="changed")
