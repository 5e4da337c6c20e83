"""Search-as-you-type pickers: the JSON endpoints answer only what the viewer may see and choose,
grouped, 20 at a time, in a constant number of queries; pages render the chosen option alone, and
a form still refuses a value outside what the viewer may choose."""

import re
from datetime import date
from types import SimpleNamespace

import pytest
from django.urls import reverse

from appeals import services
from appeals.forms import AssignForm, PressForm, SubstitutionForm
from enterprises.models import Enterprise
from enterprises.validators import make_credit_code
from liaison.models import Cadre, Rank, Role, Unit, UnitKind, User
from tests import factories

pytestmark = pytest.mark.django_db

ORDINARY_DAY = date(2026, 6, 3)
PICKER_URLS = ["picker-units", "picker-streets", "picker-cadres", "picker-users"]


@pytest.fixture
def world(db):
    unit = factories.make_unit(name="区科工局")
    other_unit = factories.make_unit(name="区商务局")
    pairing = factories.make_assignment(cadre=factories.make_cadre(unit=unit, name="张干部"))
    colleague = factories.make_cadre(unit=unit, name="李同事")
    stranger = factories.make_cadre(unit=other_unit, name="赵外单位")
    return SimpleNamespace(
        unit=unit,
        other_unit=other_unit,
        pairing=pairing,
        cadre=pairing.cadre.user,
        colleague=colleague.user,
        stranger=stranger.user,
        handler=factories.make_unit_handler(unit, username="kgj-handler"),
        group=factories.make_service_group(name="金融服务组"),
        street=factories.make_street(name="北京街道"),
        taskforce=factories.make_user(role=Role.TASKFORCE, username="tf"),
        other_taskforce=factories.make_user(role=Role.TASKFORCE, username="tf2"),
        leader=factories.make_user(role=Role.LEADER, username="boss"),
    )


def ask(client, name: str, **params) -> dict:
    response = client.get(reverse(name), params)
    assert response.status_code == 200, response.content
    return response.json()


def texts(answer: dict) -> list[str]:
    return [row["text"] for row in answer["results"]]


# --- The endpoints ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", PICKER_URLS)
def test_pickers_need_a_login(client, name):
    response = client.get(reverse(name), {"q": "a"})
    assert response.status_code == 302


def test_units_come_grouped_by_kind_with_the_task_forces_groups_before_departments_and_streets(client, world):
    # given a department, a service group and a street whose names share a character
    factories.make_unit(name="区金融局")
    factories.make_street(name="金街街道")
    client.force_login(world.taskforce)
    # when task-force staff type it
    answer = ask(client, "picker-units", q="金")
    # then every match comes with its kind, the kinds in the "1+3+8" order, each named once
    assert [(row["text"], row["group"]) for row in answer["results"]] == [
        ("金融服务组", UnitKind.SERVICE_GROUP), ("区金融局", UnitKind.DEPARTMENT), ("金街街道", UnitKind.STREET),
    ]
    assert [g["value"] for g in answer["groups"]] == [UnitKind.SERVICE_GROUP, UnitKind.DEPARTMENT, UnitKind.STREET]
    assert answer["more"] is False


def test_the_assign_to_picker_offers_only_assignable_kinds_and_not_the_current_handler(client, world):
    # given a task force unit (never assignable) and a second service group
    factories.make_unit(name="区工作专班", kind=UnitKind.TASKFORCE)
    other_group = factories.make_service_group(name="法律服务组")
    client.force_login(world.taskforce)
    # when the picker asks for assignable kinds without the unit that holds the appeal
    answer = ask(client, "picker-units", q="组", kind=[UnitKind.SERVICE_GROUP, UnitKind.DEPARTMENT],
                 exclude=world.group.pk)
    # then only the other service group is offered
    assert [row["id"] for row in answer["results"]] == [other_group.pk]


def test_twenty_matches_at_most_and_more_is_said(client, world):
    Unit.objects.bulk_create(Unit(name=f"测试街道{i:02d}", kind=UnitKind.STREET) for i in range(30))
    client.force_login(world.cadre)
    answer = ask(client, "picker-streets", q="测试")
    assert len(answer["results"]) == 20 and answer["more"] is True
    assert texts(answer)[0] == "测试街道00"


