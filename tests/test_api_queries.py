"""Every list endpoint answers in a fixed number of queries, whether it shows 5 rows or 200.

Each test builds the rows in bulk and asks for all of them on one page, so that a query per row
would show as 5 extra queries in one case and 200 in the other. The same bound N holds for both.
"""

from __future__ import annotations

import pytest

from liaison.models import Cadre, Role
from tests import factories
from tests.api_support import bulk_rows, client_for, results

pytestmark = pytest.mark.django_db

API = "/api/v1"
SIZES = [5, 200]
ALL = "page_size=500"


def get_all(client, url: str, expected_rows: int, django_assert_max_num_queries, max_queries: int) -> dict:
    with django_assert_max_num_queries(max_queries):
        response = client.get(url)
    assert response.status_code == 200, response.content
    body = response.json()
    if "results" in body:
        assert len(results(response)) == expected_rows
    return body


@pytest.mark.parametrize("rows", SIZES)
def test_units_list_uses_a_fixed_number_of_queries(taskforce_user, rows, django_assert_max_num_queries):
    # given `rows` units (each under a parent street)
    bulk_rows(rows)
    # when task-force staff list them all
    # then: count, page
    get_all(client_for(taskforce_user), f"{API}/units/?kind=department&{ALL}", rows,
            django_assert_max_num_queries, 2)


@pytest.mark.parametrize("rows", SIZES)
def test_cadres_list_uses_a_fixed_number_of_queries(taskforce_user, rows, django_assert_max_num_queries):
    # given `rows` cadres with units and logins
    bulk_rows(rows)
    # when task-force staff list them all
    # then: count, page
    get_all(client_for(taskforce_user), f"{API}/cadres/?{ALL}", rows, django_assert_max_num_queries, 2)


@pytest.mark.parametrize("rows", SIZES)
def test_enterprises_list_uses_a_fixed_number_of_queries(taskforce_user, rows, django_assert_max_num_queries):
    # given `rows` paired enterprises on a street
    bulk_rows(rows)
    # when task-force staff list them with filters
    # then: count, page (with is_paired annotated in the same query)
    body = get_all(
        client_for(taskforce_user), f"{API}/enterprises/?above_scale=true&industry=C&{ALL}", rows,
        django_assert_max_num_queries, 2,
    )
    assert all(row["is_paired"] for row in body["results"])


@pytest.mark.parametrize("rows", SIZES)
def test_enterprises_list_for_a_unit_handler_uses_a_fixed_number_of_queries(rows, django_assert_max_num_queries):
    # given `rows` pairings of cadres of one unit, and that unit's handler
    bulk = bulk_rows(rows)
    unit = bulk.units[0]
    Cadre.objects.filter(pk__in=[c.pk for c in bulk.cadres]).update(unit=unit)
    handler = factories.make_user(role=Role.UNIT_HANDLER, unit=unit)
    # when the handler lists the enterprises of their unit
    # then: count, page
    get_all(client_for(handler), f"{API}/enterprises/?{ALL}", rows, django_assert_max_num_queries, 2)


@pytest.mark.parametrize("rows", SIZES)
def test_assignments_list_uses_a_fixed_number_of_queries(taskforce_user, rows, django_assert_max_num_queries):
    # given `rows` pairings
    bulk_rows(rows)
    # when task-force staff list them all
    # then: count, page
    get_all(client_for(taskforce_user), f"{API}/assignments/?active=true&{ALL}", rows,
            django_assert_max_num_queries, 2)


@pytest.mark.parametrize("rows", SIZES)
def test_visits_list_uses_a_fixed_number_of_queries(taskforce_user, rows, django_assert_max_num_queries):
    # given `rows` visits with two attachments each
    bulk_rows(rows)
    # when task-force staff list them all for March 2024
    # then: count, page, attachments
    body = get_all(
        client_for(taskforce_user), f"{API}/visits/?date_after=2024-03-01&date_before=2024-03-31&{ALL}", rows,
        django_assert_max_num_queries, 3,
    )
    assert all(len(row["attachments"]) == 2 for row in body["results"])


@pytest.mark.parametrize("rows", SIZES)
def test_compliance_uses_a_fixed_number_of_queries(taskforce_user, rows, django_assert_max_num_queries):
    # given `rows` units, each with one pairing visited in March 2024
    bulk_rows(rows)
    # when task-force staff ask for March's compliance
    # then: overall totals, per-unit rows
    body = get_all(client_for(taskforce_user), f"{API}/compliance/?month=2024-03", rows,
                   django_assert_max_num_queries, 2)
    assert len(body["units"]) == rows
    assert body["overall"] == {"due": rows, "contacted": rows, "missing": 0, "rate": 1.0}


@pytest.mark.parametrize("rows", SIZES)
def test_compliance_pairings_uses_a_fixed_number_of_queries(taskforce_user, rows, django_assert_max_num_queries):
    # given `rows` pairings visited in March 2024
    bulk_rows(rows)
    # when task-force staff list March's due pairings
    # then: count, page
    body = get_all(client_for(taskforce_user), f"{API}/compliance/pairings/?month=2024-03&{ALL}", rows,
                   django_assert_max_num_queries, 2)
    assert all(row["contacted"] for row in body["results"])
