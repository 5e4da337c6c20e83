"""The bulletin and dispatch API: reading, publishing, correcting, permissions and scope."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from liaison.models import Role
from reports import bulletins
from reports.models import Bulletin, Dispatch
from tests import factories
from tests.api_support import client_for, ids, results

pytestmark = pytest.mark.django_db

JUNE = date(2026, 6, 1)


@pytest.fixture
def june(clock):
    """A unit with two cadres, one of whom visited in June; the June bulletin published on 1 July."""
    clock.set(date(2026, 6, 3))
    unit = factories.make_unit(name="发改局")
    visited = factories.make_assignment(cadre=factories.make_cadre(unit=unit, name="张三"))
    factories.make_assignment(cadre=factories.make_cadre(unit=unit, name="李四"))
    factories.make_visit(assignment=visited, date=date(2026, 6, 3))
    clock.set(date(2026, 7, 1))
    taskforce = factories.make_user(role=Role.TASKFORCE)
    bulletin, _created = bulletins.bulletin_publish(month=JUNE, acting_user=taskforce)
    return {"unit": unit, "taskforce": taskforce, "bulletin": bulletin, "visited": visited}


def test_a_leader_lists_bulletins_without_figures_and_reads_one_with_them(june, leader_user):
    api = client_for(leader_user)
    # when the list is read
    response = api.get("/api/v1/bulletins/")
    # then each row is a version without figures
    assert response.status_code == 200
    [row] = results(response)
    assert row["month"] == "2026-06" and row["version"] == 1 and row["is_current"] is True
    assert row["published_by"] == june["taskforce"].username and "figures" not in row
    assert row["pdf_url"] == "/bulletins/2026-06/pdf"
    # when one is read, then its frozen figures come with it
    detail = api.get(f"/api/v1/bulletins/{row['id']}/").json()
    assert detail["figures"] == Bulletin.objects.get(pk=row["id"]).figures
    assert detail["figures"]["totals"]["due"] == 2 and detail["figures"]["totals"]["contacted"] == 1
    assert "units" not in detail["figures"] and "cadres" not in detail["figures"]
    assert detail["figures"]["rows"] == {"units": 1, "cadres": 2, "lagging": 1}
    assert {d["kind"]: d["status"] for d in detail["documents"]} == {"pdf": "pending", "xlsx": "pending"}
    # and its units and cadres are rows, read a page at a time
    units = api.get(detail["units_url"]).json()
    assert [(u["rank"], u["name"], u["contacted"], u["due"]) for u in units["results"]] == [(1, "发改局", 1, 2)]
    assert units["results"][0]["appeals"]["total"] == 0 and units["results"][0]["compliance"] == 0.5
    cadres = api.get(detail["cadres_url"]).json()["results"]
    assert [(c["name"], c["unit"], c["contacted"], c["lagging"]) for c in cadres] == [
        ("张三", "发改局", 1, False),
        ("李四", "发改局", 0, True),
    ]
    lagging = results(api.get(detail["cadres_url"], {"lagging": "true"}))
    assert [(c["name"], c["missed_enterprises"]) for c in lagging] == [("李四", cadres[1]["enterprises"])]
    assert results(api.get(detail["cadres_url"], {"unit": june["unit"].pk + 1000})) == []
    assert api.get(detail["cadres_url"], {"lagging": "maybe"}).status_code == 400


def test_the_list_filters_by_month_and_current(june, leader_user):
    bulletins.bulletin_publish(month=date(2026, 5, 1))
    bulletins.bulletin_reissue(month=JUNE, reason="更正", acting_user=june["taskforce"])
    api = client_for(leader_user)
    june_rows = results(api.get("/api/v1/bulletins/", {"month": "2026-06"}))
    assert sorted(r["version"] for r in june_rows) == [1, 2]
    current = results(api.get("/api/v1/bulletins/", {"current": "true"}))
    assert sorted((r["month"], r["version"]) for r in current) == [("2026-05", 1), ("2026-06", 2)]
    assert api.get("/api/v1/bulletins/", {"month": "June"}).status_code == 400


def test_the_task_force_publishes_a_month_once(june):
    api = client_for(june["taskforce"])
    # when May is published twice
    first = api.post("/api/v1/bulletins/publish/", {"month": "2026-05"}, format="json")
    second = api.post("/api/v1/bulletins/publish/", {"month": "2026-05"}, format="json")
    # then the first creates it, and the second returns the same bulletin
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["id"] == second.json()["id"] and first.json()["figures"]["month"] == "2026-05"
    assert Bulletin.objects.filter(month=date(2026, 5, 1)).count() == 1


@pytest.mark.parametrize(("month", "field"), [("2026-7", "month"), ("", "month"), ("2026-07", "month")])
def test_publishing_a_bad_or_unfinished_month_is_refused(june, month, field):
    response = client_for(june["taskforce"]).post("/api/v1/bulletins/publish/", {"month": month}, format="json")
    assert response.status_code == 400 and field in response.json()
    assert Bulletin.objects.count() == 1


def test_the_task_force_corrects_a_bulletin_and_the_old_version_stays(june):
    api = client_for(june["taskforce"])
    factories.make_visit(assignment=june["visited"], date=date(2026, 6, 20))
    old_id = june["bulletin"].pk
    # when the correction comes without a reason, then it is refused
    response = api.post(f"/api/v1/bulletins/{old_id}/reissue/", {"reason": ""}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    # when it comes with one
    response = api.post(f"/api/v1/bulletins/{old_id}/reissue/", {"reason": "补录走访"}, format="json")
    # then version 2 is out with the new figures, and version 1 is superseded but readable
    assert response.status_code == 201
    body = response.json()
    assert body["version"] == 2 and body["reason"] == "补录走访" and body["figures"]["totals"]["visits"] == 2
    old = api.get(f"/api/v1/bulletins/{old_id}/").json()
    assert old["status"] == "superseded" and old["figures"]["totals"]["visits"] == 1
    assert old["page_url"] == "/bulletins/2026-06/?v=1"
    # when the superseded version is corrected, then it is a conflict
    response = api.post(f"/api/v1/bulletins/{old_id}/reissue/", {"reason": "再次更正"}, format="json")
    assert response.status_code == 409
    assert Bulletin.objects.count() == 2


def test_readers_other_than_the_task_force_may_not_publish_or_correct(june, leader_user, unit_handler):
    for user in (leader_user, unit_handler):
        api = client_for(user)
        assert api.post("/api/v1/bulletins/publish/", {"month": "2026-05"}, format="json").status_code == 403
        response = api.post(f"/api/v1/bulletins/{june['bulletin'].pk}/reissue/", {"reason": "x"}, format="json")
        assert response.status_code == 403
    assert Bulletin.objects.count() == 1


def test_cadres_and_anonymous_users_may_not_read_bulletins(june, pairing):
    assert client_for(pairing.cadre.user).get("/api/v1/bulletins/").status_code == 403
    assert client_for(pairing.cadre.user).get(f"/api/v1/bulletins/{june['bulletin'].pk}/").status_code == 403
    assert client_for(None).get("/api/v1/bulletins/").status_code == 401


def test_a_unit_handler_reads_the_district_bulletin(june, unit_handler):
    response = client_for(unit_handler).get(f"/api/v1/bulletins/{june['bulletin'].pk}/units/")
    assert response.status_code == 200 and results(response)[0]["name"] == "发改局"


def test_cadres_may_not_read_a_bulletins_rows(june, pairing):
    api = client_for(pairing.cadre.user)
    for rows in ("units", "cadres"):
        assert api.get(f"/api/v1/bulletins/{june['bulletin'].pk}/{rows}/").status_code == 403
    assert client_for(None).get(f"/api/v1/bulletins/{june['bulletin'].pk}/cadres/").status_code == 401


@pytest.mark.parametrize("units", [2, 30])
def test_a_bulletin_and_a_page_of_its_rows_take_a_fixed_number_of_queries(
    clock, leader_user, django_assert_max_num_queries, units
):
    # given a bulletin of `units` units with three cadres each
    clock.set(date(2026, 6, 3))
    for i in range(units):
        unit = factories.make_unit(name=f"接口单位{i:02d}")
        for j in range(3):
            factories.make_assignment(cadre=factories.make_cadre(unit=unit, name=f"干部{i}-{j}"))
    clock.set(date(2026, 7, 1))
    bulletin, _created = bulletins.bulletin_publish(month=JUNE)
    api = client_for(leader_user)
    # when the bulletin, a page of its units and a page of its cadres are read
    for url, expected in (
        (f"/api/v1/bulletins/{bulletin.pk}/", None),
        (f"/api/v1/bulletins/{bulletin.pk}/units/", units),
        (f"/api/v1/bulletins/{bulletin.pk}/cadres/?page_size=50", min(50, 3 * units)),
    ):
        with django_assert_max_num_queries(5):
            response = api.get(url)
        # then each takes the same few queries whatever the size
        assert response.status_code == 200
        if expected is not None:
            assert len(results(response)) == expected


@pytest.mark.parametrize("count", [2, 30])
def test_the_bulletin_list_takes_a_fixed_number_of_queries(clock, leader_user, django_assert_max_num_queries, count):
    clock.set(date(2029, 1, 1))
    month = date(2026, 1, 1)
    for _i in range(count):
        bulletins.bulletin_publish(month=month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    api = client_for(leader_user)
    with django_assert_max_num_queries(4):
        response = api.get("/api/v1/bulletins/", {"page_size": 100})
    assert len(results(response)) == count


# --- Dispatches ---------------------------------------------------------------------------------------


@pytest.fixture
def sheets(db):
    units = [factories.make_unit(name="甲局"), factories.make_unit(name="乙局")]
    rows = [
        Dispatch.objects.create(unit=unit, week_start=week, data={"pairings": 1, "overdue_appeals": []})
        for unit in units
        for week in (date(2026, 6, 1), date(2026, 6, 8))
    ]
    return {"units": units, "rows": rows}


def test_the_task_force_lists_every_sheet_and_filters_by_week_and_unit(sheets, taskforce_user):
    api = client_for(taskforce_user)
    assert ids(api.get("/api/v1/dispatches/")) == {row.pk for row in sheets["rows"]}
    week = results(api.get("/api/v1/dispatches/", {"week_start": "2026-06-08"}))
    assert {row["week_start"] for row in week} == {"2026-06-08"} and len(week) == 2
    unit = sheets["units"][0]
    mine = results(api.get("/api/v1/dispatches/", {"unit": unit.pk, "week_start": "2026-06-01"}))
    assert [(row["unit"], row["unit_name"], row["data"]["pairings"]) for row in mine] == [(unit.pk, "甲局", 1)]


def test_a_unit_handler_sees_only_their_units_sheets(sheets):
    unit = sheets["units"][1]
    handler = factories.make_unit_handler(unit)
    api = client_for(handler)
    assert {row["unit"] for row in results(api.get("/api/v1/dispatches/"))} == {unit.pk}
    other = next(row for row in sheets["rows"] if row.unit_id != unit.pk)
    assert api.get(f"/api/v1/dispatches/{other.pk}/").status_code == 404


def test_a_cadre_may_not_read_dispatch_sheets(sheets, pairing):
    assert client_for(pairing.cadre.user).get("/api/v1/dispatches/").status_code == 403


def test_dispatches_are_read_only(sheets, taskforce_user):
    api = client_for(taskforce_user)
    assert api.post("/api/v1/dispatches/", {}, format="json").status_code == 405
    assert api.delete(f"/api/v1/dispatches/{sheets['rows'][0].pk}/").status_code == 405


# --- Schema ---------------------------------------------------------------------------------------------


def test_the_schema_documents_the_bulletin_and_dispatch_endpoints(client, admin_user_):
    client.force_login(admin_user_)  # the schema needs a sign-in
    schema = yaml.safe_load(client.get("/api/schema/").content)
    paths = schema["paths"]
    for path in (
        "/api/v1/bulletins/",
        "/api/v1/bulletins/{id}/",
        "/api/v1/bulletins/publish/",
        "/api/v1/bulletins/{id}/reissue/",
        "/api/v1/dispatches/",
        "/api/v1/dispatches/{id}/",
    ):
        assert path in paths, path
    detail = paths["/api/v1/bulletins/{id}/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert detail["$ref"].endswith("/BulletinDetail")
    figures = schema["components"]["schemas"]["BulletinDetail"]["properties"]["figures"]
    assert "Figures" in str(figures)
    assert {p["name"] for p in paths["/api/v1/dispatches/"]["get"]["parameters"]} >= {"week_start", "unit"}
    assert {p["name"] for p in paths["/api/v1/bulletins/"]["get"]["parameters"]} >= {"month", "current"}