def test_streets_are_only_streets(client, world):
    client.force_login(world.cadre)
    assert texts(ask(client, "picker-streets", q="")) == ["北京街道"]


def test_cadres_are_scoped_to_what_the_viewer_may_see_and_active_only(client, world):
    Cadre.objects.filter(user=world.colleague).update(active=True)
    factories.make_cadre(unit=world.unit, name="李离任", active=False)
    # a unit handler sees their unit's active cadres only
    client.force_login(world.handler)
    assert set(texts(ask(client, "picker-cadres", q="李"))) == {"李同事（区科工局）"}
    assert "赵外单位（区商务局）" not in texts(ask(client, "picker-cadres", q="赵"))
    # a cadre sees themselves only
    client.force_login(world.cadre)
    assert texts(ask(client, "picker-cadres", q="")) == ["张干部（区科工局）"]
    # task-force staff see everyone active
    client.force_login(world.taskforce)
    assert texts(ask(client, "picker-cadres", q="赵")) == ["赵外单位（区商务局）"]


def test_the_supervising_leader_picker_offers_district_leaders_first_then_division_and_nobody_below(client, world):
    # given cadres of every rank, one district-level leader retired
    division = factories.make_cadre(unit=world.unit, name="王处长", rank=Rank.DIVISION)
    district = factories.make_cadre(unit=world.other_unit, name="王区长", rank=Rank.DISTRICT)
    factories.make_cadre(unit=world.unit, name="王科长", rank=Rank.SECTION)
    factories.make_cadre(unit=world.unit, name="王退休", rank=Rank.DISTRICT, active=False)
    client.force_login(world.taskforce)
    # when task-force staff search for a supervising leader
    answer = ask(client, "picker-cadres", q="王", leaders=1)
    # then district-level leaders come first, grouped by rank
    assert [row["id"] for row in answer["results"]] == [district.pk, division.pk]
    assert [g["value"] for g in answer["groups"]] == [Rank.DISTRICT, Rank.DIVISION]


def test_only_the_task_force_asks_for_supervising_leaders(client, world):
    client.force_login(world.handler)
    assert client.get(reverse("picker-cadres"), {"leaders": 1}).status_code == 403


def test_a_substitute_is_offered_only_from_ones_own_unit_and_role(client, world):
    # given a cadre of another unit, a handler of the cadre's own unit, a colleague who cannot sign in
    gone = factories.make_cadre(unit=world.unit, name="李已离职").user
    gone.is_active = False
    gone.save()
    client.force_login(world.cadre)
    # when the cadre looks for a substitute
    answer = ask(client, "picker-users", q="")
    # then only the active colleague of the same unit and role is offered, never themselves
    assert [row["id"] for row in answer["results"]] == [world.colleague.pk]


def test_a_handlers_substitute_is_another_handler_of_the_same_unit(client, world):
    second = factories.make_unit_handler(world.unit, username="kgj-second")
    factories.make_unit_handler(world.other_unit, username="sw-handler")
    client.force_login(world.handler)
    assert [row["id"] for row in ask(client, "picker-users", q="")["results"]] == [second.pk]


def test_the_task_force_picks_substitutes_for_the_person_away(client, world):
    client.force_login(world.taskforce)
    # for itself: other task-force staff
    assert [row["id"] for row in ask(client, "picker-users", q="tf")["results"]] == [world.other_taskforce.pk]
    # for the cadre away: the cadre's colleague
    assert [row["id"] for row in ask(client, "picker-users", principal=world.cadre.pk)["results"]] == [
        world.colleague.pk
    ]
    # and the person away is any active login, grouped by role
    answer = ask(client, "picker-users", q="kgj", **{"for": "principal"})
    assert texts(answer) == ["kgj-handler（kgj-handler）"] and answer["groups"][0]["value"] == Role.UNIT_HANDLER


