"""What keeps the busiest lists light (issue 11, measured by `python -m bench.http`), held as behaviour:
the hand-written output of the visit and enterprise serializers equals DRF's own, the count-sparing
paginator counts only when it must, and the lists' query counts stay fixed at two data sizes.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.core.paginator import EmptyPage
from django.test import RequestFactory
from rest_framework import serializers
from rest_framework.request import Request

from enterprises.models import Enterprise
from liaison import selectors
from liaison.api.serializers import EnterpriseSerializer, VisitSerializer
from liaison.models import Assignment, Cadre, Role, Visit, VisitAttachment
from liaison.pagination import CountSparingPaginator
from tests import factories
from tests.api_support import client_for

pytestmark = pytest.mark.django_db

API = "/api/v1"


def _drf_output(serializer, instance) -> dict:
    """What DRF's ModelSerializer writes, field by field."""
    return dict(serializers.ModelSerializer.to_representation(serializer, instance))


def _api_request(user):
    request = Request(RequestFactory().get("/api/v1/visits/"))
    request.user = user
    return request


# --- Serializers ------------------------------------------------------------------------------


def test_the_visit_serializer_writes_what_drf_writes():
    # given a visit with two attachments and one without, read as the list reads them
    pairing = factories.make_pairing_with_login()
    visit = factories.make_visit(assignment=pairing, people_met="张总", issues_raised="融资难")
    VisitAttachment.objects.create(visit=visit, file="visits/a.png", name="现场.png", size=2048,
                                   content_type="image/png")
    VisitAttachment.objects.create(visit=visit, file="visits/b.pdf", name="纪要.pdf", size=99,
                                   content_type="application/pdf")
    loose = factories.make_visit(assignment=pairing, date=date(2024, 2, 1), summary="电话联系", method="phone")
    rows = selectors.visit_list(viewer=pairing.cadre.user).prefetch_related("attachments").order_by("-date")
    for user in (pairing.cadre.user, factories.make_user(role=Role.TASKFORCE)):
        serializer = VisitSerializer(context={"request": _api_request(user)})
        for row in rows:
            # when it is written by the hand-written representation
            # then it is what DRF's field-by-field walk writes
            assert serializer.to_representation(row) == _drf_output(serializer, row)
    assert {v.pk for v in rows} == {visit.pk, loose.pk}


def test_the_enterprise_serializer_writes_what_drf_writes():
    # given an enterprise with every field filled, and one with the optional ones empty
    street = factories.make_street()
    full = factories.make_enterprise(street=street, annual_revenue=Decimal("12345.6"), employees=321,
                                     founded_on=date(2001, 5, 4), address="滨海路1号", high_tech=True)
    empty = Enterprise.objects.create(name="空企业", credit_code=factories.make_credit_code(987654),
                                      industry_section="F")
    factories.make_assignment(enterprise=full)
    rows = selectors.with_active_pairing(Enterprise.objects.select_related("street")).filter(pk__in=[full.pk,
                                                                                                     empty.pk])
    serializer = EnterpriseSerializer()
    for row in rows:
        # then the hand-written representation is DRF's, paired or not
        assert serializer.to_representation(row) == _drf_output(serializer, row)
    assert {row.pk: row.is_paired for row in rows} == {full.pk: True, empty.pk: False}


# --- The paginator ----------------------------------------------------------------------------


def test_a_short_page_is_its_own_count(django_assert_num_queries):
    # given 7 enterprises, pages of 5
    for _ in range(7):
        factories.make_enterprise()
    paginator = CountSparingPaginator(Enterprise.objects.order_by("pk"), 5)
    # when the second (last, short) page is read, then no COUNT query is made
    with django_assert_num_queries(1):
        page = paginator.page(2)
        assert len(page) == 2 and paginator.count == 7 and not page.has_next()
    # and a full page is counted
    with django_assert_num_queries(2):
        first = CountSparingPaginator(Enterprise.objects.order_by("pk"), 5).page(1)
        assert first.paginator.count == 7 and first.has_next()


