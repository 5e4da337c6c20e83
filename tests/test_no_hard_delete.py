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
