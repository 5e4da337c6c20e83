"""Excel exports of the pairing roster and the visit ledger, in the browser and over the API."""

from __future__ import annotations

import io
from datetime import date, datetime
from urllib.parse import unquote

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from enterprises.models import Enterprise
from enterprises.validators import make_credit_code
from liaison import exports, selectors
from liaison.models import Assignment, Cadre, Role, Unit, UnitKind, User, Visit, VisitAttachment
from tests import factories

ROSTER_HEADERS = [
    "干部", "单位", "职级", "企业", "统一社会信用代码", "行业", "街道", "结对开始", "结对结束", "结对原因", "结束原因",
    "本月是否联系",
]
VISIT_HEADERS = ["日期", "干部", "单位", "企业", "方式", "见面人员", "情况摘要", "反映问题", "附件数"]


def workbook_rows(response) -> list[tuple]:
    data = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return list(sheet.iter_rows(values_only=True))


def sheet_of(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]


def many_pairings(count: int) -> list[Assignment]:
    """`count` pairings, each with a visit carrying an attachment, built in bulk."""
    serial = factories.n()
    street = Unit.objects.create(name=f"导出街道{serial}", kind=UnitKind.STREET)
    unit = Unit.objects.create(name=f"导出单位{serial}")
    users = User.objects.bulk_create([User(username=f"export{serial}-{i}") for i in range(count)])
    cadres = Cadre.objects.bulk_create([Cadre(name=f"干部{i}", unit=unit, user=user) for i, user in enumerate(users)])
    enterprises = Enterprise.objects.bulk_create(
        [
            Enterprise(name=f"导出企业{i}", credit_code=make_credit_code(800_000 + serial * 1000 + i),
                       industry_section="C", industry_division="39", street=street)
            for i in range(count)
        ]
    )
    pairings = Assignment.objects.bulk_create(
        [Assignment(cadre=c, enterprise=e, started_on=date(2024, 1, 1)) for c, e in zip(cadres, enterprises,
                                                                                          strict=True)]
    )
    visits = Visit.objects.bulk_create(
        [Visit(cadre=a.cadre, enterprise=a.enterprise, assignment=a, date=date(2024, 3, 5), summary="走访")
         for a in pairings]
    )
    VisitAttachment.objects.bulk_create(
        [VisitAttachment(visit=v, file=f"visits/{v.pk}/a.png", name="a.png", size=10, content_type="image/png")
         for v in visits]
    )
    return pairings


@pytest.fixture
def taskforce_client(client, taskforce_user):
    client.force_login(taskforce_user)
    return client


# --- The roster ----------------------------------------------------------------------------------------


def test_the_roster_export_has_a_header_and_one_row_per_visible_pairing(taskforce_client):
    # given
    street = factories.make_street(name="金石街道")
    enterprise = factories.make_enterprise(name="大连某某化工有限公司", street=street, industry_section="C",
                                           industry_division="26")
    pairing = factories.make_assignment(enterprise=enterprise, started_on=date(2024, 2, 1), reason="产业对口")
    ended = factories.make_assignment(started_on=date(2023, 5, 1), ended_on=date(2023, 12, 31), end_reason="调岗")
    # when
    response = taskforce_client.get(reverse("export-roster"))
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    disposition = unquote(response["Content-Disposition"])
    assert disposition.startswith("attachment") and selectors.today().isoformat() in disposition
    rows = workbook_rows(response)
    assert list(rows[0]) == ROSTER_HEADERS
    assert len(rows) == 3
    by_enterprise = {row[3]: row for row in rows[1:]}
    row = by_enterprise["大连某某化工有限公司"]
    assert row[0] == pairing.cadre.name and row[1] == pairing.cadre.unit.name
    assert row[4] == enterprise.credit_code
    assert row[5].startswith("C ") and "26" in row[5]
    assert row[6] == "金石街道"
    assert row[7] == datetime(2024, 2, 1) and row[8] is None
    assert row[9] == "产业对口"
    old = by_enterprise[ended.enterprise.name]
    assert (old[8], old[10], old[11]) == (datetime(2023, 12, 31), "调岗", None)


