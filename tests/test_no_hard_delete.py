"""Nothing anyone reports on is deleted for good: the admin offers no delete, a visit logged by mistake is
withdrawn (and stops counting), and PostgreSQL refuses to delete or truncate appeals and their events."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from appeals.models import Appeal, AppealEvent
from liaison import selectors, services
from liaison.models import Assignment, Notification, Role, Visit
from meetings.models import Countermeasure, Meeting, MeetingIssue
from policies.models import Policy
from reports.models import Dispatch, InterviewCase
from tests import factories
from tests.api_support import client_for

pytestmark = pytest.mark.django_db

REPORTED_ON = [Visit, Assignment, Policy, Meeting, MeetingIssue, Countermeasure, Notification, Dispatch, InterviewCase]
postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="triggers are PostgreSQL's")


@pytest.mark.parametrize("model", REPORTED_ON, ids=lambda m: m._meta.label)
def test_the_admin_never_deletes_records_someone_reports_on(model, admin_user_):
    # given a superuser in the admin
    request = RequestFactory().get("/admin/")
    request.user = admin_user_
    model_admin = admin.site._registry[model]
    # then there is no delete permission and no "delete selected" action
    assert model_admin.has_delete_permission(request) is False
    assert "delete_selected" not in model_admin.get_actions(request)


def test_the_admin_delete_page_of_a_visit_is_refused(client, admin_user_):
    # given a visit
    visit = factories.make_visit()
    client.force_login(admin_user_)
    # when the superuser opens its delete page
    response = client.post(f"/admin/liaison/visit/{visit.pk}/delete/", {"post": "yes"})
    # then it is refused and the visit is still there
    assert response.status_code == 403
    assert Visit.all_objects.filter(pk=visit.pk).exists()


def test_a_withdrawn_visit_stops_counting_for_monthly_contact_and_lists(clock):
    # given a pairing whose only March visit makes it compliant
    clock.set(date(2024, 4, 10))
    visit = factories.make_visit(date=date(2024, 3, 5))
    pairing, cadre_user = visit.assignment, visit.cadre.user
    march = date(2024, 3, 1)
    assert selectors.monthly_contact(march).get(pk=pairing.pk).contacted is True
    # when the cadre withdraws it
    services.visit_withdraw(visit_id=visit.pk, acting_user=cadre_user, reason="误录，实际未走访")
    # then the month is missed, the unit's rate drops, and no list shows the visit
    assert selectors.monthly_contact(march).get(pk=pairing.pk).contacted is False
    [unit] = selectors.unit_compliance(march)
    assert (unit.due, unit.contacted) == (1, 0)
    assert not selectors.visit_list(viewer=cadre_user).exists()
    assert not pairing.visits.exists()
    # and the record stays, with who, when and why, in its history too
    kept = Visit.all_objects.get(pk=visit.pk)
    assert kept.withdrawn_by == cadre_user and kept.withdrawn_at and kept.withdrawal_reason == "误录，实际未走访"
    assert kept.history.first().history_user == cadre_user


def test_withdrawing_needs_a_reason_and_the_right_person():
    # given a visit and a cadre from elsewhere
    visit = factories.make_visit()
    stranger = factories.make_pairing_with_login().cadre.user
    # then a stranger may not, and the owner must give a reason
    with pytest.raises(PermissionDenied):
        services.visit_withdraw(visit_id=visit.pk, acting_user=stranger, reason="x")
    with pytest.raises(ValidationError):
        services.visit_withdraw(visit_id=visit.pk, acting_user=visit.cadre.user, reason="  ")
    # and task-force staff may, once
    staff = factories.make_user(role=Role.TASKFORCE)
    services.visit_withdraw(visit_id=visit.pk, acting_user=staff, reason="重复录入")
    with pytest.raises(ValidationError):
        services.visit_withdraw(visit_id=visit.pk, acting_user=staff, reason="重复录入")


def test_the_api_withdraws_a_visit_with_a_reason(client):
    # given a cadre's visit
    visit = factories.make_visit()
    client.force_login(visit.cadre.user)
    # when they withdraw it without, then with a reason
    url = f"/api/v1/visits/{visit.pk}/withdraw/"
    assert client.post(url, {}, content_type="application/json").status_code == 400
    response = client.post(url, {"reason": "误录"}, content_type="application/json")
    # then it is gone from their list
    assert response.status_code == 204, response.content
    assert client.get(f"/api/v1/visits/{visit.pk}/").status_code == 404
    assert Visit.all_objects.get(pk=visit.pk).withdrawal_reason == "误录"


def test_a_cadre_withdraws_their_visit_on_its_page_with_a_reason(client):
    # given a cadre on their visit's page
    visit = factories.make_visit()
    client.force_login(visit.cadre.user)
    page = client.get(f"/visits/{visit.pk}/").content.decode()
    assert 'id="visit-withdraw"' in page
    # when they submit the withdrawal without a reason, then with one
    url = f"/visits/{visit.pk}/withdraw/"
    refused = client.post(url, {"reason": " "})
    done = client.post(url, {"reason": "日期录错，重新登记"})
    # then the first is refused, the second withdraws it: gone from the ledger and its page
    assert refused.status_code == 302 and refused["Location"] == f"/visits/{visit.pk}/"
    assert done.status_code == 302 and done["Location"] == "/visits/"
    assert Visit.all_objects.get(pk=visit.pk).withdrawal_reason == "日期录错，重新登记"
    assert client.get(f"/visits/{visit.pk}/").status_code == 404
    assert visit.summary not in client.get("/visits/").content.decode()


def test_another_cadre_cannot_withdraw_a_visit():
    # given a visit and another pairing's cadre
    visit = factories.make_visit()
    from django.test import Client

    other = Client()
    other.force_login(factories.make_pairing_with_login().cadre.user)
    # when they try, then it is not found for them, and the visit stays
    assert other.post(f"/visits/{visit.pk}/withdraw/", {"reason": "x"}).status_code == 404
    assert Visit.objects.filter(pk=visit.pk).exists()


@postgres_only
def test_postgresql_refuses_to_delete_or_truncate_appeals_and_their_events():
    # given an appeal with its first event
    appeal = factories.make_appeal(pairing=factories.make_pairing_with_login())
    assert AppealEvent.objects.filter(appeal=appeal).exists()
    # then raw SQL around the ORM is refused, row by row and whole tables alike
    for sql in (
        "DELETE FROM appeals_appeal",
        "TRUNCATE appeals_appealevent CASCADE",
        "TRUNCATE appeals_appeal CASCADE",
        "DELETE FROM appeals_appealevent",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    # and the queryset delete too
    with pytest.raises(DatabaseError), transaction.atomic():
        Appeal.objects.filter(pk=appeal.pk).delete()
    assert Appeal.objects.filter(pk=appeal.pk).exists()
    assert AppealEvent.objects.filter(appeal=appeal).exists()


# --- Meetings ---------------------------------------------------------------------------------------


def test_a_withdrawn_meeting_leaves_the_figures_the_three_ones_check_and_the_lists(client, categories):
    # given a district-chaired solicitation meeting where a leader invited their own enterprise, with an issue
    from liaison.models import Rank
    from meetings import selectors as meeting_selectors
    from meetings import services as meeting_services
    from meetings.models import MeetingEnterprise, MeetingKind

    district = factories.make_cadre(rank=Rank.DISTRICT)
    leader = factories.make_cadre(rank=Rank.DIVISION)
    own = factories.make_assignment(cadre=leader, started_on=date(2026, 1, 1)).enterprise
    meeting = Meeting.objects.create(kind=MeetingKind.SOLICITATION, title="征求意见会", date=date(2026, 5, 10),
                                     chair=district)
    meeting.participants.set([district, leader])
    MeetingEnterprise.objects.create(meeting=meeting, enterprise=own, representative="张总")
    MeetingIssue.objects.create(meeting=meeting, category=categories["financing"], enterprise=own, title="贷款难",
                                description="流动资金不足。")
    assert meeting_selectors.campaign_meeting_figures(2026)["meetings"] == 1
    staff = factories.make_user(role=Role.TASKFORCE)
    # when task-force staff withdraw it on its page, with a reason
    client.force_login(staff)
    response = client.post(f"/meetings/{meeting.pk}/withdraw/", {"reason": "重复录入"})
    # then nothing of it counts any more, and it is kept with who and why
    assert response.status_code == 302
    figures = meeting_selectors.campaign_meeting_figures(2026)
    counted = (figures["meetings"], figures["entrepreneurs"], figures["issues"], figures["district_leaders"])
    assert counted == (0, 0, 0, 0)
    assert not any(row.ok for row in meeting_selectors.three_ones_check(2026))
    assert client.get(f"/meetings/{meeting.pk}/").status_code == 404
    assert not client.get("/api/v1/meetings/").json()["results"]
    kept = Meeting.all_objects.get(pk=meeting.pk)
    assert kept.withdrawn_by == staff and kept.withdrawal_reason == "重复录入"
    # and a second withdrawal, or one by a leader, is refused
    with pytest.raises(ValidationError):
        meeting_services.meeting_withdraw(meeting_id=meeting.pk, acting_user=staff, reason="再次")
    with pytest.raises(PermissionDenied):
        meeting_services.meeting_withdraw(meeting_id=meeting.pk, acting_user=factories.make_user(role=Role.LEADER),
                                          reason="x")


def test_the_api_withdraws_a_meeting_for_task_force_staff_only():
    # given a meeting, a leader and task-force staff on the API
    meeting = Meeting.objects.create(title="推进会", date=date(2026, 5, 11))
    leader = client_for(factories.make_user(role=Role.LEADER))
    staff = client_for(factories.make_user(role=Role.TASKFORCE))
    url = f"/api/v1/meetings/{meeting.pk}/withdraw/"
    # then the leader may not, staff must give a reason, and then it is withdrawn
    assert leader.post(url, {"reason": "x"}, format="json").status_code == 403
    assert staff.post(url, {}, format="json").status_code == 400
    assert staff.post(url, {"reason": "误录"}, format="json").status_code == 204
    assert staff.get(f"/api/v1/meetings/{meeting.pk}/").status_code == 404