def test_a_page_past_the_end_is_refused_and_an_empty_list_has_one_page():
    for _ in range(3):
        factories.make_enterprise()
    with pytest.raises(EmptyPage):
        CountSparingPaginator(Enterprise.objects.order_by("pk"), 5).page(2)
    assert CountSparingPaginator(Enterprise.objects.none(), 5).page(1).paginator.num_pages == 1
    # get_page still falls back to the last page
    assert CountSparingPaginator(Enterprise.objects.order_by("pk"), 2).get_page(9).number == 2


def test_a_given_count_or_counter_replaces_the_count_query(django_assert_num_queries):
    for _ in range(6):
        factories.make_enterprise()
    counted = []
    with django_assert_num_queries(1):
        page = CountSparingPaginator(Enterprise.objects.order_by("pk"), 3, count=6).page(1)
        assert page.paginator.num_pages == 2
    with django_assert_num_queries(2):
        page = CountSparingPaginator(Enterprise.objects.order_by("pk"), 3,
                                     count=lambda: counted.append(1) or Enterprise.objects.count()).page(2)
        assert page.paginator.count == 6 and counted == [1]


# --- Query counts at two sizes ----------------------------------------------------------------


def _cadre_with_visits(visits: int) -> Cadre:
    pairing = factories.make_pairing_with_login()
    Visit.objects.bulk_create(
        Visit(cadre=pairing.cadre, enterprise=pairing.enterprise, assignment=pairing, date=date(2024, 1, 1),
              summary=f"走访{i}")
        for i in range(visits)
    )
    VisitAttachment.objects.bulk_create(
        VisitAttachment(visit=v, file=f"visits/{v.pk}.png", name="p.png", size=1, content_type="image/png")
        for v in Visit.objects.filter(cadre=pairing.cadre)[:3]
    )
    return pairing.cadre


@pytest.mark.parametrize(("visits", "max_queries"), [(5, 2), (40, 2), (120, 3)])
def test_a_cadres_own_visits_by_api_take_two_queries_and_a_count_when_they_fill_a_page(
    visits, max_queries, django_assert_max_num_queries
):
    # given a cadre with `visits` visits (a page holds 50)
    cadre = _cadre_with_visits(visits)
    # when they list their own visits, as the benchmark does: the page and its attachments; no read of
    # their cadre (joined), none of the cadre asked for (compared by id), a count only for a full page
    with django_assert_max_num_queries(max_queries):
        response = client_for(cadre.user).get(f"{API}/visits/", {"cadre": cadre.pk})
    body = response.json()
    assert response.status_code == 200 and body["count"] == visits
    assert len(body["results"]) == min(visits, 50)
    assert sum(len(row["attachments"]) for row in body["results"]) == 3


def test_an_unknown_cadre_lists_no_visits():
    cadre = _cadre_with_visits(2)
    response = client_for(cadre.user).get(f"{API}/visits/", {"cadre": 999999})
    assert response.status_code == 200 and response.json()["count"] == 0
    assert client_for(cadre.user).get(f"{API}/visits/", {"cadre": "x"}).status_code == 400


