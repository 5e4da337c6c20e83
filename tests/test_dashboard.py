"""The leaders' campaign dashboard and the cadre's "my month" page."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from appeals.models import AppealCategory
from liaison.models import Notification, Rank, Role
from meetings.models import Countermeasure, Meeting, MeetingEnterprise, MeetingIssue, MeetingKind
from policies.models import Delivery, DeliveryStatus, Policy, PolicyCategory, PolicyStatus
from reports.models import InterviewCase, InterviewReason
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(clock, taskforce_user):
    """On 15 May 2025: three active pairings (one contacted in May), one ended; a solicitation meeting
    with a district and a division leader, two entrepreneurs, two issues and one countermeasure;
    three appeals (one resolved); two deliveries of one policy (one delivered)."""
    clock.set(date(2025, 5, 15))
    unit = factories.make_unit(name="发改局")
    district_leader = factories.make_cadre(rank=Rank.DISTRICT, unit=unit)
    division_leader = factories.make_cadre(rank=Rank.DIVISION, unit=unit)
    p1 = factories.make_assignment(cadre=district_leader)
    p2 = factories.make_assignment(cadre=division_leader)
    p3 = factories.make_assignment()
    factories.make_assignment(ended_on=date(2024, 6, 30))
    factories.make_visit(assignment=p1, date=date(2025, 5, 6))
    meeting = Meeting.objects.create(kind=MeetingKind.SOLICITATION, title="征求意见会", date=date(2025, 4, 2))
    meeting.participants.set([district_leader, division_leader])
    for enterprise in (p1.enterprise, p2.enterprise):
        MeetingEnterprise.objects.create(meeting=meeting, enterprise=enterprise, representative="张总")
    category = AppealCategory.objects.get(code="financing")
    for title in ("用地", "融资"):
        MeetingIssue.objects.create(
            meeting=meeting, enterprise=p1.enterprise, title=title, description="说明", category=category
        )
    Countermeasure.objects.create(meeting=meeting, text="设立应急转贷资金")
    from appeals import services as appeal_services

    appeals = [factories.make_appeal(pairing=p) for p in (p1, p2, p3)]
    appeal_services.appeal_resolve(appeal=appeals[0], acting_user=p1.cadre.user, resolution="已协调贷款")
    policy = Policy.objects.create(
        title="免申即享政策", category=PolicyCategory.objects.order_by("order").first(), status=PolicyStatus.PUBLISHED
    )
    Delivery.objects.create(policy=policy, enterprise=p1.enterprise, cadre=p1.cadre, status=DeliveryStatus.DELIVERED)
    Delivery.objects.create(policy=policy, enterprise=p2.enterprise, cadre=p2.cadre)
    return {"pairings": (p1, p2, p3), "appeals": appeals}


def test_the_dashboard_shows_the_campaign_figures(client, campaign, leader_user, django_assert_max_num_queries):
    client.force_login(leader_user)
    # when a leader opens the dashboard
    with django_assert_max_num_queries(20):
        response = client.get(reverse("dashboard"))
    # then the headline figures are computed live
    assert response.status_code == 200
    figures = response.context["figures"]
    assert figures.cadres_paired == 3
    assert (figures.meetings["meetings"], figures.leaders, figures.meetings["entrepreneurs"]) == (1, 2, 2)
    assert (figures.meetings["issues"], figures.meetings["countermeasures"]) == (2, 1)
    assert (figures.appeals.total, figures.appeals.resolved) == (3, 1)
    assert (figures.compliance.due, figures.compliance.contacted) == (3, 1)
    assert (figures.deliveries["delivered"], figures.deliveries["total"]) == (1, 2)
    html = response.content.decode()
    assert 'data-figure="closure_rate">33%' in html
    assert 'data-figure="contact_rate">33%' in html


def test_the_dashboard_draws_contact_and_closure_by_month_and_appeals_by_category_and_unit(
    client, campaign, leader_user
):
    client.force_login(leader_user)
    # when a leader opens the dashboard (on 15 May 2025)
    response = client.get(reverse("dashboard"))
    charts = response.context["charts"]
    html = response.content.decode()
    # then the trend runs over the twelve months to May: each month's contact rate (May: 1 of 3), and
    # the closure rate of the appeals raised in a month that had some (May: 1 of 3), each point titled
    assert charts.trend.count("<circle") == 12 + 1
    assert "联系率 5月: 33.3%" in charts.trend and "联系率 24年6月" not in charts.trend
    assert "联系率 6月: 0.0%" in charts.trend and "联系率 25年1月: 0.0%" in charts.trend
    assert "当月诉求办结率 5月: 33.3%" in charts.trend
    # and the category bars give each category's share of all appeals, with the count
    assert "融资需求: 100.0% 3件" in charts.categories
    # and the unit bars give the closure rate of the units with the most appeals, most first
    unit = campaign["pairings"][0].cadre.unit.name
    assert charts.units.index(f"{unit}: 50.0% 1/2") < charts.units.index(": 0.0% 0/1")
    # all three are on the page, as SVG with a title for screen readers
    for chart_id in ("chart-trend", "chart-categories", "chart-units"):
        assert f'id="{chart_id}"' in html
    assert html.count('role="img"') >= 3


def test_the_dashboard_query_count_does_not_grow_with_the_district(
    client, campaign, leader_user, django_assert_max_num_queries
):
    # given many more pairings, visits and appeals
    for _i in range(25):
        pairing = factories.make_assignment()
        factories.make_visit(assignment=pairing, date=date(2025, 5, 2))
        factories.make_appeal(pairing=pairing)
    client.force_login(leader_user)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("dashboard"))
    assert response.context["figures"].cadres_paired == 28


def test_the_dashboard_narrows_to_a_year(client, campaign, taskforce_user):
    client.force_login(taskforce_user)
    figures = client.get(reverse("dashboard"), {"year": 2024}).context["figures"]
    assert (figures.year, figures.meetings["meetings"], figures.appeals.total) == (2024, 0, 0)
    assert client.get(reverse("dashboard"), {"year": "abc"}).status_code == 404


def test_cadres_and_unit_handlers_do_not_see_the_dashboard(client, campaign):
    cadre_user = campaign["pairings"][0].cadre.user
    handler = factories.make_user(role=Role.UNIT_HANDLER, unit=campaign["pairings"][0].cadre.unit)
    for user in (cadre_user, handler):
        client.force_login(user)
        assert client.get(reverse("dashboard")).status_code == 403


def test_home_links_leaders_to_the_dashboard_and_cadres_to_their_month(client, campaign, leader_user):
    client.force_login(leader_user)
    html = client.get(reverse("home")).content.decode()
    assert reverse("dashboard") in html and 'id="my-month-link"' not in html
    client.force_login(campaign["pairings"][0].cadre.user)
    html = client.get(reverse("home")).content.decode()
    assert 'id="my-month-link"' in html and 'id="dashboard-link"' not in html


# --- My month -------------------------------------------------------------------------------------


@pytest.fixture
def month(clock):
    """A cadre on 20 May 2025: re-paired on 10 May (the old pairing ended 9 May, contacted on 5 May),
    one visit this month; two open appeals, one overdue; one unread reminder from the weekly
    dispatch and one read notification; an open interview case."""
    clock.set(date(2025, 5, 20))
    cadre = factories.make_cadre(name="王干部")
    old = factories.make_assignment(cadre=cadre, started_on=date(2024, 1, 1), ended_on=date(2025, 5, 9))
    factories.make_visit(assignment=old, date=date(2025, 5, 5))
    new = factories.make_assignment(cadre=cadre, started_on=date(2025, 5, 10))
    clock.set(date(2025, 5, 12))
    late = factories.make_appeal(pairing=new, title="迟办诉求")
    clock.set(date(2025, 5, 20))
    fresh = factories.make_appeal(pairing=new, title="新诉求")
    from appeals.models import Appeal

    Appeal.objects.filter(pk=late.pk).update(deadline=date(2025, 5, 16))
    Notification.objects.create(
        user=cadre.user, kind="dispatch.contact", title="督促提醒：本月尚未联系", url="/", dedupe_key="r1"
    )
    from django.utils import timezone

    Notification.objects.create(
        user=cadre.user, kind="appeal.assigned", title="已读消息", dedupe_key="r2", read_at=timezone.now()
    )
    InterviewCase.objects.create(
        cadre=cadre, reason=InterviewReason.MISSED_CONTACT, detail="连续两月未联系", opened_week=date(2025, 5, 19)
    )
    return {"cadre": cadre, "old": old, "new": new, "late": late, "fresh": fresh}


def test_my_month_shows_the_cadres_month(client, month, django_assert_max_num_queries):
    client.force_login(month["cadre"].user)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("my-month"))
    assert response.status_code == 200
    mine = response.context["mine"]
    # both pairings in force this month; only the new one is due, and it is not yet contacted
    by_id = {p.pk: p for p in mine.pairings}
    assert set(by_id) == {month["old"].pk, month["new"].pk}
    assert (by_id[month["new"].pk].due, by_id[month["new"].pk].contacted) == (True, False)
    assert (by_id[month["old"].pk].due, by_id[month["old"].pk].contacted) == (False, True)
    assert [v.date for v in mine.visits] == [date(2025, 5, 5)]
    # open appeals, the overdue one first (earlier deadline) and marked
    assert [a.pk for a in mine.appeals] == [month["late"].pk, month["fresh"].pk]
    assert [a.overdue for a in mine.appeals] == [True, False]
    assert [n.title for n in mine.notifications] == ["督促提醒：本月尚未联系"]
    assert [c.reason for c in mine.interviews] == [InterviewReason.MISSED_CONTACT]
    html = response.content.decode()
    assert reverse("visit-create", args=[month["new"].enterprise_id]) in html
    assert reverse("visit-create", args=[month["old"].enterprise_id]) not in html
    assert 'data-overdue="1"' in html and 'id="my-interviews"' in html


def test_my_month_query_count_does_not_grow_with_rows(client, month, django_assert_max_num_queries):
    for day in range(11, 20):
        factories.make_visit(assignment=month["new"], date=date(2025, 5, day))
    for i in range(10):
        Notification.objects.create(user=month["cadre"].user, kind="x", title=f"消息{i}", dedupe_key=f"k{i}")
    client.force_login(month["cadre"].user)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("my-month"))
    assert len(response.context["mine"].visits) == 10


def test_my_month_is_for_cadres(client, leader_user):
    client.force_login(leader_user)
    assert client.get(reverse("my-month")).status_code == 403
