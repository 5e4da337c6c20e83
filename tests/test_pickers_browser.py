"""The search-as-you-type pickers in a real browser: task-force staff type two characters into the
assign-to picker, choose a service group from the grouped answers and assign an appeal; then filter
/appeals/ by a street, on a desk (1366 px) and on a phone (390 px)."""

import os
from datetime import date
from pathlib import Path

import pytest

from appeals import services
from appeals.models import Appeal
from liaison.models import Role
from tests import factories
from tests.pickers_support import pick
from workdays.services import calendar_cache_clear

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "")) if os.environ.get("SCREENSHOT_DIR") else None
ORDINARY_DAY = date(2026, 6, 3)
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "zh-CN"}
DESKTOP = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN"}


def shot(page, name: str, *, full_page: bool = True) -> None:
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def log_in(page, base: str, user) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "pass-1234")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


@pytest.fixture
def picker_world(db):
    calendar_cache_clear()
    unit = factories.make_unit(name="区科工局")
    beijing = factories.make_street(name="北京街道")
    baiyun = factories.make_street(name="白云街道")
    factories.make_service_group(name="金融服务组")
    factories.make_service_group(name="要素保障服务组")
    factories.make_unit(name="区金融发展局")
    handler = factories.make_unit_handler(unit, username="kgj-handler")
    appeals = []
    for street, title in ((beijing, "扩产急需流动资金贷款"), (baiyun, "厂房用地指标")):
        cadre = factories.make_cadre(unit=unit)
        pairing = factories.make_assignment(cadre=cadre, enterprise=factories.make_enterprise(street=street))
        appeal = factories.make_appeal(pairing=pairing, title=title)
        services.appeal_escalate(appeal=appeal, acting_user=cadre.user, reason="需要单位协调")
        services.appeal_escalate(appeal=appeal, acting_user=handler, reason="需要专班协调")
        appeals.append(appeal)
    return {
        "appeals": appeals,
        "beijing": beijing,
        "taskforce": factories.make_user(role=Role.TASKFORCE, username="zhuanban", first_name="专班"),
    }


@pytest.mark.parametrize("options", [DESKTOP, PHONE], ids=["desk", "phone"])
def test_task_force_assigns_through_the_picker_and_filters_by_street(clock, picker_world, live_server, browser,
                                                                     options):
    clock.set(ORDINARY_DAY)
    w = picker_world
    size = "desktop" if options is DESKTOP else "phone"
    base = live_server.url
    context = browser.new_context(**options)
    try:
        page = context.new_page()
        log_in(page, base, w["taskforce"])
        appeal = w["appeals"][0]
        # given the task force opens an appeal awaiting assignment and its assign form
        page.goto(f"{base}/appeals/{appeal.pk}/")
        page.click("#action-assign > summary")
        # when they type two characters into the assign-to picker
        control = page.locator("#id_assign_unit-ts-control")
        control.click()
        control.press_sequentially("金融", delay=60)
        page.locator(".ts-dropdown:visible .option").first.wait_for(state="visible")
        # then the matches come grouped by kind of unit, service groups before departments
        headers = page.locator(".ts-dropdown:visible .optgroup-header").all_inner_texts()
        assert headers == ["专业服务组", "部门"]
        options_shown = page.locator(".ts-dropdown:visible .option").all_inner_texts()
        assert options_shown == ["金融服务组", "区金融发展局"]
        shot(page, f"picker-01-{size}-assign-search", full_page=False)
        # and choosing the service group and assigning it records the assignment
        page.locator(".ts-dropdown:visible .option", has_text="金融服务组").click()
        page.fill("#id_assign_workdays", "7")
        page.click("#action-assign button[data-submit=assign]")
        page.wait_for_selector('#timeline li[data-kind="assigned"]')
        appeal.refresh_from_db()
        assert appeal.handler_unit.name == "金融服务组"
        shot(page, f"picker-02-{size}-assigned")

        # when they filter every appeal by a street, typed into the street picker
        page.goto(f"{base}/appeals/?tab=all")
        page.click("#appeal-filter details > summary")
        pick(page, "id_street", "北京", "北京街道")
        page.locator("#id_street-ts-control").press("Escape")
        shot(page, f"picker-03-{size}-street-chosen")
        page.click("#appeal-filter button[type=submit]")
        page.wait_for_url(f"**street={w['beijing'].pk}**")
        # then only that street's appeal is listed, and the picker still shows the street's name
        listed = page.locator("#appeal-table tr[data-appeal]").evaluate_all("rows => rows.map(r => r.dataset.appeal)")
        assert listed == [str(appeal.pk)]
        assert "北京街道" in page.locator("#appeal-filter .ts-wrapper").first.inner_text()
        assert Appeal.objects.count() == 2
        shot(page, f"picker-04-{size}-filtered")
    finally:
        context.close()
