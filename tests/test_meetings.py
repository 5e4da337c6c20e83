"""Meetings: issues become appeals all or nothing, the "三个一" rule, the campaign figures, and who may write."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from appeals.models import Appeal, AppealCategory, Source
from liaison.models import Rank
from meetings import selectors, services
from meetings.models import Countermeasure, CountermeasureStatus, Meeting, MeetingEnterprise, MeetingIssue, MeetingKind
from tests import factories
from tests.api_support import client_for

pytestmark = pytest.mark.django_db


def make_meeting(*, kind=MeetingKind.SOLICITATION, day=date(2026, 5, 10), chair=None, participants=(), invited=()):
    meeting = Meeting.objects.create(kind=kind, title=f"会议{factories.n()}", date=day, chair=chair)
    meeting.participants.set(participants)
    for enterprise in invited:
        MeetingEnterprise.objects.create(
            meeting=meeting, enterprise=enterprise, representative="张总", position="董事长"
        )
    return meeting


def add_issue(meeting, category, **kwargs):
    kwargs.setdefault("enterprise", factories.make_enterprise())
    kwargs.setdefault("title", "用地指标紧张")
    kwargs.setdefault("description", "企业扩产需要新增用地。")
    return MeetingIssue.objects.create(meeting=meeting, category=category, **kwargs)


# --- Issues into appeals ----------------------------------------------------------------------


def test_issues_become_appeals_once(clock, categories, taskforce_user):
    clock.set(date(2026, 6, 3))
    category = next(iter(categories.values()))
    meeting = make_meeting()
    issues = [add_issue(meeting, category) for _ in range(3)]

    converted = services.issues_to_appeals(meeting=meeting, acting_user=taskforce_user)

    assert len(converted) == 3
    appeals = Appeal.objects.filter(meeting_issue__meeting=meeting)
    assert appeals.count() == 3
    assert set(appeals.values_list("source", flat=True)) == {Source.MEETING}
    for issue in issues:
        issue.refresh_from_db()
        assert issue.appeal.enterprise_id == issue.enterprise_id
        assert issue.appeal.title == issue.title

    again = services.issues_to_appeals(meeting=meeting, acting_user=taskforce_user)
    assert again == []
    assert Appeal.objects.count() == 3


def test_issues_to_appeals_skips_converted_and_adds_new(clock, categories, taskforce_user):
    clock.set(date(2026, 6, 3))
    category = next(iter(categories.values()))
    meeting = make_meeting()
    add_issue(meeting, category)
    services.issues_to_appeals(meeting=meeting, acting_user=taskforce_user)
    late = add_issue(meeting, category)

    converted = services.issues_to_appeals(meeting=meeting, acting_user=taskforce_user)

    assert [issue.pk for issue in converted] == [late.pk]
    assert Appeal.objects.count() == 2


def test_issues_to_appeals_is_all_or_nothing(clock, categories, taskforce_user):
    clock.set(date(2026, 6, 3))
    category = next(iter(categories.values()))
    retired = AppealCategory.objects.create(code="retired", name="已停用", active=False)
    meeting = make_meeting()
    good = add_issue(meeting, category)
    bad = add_issue(meeting, retired)

    with pytest.raises(ValidationError):
        services.issues_to_appeals(meeting=meeting, acting_user=taskforce_user)

    assert Appeal.objects.count() == 0
    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.appeal_id is None and bad.appeal_id is None


def test_only_taskforce_turns_issues_into_appeals(clock, categories, pairing):
    clock.set(date(2026, 6, 3))
    meeting = make_meeting()
    add_issue(meeting, next(iter(categories.values())), enterprise=pairing.enterprise)
    with pytest.raises(PermissionDenied):
        services.issues_to_appeals(meeting=meeting, acting_user=pairing.cadre.user)
    assert Appeal.objects.count() == 0


# --- 三个一 -------------------------------------------------------------------------------------


@pytest.fixture
def three_ones_world(db):
    district = factories.make_cadre(rank=Rank.DISTRICT, name="区领导")
    division_chair = factories.make_cadre(rank=Rank.DIVISION, name="处级主持")

    def leader(name, rank=Rank.DIVISION, started_on=date(2026, 1, 1)):
        cadre = factories.make_cadre(rank=rank, name=name)
        pairing = factories.make_assignment(cadre=cadre, started_on=started_on)
        return cadre, pairing.enterprise

    a, a_ent = leader("甲")  # own enterprise invited, district chair: counted
    b, _b_ent = leader("乙")  # another enterprise invited: not counted
    c, c_ent = leader("丙")  # chair below district level: not counted
    x, x_ent = leader("丁", started_on=date(2024, 1, 1))  # meeting of the previous year
    y, y_ent = leader("戊")  # a progress meeting, not a solicitation one
    section, s_ent = leader("科员", rank=Rank.SECTION)  # not a leader at all
    other = factories.make_enterprise()

    m1 = make_meeting(chair=district, participants=[district, a, b, section], invited=[a_ent, other, s_ent])
    m2 = make_meeting(chair=division_chair, participants=[c], invited=[c_ent])
    m3 = make_meeting(chair=district, day=date(2025, 11, 20), participants=[x], invited=[x_ent])
    m4 = make_meeting(kind=MeetingKind.PROGRESS, chair=district, participants=[y], invited=[y_ent])
    return {
        "district": district,
        "a": a,
        "b": b,
        "c": c,
        "x": x,
        "y": y,
        "section": section,
        "meetings": [m1, m2, m3, m4],
    }


def test_three_ones_rule_at_its_edges(three_ones_world):
    w = three_ones_world
    rows = {row.cadre.pk: row for row in selectors.three_ones_check(2026)}

    assert rows[w["a"].pk].ok
    assert [m.pk for m in rows[w["a"].pk].meetings] == [w["meetings"][0].pk]
    assert not rows[w["b"].pk].ok  # the invited enterprise is not the cadre's own
    assert not rows[w["c"].pk].ok  # the chair is not a district-level leader
    assert not rows[w["x"].pk].ok  # the meeting was in 2025
    assert not rows[w["y"].pk].ok  # not a solicitation meeting
    assert not rows[w["district"].pk].ok  # no pairing of their own
    assert w["section"].pk not in rows  # section-level cadres are not leaders


def test_three_ones_counts_the_year_of_the_meeting(three_ones_world):
    w = three_ones_world
    rows = {row.cadre.pk: row for row in selectors.three_ones_check(2025)}
    assert rows[w["x"].pk].ok
    assert not rows[w["a"].pk].ok


def test_three_ones_page_shows_ticks(client, three_ones_world, leader_user):
    client.force_login(leader_user)
    response = client.get(reverse("meeting-three-ones"), {"year": 2026})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("✓") == 1
    assert "✗" in body


# --- Figures ----------------------------------------------------------------------------------


def test_campaign_meeting_figures(three_ones_world, categories):
    m1 = three_ones_world["meetings"][0]
    category = next(iter(categories.values()))
    add_issue(m1, category)
    add_issue(m1, category)
    add_issue(three_ones_world["meetings"][2], category)
    Countermeasure.objects.create(meeting=m1, text="设立企业用地绿色通道")
    Countermeasure.objects.create(meeting=m1, text="建立融资对接机制", status=CountermeasureStatus.ADOPTED)

    figures = selectors.campaign_meeting_figures(2026)
    assert figures["meetings"] == 3
    assert figures["meetings_by_kind"][MeetingKind.SOLICITATION] == 2
    assert figures["meetings_by_kind"][MeetingKind.PROGRESS] == 1
    assert figures["district_leaders"] == 1
    assert figures["division_leaders"] == 4  # a, b, c, y; the division-level chair did not take part
    assert figures["entrepreneurs"] == 5
    assert figures["issues"] == 2
    assert figures["countermeasures"] == 2

    everything = selectors.campaign_meeting_figures()
    assert everything["meetings"] == 4
    assert everything["division_leaders"] == 5
    assert everything["entrepreneurs"] == 6
    assert everything["issues"] == 3


# --- Permissions and the API -----------------------------------------------------------------


def test_cadre_cannot_create_a_meeting(client, pairing):
    user = pairing.cadre.user
    client.force_login(user)
    assert client.get(reverse("meeting-create")).status_code == 403
    assert (
        client.post(reverse("meeting-create"), {"title": "x", "kind": "topic", "date": "2026-06-01"}).status_code == 403
    )
    response = client_for(user).post(
        "/api/v1/meetings/", {"title": "x", "kind": "topic", "date": "2026-06-01"}, format="json"
    )
    assert response.status_code == 403
    assert Meeting.objects.count() == 0
    assert client_for(user).get("/api/v1/meetings/").status_code == 200


def test_taskforce_creates_a_meeting_in_the_browser(client, taskforce_user):
    chair = factories.make_cadre(rank=Rank.DISTRICT)
    member = factories.make_cadre(rank=Rank.DIVISION)
    client.force_login(taskforce_user)
    response = client.post(
        reverse("meeting-create"),
        {
            "title": "民营企业座谈会",
            "kind": "solicitation",
            "date": "2026-06-01",
            "place": "区政府",
            "chair": chair.pk,
            "participants": [chair.pk, member.pk],
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response.url == meeting.get_absolute_url()
    assert meeting.created_by == taskforce_user
    assert set(meeting.participants.all()) == {chair, member}
    assert client.get(meeting.get_absolute_url()).status_code == 200


def test_api_create_retrieve_and_issues_to_appeals(clock, categories, taskforce_user, pairing):
    clock.set(date(2026, 6, 3))
    api = client_for(taskforce_user)
    chair = factories.make_cadre(rank=Rank.DISTRICT)
    response = api.post(
        "/api/v1/meetings/",
        {
            "title": "征求意见会",
            "kind": "solicitation",
            "date": "2026-06-02",
            "chair": chair.pk,
            "participants": [chair.pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    meeting = Meeting.objects.get(pk=response.json()["id"])
    MeetingEnterprise.objects.create(meeting=meeting, enterprise=pairing.enterprise, representative="李总")
    add_issue(meeting, next(iter(categories.values())), enterprise=pairing.enterprise)
    Countermeasure.objects.create(meeting=meeting, text="优化审批流程")

    cadre_api = client_for(pairing.cadre.user)
    assert cadre_api.post(f"/api/v1/meetings/{meeting.pk}/issues-to-appeals/").status_code == 403

    response = api.post(f"/api/v1/meetings/{meeting.pk}/issues-to-appeals/")
    assert response.status_code == 200
    assert response.json()["converted"] == 1
    assert api.post(f"/api/v1/meetings/{meeting.pk}/issues-to-appeals/").json()["converted"] == 0

    detail = cadre_api.get(f"/api/v1/meetings/{meeting.pk}/").json()
    assert detail["invitations"][0]["representative"] == "李总"
    assert detail["issues"][0]["appeal"] == response.json()["appeals"][0]
    assert detail["countermeasures"][0]["status"] == "proposed"


def test_browser_issues_to_appeals_button(clock, categories, client, taskforce_user):
    clock.set(date(2026, 6, 3))
    meeting = make_meeting()
    issue = add_issue(meeting, next(iter(categories.values())))
    client.force_login(taskforce_user)
    response = client.post(reverse("meeting-issues-to-appeals", args=[meeting.pk]))
    assert response.status_code == 302
    issue.refresh_from_db()
    assert issue.appeal_id is not None
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert issue.appeal.get_absolute_url() in page


def test_countermeasure_status(taskforce_user, pairing):
    meeting = make_meeting()
    countermeasure = services.countermeasure_add(meeting=meeting, text="设立专项资金", acting_user=taskforce_user)
    services.countermeasure_set_status(
        countermeasure_id=countermeasure.pk, status=CountermeasureStatus.ADOPTED, acting_user=taskforce_user
    )
    countermeasure.refresh_from_db()
    assert countermeasure.status == CountermeasureStatus.ADOPTED
    with pytest.raises(PermissionDenied):
        services.countermeasure_set_status(
            countermeasure_id=countermeasure.pk, status="implemented", acting_user=pairing.cadre.user
        )


# --- Query counts -----------------------------------------------------------------------------


@pytest.mark.parametrize("count", [5, 50])
def test_list_page_queries_are_bounded(client, leader_user, django_assert_max_num_queries, count):
    chair = factories.make_cadre(rank=Rank.DISTRICT)
    members = [factories.make_cadre(rank=Rank.DIVISION) for _ in range(3)]
    enterprise = factories.make_enterprise()
    for _ in range(count):
        make_meeting(chair=chair, participants=members, invited=[enterprise])
    client.force_login(leader_user)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("meeting-list"))
    assert response.status_code == 200
    assert len(response.context["page"]) == min(count, 25)


@pytest.mark.parametrize("count", [5, 50])
def test_api_list_queries_are_bounded(leader_user, django_assert_max_num_queries, count, categories):
    chair = factories.make_cadre(rank=Rank.DISTRICT)
    enterprise = factories.make_enterprise()
    for _ in range(count):
        meeting = make_meeting(chair=chair, participants=[chair], invited=[enterprise])
        add_issue(meeting, next(iter(categories.values())), enterprise=enterprise)
    with django_assert_max_num_queries(10):
        response = client_for(leader_user).get("/api/v1/meetings/")
    assert response.status_code == 200
