"""The appeal pages run a bounded number of queries, whether they show 5 appeals (or events) or 200."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from appeals.models import Appeal, AppealCategory, AppealEvent, EventKind, Status, Tier
from enterprises.models import Enterprise
from enterprises.validators import make_credit_code
from liaison.models import Assignment, Cadre, Role, User
from tests import factories

pytestmark = pytest.mark.django_db

ORDINARY_DAY = date(2026, 6, 3)


def _appeal(**kwargs) -> Appeal:
    kwargs.setdefault("category", AppealCategory.objects.get(code="financing"))
    kwargs.setdefault("title", "企业融资难")
    kwargs.setdefault("description", "需要流动资金贷款")
    kwargs.setdefault("step_started_at", timezone.now())
    kwargs.setdefault("status", Status.HANDLING)
    return Appeal(**kwargs)


def build_district(rows: int):
    """`rows` cadres of one unit, each with a login and an enterprise, and one appeal each spread
    over the tiers (individual, unit, task force awaiting assignment, assigned to a group); every
    other appeal overdue."""
    unit = factories.make_unit(name="批量单位")
    street = factories.make_street(name="批量街道")
    group = factories.make_service_group(name="批量服务组")
    users = User.objects.bulk_create(User(username=f"bulk{i}", role=Role.CADRE) for i in range(rows))
    cadres = Cadre.objects.bulk_create(Cadre(name=f"干部{i}", unit=unit, user=u) for i, u in enumerate(users))
    enterprises = Enterprise.objects.bulk_create(
        Enterprise(name=f"批量企业{i}", credit_code=make_credit_code(600000 + i), industry_section="C",
                   industry_division="39", street=street, above_scale=True)
        for i in range(rows)
    )
    Assignment.objects.bulk_create(
        Assignment(cadre=c, enterprise=e, started_on=date(2024, 1, 1)) for c, e in zip(cadres, enterprises, strict=True)
    )
    appeals = []
    for i, (cadre, enterprise) in enumerate(zip(cadres, enterprises, strict=True)):
        tier = [Tier.INDIVIDUAL, Tier.UNIT, Tier.TASKFORCE, Tier.TASKFORCE][i % 4]
        appeals.append(
            _appeal(
                enterprise=enterprise, cadre=cadre, raised_by=cadre.user, tier=tier,
                handler_cadre=cadre if tier == Tier.INDIVIDUAL else None,
                handler_unit=unit if tier == Tier.UNIT else (group if i % 4 == 3 else None),
                deadline=ORDINARY_DAY + timedelta(days=-3 if i % 2 else 5),
                urgency=["normal", "urgent", "critical"][i % 3],
            )
        )
    appeals = Appeal.objects.bulk_create(appeals)
    AppealEvent.objects.bulk_create(
        AppealEvent(appeal=a, seq=1, kind=EventKind.RAISED, actor=a.raised_by, actor_label=a.cadre.name,
                    to_status=a.status, to_tier=a.tier) for a in appeals
    )
    return unit, group


def appeals_for(pairing, rows: int) -> None:
    """`rows` appeals of one cadre's enterprise at the individual tier, half of them overdue."""
    Appeal.objects.bulk_create(
        _appeal(enterprise=pairing.enterprise, cadre=pairing.cadre, raised_by=pairing.cadre.user,
                handler_cadre=pairing.cadre, tier=Tier.INDIVIDUAL,
                deadline=ORDINARY_DAY + timedelta(days=-3 if i % 2 else 5), title=f"诉求{i}")
        for i in range(rows)
    )