def test_only_the_task_force_names_substitutes_for_others(client, world):
    client.force_login(world.cadre)
    assert client.get(reverse("picker-users"), {"principal": world.colleague.pk}).status_code == 403
    assert client.get(reverse("picker-users"), {"for": "principal"}).status_code == 403


@pytest.mark.parametrize("name", PICKER_URLS)
def test_each_picker_answers_in_a_constant_number_of_queries(client, world, django_assert_max_num_queries, name):
    # given many of everything
    units = Unit.objects.bulk_create(Unit(name=f"批量单位{i}", kind=UnitKind.DEPARTMENT) for i in range(60))
    Unit.objects.bulk_create(Unit(name=f"批量街道{i}", kind=UnitKind.STREET) for i in range(40))
    users = User.objects.bulk_create(User(username=f"bulk{i}", role=Role.TASKFORCE) for i in range(60))
    Cadre.objects.bulk_create(
        Cadre(name=f"批量{i}", unit=units[i % 60], rank=Rank.DISTRICT, user=users[i]) for i in range(60)
    )
    client.force_login(world.taskforce)
    # when the picker is asked (session and user included), the count stays small and fixed
    with django_assert_max_num_queries(4):
        query = "批" if name != "picker-users" else "bulk"
        response = client.get(reverse(name), {"q": query, "leaders": 1, "for": "principal"})
    assert response.status_code == 200 and len(response.json()["results"]) == 20


# --- Forms: render the chosen option, refuse what may not be chosen --------------------------


def at_taskforce(world):
    appeal = factories.make_appeal(pairing=world.pairing)
    services.appeal_escalate(appeal=appeal, acting_user=world.cadre, reason="需要单位协调")
    services.appeal_escalate(appeal=appeal, acting_user=world.handler, reason="需要专班协调")
    appeal.refresh_from_db()
    return appeal


def test_the_assign_form_refuses_a_unit_that_may_not_take_appeals(clock, world):
    clock.set(ORDINARY_DAY)
    appeal = at_taskforce(world)
    taskforce_unit = factories.make_unit(name="区工作专班", kind=UnitKind.TASKFORCE)
    form = AssignForm({"version": appeal.version, "unit": taskforce_unit.pk}, appeal=appeal)
    assert not form.is_valid()
    assert "unit" in form.errors and "专业服务组" in form.errors["unit"][0]
    assert AssignForm({"version": appeal.version, "unit": world.group.pk}, appeal=appeal).is_valid()


def test_the_press_form_refuses_a_leader_below_division_rank(clock, world):
    clock.set(ORDINARY_DAY)
    appeal = at_taskforce(world)
    appeal.press_level = 1
    section = factories.make_cadre(unit=world.unit, rank=Rank.SECTION)
    leader = factories.make_cadre(unit=world.unit, rank=Rank.DISTRICT)
    assert "leader" in PressForm({"version": appeal.version, "leader": section.pk}, appeal=appeal).errors
    assert PressForm({"version": appeal.version, "leader": leader.pk}, appeal=appeal).is_valid()


def test_the_substitution_form_refuses_someone_of_another_unit(clock, world):
    clock.set(ORDINARY_DAY)
    data = {"starts_on": "2026-06-03", "ends_on": "2026-06-10"}
    form = SubstitutionForm({**data, "substitute": world.stranger.pk}, user=world.cadre)
    assert not form.is_valid() and "同单位" in form.errors["substitute"][0]
    assert SubstitutionForm({**data, "substitute": world.colleague.pk}, user=world.cadre).is_valid()
    # the task force sets one up for the cadre: the rule follows the person away
    assert not SubstitutionForm({**data, "principal": world.cadre.pk, "substitute": world.other_taskforce.pk},
                                user=world.taskforce).is_valid()
    assert SubstitutionForm({**data, "principal": world.cadre.pk, "substitute": world.colleague.pk},
                            user=world.taskforce).is_valid()


def test_a_refused_substitute_is_said_on_the_page(client, clock, world):
    clock.set(ORDINARY_DAY)
    client.force_login(world.cadre)
    response = client.post(reverse("substitution-list"),
                           {"substitute": world.stranger.pk, "starts_on": "2026-06-03", "ends_on": "2026-06-10"})
    assert response.status_code == 200
    assert "代理人须是与离岗人员同单位、同角色的其他在岗账号" in response.content.decode()


