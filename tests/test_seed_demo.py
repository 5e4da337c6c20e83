"""`manage.py seed_demo` builds the article's district (大连市西岗区): 1+3+8 units, 424 one-to-one
pairings, six months of visits with some lagging cadres, and demo logins for every role.

The district is built once for the module inside a transaction that is rolled back at the end;
each test runs in a savepoint within it, so tests that change data do not affect the others.
"""

from __future__ import annotations

import io
from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F

from enterprises.models import Enterprise, EnterpriseStatus
from enterprises.validators import credit_code_error, make_credit_code
from liaison import demo
from liaison.models import Assignment, Cadre, Rank, Role, Unit, UnitKind, User, Visit
from liaison.selectors import monthly_contact, previous_month, today

PASSWORD = demo.DEFAULT_PASSWORD
DEMO_LOGINS = {
    "admin": Role.ADMIN,
    "taskforce": Role.TASKFORCE,
    "leader": Role.LEADER,
    "handler": Role.UNIT_HANDLER,
    "cadre": Role.CADRE,
}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
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
        "history": Unit.history.count()
        + Cadre.history.count()
        + Enterprise.history.count()
        + Assignment.history.count()
        + Visit.history.count(),
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

    # when the demo data is deleted
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
        "history": 2,  # the outsiders' own "created" records
    }

    # when the command builds the district again with the same seed
    out = io.StringIO()
    call_command("seed_demo", seed=demo.DEFAULT_SEED, stdout=out)
    outsider_unit.delete()
    outsider.delete()

    # then names, codes, pairings and visits are the same as the first time
    assert "Demo district built" in out.getvalue()
    assert _fingerprint() == first