def test_the_roster_export_has_a_bold_frozen_header_and_date_cells(taskforce_client):
    # given
    factories.make_assignment()
    # when
    sheet = sheet_of(taskforce_client.get(reverse("export-roster")))
    # then
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.b for cell in sheet[1])
    assert sheet["H2"].is_date and sheet["H2"].number_format == "yyyy-mm-dd"
    assert sheet.column_dimensions["D"].width >= 20


def test_the_roster_export_says_whether_each_due_pairing_was_contacted_this_month(taskforce_client):
    # given
    visited = factories.make_assignment()
    factories.make_visit(assignment=visited, date=selectors.today())
    not_visited = factories.make_assignment()
    factories.make_visit(assignment=not_visited, date=date(2024, 1, 15))
    # when
    rows = workbook_rows(taskforce_client.get(reverse("export-roster")))
    # then
    contact = {row[3]: row[11] for row in rows[1:]}
    assert contact == {visited.enterprise.name: "是", not_visited.enterprise.name: "否"}


def test_the_roster_export_applies_the_filter_from_the_query_string(taskforce_client):
    # given
    unit = factories.make_unit(name="区科技局")
    kept = factories.make_assignment(cadre=factories.make_cadre(unit=unit))
    factories.make_assignment(cadre=factories.make_cadre(unit=unit), ended_on=date(2024, 6, 1))
    factories.make_assignment()
    # when
    rows = workbook_rows(taskforce_client.get(reverse("export-roster"), {"unit": unit.pk, "active": "true"}))
    # then
    assert [row[3] for row in rows[1:]] == [kept.enterprise.name]


def test_a_unit_handler_exports_only_the_pairings_of_their_unit(client, pairing, other_pairing, unit_handler):
    # given
    client.force_login(unit_handler)
    # when
    rows = workbook_rows(client.get(reverse("export-roster")))
    # then
    assert [row[3] for row in rows[1:]] == [pairing.enterprise.name]


def test_a_cadre_cannot_export_the_roster(client, pairing):
    # given
    client.force_login(pairing.cadre.user)
    # when
    response = client.get(reverse("export-roster"))
    # then
    assert response.status_code == 403


def test_an_invalid_filter_is_refused_rather_than_ignored(taskforce_client):
    # when
    response = taskforce_client.get(reverse("export-roster"), {"unit": "not-a-unit"})
    # then
    assert response.status_code == 400


@pytest.mark.parametrize("count", [5, 200])
def test_the_roster_export_takes_the_same_few_queries_for_5_and_200_rows(
    taskforce_client, django_assert_max_num_queries, count
):
    # given
    many_pairings(count)
    # when
    with django_assert_max_num_queries(4):  # 3, and the audit row of the export
        response = taskforce_client.get(reverse("export-roster"))
        rows = workbook_rows(response)
    # then
    assert len(rows) == count + 1


# --- The visit ledger ------------------------------------------------------------------------------------


def test_the_visit_export_has_a_header_and_one_row_per_visible_visit(taskforce_client):
    # given
    visit = factories.make_visit(method="phone", people_met="王总", summary="了解用工需求", issues_raised="缺少技工")
    VisitAttachment.objects.create(visit=visit, file="visits/x/a.png", name="a.png", size=10, content_type="image/png")
    VisitAttachment.objects.create(visit=visit, file="visits/x/b.pdf", name="b.pdf", size=10,
                                   content_type="application/pdf")
    factories.make_visit()
    # when
    response = taskforce_client.get(reverse("export-visits"))
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    assert selectors.today().isoformat() in unquote(response["Content-Disposition"])
    rows = workbook_rows(response)
    assert list(rows[0]) == VISIT_HEADERS
    assert len(rows) == 3
    row = next(r for r in rows[1:] if r[3] == visit.enterprise.name)
    assert row[0] == datetime(2024, 3, 5)
    assert (row[1], row[2]) == (visit.cadre.name, visit.cadre.unit.name)
    assert row[4] == visit.get_method_display()
    assert (row[5], row[6], row[7], row[8]) == ("王总", "了解用工需求", "缺少技工", 2)