def test_the_picker_renders_the_chosen_option_only(client, world):
    client.force_login(world.taskforce)
    html = client.get(reverse("appeal-list"), {"tab": "all", "street": world.street.pk}).content.decode()
    select = re.search(r'<select name="street".*?</select>', html, re.S).group(0)
    assert 'data-picker="/pickers/streets/"' in select
    assert re.findall(r"<option[^>]*>([^<]*)</option>", select) == ["全部", "北京街道"]
    assert f'<option value="{world.street.pk}" selected>' in select


# --- Pages stay small whatever the size of the district --------------------------------------


def _grow_district(world, size: int) -> None:
    units = Unit.objects.bulk_create(Unit(name=f"大区单位{i}", kind=UnitKind.DEPARTMENT) for i in range(size))
    streets = Unit.objects.bulk_create(Unit(name=f"大区街道{i}", kind=UnitKind.STREET) for i in range(size // 4))
    users = User.objects.bulk_create(User(username=f"big{i}", role=Role.CADRE) for i in range(size * 3))
    Cadre.objects.bulk_create(
        Cadre(name=f"大区干部{i}", unit=units[i % size], rank=[Rank.DISTRICT, Rank.DIVISION][i % 2], user=u)
        for i, u in enumerate(users)
    )
    Enterprise.objects.bulk_create(
        Enterprise(name=f"大区企业{i}", credit_code=make_credit_code(700000 + i), industry_section="C",
                   industry_division="39", street=streets[i % len(streets)], above_scale=True)
        for i in range(size)
    )


def _pages(world, appeal) -> list[tuple[object, str]]:
    return [
        (world.taskforce, reverse("appeal-list")),
        (world.taskforce, reverse("appeal-list") + "?tab=all"),
        (world.taskforce, reverse("appeal-detail", args=[appeal.pk])),
        (world.taskforce, reverse("enterprise-list")),
        (world.taskforce, reverse("substitution-list")),
        (world.cadre, reverse("substitution-list")),
        (world.taskforce, reverse("visit-list")),
        (world.taskforce, reverse("roster")),
        (world.leader, reverse("appeal-list")),
        (world.handler, reverse("appeal-list")),
    ]


# Pages that still list enterprises (not a picker yet) but no unit, street, cadre or user.
OTHER_PAGES = ["meeting-create", "matching", "matching-blocked", "policy-create"]


def test_no_page_lists_every_unit_street_cadre_or_user(client, clock, world):
    clock.set(ORDINARY_DAY)
    appeal = at_taskforce(world)
    # given a district of 200 departments, 50 streets, 600 cadres with logins and 200 enterprises
    _grow_district(world, 200)
    for user, url in _pages(world, appeal):
        client.force_login(user)
        html = client.get(url).content.decode()
        # then each picker renders its chosen option at most (and an empty one); the fixed choices stay
        for select in re.findall(r"<select[^>]*data-picker=.*?</select>", html, re.S):
            assert select.count("<option") <= 2, (url, select[:200])
        assert html.count("<option") <= 60, (url, html.count("<option"))
        assert_no_long_list(html, url)
    client.force_login(world.taskforce)
    for name in OTHER_PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert_no_long_list(response.content.decode(), name)


def assert_no_long_list(html: str, where: str) -> None:
    selects = "".join(re.findall(r"<select.*?</select>", html, re.S))
    for name in ("大区单位", "大区街道", "大区干部", "big"):
        assert name not in selects, (where, name)


def test_a_picker_of_several_values_renders_the_chosen_ones_only(world):
    from meetings.forms import MeetingForm

    chosen = factories.make_cadre(unit=world.unit, name="王参会")
    factories.make_cadre(unit=world.unit, name="赵未选")
    html = str(MeetingForm(initial={"participants": [chosen.pk]})["participants"])
    assert "multiple" in html and 'data-picker="/pickers/cadres/"' in html
    assert re.findall(r"<option[^>]*>([^<]*)</option>", html) == ["王参会（区科工局）"]
