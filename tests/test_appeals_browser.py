"""An appeal's whole journey in a real browser: raised from a visit on a phone, escalated twice,
assigned by the task force, resolved by a service group, and closed by the enterprise's verdict."""

import os
from datetime import date
from pathlib import Path

import pytest

from appeals import services
from appeals.models import Appeal, AppealCategory, Status
from liaison.models import Role
from tests import factories
from tests.pickers_support import pick
from workdays.services import calendar_cache_clear

# Other browser tests flush the database; serialized_rollback brings back the seeded categories
# and the holiday calendar the deadlines are counted on.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "")) if os.environ.get("SCREENSHOT_DIR") else None
ORDINARY_DAY = date(2026, 6, 3)
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "zh-CN"}
DESKTOP = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN"}


def shot(page, name: str) -> None:
    """Keep a screenshot when SCREENSHOT_DIR is set, so people can look at what users see."""
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def log_in(page, base: str, user) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "pass-1234")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def act(page, action: str, fields: dict[str, str] | None = None, *, kind: str) -> None:
    """Open an action's form on the appeal page, fill it in, send it (htmx) and wait for its event."""
    before = page.locator("#timeline li").count()
    page.click(f"#action-{action} > summary")
    for selector, value in (fields or {}).items():
        if selector.startswith("select:"):
            page.select_option(selector[len("select:"):], value)
        elif selector.startswith("check:"):
            page.check(selector[len("check:"):])
        else:
            page.fill(selector, value)
    page.click(f"#action-{action} button[data-submit={action}]")
    page.wait_for_function(
        f"() => document.querySelectorAll('#timeline li').length > {before}"
        f" && document.querySelector('#timeline li:last-child').dataset.kind === '{kind}'"
    )


def timeline_kinds(page) -> list[str]:
    return page.eval_on_selector_all("#timeline li", "items => items.map(li => li.dataset.kind)")


@pytest.fixture
def journey_world(db):
    calendar_cache_clear()
    unit = factories.make_unit(name="区科工局")
    cadre = factories.make_cadre(unit=unit, name="张海涛")
    pairing = factories.make_assignment(cadre=cadre)
    enterprise = pairing.enterprise
    enterprise.name = "大连海韵精密机械有限公司"
    enterprise.contact_name = "王经理"
    enterprise.save()
    group = factories.make_service_group(name="金融服务组")
    factories.make_service_group(name="要素保障服务组")
    return {
        "pairing": pairing,
        "cadre": cadre.user,
        "handler": factories.make_unit_handler(unit, username="kgj-handler", first_name="科工局经办"),
        "group": group,
        "group_handler": factories.make_unit_handler(group, username="jr-handler", first_name="金融组经办"),
        "taskforce": factories.make_user(role=Role.TASKFORCE, username="zhuanban", first_name="专班"),
    }


