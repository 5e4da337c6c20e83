"""The appeals list, timeline and counts answer in a fixed number of queries, for 5 rows or 200.

The rows are built in bulk, on different cadres, units, handlers and actors, so that a query per
row would show as 5 extra queries in one case and 200 in the other; the same bound holds for both.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from appeals.models import Appeal, AppealCategory, AppealEvent, EventKind, Status, Tier
from liaison.models import Cadre, Role
from tests import factories
from tests.api_support import bulk_rows, client_for, results

pytestmark = pytest.mark.django_db

API = "/api/v1"
SIZES = [5, 200]
ALL = "page_size=500"
DAY = date(2026, 6, 3)


def bulk_appeals(count: int) -> list[Appeal]:
    """One appeal per bulk pairing, spread over the three tiers, some with a unit, some overdue."""
    bulk = bulk_rows(count)
    group = factories.make_service_group()
    category = AppealCategory.objects.get(code="financing")
    now = timezone.now()
    appeals = []
    for i, (cadre, enterprise) in enumerate(zip(bulk.cadres, bulk.enterprises, strict=True)):
        tier = (Tier.INDIVIDUAL, Tier.UNIT, Tier.TASKFORCE)[i % 3]
        appeals.append(
            Appeal(
                enterprise=enterprise,
                cadre=cadre,
                raised_by=cadre.user,
                category=category,
                title=f"诉求{i}",
                description="批量诉求",
                tier=tier,
                status=Status.HANDLING,
                handler_cadre=cadre if tier == Tier.INDIVIDUAL else None,
                handler_unit={Tier.UNIT: cadre.unit, Tier.TASKFORCE: group if i % 2 else None}.get(tier),
                step_started_at=now,
                deadline=DAY + timedelta(days=(i % 5) - 2),
            )
        )
    return Appeal.objects.bulk_create(appeals)


def one_unit_handler(appeals: list[Appeal]):
    """A unit handler whose unit all the appeals' cadres, and those at the unit tier, are moved to."""
    unit = appeals[0].cadre.unit
    Cadre.objects.filter(pk__in=[a.cadre_id for a in appeals]).update(unit=unit)
    Appeal.objects.filter(pk__in=[a.pk for a in appeals], tier=Tier.UNIT).update(handler_unit=unit)
    return factories.make_user(role=Role.UNIT_HANDLER, unit=unit)


@pytest.fixture
def fixed_day(clock):
    clock.set(DAY)


@pytest.mark.parametrize("rows", SIZES)
def test_the_appeals_list_uses_a_fixed_number_of_queries(taskforce_user, fixed_day, rows,
                                                         django_assert_max_num_queries):
    # given `rows` appeals on as many cadres, units and enterprises
    bulk_appeals(rows)
    # when task-force staff list them all, filtered and ordered
    # then: count, page
    with django_assert_max_num_queries(2):
        response = client_for(taskforce_user).get(f"{API}/appeals/?status=handling&ordering=deadline&{ALL}")
    assert response.status_code == 200
    assert len(results(response)) == rows


@pytest.mark.parametrize("rows", SIZES)
def test_a_unit_handlers_queue_uses_a_fixed_number_of_queries(fixed_day, rows, django_assert_max_num_queries):
    # given `rows` appeals of one unit's cadres
    handler = one_unit_handler(bulk_appeals(rows))
    # when its handler lists them, and their own queue
    # then: substitutions, count, page; for the queue, substitutions once more (my_queue and appeal_list)
    with django_assert_max_num_queries(3):
        everything = client_for(handler).get(f"{API}/appeals/?{ALL}")
    with django_assert_max_num_queries(4):
        mine = client_for(handler).get(f"{API}/appeals/?mine=true&{ALL}")
    assert len(results(everything)) == rows
    assert len(results(mine)) == len([i for i in range(rows) if i % 3 == 1])


@pytest.mark.parametrize("rows", SIZES)
def test_the_timeline_uses_a_fixed_number_of_queries(taskforce_user, fixed_day, rows,
                                                     django_assert_max_num_queries):
    # given one appeal with `rows` steps, each by a different actor standing in for another
    appeal = bulk_appeals(1)[0]
    people = [cadre.user for cadre in bulk_rows(rows).cadres]
    AppealEvent.objects.bulk_create(
        [
            AppealEvent(appeal=appeal, seq=i + 1, kind=EventKind.REMINDED, actor=person,
                        on_behalf_of=people[i - 1], to_status=Status.HANDLING, to_tier=appeal.tier)
            for i, person in enumerate(people)
        ]
    )
    # when task-force staff read the timeline
    # then: the appeal, the events with their actors
    with django_assert_max_num_queries(2):
        response = client_for(taskforce_user).get(f"{API}/appeals/{appeal.pk}/events/")
    assert response.status_code == 200
    assert len(response.json()) == rows
    assert all(row["actor_name"] and row["on_behalf_of_name"] for row in response.json())


@pytest.mark.parametrize("rows", SIZES)
def test_the_queue_counts_use_a_fixed_number_of_queries(fixed_day, rows, django_assert_max_num_queries):
    # given `rows` appeals of one unit's cadres
    appeals = bulk_appeals(rows)
    handler = one_unit_handler(appeals)
    # when its handler asks for the counts of a filtered queue
    # then: substitutions, the category filter's choice, the counts
    category = appeals[0].category_id
    with django_assert_max_num_queries(3):
        response = client_for(handler).get(f"{API}/appeals/counts/?category={category}")
    assert response.status_code == 200
    assert response.json()["total"] == rows and response.json()["open"] == rows
    assert response.json()["overdue"] == len([i for i in range(rows) if i % 5 < 2])