def appeal_with_events(rows: int) -> Appeal:
    """One appeal at the task-force tier with `rows` events by different people, some acting for
    someone else, with pauses among them."""
    pairing = factories.make_pairing_with_login()
    actors = User.objects.bulk_create(User(username=f"actor{i}", role=Role.UNIT_HANDLER) for i in range(rows))
    Cadre.objects.bulk_create(Cadre(name=f"经办人{i}", unit=pairing.cadre.unit, user=u) for i, u in enumerate(actors))
    appeal = Appeal.objects.bulk_create(
        [_appeal(enterprise=pairing.enterprise, cadre=pairing.cadre, raised_by=pairing.cadre.user,
                 tier=Tier.TASKFORCE, deadline=ORDINARY_DAY + timedelta(days=5), version=rows)]
    )[0]
    kinds = [EventKind.RAISED, EventKind.ESCALATED, EventKind.SUSPENDED, EventKind.RESUMED, EventKind.REMINDED]
    AppealEvent.objects.bulk_create(
        AppealEvent(
            appeal=appeal, seq=i + 1, kind=kinds[i % len(kinds)], actor=actors[i], actor_label=f"经办人{i}",
            on_behalf_of=actors[i - 1] if i % 3 == 0 and i else None,
            from_handler="甲", to_handler="乙", from_tier=1, to_tier=2, comment=f"第{i}步",
            data={"paused_from": "2026-06-01", "paused_workdays": 2} if kinds[i % len(kinds)] == EventKind.RESUMED
            else {},
        )
        for i in range(rows)
    )
    return appeal


LISTS = [
    ("taskforce", {}, 16),
    ("taskforce", {"tab": "mine"}, 16),
    ("taskforce", {"tab": "all", "overdue": "true", "q": "融资"}, 16),
    ("handler", {}, 16),
    ("handler", {"tab": "all"}, 16),
]


@pytest.mark.parametrize("rows", [5, 200])
@pytest.mark.parametrize(("who", "params", "limit"), LISTS)
def test_the_appeal_queues_run_a_bounded_number_of_queries(
    client, clock, django_assert_max_num_queries, rows, who, params, limit
):
    clock.set(ORDINARY_DAY)
    unit, _group = build_district(rows)
    user = factories.make_user(role=Role.TASKFORCE if who == "taskforce" else Role.UNIT_HANDLER, unit=(
        unit if who == "handler" else None))
    client.force_login(user)
    with django_assert_max_num_queries(limit):
        response = client.get(reverse("appeal-list"), params)
    assert response.status_code == 200 and len(response.context["page"]) > 0


@pytest.mark.parametrize("rows", [5, 200])
def test_a_cadres_queue_and_home_run_a_bounded_number_of_queries(client, clock, django_assert_max_num_queries, rows):
    clock.set(ORDINARY_DAY)
    pairing = factories.make_pairing_with_login()
    appeals_for(pairing, rows)
    client.force_login(pairing.cadre.user)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("appeal-list"))
    assert len(response.context["page"]) == min(rows, 25)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("home"))
    assert response.content.decode().count('data-appeal="') == min(rows, 10)


@pytest.mark.parametrize("rows", [5, 200])
def test_the_appeal_page_and_its_timeline_run_a_bounded_number_of_queries(
    client, clock, taskforce_user, django_assert_max_num_queries, rows
):
    clock.set(ORDINARY_DAY)
    appeal = appeal_with_events(rows)
    factories.make_service_group()
    client.force_login(taskforce_user)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("appeal-detail", args=[appeal.pk]))
    assert response.status_code == 200
    assert response.content.decode().count("data-seq=") == rows


@pytest.mark.parametrize("rows", [5, 200])
def test_the_ledger_export_runs_a_bounded_number_of_queries(
    client, clock, taskforce_user, django_assert_max_num_queries, rows
):
    clock.set(ORDINARY_DAY)
    build_district(rows)
    client.force_login(taskforce_user)
    with django_assert_max_num_queries(5):
        response = client.get(reverse("appeal-export"), {"tab": "all"})
        b"".join(response.streaming_content)
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [5, 200])
def test_the_home_page_of_task_force_and_leaders_stays_bounded_with_appeals(
    client, clock, taskforce_user, leader_user, django_assert_max_num_queries, rows
):
    clock.set(ORDINARY_DAY)
    build_district(rows)
    for user in (taskforce_user, leader_user):
        client.force_login(user)
        with django_assert_max_num_queries(12):
            response = client.get(reverse("home"))
        assert 'id="appeal-queue"' in response.content.decode()
