"""Importing enterprises and cadres from .xlsx and .csv: preview, all-or-nothing confirm, refusals."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook
from rest_framework.test import APIClient

from enterprises.models import Enterprise
from enterprises.validators import credit_code_error, make_credit_code
from liaison import imports
from liaison.models import Cadre, Rank, Role, User
from tests import factories

ENTERPRISE_HEADERS = [
    "企业名称", "统一社会信用代码", "行业门类", "行业大类", "规上企业", "登记注册类型", "高新技术企业", "所在街道",
    "地址", "法定代表人", "联系人", "联系电话", "从业人数", "年营业收入（万元）", "成立日期", "经营状态",
]
CADRE_HEADERS = ["姓名", "单位", "职级", "专业类别", "职务", "电话", "登录名", "在职"]

BAD_CODE = make_credit_code(555)[:17] + ("0" if make_credit_code(555)[17] != "0" else "1")


# --- Building files -------------------------------------------------------------------------------


def xlsx_bytes(headers: list[str], rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def xlsx_upload(headers, rows, name="data.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, xlsx_bytes(headers, rows), content_type=imports.XLSX_CONTENT_TYPE)


def csv_upload(headers, rows, *, encoding="utf-8-sig", name="data.csv") -> SimpleUploadedFile:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(headers)
    writer.writerows(rows)
    return SimpleUploadedFile(name, text.getvalue().encode(encoding), content_type="text/csv")


def enterprise_row(serial: int, *, street: str = "", **overrides) -> list:
    values = {
        "企业名称": f"导入企业{serial}有限公司",
        "统一社会信用代码": make_credit_code(900_000 + serial),
        "行业门类": "C",
        "行业大类": "39",
        "规上企业": "是",
        "登记注册类型": "私营",
        "高新技术企业": "否",
        "所在街道": street,
        "地址": "中山路1号",
        "法定代表人": "张三",
        "联系人": "李四",
        "联系电话": "13800000000",
        "从业人数": 120,
        "年营业收入（万元）": 5000.5,
        "成立日期": date(2015, 6, 1),
        "经营状态": "在营",
    }
    values.update(overrides)
    return [values[header] for header in ENTERPRISE_HEADERS]


def cadre_row(name: str, unit: str, **overrides) -> list:
    values = {"姓名": name, "单位": unit, "职级": "处级", "专业类别": "经济金融", "职务": "副局长",
              "电话": "13900000000", "登录名": "", "在职": "是"}
    values.update(overrides)
    return [values[header] for header in CADRE_HEADERS]


# --- Driving the pages and the API ----------------------------------------------------------------


@pytest.fixture
def taskforce_client(client, taskforce_user):
    client.force_login(taskforce_user)
    return client


@pytest.fixture
def api(taskforce_user):
    api_client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api_client.force_authenticate(taskforce_user)
    return api_client


def upload(client, kind: str, file):
    return client.post(reverse("import-start"), {"kind": kind, "file": file})


def token_of(response) -> str:
    assert response.status_code == 302, getattr(response, "context", None) and response.context["form"].errors
    return response["Location"].rstrip("/").split("/")[-1]


def preview(client, kind: str, file):
    token = token_of(upload(client, kind, file))
    return token, client.get(reverse("import-preview", args=[token]))


def api_import(api_client, kind: str, file, *, dry_run: bool = False):
    data = {"file": file}
    if dry_run:
        data["dry_run"] = "true"
    return api_client.post(f"/api/v1/imports/{kind}/", data, format="multipart")


def errors_by_line(report_rows) -> dict[int, list[str]]:
    return {row["line"]: row["errors"] for row in report_rows if row["errors"]}


# --- Successful imports ---------------------------------------------------------------------------


def test_enterprises_from_xlsx_are_previewed_then_imported_with_every_column(taskforce_client):
    # given
    street = factories.make_street(name="星海街道")
    rows = [enterprise_row(1, street="星海街道"), enterprise_row(2, **{"行业门类": "I", "行业大类": "65",
                                                                      "登记注册类型": "外商投资", "经营状态": "注销"})]
    # when
    token, page = preview(taskforce_client, imports.ENTERPRISES, xlsx_upload(ENTERPRISE_HEADERS, rows))
    # then: the preview saved nothing and offers the confirmation
    assert page.status_code == 200
    assert page.context["totals"] == {"new": 2, "update": 0, "error": 0}
    assert reverse("import-confirm", args=[token]) in page.content.decode()
    assert not Enterprise.objects.exists()
    # when
    done = taskforce_client.post(reverse("import-confirm", args=[token]), follow=True)
    # then
    assert done.redirect_chain[-1][0].startswith(reverse("import-start"))
    assert any("2" in str(message) for message in done.context["messages"])
    first = Enterprise.objects.get(credit_code=make_credit_code(900_001))
    assert (first.name, first.industry_section, first.industry_division) == ("导入企业1有限公司", "C", "39")
    assert first.above_scale is True and first.high_tech is False
    assert first.ownership == "private" and first.status == "operating"
    assert first.street == street
    assert first.contact_phone == "13800000000"
    assert first.employees == 120
    assert first.annual_revenue == Decimal("5000.50")
    assert first.founded_on == date(2015, 6, 1)
    second = Enterprise.objects.get(credit_code=make_credit_code(900_002))
    assert (second.ownership, second.status, second.street) == ("foreign", "closed", None)


def test_cadres_from_a_utf8_bom_csv_are_imported_and_logins_created(api):
    # given
    unit = factories.make_unit(name="区发展和改革局")
    file = csv_upload(CADRE_HEADERS, [cadre_row("王五", unit.name, 登录名="wangwu"),
                                      cadre_row("赵六", unit.name, 职级="区级领导", 专业类别="industry", 在职="否")])
    # when
    response = api_import(api, imports.CADRES, file)
    # then
    assert response.status_code == 200, response.json()
    assert response.json()["imported"] is True
    assert response.json()["totals"] == {"new": 2, "update": 0, "error": 0}
    wang = Cadre.objects.get(name="王五", unit=unit)
    assert (wang.rank, wang.category, wang.position, wang.phone, wang.active) == (
        Rank.DIVISION, "economy", "副局长", "13900000000", True
    )
    assert wang.user.username == "wangwu"
    assert wang.user.role == Role.CADRE and not wang.user.has_usable_password()
    zhao = Cadre.objects.get(name="赵六")
    assert (zhao.rank, zhao.category, zhao.active, zhao.user) == (Rank.DISTRICT, "industry", False, None)


def test_enterprises_from_a_gb18030_csv_are_imported(api):
    # given: what Chinese Excel writes for “CSV (逗号分隔)”
    factories.make_street(name="春柳街道")
    rows = [enterprise_row(3, street="春柳街道", 成立日期="2019/3/8", 从业人数="1,200")]
    file = csv_upload(ENTERPRISE_HEADERS, rows, encoding="gb18030")
    # when
    response = api_import(api, imports.ENTERPRISES, file)
    # then
    assert response.status_code == 200, response.json()
    enterprise = Enterprise.objects.get()
    assert enterprise.name == "导入企业3有限公司"
    assert enterprise.street.name == "春柳街道"
    assert enterprise.founded_on == date(2019, 3, 8)
    assert enterprise.employees == 1200


def test_reimporting_the_same_file_updates_instead_of_duplicating(api):
    # given
    unit = factories.make_unit(name="区工业和信息化局")
    enterprises = [enterprise_row(10), enterprise_row(11)]
    cadres = [cadre_row("钱七", unit.name, 登录名="qianqi"), cadre_row("孙八", unit.name)]
    api_import(api, imports.ENTERPRISES, xlsx_upload(ENTERPRISE_HEADERS, enterprises))
    api_import(api, imports.CADRES, xlsx_upload(CADRE_HEADERS, cadres))
    enterprises[0][0] = "改名后的企业有限公司"
    cadres[1][4] = "局长"
    # when
    again_enterprises = api_import(api, imports.ENTERPRISES, xlsx_upload(ENTERPRISE_HEADERS, enterprises))
    again_cadres = api_import(api, imports.CADRES, xlsx_upload(CADRE_HEADERS, cadres))
    # then
    assert again_enterprises.json()["totals"] == {"new": 0, "update": 2, "error": 0}
    assert again_cadres.json()["totals"] == {"new": 0, "update": 2, "error": 0}
    assert Enterprise.objects.count() == 2
    assert Enterprise.objects.get(credit_code=make_credit_code(900_010)).name == "改名后的企业有限公司"
    assert Cadre.objects.count() == 2
    assert Cadre.objects.get(name="孙八").position == "局长"
    assert User.objects.filter(username="qianqi").count() == 1


def test_blank_cells_keep_the_values_already_stored(api):
    # given
    enterprise = factories.make_enterprise(contact_phone="0411-1234567", employees=80, high_tech=True)
    row = [enterprise.name, enterprise.credit_code, "C", "", "", "", "", ""]
    # when
    response = api_import(api, imports.ENTERPRISES, xlsx_upload(ENTERPRISE_HEADERS[:8], [row]))
    # then
    assert response.json()["totals"]["update"] == 1
    enterprise.refresh_from_db()
    assert (enterprise.contact_phone, enterprise.employees, enterprise.high_tech) == ("0411-1234567", 80, True)
    assert enterprise.industry_division == "39"


def test_history_records_the_importing_user(taskforce_client, taskforce_user):
    # given
    unit = factories.make_unit(name="区商务局")
    existing = factories.make_enterprise()
    rows = [enterprise_row(20), enterprise_row(21, **{"企业名称": "新名字有限公司",
                                                      "统一社会信用代码": existing.credit_code})]
    # when
    token, _page = preview(taskforce_client, imports.ENTERPRISES, xlsx_upload(ENTERPRISE_HEADERS, rows))
    taskforce_client.post(reverse("import-confirm", args=[token]))
    token, _page = preview(taskforce_client, imports.CADRES, xlsx_upload(CADRE_HEADERS, [cadre_row("周九", unit.name)]))
    taskforce_client.post(reverse("import-confirm", args=[token]))
    # then
    created = Enterprise.objects.get(credit_code=make_credit_code(900_020))
    assert created.history.get().history_user == taskforce_user
    assert existing.history.latest().history_user == taskforce_user
    assert existing.history.latest().name == "新名字有限公司"
    assert Cadre.objects.get(name="周九").history.get().history_user == taskforce_user


def test_the_template_downloads_with_headers_and_an_example_row_that_imports(taskforce_client):
    # given
    factories.make_street(name="示例街道")
    # when
    response = taskforce_client.get(reverse("import-template", args=[imports.ENTERPRISES]))
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == imports.XLSX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    data = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == ENTERPRISE_HEADERS
    assert len(rows) == 2 and rows[1][7] == "示例街道"
    # and the example row passes the checks as it is
    _token, page = preview(taskforce_client, imports.ENTERPRISES, SimpleUploadedFile("模板.xlsx", data))
    assert page.context["totals"] == {"new": 1, "update": 0, "error": 0}


def test_the_cadre_template_has_its_headers(taskforce_client):
    # given
    factories.make_unit(name="区财政局")
    # when
    response = taskforce_client.get(reverse("import-template", args=[imports.CADRES]))
    # then
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    assert [cell.value for cell in sheet[1]] == CADRE_HEADERS


# --- Row errors: reported per line, nothing saved -------------------------------------------------


def test_enterprise_preview_reports_each_bad_row_by_line_and_saves_nothing(taskforce_client):
    # given
    factories.make_street(name="友好街道")
    factories.make_unit(name="区教育局")
    good = make_credit_code(900_030)
    rows = [
        enterprise_row(30, street="友好街道"),  # line 2
        enterprise_row(31, **{"统一社会信用代码": BAD_CODE}),  # line 3
        enterprise_row(32, street="不存在街道"),  # line 4
        enterprise_row(33, **{"统一社会信用代码": good}),  # line 5: same code as line 2
        enterprise_row(34, **{"成立日期": "2020-13-45"}),  # line 6
        enterprise_row(35, street="区教育局"),  # line 7: a unit, but not a street
        enterprise_row(36, **{"行业大类": "65"}),  # line 8: division of section I, not C
        enterprise_row(37, **{"企业名称": "", "从业人数": "很多"}),  # line 9
    ]
    # when
    token, page = preview(taskforce_client, imports.ENTERPRISES, xlsx_upload(ENTERPRISE_HEADERS, rows))
    # then
    report = page.context["report"]
    errors = {row.line: row.errors for row in report.rows if row.errors}
    assert set(errors) == {3, 4, 5, 6, 7, 8, 9}
    assert [row.action for row in report.rows][0] == "new"
    assert page.context["totals"] == {"new": 1, "update": 0, "error": 7}
    assert errors[3] == [f"统一社会信用代码：{credit_code_error(BAD_CODE)}"]
    assert errors[4][0].startswith("所在街道：") and "不存在街道" in errors[4][0]
    assert "2" in errors[5][0]  # points at the first line with that code
    assert errors[6][0].startswith("成立日期：") and "2020-13-45" in errors[6][0]
    assert errors[7][0].startswith("所在街道：") and "区教育局" in errors[7][0]
    assert errors[8][0].startswith("行业大类：")
    assert {error.split("：")[0] for error in errors[9]} == {"企业名称", "从业人数"}
    body = page.content.decode()
    assert 'id="import-has-errors"' in body
    assert reverse("import-confirm", args=[token]) not in body
    assert 'class="table-danger"' in body
    assert not Enterprise.objects.exists()


def test_cadre_dry_run_reports_unknown_unit_duplicates_and_taken_logins(api):
    # given
    unit = factories.make_unit(name="区司法局")
    holder = factories.make_cadre(name="已有干部", unit=unit)
    rows = [
        cadre_row("甲", unit.name),  # line 2
        cadre_row("乙", "不存在的局"),  # line 3
        cadre_row("甲", unit.name),  # line 4: duplicate of line 2
        cadre_row("丙", unit.name, 登录名=holder.user.username),  # line 5: login of another cadre
        cadre_row("丁", unit.name, 职级="部级"),  # line 6
        cadre_row("戊", unit.name, 在职="也许"),  # line 7
    ]
    # when
    response = api_import(api, imports.CADRES, xlsx_upload(CADRE_HEADERS, rows), dry_run=True)
    # then
    assert response.status_code == 400
    body = response.json()
    assert body["dry_run"] is True and body["imported"] is False
    assert body["totals"] == {"new": 1, "update": 0, "error": 5}
    errors = errors_by_line(body["rows"])
    assert set(errors) == {3, 4, 5, 6, 7}
    assert errors[3][0].startswith("单位：") and "不存在的局" in errors[3][0]
    assert "2" in errors[4][0]
    assert errors[5][0].startswith("登录名：") and "已有干部" in errors[5][0]
    assert errors[6][0].startswith("职级：")
    assert errors[7][0].startswith("在职：")
    assert list(Cadre.objects.all()) == [holder]


def test_importing_a_file_with_one_bad_row_saves_none_of_the_good_rows(api):
    # given
    rows = [enterprise_row(40), enterprise_row(41), enterprise_row(42, **{"统一社会信用代码": "123"})]
    # when
    response = api_import(api, imports.ENTERPRISES, xlsx_upload(ENTERPRISE_HEADERS, rows))
    # then
    assert response.status_code == 400
    assert response.json()["imported"] is False
    assert response.json()["totals"] == {"new": 2, "update": 0, "error": 1}
    assert errors_by_line(response.json()["rows"]).keys() == {4}
    assert not Enterprise.objects.exists()


def test_confirming_a_file_that_became_invalid_saves_nothing(taskforce_client):
    # given: a clean preview, after which the street named in the last row is removed
    street = factories.make_street(name="临时街道")
    rows = [enterprise_row(50), enterprise_row(51), enterprise_row(52, street="临时街道")]
    token, page = preview(taskforce_client, imports.ENTERPRISES, xlsx_upload(ENTERPRISE_HEADERS, rows))
    assert page.context["totals"]["error"] == 0
    street.delete()
    # when
    response = taskforce_client.post(reverse("import-confirm", args=[token]), follow=True)
    # then
    assert response.redirect_chain[-1][0] == reverse("import-preview", args=[token])
    assert response.context["totals"] == {"new": 2, "update": 0, "error": 1}
    assert not Enterprise.objects.exists()


def test_confirming_an_import_twice_imports_it_once(taskforce_client):
    # given
    token, _page = preview(taskforce_client, imports.ENTERPRISES, xlsx_upload(ENTERPRISE_HEADERS, [enterprise_row(60)]))
    taskforce_client.post(reverse("import-confirm", args=[token]))
    # when
    again = taskforce_client.post(reverse("import-confirm", args=[token]))
    # then
    assert again.status_code == 404
    assert Enterprise.objects.count() == 1


def test_another_user_cannot_confirm_an_upload(client, taskforce_user):
    # given
    other = factories.make_user(role=Role.TASKFORCE)
    client.force_login(taskforce_user)
    token, _page = preview(client, imports.ENTERPRISES, xlsx_upload(ENTERPRISE_HEADERS, [enterprise_row(70)]))
    client.force_login(other)
    # when
    response = client.post(reverse("import-confirm", args=[token]))
    # then
    assert response.status_code == 404
    assert not Enterprise.objects.exists()


def test_cancelling_an_upload_discards_it(taskforce_client):
    # given
    token, _page = preview(taskforce_client, imports.ENTERPRISES, xlsx_upload(ENTERPRISE_HEADERS, [enterprise_row(80)]))
    # when
    response = taskforce_client.post(reverse("import-cancel", args=[token]))
    # then
    assert response.status_code == 302
    assert taskforce_client.get(reverse("import-preview", args=[token])).status_code == 404
    assert not Enterprise.objects.exists()


# --- Files that are refused -----------------------------------------------------------------------


REFUSED_FILES = {
    "wrong type": lambda: SimpleUploadedFile("enterprises.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 64),
    "text renamed": lambda: SimpleUploadedFile("enterprises.txt", "企业名称\n某公司\n".encode()),
    "empty": lambda: SimpleUploadedFile("enterprises.xlsx", b""),
    "empty csv": lambda: SimpleUploadedFile("enterprises.csv", b""),
    "corrupt xlsx": lambda: SimpleUploadedFile("enterprises.xlsx", b"PK\x03\x04 this is not a workbook"),
    "not a zip": lambda: SimpleUploadedFile("enterprises.xlsx", b"<html>not excel</html>"),
    "header only": lambda: xlsx_upload(ENTERPRISE_HEADERS, []),
    "missing columns": lambda: xlsx_upload(["企业名称", "地址"], [["某公司", "某路"]]),
}


@pytest.mark.parametrize("case", REFUSED_FILES)
def test_unusable_files_are_refused_on_the_page_with_a_message(taskforce_client, case):
    # when
    response = upload(taskforce_client, imports.ENTERPRISES, REFUSED_FILES[case]())
    # then
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert "is-invalid" in response.content.decode()
    assert not Enterprise.objects.exists()


@pytest.mark.parametrize("case", REFUSED_FILES)
def test_unusable_files_are_refused_by_the_api_with_a_message(api, case):
    # when
    response = api_import(api, imports.ENTERPRISES, REFUSED_FILES[case]())
    # then
    assert response.status_code == 400
    assert response.json()["file"][0]
    assert not Enterprise.objects.exists()


def test_the_missing_columns_are_named(api):
    # when
    response = api_import(api, imports.CADRES, xlsx_upload(["姓名", "职务"], [["甲", "科员"]]))
    # then
    assert "单位" in response.json()["file"][0]


@override_settings(IMPORT_MAX_BYTES=1000)
def test_an_oversized_file_is_refused(taskforce_client, api):
    # given
    rows = [enterprise_row(i) for i in range(100, 140)]
    # when
    page = upload(taskforce_client, imports.ENTERPRISES, csv_upload(ENTERPRISE_HEADERS, rows))
    response = api_import(api, imports.ENTERPRISES, csv_upload(ENTERPRISE_HEADERS, rows))
    # then
    assert page.status_code == 200 and page.context["form"].errors["file"]
    assert response.status_code == 400
    with translation.override("en"):
        assert "limit" in response.json()["file"][0]
    assert not Enterprise.objects.exists()


# --- Who may import ----------------------------------------------------------------------------------


@pytest.fixture(params=["leader", "cadre", "unit_handler"])
def non_taskforce_user(request, db):
    if request.param == "cadre":
        return factories.make_pairing_with_login().cadre.user
    if request.param == "unit_handler":
        return factories.make_user(role=Role.UNIT_HANDLER, unit=factories.make_unit())
    return factories.make_user(role=Role.LEADER)


def test_users_outside_the_task_force_get_403_on_the_import_pages(client, non_taskforce_user):
    # given
    client.force_login(non_taskforce_user)
    token = "8a7f2a3c-1111-4222-8333-944455556666"
    # when
    responses = [
        client.get(reverse("import-start")),
        upload(client, imports.ENTERPRISES, xlsx_upload(ENTERPRISE_HEADERS, [enterprise_row(90)])),
        client.get(reverse("import-template", args=[imports.ENTERPRISES])),
        client.get(reverse("import-preview", args=[token])),
        client.post(reverse("import-confirm", args=[token])),
    ]
    # then
    assert [r.status_code for r in responses] == [403] * 5
    assert not Enterprise.objects.filter(credit_code=make_credit_code(900_090)).exists()


def test_users_outside_the_task_force_get_403_from_the_import_api(non_taskforce_user):
    # given
    api_client = APIClient()
    api_client.force_authenticate(non_taskforce_user)
    # when
    enterprises = api_import(api_client, imports.ENTERPRISES, xlsx_upload(ENTERPRISE_HEADERS, [enterprise_row(91)]))
    cadres = api_import(api_client, imports.CADRES, xlsx_upload(CADRE_HEADERS, [cadre_row("甲", "某局")]))
    # then
    assert (enterprises.status_code, cadres.status_code) == (403, 403)
    assert not Enterprise.objects.filter(credit_code=make_credit_code(900_091)).exists()


def test_anonymous_visitors_are_sent_to_log_in(client):
    # when
    response = client.get(reverse("import-start"))
    # then
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


# --- Pages render -----------------------------------------------------------------------------------


def test_the_import_start_page_renders_for_task_force_staff(taskforce_client):
    # when
    response = taskforce_client.get(reverse("import-start"))
    # then
    assert response.status_code == 200
    body = response.content.decode()
    assert 'enctype="multipart/form-data"' in body
    assert reverse("import-template", args=[imports.ENTERPRISES]) in body
    assert reverse("import-template", args=[imports.CADRES]) in body


def test_the_preview_page_renders_every_row_for_task_force_staff(taskforce_client):
    # given
    unit = factories.make_unit(name="区民政局")
    factories.make_cadre(name="已在册", unit=unit)
    rows = [cadre_row("已在册", unit.name), cadre_row("新来的", unit.name)]
    # when
    _token, page = preview(taskforce_client, imports.CADRES, csv_upload(CADRE_HEADERS, rows))
    # then
    assert page.status_code == 200
    assert [(row.line, row.action) for row in page.context["report"].rows] == [(2, "update"), (3, "new")]
    body = page.content.decode()
    assert 'data-line="2" data-action="update"' in body
    assert 'data-line="3" data-action="new"' in body


def test_the_preview_can_show_only_rows_with_errors(taskforce_client):
    # given
    rows = [enterprise_row(95), enterprise_row(96, **{"统一社会信用代码": "bad"})]
    token = token_of(upload(taskforce_client, imports.ENTERPRISES, xlsx_upload(ENTERPRISE_HEADERS, rows)))
    # when
    page = taskforce_client.get(reverse("import-preview", args=[token]), {"errors": "1"})
    # then
    assert [item["row"].line for item in page.context["table"]] == [3]


def test_the_kept_file_lives_in_the_database_so_any_app_node_confirms_it(taskforce_client, settings):
    # given an upload previewed on one node (nothing written to that node's disk)
    from liaison.models import PendingImport, PendingImportState

    token, _page = preview(taskforce_client, imports.ENTERPRISES, xlsx_upload(ENTERPRISE_HEADERS, [enterprise_row(90)]))
    assert not (settings.MEDIA_ROOT / "imports").exists()
    kept = PendingImport.objects.get(token=token)
    assert kept.state == PendingImportState.PENDING and kept.name.endswith(".xlsx")
    # when another node, sharing only the database and the session, is already running it
    PendingImport.objects.filter(token=token).update(state=PendingImportState.RUNNING)
    response = taskforce_client.post(reverse("import-confirm", args=[token]))
    # then the confirmation imports nothing a second time
    assert response.status_code == 302 and not Enterprise.objects.exists()
    # and once it is pending again, the confirmation imports it and the kept file is gone
    PendingImport.objects.filter(token=token).update(state=PendingImportState.PENDING)
    taskforce_client.post(reverse("import-confirm", args=[token]))
    assert Enterprise.objects.count() == 1 and not PendingImport.objects.exists()


def test_uploads_nobody_confirmed_are_removed_after_a_day(taskforce_client):
    from datetime import timedelta

    from django.utils import timezone

    from liaison.models import PendingImport

    old, _page = preview(taskforce_client, imports.ENTERPRISES, xlsx_upload(ENTERPRISE_HEADERS, [enterprise_row(91)]))
    PendingImport.objects.filter(token=old).update(created_at=timezone.now() - timedelta(days=2))
    new, _page = preview(taskforce_client, imports.ENTERPRISES, xlsx_upload(ENTERPRISE_HEADERS, [enterprise_row(92)]))
    assert [str(t) for t in PendingImport.objects.values_list("token", flat=True)] == [new]