def _enterprises(rows: int) -> None:
    street = factories.make_street()
    enterprises = Enterprise.objects.bulk_create(
        Enterprise(name=f"批量企业{i:04d}", credit_code=factories.make_credit_code(800000 + i), industry_section="C",
                   street=street)
        for i in range(rows)
    )
    cadres = Cadre.objects.bulk_create(Cadre(name=f"干部{i}", unit=street) for i in range(rows // 2))
    Assignment.objects.bulk_create(
        Assignment(cadre=c, enterprise=e, started_on=date(2024, 1, 1))
        for c, e in zip(cadres, enterprises[: rows // 2], strict=True)
    )


@pytest.mark.parametrize("rows", [5, 200])
def test_the_enterprise_api_page_is_one_query_and_a_plain_count(rows, taskforce_user,
                                                                 django_assert_max_num_queries):
    _enterprises(rows)
    with django_assert_max_num_queries(2) as captured:
        response = client_for(taskforce_user).get(f"{API}/enterprises/")
    body = response.json()
    # the first half (by name) is paired
    assert body["count"] == rows and sum(r["is_paired"] for r in body["results"]) == min(rows // 2, 50)
    # the count, when made, reads enterprises alone (no join on the pairings)
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"]]
    assert all("liaison_assignment" not in sql for sql in counts)


@pytest.mark.parametrize("rows", [5, 200])
def test_the_enterprise_page_counts_without_the_pairing_join(rows, client, taskforce_user,
                                                             django_assert_max_num_queries):
    _enterprises(rows)
    client.force_login(taskforce_user)
    with django_assert_max_num_queries(8) as captured:
        response = client.get("/enterprises/")
    assert response.status_code == 200 and response.context["page"].paginator.count == rows
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(*)" in q["sql"] and "enterprises_enterprise" in
              q["sql"]]
    assert all("liaison_assignment" not in sql for sql in counts)


# --- The appeal queue and page ----------------------------------------------------------------


@pytest.mark.parametrize("rows", [5, 200])
def test_the_task_forces_queue_is_a_fixed_number_of_queries_with_its_counts_grouped(
    rows, client, clock, taskforce_user, django_assert_max_num_queries
):
    from tests.test_appeals_web_queries import ORDINARY_DAY, build_district

    # given `rows` appeals over the tiers, every other one overdue
    clock.set(ORDINARY_DAY)
    build_district(rows)
    client.force_login(taskforce_user)
    # when the task force opens everything it sees: session, user, the counts (one grouped query), the page
    # (no COUNT: the counts hold the total), the rows' enterprises, categories, handling cadres and units (one
    # each, by id), the categories the kept filter form was drawn with, unread notifications, its cadre (none:
    # so no look for its pairing); and the filter's categories once, when the empty form is first drawn
    caches["fragments"].clear()
    with django_assert_max_num_queries(12):
        client.get("/appeals/", {"tab": "all"})
    with django_assert_max_num_queries(11) as captured:
        response = client.get("/appeals/", {"tab": "all"})
    counts = response.context["counts"]
    # then the figures are those of the rows
    assert counts["total"] == rows and counts["open"] == rows
    assert counts["individual"] + counts["unit"] + counts["taskforce"] == rows
    assert counts["triage"] == len(range(2, rows, 4)) and counts["overdue"] == rows // 2
    assert response.context["page"].paginator.count == rows and len(response.context["page"]) == min(rows, 25)
    assert not any(q["sql"].startswith('SELECT COUNT(*) AS "__count" FROM "appeals_appeal"')
                   for q in captured.captured_queries)


@pytest.mark.parametrize("rows", [5, 200])
def test_the_appeal_page_reads_its_relations_in_small_queries(rows, client, clock, taskforce_user,
                                                              django_assert_max_num_queries):
    from tests.test_appeals_web_queries import ORDINARY_DAY, appeal_with_events

    clock.set(ORDINARY_DAY)
    appeal = appeal_with_events(rows)
    client.force_login(taskforce_user)
    with django_assert_max_num_queries(10) as captured:
        response = client.get(f"/appeals/{appeal.pk}/")
    assert response.status_code == 200 and response.content.decode().count("data-seq=") == rows
    # no query joins more than five tables (PostgreSQL plans a 15-table join for longer than the page renders)
    assert max(q["sql"].count(" JOIN ") for q in captured.captured_queries) <= 4


@pytest.mark.django_db
def test_a_page_number_past_any_list_is_refused_not_a_server_error(client):
    from rest_framework.test import APIClient

    from liaison.models import Role
    from tests import factories

    staff = factories.make_user(role=Role.TASKFORCE)
    api = APIClient()
    api.force_authenticate(staff)
    for url in ("/api/v1/substitutions/", "/api/v1/matching/proposals/", "/api/v1/visits/"):
        response = api.get(url, {"page": "6637048772104757248", "page_size": "-131071"})
        assert response.status_code == 404, (url, response.status_code)
