"""Adding and correcting one enterprise or one cadre on the web, the exports that import back unchanged,
and the import preview's old → new."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from enterprises.models import Enterprise, EnterpriseStatus, Ownership
from enterprises.validators import make_credit_code
from liaison import exports, imports, services
from liaison.models import Cadre, Rank, Role
from tests import factories

pytestmark = pytest.mark.django_db


def enterprise_form(**overrides) -> dict:
    data = {
        "name": "大连新建科技有限公司",
        "credit_code": make_credit_code(4_242_424).lower(),
        "industry_section": "C",
        "industry_division": "39",
        "ownership": Ownership.PRIVATE,
        "above_scale": "on",
        "street": "",
        "address": "黄河路8号",
        "legal_representative": "赵一",
        "contact_name": "钱二",
        "contact_phone": "0411-8888888",
        "employees": "150",
        "annual_revenue": "8000.25",
        "founded_on": "2018-04-02",
        "status": EnterpriseStatus.OPERATING,
    }
    data.update(overrides)
    return data


# --- Services ---------------------------------------------------------------------------------------


def test_a_second_enterprise_with_a_known_credit_code_is_refused_naming_the_first(taskforce_user):
    # given
    first = factories.make_enterprise(name="先来的企业有限公司")
    # when
    with pytest.raises(ValidationError) as refused:
        services.enterprise_save(
            enterprise=Enterprise(name="后来的企业", credit_code=first.credit_code.lower(), industry_section="C"),
            acting_user=taskforce_user,
        )
    # then
    assert "先来的企业有限公司" in refused.value.message_dict["credit_code"][0]
    assert Enterprise.objects.count() == 1


def test_an_enterprise_with_a_wrong_check_character_is_refused(taskforce_user):
    code = make_credit_code(777)
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    with pytest.raises(ValidationError) as refused:
        services.enterprise_save(
            enterprise=Enterprise(name="校验位错的企业", credit_code=wrong, industry_section="C"),
            acting_user=taskforce_user,
        )
    assert "credit_code" in refused.value.message_dict
    assert not Enterprise.objects.exists()


def test_a_namesake_in_the_same_unit_is_refused_but_not_in_another(taskforce_user):
    # given
    unit, other_unit = factories.make_unit(name="区商务局"), factories.make_unit()
    factories.make_cadre(name="王伟", unit=unit, with_user=False)
    # when / then
    with pytest.raises(ValidationError) as refused:
        services.cadre_save(cadre=Cadre(name="王伟", unit=unit), acting_user=taskforce_user)
    assert "区商务局" in refused.value.message_dict["name"][0]
    services.cadre_save(cadre=Cadre(name="王伟", unit=other_unit), acting_user=taskforce_user)
    assert Cadre.objects.filter(name="王伟").count() == 2


def test_only_task_force_staff_save_enterprises_and_cadres(leader_user):
    with pytest.raises(PermissionDenied):
        services.enterprise_save(enterprise=factories.make_enterprise(), acting_user=leader_user)
    with pytest.raises(PermissionDenied):
        services.cadre_save(cadre=factories.make_cadre(with_user=False), acting_user=leader_user)


# --- Web forms --------------------------------------------------------------------------------------


def test_task_force_adds_an_enterprise_on_the_web_with_its_history(client, taskforce_user):
    # given
    street = factories.make_street(name="人民路街道")
    client.force_login(taskforce_user)
    # when
    response = client.post(reverse("enterprise-create"), enterprise_form(street=street.pk))
    # then
    enterprise = Enterprise.objects.get()
    assert response.status_code == 302 and response["Location"] == enterprise.get_absolute_url()
    assert enterprise.credit_code == make_credit_code(4_242_424)  # normalised to capitals
    assert (enterprise.street, enterprise.annual_revenue, enterprise.founded_on) == (
        street, Decimal("8000.25"), date(2018, 4, 2)
    )
    assert enterprise.history.get().history_user == taskforce_user


def test_editing_an_enterprise_records_who_changed_what_and_the_detail_page_shows_it(client, taskforce_user):
    # given
    enterprise = factories.make_enterprise(name="旧名称有限公司")
    client.force_login(taskforce_user)
    form = client.get(reverse("enterprise-edit", args=[enterprise.pk]))
    assert form.status_code == 200 and "旧名称有限公司" in form.content.decode()
    # when
    data = enterprise_form(name="新名称有限公司", credit_code=enterprise.credit_code)
    response = client.post(reverse("enterprise-edit", args=[enterprise.pk]), data)
    # then
    assert response.status_code == 302
    latest = enterprise.history.latest("history_date")
    assert (latest.history_type, latest.history_user, latest.name) == ("~", taskforce_user, "新名称有限公司")
    page = client.get(enterprise.get_absolute_url()).content.decode()
    assert "旧名称有限公司" in page and "新名称有限公司" in page  # the change history: old → new
    assert reverse("enterprise-edit", args=[enterprise.pk]) in page


def test_a_duplicate_credit_code_on_the_form_says_which_enterprise_has_it_and_saves_nothing(client, taskforce_user):
    # given
    holder = factories.make_enterprise(name="持码企业有限公司")
    client.force_login(taskforce_user)
    # when
    response = client.post(reverse("enterprise-create"), enterprise_form(credit_code=holder.credit_code))
    # then
    assert response.status_code == 200
    assert "持码企业有限公司" in response.content.decode()
    assert Enterprise.objects.count() == 1


def test_a_wrong_division_for_the_section_is_shown_on_its_field(client, taskforce_user):
    client.force_login(taskforce_user)
    response = client.post(reverse("enterprise-create"), enterprise_form(industry_section="A"))
    assert response.status_code == 200
    assert response.context["form"].errors["industry_division"]
    assert not Enterprise.objects.exists()


def test_task_force_adds_and_edits_a_cadre_on_the_web(client, taskforce_user):
    # given
    unit = factories.make_unit(name="区科学技术局")
    client.force_login(taskforce_user)
    # when
    created = client.post(
        reverse("cadre-create"),
        {"name": "孙九", "unit": unit.pk, "position": "副局长", "rank": Rank.DIVISION, "category": "industry",
         "phone": "13900001111", "active": "on"},
    )
    cadre = Cadre.objects.get(name="孙九")
    edited = client.post(
        reverse("cadre-edit", args=[cadre.pk]),
        {"name": "孙九", "unit": unit.pk, "position": "局长", "rank": Rank.DIVISION, "category": "industry",
         "phone": "13900001111"},
    )
    # then
    assert created.status_code == 302 and edited.status_code == 302
    cadre.refresh_from_db()
    assert (cadre.position, cadre.active) == ("局长", False)
    assert [record.history_user for record in cadre.history.all()] == [taskforce_user, taskforce_user]
    page = client.get(cadre.get_absolute_url()).content.decode()
    assert "副局长" in page and reverse("cadre-edit", args=[cadre.pk]) in page


def test_a_namesake_cadre_on_the_form_is_refused_in_chinese(client, taskforce_user):
    unit = factories.make_unit(name="区财政局")
    factories.make_cadre(name="李雷", unit=unit, with_user=False)
    client.force_login(taskforce_user)
    response = client.post(
        reverse("cadre-create"), {"name": "李雷", "unit": unit.pk, "rank": Rank.SECTION, "category": "economy"}
    )
    assert response.status_code == 200
    assert "区财政局已有名为李雷的干部" in response.content.decode()
    assert Cadre.objects.filter(name="李雷").count() == 1


def test_the_roster_and_directory_link_to_the_forms_for_task_force_only(client, taskforce_user, leader_user):
    client.force_login(taskforce_user)
    roster = client.get(reverse("roster")).content.decode()
    directory = client.get(reverse("enterprise-list")).content.decode()
    assert reverse("enterprise-create") in roster and reverse("cadre-create") in roster
    assert reverse("export-enterprises") in roster and reverse("export-cadres") in roster
    assert reverse("enterprise-create") in directory and reverse("export-enterprises") in directory
    client.force_login(leader_user)
    assert reverse("enterprise-create") not in client.get(reverse("enterprise-list")).content.decode()
    assert client.get(reverse("enterprise-create")).status_code == 403


# --- Exports that import back -----------------------------------------------------------------------


def _export_bytes(build, user) -> bytes:
    export = build(viewer=user)
    with export.file:
        return export.file.read()


def _dry_run(kind: str, data: bytes, user) -> imports.ImportReport:
    parsed = imports.read_file(name="export.xlsx", data=data, kind=kind)
    return services.data_import(kind=kind, parsed=parsed, acting_user=user, dry_run=True)


def test_the_enterprise_export_has_the_template_columns_and_imports_back_with_no_change(taskforce_user):
    # given every kind of value: a street, a closed one, blanks, decimals, a date, codes
    street = factories.make_street(name="八一路街道")
    factories.make_enterprise(
        name="全字段企业有限公司", street=street, ownership=Ownership.HMT, high_tech=True, employees=1200,
        annual_revenue=Decimal("12345678.90"), founded_on=date(2009, 12, 31), contact_phone="04118000000",
        address="=SUM(A1)", legal_representative="周五", industry_section="I", industry_division="65",
    )
    factories.make_enterprise(
        name="已注销企业", status=EnterpriseStatus.CLOSED, above_scale=False, industry_division=""
    )
    # when
    data = _export_bytes(exports.enterprise_export, taskforce_user)
    report = _dry_run(imports.ENTERPRISES, data, taskforce_user)
    # then
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert [cell.value for cell in sheet[1]] == imports.RESOURCES[imports.ENTERPRISES].headers()
    assert not report.has_errors, [row.errors for row in report.rows]
    assert report.totals == {"new": 0, "update": 2, "error": 0}
    assert report.unchanged == 2 and all(not row.changes for row in report.rows)


def test_the_cadre_export_imports_back_with_no_change(taskforce_user):
    # given
    unit = factories.make_unit(name="区教育局")
    factories.make_cadre(name="吴六", unit=unit, rank=Rank.DISTRICT, position="局长", phone="13812345678")
    factories.make_cadre(name="郑七", unit=unit, with_user=False, active=False, category="social")
    # when
    data = _export_bytes(exports.cadre_export, taskforce_user)
    report = _dry_run(imports.CADRES, data, taskforce_user)
    # then
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert [cell.value for cell in sheet[1]] == imports.RESOURCES[imports.CADRES].headers()
    assert [cell.value for cell in sheet[2]][:3] == ["吴六", "区教育局", "区级领导"]
    assert not report.has_errors, [row.errors for row in report.rows]
    assert (report.totals["update"], report.unchanged) == (2, 2)


def test_exports_are_for_those_who_see_the_roster_and_audited(client, pairing, taskforce_user):
    # given a cadre without the roster
    client.force_login(pairing.cadre.user)
    assert client.get(reverse("export-enterprises")).status_code == 403
    # when task-force staff download through the API
    api = APIClient()
    api.force_authenticate(taskforce_user)
    response = api.get(reverse("api-export-cadres"))
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    assert b"".join(response.streaming_content)[:2] == b"PK"


# --- The preview's old → new -------------------------------------------------------------------------


def test_an_update_row_in_the_preview_shows_old_and_new_for_changed_cells_only(client, taskforce_user):
    # given an exported file with one cell corrected
    factories.make_enterprise(name="待更正企业有限公司", contact_phone="0411-1111111", employees=50)
    data = _export_bytes(exports.enterprise_export, taskforce_user)
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    sheet.cell(row=2, column=headers.index("联系电话") + 1, value="0411-2222222")
    output = io.BytesIO()
    workbook.save(output)
    client.force_login(taskforce_user)
    # when
    upload = SimpleUploadedFile("更正.xlsx", output.getvalue(), content_type=imports.XLSX_CONTENT_TYPE)
    started = client.post(reverse("import-start"), {"kind": imports.ENTERPRISES, "file": upload})
    page = client.get(started["Location"])
    # then
    (row,) = page.context["report"].rows
    assert [(c.column, c.old, c.new) for c in row.changes] == [("联系电话", "0411-1111111", "0411-2222222")]
    body = page.content.decode()
    assert "<del class=\"text-secondary\">0411-1111111</del> → <strong>0411-2222222</strong>" in body


def test_the_api_dry_run_lists_each_updates_changes(taskforce_user):
    # given
    enterprise = factories.make_enterprise(name="接口企业有限公司", employees=10)
    data = _export_bytes(exports.enterprise_export, taskforce_user)
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    sheet.cell(row=2, column=headers.index("从业人数") + 1, value=12)
    output = io.BytesIO()
    workbook.save(output)
    api = APIClient()
    api.force_authenticate(taskforce_user)
    # when
    response = api.post(
        reverse("api-import-enterprises"),
        {"file": SimpleUploadedFile("e.xlsx", output.getvalue()), "dry_run": "true"},
        format="multipart",
    )
    # then
    body = response.json()
    assert body["unchanged"] == 0
    assert body["rows"][0]["changes"] == [{"column": "从业人数", "old": "10", "new": "12"}]
    enterprise.refresh_from_db()
    assert enterprise.employees == 10


def test_a_unit_handler_exports_only_their_units_cadres(client, unit_handler, other_pairing):
    client.force_login(unit_handler)
    data = b"".join(client.get(reverse("export-cadres")).streaming_content)
    names = [row[0] for row in load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert other_pairing.cadre.name not in names and unit_handler.unit.cadres.get().name in names
    assert unit_handler.role == Role.UNIT_HANDLER
