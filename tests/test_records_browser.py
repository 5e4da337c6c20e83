"""Task-force staff add an enterprise and a cadre from the roster on a phone (390 px) and a desk (1366 px):
the street and unit come from the search-as-you-type pickers, a wrong credit code is refused in Chinese,
and the new records show their history."""

import io
import os
from pathlib import Path

import pytest
from openpyxl import load_workbook

from enterprises.models import Enterprise
from enterprises.validators import make_credit_code
from liaison import exports
from liaison.models import Cadre, Role
from tests import factories
from tests.pickers_support import pick

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "")) if os.environ.get("SCREENSHOT_DIR") else None
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "zh-CN"}
DESKTOP = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN"}


def shot(page, name: str) -> None:
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _exported(user) -> bytes:
    export = exports.enterprise_export(viewer=user)
    with export.file:
        return export.file.read()


@pytest.mark.parametrize("options", [PHONE, DESKTOP], ids=["phone", "desk"])
def test_task_force_adds_an_enterprise_and_a_cadre_from_the_roster(live_server, browser, options):
    # given
    size = "phone" if options is PHONE else "desk"
    factories.make_street(name="香炉礁街道")
    factories.make_unit(name="区工业和信息化局")
    taskforce = factories.make_user(role=Role.TASKFORCE, username="zhuanban")
    code = make_credit_code(31_415_926)
    base = live_server.url
    context = browser.new_context(**options)
    try:
        page = context.new_page()
        page.goto(f"{base}/accounts/login/")
        page.fill("#id_username", taskforce.username)
        page.fill("#id_password", "pass-1234")
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        # when they add an enterprise from the roster, first with a mistyped check character
        page.goto(f"{base}/roster/")
        shot(page, f"records-00-{size}-roster")
        page.click("#add-enterprise")
        page.wait_for_selector("#enterprise-form")
        page.fill("#id_name", "大连香炉礁智造有限公司")
        page.fill("#id_credit_code", code[:17] + ("1" if code[17] != "1" else "2"))
        page.select_option("#id_industry_section", "C")
        page.select_option("#id_industry_division", "34")
        pick(page, "id_street", "香炉", "香炉礁街道")
        page.locator("#id_street-ts-control").press("Escape")
        page.fill("#id_employees", "260")
        page.click("#enterprise-form button[type=submit]")
        # then the code is refused on its field, in Chinese, and nothing is saved
        error = page.locator('[data-error-for="credit_code"]')
        error.wait_for()
        assert "校验" in error.inner_text()
        assert not Enterprise.objects.exists()
        shot(page, f"records-01-{size}-enterprise-refused")
        # when they correct it
        page.fill("#id_credit_code", code)
        page.click("#enterprise-form button[type=submit]")
        page.wait_for_url("**/enterprises/*/")
        # then the enterprise is saved with its street and its history names them
        enterprise = Enterprise.objects.get()
        assert (enterprise.street.name, enterprise.employees) == ("香炉礁街道", 260)
        assert "zhuanban" in page.locator("#history").inner_text()
        shot(page, f"records-02-{size}-enterprise-added")

        # when they add a cadre, choosing the unit by typing
        page.goto(f"{base}/roster/")
        page.click("#add-cadre")
        page.wait_for_selector("#cadre-form")
        page.fill("#id_name", "冯十")
        pick(page, "id_unit", "工业", "区工业和信息化局")
        page.locator("#id_unit-ts-control").press("Escape")
        page.fill("#id_position", "副局长")
        page.select_option("#id_rank", "division")
        shot(page, f"records-03-{size}-cadre-form")
        page.click("#cadre-form button[type=submit]")
        page.wait_for_url("**/cadres/*/")
        # then the cadre is saved and can be edited from their page
        cadre = Cadre.objects.get(name="冯十")
        assert (cadre.unit.name, cadre.position, cadre.rank) == ("区工业和信息化局", "副局长", "division")
        assert page.locator("#edit-cadre").is_visible()
        shot(page, f"records-04-{size}-cadre-added")
        # and no part of the pages is wider than the screen
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= options["viewport"]["width"]

        # when the exported enterprise list comes back with one cell corrected
        workbook = load_workbook(io.BytesIO(_exported(taskforce)))
        sheet = workbook.worksheets[0]
        headers = [cell.value for cell in sheet[1]]
        sheet.cell(row=2, column=headers.index("从业人数") + 1, value=300)
        data = io.BytesIO()
        workbook.save(data)
        page.goto(f"{base}/data/import/")
        page.set_input_files("#id_file", files=[{"name": "企业名单.xlsx", "mimeType": "application/octet-stream",
                                                 "buffer": data.getvalue()}])
        page.locator("#import-form button[type=submit]").click()
        page.wait_for_selector("#import-rows")
        # then the preview says what changes, old → new
        changes = page.locator("#import-rows .import-changes").inner_text()
        assert "从业人数" in changes and "260" in changes and "300" in changes
        shot(page, f"records-05-{size}-import-preview")
    finally:
        context.close()
