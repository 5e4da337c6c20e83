"""Each list page runs a bounded number of queries, whether it shows 5 rows or 200."""

from datetime import date

import pytest
from django.urls import reverse

from enterprises.models import Enterprise
from enterprises.validators import make_credit_code
from liaison.models import Assignment, Cadre, Unit, Visit
from liaison.selectors import today
from tests import factories

pytestmark = pytest.mark.django_db


def build_district(rows: int) -> Unit:
    """`rows` paired cadres in one unit, each with a visit this month and one last year."""
    unit = factories.make_unit(name="批量单位")
    street = factories.make_street(name="批量街道")
    cadres = Cadre.objects.bulk_create(Cadre(name=f"干部{i}", unit=unit) for i in range(rows))
    enterprises = Enterprise.objects.bulk_create(
        Enterprise(
            name=f"批量企业{i}",
            credit_code=make_credit_code(500000 + i),
            industry_section="C",
            industry_division="39",
            street=street,
            above_scale=True,
        )
        for i in range(rows)
    )
    pairings = Assignment.objects.bulk_create(
        Assignment(cadre=c, enterprise=e, started_on=date(2023, 1, 1)) for c, e in zip(cadres, enterprises, strict=True)
    )
    Visit.objects.bulk_create(
        Visit(cadre_id=p.cadre_id, enterprise_id=p.enterprise_id, assignment=p, date=day, summary="走访")
        for p in pairings
        for day in (today(), date(2023, 6, 1))
    )
    # a few unpaired ones for the roster tabs
    Cadre.objects.bulk_create(Cadre(name=f"空闲干部{i}", unit=unit) for i in range(min(rows, 30)))
    Enterprise.objects.bulk_create(
        Enterprise(name=f"空闲企业{i}", credit_code=make_credit_code(700000 + i), industry_section="F")
        for i in range(min(rows, 30))
    )
    return unit


PAGES = [
    ("home", {}, 14),
    ("enterprise-list", {}, 10),
    ("enterprise-list", {"q": "批量", "above_scale": "true", "paired": "true"}, 10),
    ("roster", {}, 12),
    ("roster", {"tab": "unpaired-enterprises"}, 10),
    ("roster", {"tab": "unpaired-cadres"}, 10),
    ("roster", {"tab": "compliance"}, 10),
    ("visit-list", {}, 12),
    ("unit-list", {}, 8),
]


@pytest.mark.parametrize("rows", [5, 200])
@pytest.mark.parametrize(("name", "params", "limit"), PAGES)
def test_list_pages_run_a_bounded_number_of_queries(
    client, taskforce_user, django_assert_max_num_queries, rows, name, params, limit
):
    build_district(rows)
    client.force_login(taskforce_user)
    with django_assert_max_num_queries(limit):
        response = client.get(reverse(name), params)
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [5, 200])
def test_unit_page_runs_a_bounded_number_of_queries(client, taskforce_user, django_assert_max_num_queries, rows):
    unit = build_district(rows)
    client.force_login(taskforce_user)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("unit-detail", args=[unit.pk]))
    assert response.status_code == 200
    assert response.content.decode().count("干部") >= rows


@pytest.mark.parametrize("rows", [5, 200])
def test_cadre_home_runs_a_bounded_number_of_queries(client, django_assert_max_num_queries, rows):
    build_district(rows)
    pairing = factories.make_pairing_with_login()
    Visit.objects.bulk_create(
        Visit(
            cadre_id=pairing.cadre_id,
            enterprise_id=pairing.enterprise_id,
            assignment=pairing,
            date=today(),
            summary=f"走访{i}",
        )
        for i in range(rows)
    )
    client.force_login(pairing.cadre.user)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("home"))
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [5, 200])
def test_enterprise_page_runs_a_bounded_number_of_queries(client, taskforce_user, django_assert_max_num_queries, rows):
    pairing = factories.make_pairing_with_login()
    Visit.objects.bulk_create(
        Visit(
            cadre_id=pairing.cadre_id,
            enterprise_id=pairing.enterprise_id,
            assignment=pairing,
            date=today(),
            summary=f"走访{i}",
        )
        for i in range(rows)
    )
    client.force_login(taskforce_user)
    # (15: the enterprise pages' panel reads the contacts and their access log)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("enterprise-detail", args=[pairing.enterprise.pk]))
    assert response.status_code == 200
