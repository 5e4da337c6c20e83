"""The REST API: who sees and changes what, pairing and re-pairing, visits, filters, compliance, auth."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from enterprises.models import Enterprise
from enterprises.validators import make_credit_code
from liaison.models import Assignment, Cadre, Unit, Visit
from tests import factories
from tests.api_support import client_for, ids, results

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def visit(pairing):
    return factories.make_visit(assignment=pairing)


@pytest.fixture
def other_visit(other_pairing):
    return factories.make_visit(assignment=other_pairing)


@pytest.fixture
def cadre_client(pairing):
    """Signed in as the cadre of `pairing`."""
    return client_for(pairing.cadre.user)


def visit_payload(enterprise: Enterprise, **overrides) -> dict:
    payload = {
        "enterprise": enterprise.pk,
        "date": str(timezone.localdate()),
        "method": "on_site",
        "people_met": "总经理",
        "summary": "了解企业用工需求",
        "issues_raised": "",
    }
    payload.update(overrides)
    return payload


# --- Cadres: only their own records -----------------------------------------------------------


def test_cadre_lists_only_their_own_cadre_enterprise_pairing_and_visits(cadre_client, pairing, visit, other_visit):
    # given a cadre with a visit, and another cadre with one
    # when the cadre lists each kind of record
    cadres = cadre_client.get(f"{API}/cadres/")
    enterprises = cadre_client.get(f"{API}/enterprises/")
    pairings = cadre_client.get(f"{API}/assignments/")
    visits = cadre_client.get(f"{API}/visits/")
    # then each list holds only their own
    assert ids(cadres) == {pairing.cadre_id}
    assert ids(enterprises) == {pairing.enterprise_id}
    assert ids(pairings) == {pairing.pk}
    assert ids(visits) == {visit.pk}


@pytest.mark.parametrize("kind", ["cadres", "enterprises", "assignments", "visits"])
def test_cadre_gets_404_for_another_cadres_record(cadre_client, other_pairing, other_visit, kind):
    # given another cadre's records
    other_ids = {
        "cadres": other_pairing.cadre_id,
        "enterprises": other_pairing.enterprise_id,
        "assignments": other_pairing.pk,
        "visits": other_visit.pk,
    }
    # when the cadre asks for one of them
    response = cadre_client.get(f"{API}/{kind}/{other_ids[kind]}/")
    # then it does not exist for them
    assert response.status_code == 404


def test_cadre_cannot_change_another_cadres_records(cadre_client, other_pairing, other_visit):
    # given another cadre's cadre, enterprise, pairing and visit
    other_cadre, other_enterprise = other_pairing.cadre, other_pairing.enterprise
    # when the cadre tries to change each
    cadre_patch = cadre_client.patch(f"{API}/cadres/{other_cadre.pk}/", {"phone": "13800000000"}, format="json")
    enterprise_patch = cadre_client.patch(
        f"{API}/enterprises/{other_enterprise.pk}/", {"address": "改"}, format="json"
    )
    pairing_end = cadre_client.post(f"{API}/assignments/{other_pairing.pk}/end/", {"reason": "x"}, format="json")
    visit_patch = cadre_client.patch(f"{API}/visits/{other_visit.pk}/", {"summary": "改"}, format="json")
    upload = cadre_client.post(f"{API}/visits/{other_visit.pk}/attachments/", {}, format="multipart")
    # then the roster refuses them and the other cadre's visit does not exist for them
    assert cadre_patch.status_code == 403
    assert enterprise_patch.status_code == 403
    assert pairing_end.status_code == 403
    assert visit_patch.status_code == 404
    assert upload.status_code == 404
    other_visit.refresh_from_db()
    other_pairing.refresh_from_db()
    assert other_visit.summary != "改"
    assert other_pairing.ended_on is None
    assert Cadre.objects.get(pk=other_cadre.pk).phone == ""


def test_cadre_cannot_change_their_own_cadre_or_enterprise(cadre_client, pairing):
    # when a cadre edits their own roster records
    response = cadre_client.patch(f"{API}/enterprises/{pairing.enterprise_id}/", {"address": "改"}, format="json")
    # then only task-force staff may
    assert response.status_code == 403


def test_cadre_logs_a_visit_to_their_paired_enterprise(cadre_client, pairing):
    # when the cadre logs a visit to the enterprise they are paired with
    response = cadre_client.post(f"{API}/visits/", visit_payload(pairing.enterprise), format="json")
    # then it is saved under that pairing
    assert response.status_code == 201, response.content
    body = response.json()
    visit = Visit.objects.get(pk=body["id"])
    assert visit.assignment_id == pairing.pk
    assert visit.cadre_id == pairing.cadre_id
    assert body["enterprise"] == pairing.enterprise_id
    assert body["attachments"] == []
    assert body["can_edit"] is True


def test_cadre_cannot_log_a_visit_to_an_enterprise_they_are_not_paired_with(cadre_client, other_pairing):
    # when the cadre logs a visit to someone else's enterprise
    response = cadre_client.post(f"{API}/visits/", visit_payload(other_pairing.enterprise), format="json")
    # then it is refused with the reason, and nothing is saved
    assert response.status_code == 403
    assert "paired with" in response.json()["detail"]
    assert not Visit.objects.exists()


def test_cadre_cannot_log_a_visit_to_their_former_enterprise(pairing, taskforce_user):
    # given the cadre's pairing has ended
    factories.make_visit(assignment=pairing)
    pairing.ended_on = date(2024, 6, 30)
    pairing.save()
    # when they log a new visit there
    response = client_for(pairing.cadre.user).post(
        f"{API}/visits/", visit_payload(pairing.enterprise), format="json"
    )
    # then it is refused: only an active pairing allows visits
    assert response.status_code == 403
    assert Visit.objects.count() == 1


def test_visit_dated_in_the_future_is_refused(cadre_client, pairing):
    # when the cadre logs a visit dated tomorrow
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = cadre_client.post(f"{API}/visits/", visit_payload(pairing.enterprise, date=str(tomorrow)), format="json")
    # then it is a 400 on the date, and nothing is saved
    assert response.status_code == 400
    assert "future" in " ".join(response.json()["date"])
    assert not Visit.objects.exists()


def test_visit_dated_before_the_pairing_started_is_refused(cadre_client, pairing):
    # when the cadre logs a visit before the pairing began (2024-01-01)
    response = cadre_client.post(
        f"{API}/visits/", visit_payload(pairing.enterprise, date="2023-12-31"), format="json"
    )
    # then the date is refused with the start date
    assert response.status_code == 400
    assert "2024-01-01" in " ".join(response.json()["date"])


def test_cadre_corrects_their_own_visit(cadre_client, visit):
    # when the cadre patches the summary of their own visit
    response = cadre_client.patch(f"{API}/visits/{visit.pk}/", {"summary": "协调解决用地问题"}, format="json")
    # then it is saved
    assert response.status_code == 200, response.content
    visit.refresh_from_db()
    assert visit.summary == "协调解决用地问题"
    assert response.json()["summary"] == "协调解决用地问题"


def test_correcting_a_visit_into_the_future_is_refused(cadre_client, visit):
    # when the cadre moves their visit to next week
    next_week = timezone.localdate() + timedelta(days=7)
    response = cadre_client.patch(f"{API}/visits/{visit.pk}/", {"date": str(next_week)}, format="json")
    # then the date rule still holds
    assert response.status_code == 400
    visit.refresh_from_db()
    assert visit.date == date(2024, 3, 5)


def test_visits_cannot_be_deleted_or_replaced(cadre_client, visit):
    # when the cadre tries DELETE or PUT on their visit
    delete = cadre_client.delete(f"{API}/visits/{visit.pk}/")
    put = cadre_client.put(f"{API}/visits/{visit.pk}/", {"summary": "x"}, format="json")
    # then those methods do not exist
    assert delete.status_code == 405
    assert put.status_code == 405
    assert Visit.objects.filter(pk=visit.pk).exists()


# --- Unit handlers: their unit ----------------------------------------------------------------


def test_unit_handler_sees_only_their_units_records(unit_handler, pairing, visit, other_pairing, other_visit):
    # given a handler of the unit of `pairing`'s cadre
    client = client_for(unit_handler)
    # when they list the records
    cadres = client.get(f"{API}/cadres/")
    enterprises = client.get(f"{API}/enterprises/")
    pairings = client.get(f"{API}/assignments/")
    visits = client.get(f"{API}/visits/")
    # then they see their unit's and nothing of the other unit
    assert ids(cadres) == {pairing.cadre_id}
    assert ids(enterprises) == {pairing.enterprise_id}
    assert ids(pairings) == {pairing.pk}
    assert ids(visits) == {visit.pk}
    assert client.get(f"{API}/visits/{visit.pk}/").status_code == 200
    assert client.get(f"{API}/visits/{other_visit.pk}/").status_code == 404
    assert client.get(f"{API}/enterprises/{other_pairing.enterprise_id}/").status_code == 404
    assert client.get(f"{API}/cadres/{other_pairing.cadre_id}/").status_code == 404


def test_unit_handler_cannot_change_a_visit_of_their_unit(unit_handler, visit):
    # when the handler corrects a visit made by a cadre of their unit
    response = client_for(unit_handler).patch(f"{API}/visits/{visit.pk}/", {"summary": "改"}, format="json")
    # then only the visit's own cadre may
    assert response.status_code == 403
    visit.refresh_from_db()
    assert visit.summary != "改"


def test_unit_handler_cannot_pair(unit_handler, pairing):
    # given an unpaired cadre of the handler's unit and a free enterprise
    cadre = factories.make_cadre(unit=pairing.cadre.unit)
    enterprise = factories.make_enterprise()
    # when the handler pairs them
    response = client_for(unit_handler).post(
        f"{API}/assignments/", {"cadre": cadre.pk, "enterprise": enterprise.pk}, format="json"
    )
    # then only the task force may
    assert response.status_code == 403
    assert not Assignment.objects.filter(cadre=cadre).exists()


# --- Leaders: read everything, change nothing -------------------------------------------------


def test_leader_reads_every_record(leader_user, pairing, visit, other_pairing):
    # given a leader
    client = client_for(leader_user)
    # when they read lists and details
    responses = [
        client.get(f"{API}/units/"),
        client.get(f"{API}/units/{pairing.cadre.unit_id}/"),
        client.get(f"{API}/cadres/"),
        client.get(f"{API}/cadres/{other_pairing.cadre_id}/"),
        client.get(f"{API}/enterprises/"),
        client.get(f"{API}/enterprises/{other_pairing.enterprise_id}/"),
        client.get(f"{API}/assignments/"),
        client.get(f"{API}/assignments/{other_pairing.pk}/"),
        client.get(f"{API}/visits/"),
        client.get(f"{API}/visits/{visit.pk}/"),
        client.get(f"{API}/compliance/?month=2024-03"),
        client.get(f"{API}/compliance/pairings/?month=2024-03"),
        client.get(f"{API}/me/"),
    ]
    # then every one succeeds, and the lists hold everything
    assert [r.status_code for r in responses] == [200] * len(responses)
    assert ids(responses[6]) == {pairing.pk, other_pairing.pk}


def test_leader_gets_403_on_every_write(leader_user, pairing, visit):
    # given a leader and one record of each kind
    client = client_for(leader_user)
    unit, cadre, enterprise = pairing.cadre.unit, pairing.cadre, pairing.enterprise
    free_cadre, free_enterprise = factories.make_cadre(), factories.make_enterprise()
    writes = [
        ("post", f"{API}/units/", {"name": "新单位", "kind": "department"}),
        ("patch", f"{API}/units/{unit.pk}/", {"function": "改"}),
        ("put", f"{API}/units/{unit.pk}/", {"name": unit.name, "kind": unit.kind}),
        ("post", f"{API}/cadres/", {"name": "新干部", "unit": unit.pk}),
        ("patch", f"{API}/cadres/{cadre.pk}/", {"phone": "13800000000"}),
        ("post", f"{API}/enterprises/", {"name": "新企业", "credit_code": make_credit_code(9),
                                         "industry_section": "C"}),
        ("patch", f"{API}/enterprises/{enterprise.pk}/", {"address": "改"}),
        ("post", f"{API}/assignments/", {"cadre": free_cadre.pk, "enterprise": free_enterprise.pk}),
        ("post", f"{API}/assignments/{pairing.pk}/end/", {"reason": "调整"}),
        ("post", f"{API}/visits/", visit_payload(enterprise)),
        ("patch", f"{API}/visits/{visit.pk}/", {"summary": "改"}),
        ("post", f"{API}/visits/{visit.pk}/attachments/", {}),
    ]
    counts = (Unit.objects.count(), Cadre.objects.count(), Enterprise.objects.count(), Assignment.objects.count())
    # when the leader sends each write
    statuses = {(method, url): getattr(client, method)(url, data, format="json").status_code
                for method, url, data in writes}
    # then every one is refused and nothing changed
    assert set(statuses.values()) == {403}, statuses
    assert counts == (Unit.objects.count(), Cadre.objects.count(), Enterprise.objects.count(),
                      Assignment.objects.count())
    pairing.refresh_from_db()
    visit.refresh_from_db()
    assert pairing.ended_on is None
    assert visit.summary != "改"
    assert Visit.objects.count() == 1


# --- Task force: the roster and pairings ------------------------------------------------------


def test_taskforce_creates_unit_cadre_and_enterprise(taskforce_user):
    # given task-force staff
    client = client_for(taskforce_user)
    # when they create a unit, a cadre in it and an enterprise (code typed in lower case)
    unit = client.post(f"{API}/units/", {"name": "区发展改革局", "kind": "department"}, format="json")
    cadre = client.post(
        f"{API}/cadres/",
        {"name": "张伟", "unit": unit.json()["id"], "rank": "division", "category": "economy"},
        format="json",
    )
    code = make_credit_code(12_345)
    enterprise = client.post(
        f"{API}/enterprises/",
        {"name": "大连示例机械有限公司", "credit_code": code.lower(), "industry_section": "C",
         "industry_division": "34", "above_scale": True},
        format="json",
    )
    # then each is saved through its service, with the acting user on the history
    assert (unit.status_code, cadre.status_code, enterprise.status_code) == (201, 201, 201), enterprise.content
    saved = Cadre.objects.get(pk=cadre.json()["id"])
    assert saved.history.first().history_user == taskforce_user
    body = enterprise.json()
    assert body["credit_code"] == code
    assert body["is_paired"] is False
    assert body["industry_section_display"] == "C 制造业"
    assert body["industry_label"] == "C 制造业 / 34 通用设备制造业"


def test_enterprise_with_a_wrong_check_character_is_refused_with_the_reason(taskforce_user):
    # given a code whose last character is wrong
    code = make_credit_code(54_321)
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    # when task-force staff create the enterprise
    response = client_for(taskforce_user).post(
        f"{API}/enterprises/", {"name": "错误代码公司", "credit_code": wrong, "industry_section": "C"}, format="json"
    )
    # then the error says what is wrong
    assert response.status_code == 400
    assert "check character" in " ".join(response.json()["credit_code"])
    assert not Enterprise.objects.filter(name="错误代码公司").exists()


def test_enterprise_division_outside_its_section_is_refused(taskforce_user, pairing):
    # when task-force staff set division 39 (manufacturing) under section F (trade)
    response = client_for(taskforce_user).patch(
        f"{API}/enterprises/{pairing.enterprise_id}/", {"industry_section": "F"}, format="json"
    )
    # then the model's rule answers on the field
    assert response.status_code == 400
    assert "industry_division" in response.json()


def test_taskforce_pairs_a_free_cadre_with_a_free_enterprise(taskforce_user):
    # given an unpaired cadre and enterprise
    cadre, enterprise = factories.make_cadre(), factories.make_enterprise()
    # when task-force staff pair them
    response = client_for(taskforce_user).post(
        f"{API}/assignments/", {"cadre": cadre.pk, "enterprise": enterprise.pk}, format="json"
    )
    # then an active pairing starting today exists
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["is_active"] is True
    assert body["started_on"] == str(timezone.localdate())
    assert Assignment.objects.active().get(cadre=cadre).enterprise == enterprise


def test_repairing_ends_the_old_pairing_and_keeps_its_history(taskforce_user, pairing, visit):
    # given a cadre paired (with a visit) and a free enterprise
    client = client_for(taskforce_user)
    new_enterprise = factories.make_enterprise()
    # when task-force staff re-pair the cadre, giving a reason
    response = client.post(
        f"{API}/assignments/",
        {"cadre": pairing.cadre_id, "enterprise": new_enterprise.pk, "reason": "按行业精准匹配调整"},
        format="json",
    )
    # then the old pairing is ended with the reason, and both stay listed
    assert response.status_code == 201, response.content
    pairing.refresh_from_db()
    assert pairing.ended_on == timezone.localdate()
    assert "按行业精准匹配调整" in pairing.end_reason
    history = client.get(f"{API}/assignments/?cadre={pairing.cadre_id}")
    assert ids(history) == {pairing.pk, response.json()["id"]}
    active = client.get(f"{API}/assignments/?cadre={pairing.cadre_id}&active=true")
    assert ids(active) == {response.json()["id"]}
    assert Visit.objects.get(pk=visit.pk).assignment_id == pairing.pk


def test_repairing_without_a_reason_is_refused_with_a_message(taskforce_user, pairing):
    # given a paired cadre and a free enterprise
    new_enterprise = factories.make_enterprise()
    # when task-force staff re-pair without a reason
    response = client_for(taskforce_user).post(
        f"{API}/assignments/", {"cadre": pairing.cadre_id, "enterprise": new_enterprise.pk}, format="json"
    )
    # then it is a 400 saying why, and nothing changed
    assert response.status_code == 400
    assert "reason" in " ".join(response.json()["non_field_errors"])
    pairing.refresh_from_db()
    assert pairing.ended_on is None
    assert not Assignment.objects.filter(enterprise=new_enterprise).exists()


def test_taskforce_ends_a_pairing_with_a_reason(taskforce_user, pairing):
    # when task-force staff end a pairing, giving a reason
    response = client_for(taskforce_user).post(
        f"{API}/assignments/{pairing.pk}/end/", {"reason": "企业迁出本区"}, format="json"
    )
    # then it is ended today and kept
    assert response.status_code == 200, response.content
    assert response.json()["is_active"] is False
    pairing.refresh_from_db()
    assert (pairing.ended_on, pairing.end_reason) == (timezone.localdate(), "企业迁出本区")


def test_ending_a_pairing_without_a_reason_is_refused(taskforce_user, pairing):
    # when task-force staff end a pairing with no reason
    response = client_for(taskforce_user).post(f"{API}/assignments/{pairing.pk}/end/", {}, format="json")
    # then it is a 400 saying a reason is needed
    assert response.status_code == 400
    assert "reason" in " ".join(response.json()["non_field_errors"])
    pairing.refresh_from_db()
    assert pairing.ended_on is None


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_pairings_cannot_be_edited_or_deleted(taskforce_user, pairing, method):
    # when task-force staff try to edit or delete a pairing
    response = getattr(client_for(taskforce_user), method)(
        f"{API}/assignments/{pairing.pk}/", {"reason": "x"}, format="json"
    )
    # then the history is protected: the method does not exist
    assert response.status_code == 405
    assert Assignment.objects.filter(pk=pairing.pk, reason="").exists()


# --- Filters ----------------------------------------------------------------------------------


def test_enterprises_filter_by_above_scale_and_industry_section(taskforce_user):
    # given enterprises in and out of manufacturing, above and below scale
    manufacturing_big = factories.make_enterprise(industry_section="C", industry_division="39", above_scale=True)
    manufacturing_big_2 = factories.make_enterprise(industry_section="C", industry_division="13", above_scale=True)
    factories.make_enterprise(industry_section="C", industry_division="39", above_scale=False)
    factories.make_enterprise(industry_section="F", industry_division="51", above_scale=True)
    # when filtering above-scale manufacturing
    response = client_for(taskforce_user).get(f"{API}/enterprises/?above_scale=true&industry=C")
    # then only those two come back
    assert response.status_code == 200
    assert ids(response) == {manufacturing_big.pk, manufacturing_big_2.pk}


def test_enterprises_filter_by_industry_division_and_paired(taskforce_user, pairing):
    # given a paired enterprise in division 39 and a free one in division 13
    free = factories.make_enterprise(industry_section="C", industry_division="13")
    client = client_for(taskforce_user)
    # when filtering by division, and by pairing
    by_division = client.get(f"{API}/enterprises/?industry=13")
    unpaired = client.get(f"{API}/enterprises/?paired=false")
    # then each filter applies, and is_paired says which is which
    assert ids(by_division) == {free.pk}
    assert ids(unpaired) == {free.pk}
    rows = {row["id"]: row["is_paired"] for row in results(client.get(f"{API}/enterprises/"))}
    assert rows == {pairing.enterprise_id: True, free.pk: False}


def test_visits_filter_by_cadre_and_date_range(taskforce_user, pairing, other_pairing):
    # given visits of two cadres across three months
    march = factories.make_visit(assignment=pairing, date=date(2024, 3, 5))
    factories.make_visit(assignment=pairing, date=date(2024, 4, 9))
    factories.make_visit(assignment=pairing, date=date(2024, 2, 28))
    factories.make_visit(assignment=other_pairing, date=date(2024, 3, 6))
    # when filtering one cadre's visits in March
    response = client_for(taskforce_user).get(
        f"{API}/visits/?cadre={pairing.cadre_id}&date_after=2024-03-01&date_before=2024-03-31"
    )
    # then only that visit comes back
    assert response.status_code == 200
    assert ids(response) == {march.pk}


# --- Monthly contact compliance ---------------------------------------------------------------


def test_compliance_counts_contacted_pairings_per_unit(taskforce_user, pairing, other_pairing):
    # given two pairings in two units; only the first was visited in March 2024
    factories.make_visit(assignment=pairing, date=date(2024, 3, 12))
    factories.make_visit(assignment=other_pairing, date=date(2024, 2, 12))
    client = client_for(taskforce_user)
    # when task-force staff ask for March 2024
    summary = client.get(f"{API}/compliance/?month=2024-03")
    detail = client.get(f"{API}/compliance/pairings/?month=2024-03")
    missing = client.get(f"{API}/compliance/pairings/?month=2024-03&contacted=false")
    # then each unit has one due, one unit contacted, and the pairing list says which
    assert summary.status_code == 200
    body = summary.json()
    assert body["month"] == "2024-03"
    assert body["overall"] == {"due": 2, "contacted": 1, "missing": 1, "rate": 0.5}
    by_unit = {row["unit"]: (row["due"], row["contacted"]) for row in body["units"]}
    assert by_unit == {pairing.cadre.unit_id: (1, 1), other_pairing.cadre.unit_id: (1, 0)}
    rows = {row["id"]: (row["contacted"], row["contact_status"]) for row in results(detail)}
    assert rows == {pairing.pk: (True, "contacted"), other_pairing.pk: (False, "missed")}
    assert ids(missing) == {other_pairing.pk}


def test_cadre_sees_only_their_own_compliance(cadre_client, pairing, other_pairing):
    # when a cadre asks for the month's compliance
    summary = cadre_client.get(f"{API}/compliance/?month=2024-03")
    detail = cadre_client.get(f"{API}/compliance/pairings/?month=2024-03")
    # then only their pairing counts
    assert summary.json()["overall"]["due"] == 1
    assert ids(detail) == {pairing.pk}


@pytest.mark.parametrize("month", ["2024-13", "2024-3", "March", "2024-03-01"])
def test_compliance_with_a_bad_month_is_a_400_saying_the_format(taskforce_user, month):
    # when the month is not YYYY-MM
    summary = client_for(taskforce_user).get(f"{API}/compliance/?month={month}")
    detail = client_for(taskforce_user).get(f"{API}/compliance/pairings/?month={month}")
    # then both answer 400 with the expected format
    assert summary.status_code == detail.status_code == 400
    assert "YYYY-MM" in summary.json()["month"][0]


# --- Authentication and the current user ------------------------------------------------------


ENDPOINTS = [
    "units/",
    "cadres/",
    "enterprises/",
    "assignments/",
    "visits/",
    "compliance/",
    "compliance/pairings/",
    "me/",
]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_anonymous_requests_are_refused(path):
    # when nobody is signed in
    response = client_for(None).get(f"{API}/{path}")
    # then the API refuses
    assert response.status_code in (401, 403)


def test_anonymous_cannot_log_a_visit(pairing):
    # when nobody is signed in and a visit is posted
    response = client_for(None).post(f"{API}/visits/", visit_payload(pairing.enterprise), format="json")
    # then it is refused and nothing saved
    assert response.status_code in (401, 403)
    assert not Visit.objects.exists()


def test_token_obtained_with_username_and_password_signs_requests_in(pairing):
    # given a cadre's credentials
    user = pairing.cadre.user
    client = client_for(None)
    # when they obtain a token and use it
    token = client.post(f"{API}/auth/token/", {"username": user.username, "password": "pass-1234"}, format="json")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    me = client.get(f"{API}/me/")
    visits = client.get(f"{API}/visits/")
    # then the token identifies them
    assert token.status_code == 200
    assert me.status_code == 200
    assert me.json()["username"] == user.username
    assert visits.status_code == 200


def test_token_with_a_wrong_password_is_refused(pairing):
    # when the password is wrong
    response = client_for(None).post(
        f"{API}/auth/token/", {"username": pairing.cadre.user.username, "password": "wrong"}, format="json"
    )
    # then no token is given
    assert response.status_code == 400
    assert "token" not in response.json()


def test_me_shows_the_cadres_role_unit_and_active_pairing(cadre_client, pairing):
    # when a cadre asks who they are
    body = cadre_client.get(f"{API}/me/").json()
    # then they see their role, unit, cadre and pairing
    assert body["role"] == "cadre"
    assert body["unit"] == {"id": pairing.cadre.unit_id, "name": pairing.cadre.unit.name}
    assert body["cadre"]["id"] == pairing.cadre_id
    assert body["active_pairing"]["id"] == pairing.pk
    assert body["active_pairing"]["enterprise"] == pairing.enterprise_id
    assert body["can_manage_roster"] is False


def test_me_shows_a_unit_handlers_unit(unit_handler, pairing):
    # when a unit handler asks who they are
    body = client_for(unit_handler).get(f"{API}/me/").json()
    # then they see the unit they handle and have no pairing
    assert body["role"] == "unit_handler"
    assert body["handled_unit"] == pairing.cadre.unit_id
    assert body["cadre"] is None
    assert body["active_pairing"] is None


def test_api_root_lists_the_resources(taskforce_user):
    # when the API root is read
    response = client_for(taskforce_user).get(f"{API}/")
    # then it links each resource
    assert response.status_code == 200
    assert set(response.json()) >= {"units", "cadres", "enterprises", "assignments", "visits"}