def test_an_appeal_from_a_visit_climbs_to_the_task_force_is_resolved_and_closed(
    clock, journey_world, live_server, browser, phone_page, desktop_page
):
    # given (the clock set before the live server handles a request) a cadre's visit that raised a problem
    clock.set(ORDINARY_DAY)
    w = journey_world
    visit = factories.make_visit(
        assignment=w["pairing"], date=ORDINARY_DAY, people_met="总经理王某",
        summary="了解二季度订单和资金情况。", issues_raised="扩产急需流动资金贷款500万元\n银行授信额度不足",
    )
    base = live_server.url
    contexts = []

    def new_page(options):
        context = browser.new_context(**options)
        contexts.append(context)
        return context.new_page()

    try:
        # when the cadre, on a phone, opens the visit and raises an appeal from it
        phone = phone_page
        log_in(phone, base, w["cadre"])
        phone.goto(f"{base}/visits/{visit.pk}/")
        shot(phone, "appeal-01-phone-visit")
        phone.click("#raise-from-visit")
        phone.wait_for_selector("#appeal-form")
        assert phone.input_value("#id_title") == "扩产急需流动资金贷款500万元"
        assert phone.input_value("#id_source") == "visit"
        phone.select_option("#id_urgency", "urgent")
        # no category is chosen for the cadre: a loan is 融资需求
        assert phone.input_value("#id_category") == ""
        phone.select_option("#id_category", str(AppealCategory.objects.get(code="financing").pk))
        shot(phone, "appeal-02-phone-form")
        phone.click("#raise-submit")
        phone.wait_for_selector("#appeal-panel")
        appeal = Appeal.objects.get()
        assert appeal.visit == visit and phone.url.endswith(f"/appeals/{appeal.pk}/")
        shot(phone, "appeal-03-phone-raised")
        # and escalates it to the unit
        act(phone, "escalate", {"#id_escalate_reason": "涉及多家银行授信，需要单位协调。"}, kind="escalated")
        shot(phone, "appeal-04-phone-escalated")
        phone.goto(f"{base}/appeals/?tab=all")
        shot(phone, "appeal-04b-phone-list")

        # then the unit's handler finds it in their queue (desktop) and escalates it to the task force
        desk = desktop_page
        log_in(desk, base, w["handler"])
        assert desk.locator("#nav-notifications [data-unread]").is_visible()
        desk.goto(f"{base}/appeals/")
        desk.wait_for_selector(f'#appeal-table tr[data-appeal="{appeal.pk}"]')
        shot(desk, "appeal-05-desktop-unit-queue")
        desk.click(f'#appeal-table tr[data-appeal="{appeal.pk}"] a')
        act(desk, "escalate", {"#id_escalate_reason": "单位协调未果，提请专班协调。"}, kind="escalated")
        desk.goto(f"{base}/notifications/")
        shot(desk, "appeal-05b-desktop-notifications")
        desk.goto(f"{base}/substitutions/")
        shot(desk, "appeal-05c-desktop-substitutions")

        # and the task force assigns it to the finance service group from the triage queue
        tf = new_page(DESKTOP)
        log_in(tf, base, w["taskforce"])
        shot(tf, "appeal-06-desktop-taskforce-home")
        tf.goto(f"{base}/appeals/")
        tf.check(f"#pick-{appeal.pk}")
        pick(tf, "bulk_unit", "金融", "金融服务组")
        tf.fill("#bulk_workdays", "7")
        shot(tf, "appeal-07-desktop-triage")
        tf.click("#bulk-submit")
        tf.wait_for_selector(".alert-success")
        appeal.refresh_from_db()
        assert appeal.handler_unit == w["group"]

        # and the group's handler resolves it, on a phone
        group_phone = new_page(PHONE)
        log_in(group_phone, base, w["group_handler"])
        group_phone.goto(f"{base}/appeals/{appeal.pk}/")
        group_phone.click("#action-resolve > summary")
        group_phone.fill("#id_resolve_resolution", "协调建设银行授信500万元，已放款。")
        shot(group_phone, "appeal-08-phone-resolve-form")
        group_phone.click("#action-resolve button[data-submit=resolve]")
        group_phone.wait_for_selector('#timeline li[data-kind="resolved"]')

        # and the cadre records the enterprise's verdict: satisfied
        phone.goto(f"{base}/appeals/{appeal.pk}/")
        act(phone, "feedback", {"check:#action-feedback input[value=satisfied]": ""}, kind="feedback")
        shot(phone, "appeal-09-phone-closed")

        # then the appeal is closed and its timeline shows every step, in order
        appeal.refresh_from_db()
        assert appeal.status == Status.CLOSED and appeal.feedback == "satisfied"
        assert timeline_kinds(phone) == ["raised", "escalated", "escalated", "assigned", "resolved", "feedback"]
        assert phone.locator('#timeline li[data-kind="feedback"]').get_attribute("data-verdict") == "satisfied"
        assert "金融服务组" in phone.locator('#timeline li[data-kind="assigned"]').inner_text()
        tf.goto(f"{base}/appeals/{appeal.pk}/")
        assert timeline_kinds(tf) == ["raised", "escalated", "escalated", "assigned", "resolved", "feedback"]
        shot(tf, "appeal-10-desktop-closed")
        phone.goto(f"{base}/")
        shot(phone, "appeal-11-phone-home")
        tf.goto(f"{base}/enterprises/{appeal.enterprise_id}/")
        assert tf.locator(f'#enterprise-appeals [data-appeal="{appeal.pk}"]').is_visible()
        shot(tf, "appeal-11b-desktop-enterprise")
    finally:
        for context in contexts:
            context.close()


def test_the_enterprise_gives_its_verdict_through_the_link_on_a_phone(clock, journey_world, live_server, browser):
    # given a resolved appeal whose cadre sends the feedback link
    clock.set(ORDINARY_DAY)
    w = journey_world
    appeal = factories.make_appeal(pairing=w["pairing"], title="扩产急需流动资金贷款")
    services.appeal_resolve(appeal=appeal, acting_user=w["cadre"], resolution="协调建设银行授信500万元。")
    base = live_server.url
    cadre_context = browser.new_context(**PHONE)
    contact_context = browser.new_context(**PHONE, java_script_enabled=False)
    try:
        cadre = cadre_context.new_page()
        log_in(cadre, base, w["cadre"])
        cadre.goto(f"{base}/appeals/{appeal.pk}/")
        cadre.click('form[data-action="request_feedback"] button')
        cadre.wait_for_selector("#feedback-url")
        shot(cadre, "appeal-12-phone-feedback-link")
        url = cadre.input_value("#feedback-url")
        assert url.startswith(f"{base}/f/")
        # when the enterprise's contact opens it on their phone, without JavaScript, and is unsatisfied
        contact = contact_context.new_page()
        contact.goto(url)
        assert "扩产急需流动资金贷款" in contact.inner_text("#feedback-title")
        assert contact.locator("#nav").count() == 0
        shot(contact, "appeal-13-phone-feedback-public")
        contact.click('button[data-verdict="unsatisfied"]')
        assert contact.locator('[data-error-for="comment"]').is_visible()
        shot(contact, "appeal-14-phone-feedback-error")
        contact.fill("textarea[name=comment]", "额度只批了300万元，还差200万元。")
        contact.click('button[data-verdict="unsatisfied"]')
        contact.wait_for_selector("#feedback-thanks")
        shot(contact, "appeal-15-phone-feedback-thanks")
        # then the appeal is back with the cadre, and the link is spent
        appeal.refresh_from_db()
        assert appeal.status == Status.HANDLING and appeal.feedback == "unsatisfied"
        response = contact.goto(url)
        assert response.status == 410
    finally:
        cadre_context.close()
        contact_context.close()