def test_a_cadre_exports_only_their_own_visits(client, pairing, other_pairing):
    # given
    mine = factories.make_visit(assignment=pairing, date=date(2024, 4, 1))
    factories.make_visit(assignment=other_pairing, date=date(2024, 4, 2))
    client.force_login(pairing.cadre.user)
    # when
    rows = workbook_rows(client.get(reverse("export-visits")))
    # then
    assert [(row[1], row[3]) for row in rows[1:]] == [(mine.cadre.name, mine.enterprise.name)]


def test_a_user_without_a_cadre_exports_an_empty_ledger(client, other_pairing):
    # given
    factories.make_visit(assignment=other_pairing)
    client.force_login(factories.make_user(role=Role.CADRE))
    # when
    rows = workbook_rows(client.get(reverse("export-visits")))
    # then
    assert rows == [tuple(VISIT_HEADERS)]


def test_the_visit_export_applies_the_date_filter(taskforce_client):
    # given
    march = factories.make_visit(date=date(2024, 3, 5))
    factories.make_visit(date=date(2024, 5, 5))
    # when
    rows = workbook_rows(
        taskforce_client.get(reverse("export-visits"), {"date_after": "2024-03-01", "date_before": "2024-03-31"})
    )
    # then
    assert [row[3] for row in rows[1:]] == [march.enterprise.name]


def test_text_that_looks_like_a_formula_is_exported_as_text(taskforce_client):
    # given
    factories.make_visit(summary='=HYPERLINK("http://example.com","点我")', people_met="\x07王总")
    # when
    sheet = sheet_of(taskforce_client.get(reverse("export-visits")))
    # then
    assert sheet["G2"].data_type == "s"
    assert sheet["G2"].value.startswith("=HYPERLINK")
    assert sheet["F2"].value == "王总"


@pytest.mark.parametrize("count", [5, 200])
def test_the_visit_export_takes_the_same_few_queries_for_5_and_200_rows(
    taskforce_client, django_assert_max_num_queries, count
):
    # given
    many_pairings(count)
    # when
    with django_assert_max_num_queries(4):  # 3, and the audit row of the export
        rows = workbook_rows(taskforce_client.get(reverse("export-visits")))
    # then
    assert len(rows) == count + 1
    assert {row[8] for row in rows[1:]} == {1}


def test_anonymous_visitors_are_sent_to_log_in_instead_of_exporting(client):
    # when
    response = client.get(reverse("export-visits"))
    # then
    assert response.status_code == 302


# --- Over the API ----------------------------------------------------------------------------------------


def test_the_api_exports_the_same_workbooks(taskforce_user, pairing):
    # given
    factories.make_visit(assignment=pairing)
    api = APIClient()
    api.force_authenticate(taskforce_user)
    # when
    roster = api.get("/api/v1/exports/roster.xlsx")
    visits = api.get("/api/v1/exports/visits.xlsx", HTTP_ACCEPT=exports.XLSX_CONTENT_TYPE)
    # then
    assert (roster.status_code, visits.status_code) == (200, 200)
    assert roster["Content-Type"] == visits["Content-Type"] == exports.XLSX_CONTENT_TYPE
    assert [row[3] for row in workbook_rows(roster)[1:]] == [pairing.enterprise.name]
    assert len(workbook_rows(visits)) == 2


def test_the_api_refuses_the_roster_to_a_cadre_and_exports_their_visits(pairing, other_pairing):
    # given
    factories.make_visit(assignment=pairing)
    factories.make_visit(assignment=other_pairing)
    api = APIClient()
    api.force_authenticate(pairing.cadre.user)
    # when
    roster = api.get("/api/v1/exports/roster.xlsx")
    visits = api.get("/api/v1/exports/visits.xlsx")
    # then
    assert roster.status_code == 403
    assert [row[3] for row in workbook_rows(visits)[1:]] == [pairing.enterprise.name]


def test_the_api_answers_400_to_an_invalid_filter(taskforce_user):
    # given
    api = APIClient()
    api.force_authenticate(taskforce_user)
    # when
    response = api.get("/api/v1/exports/visits.xlsx", {"date_after": "yesterday-ish"})
    # then
    assert response.status_code == 400
