"""What a district's staff saw in their first week, in a real browser (issue 13): the appeal's category is
chosen, not pre-selected, and corrected later by the unit; error pages are the portal's own, in Chinese."""

import os
from pathlib import Path

import pytest

from appeals.models import Appeal, AppealCategory, EventKind
from tests import factories

# serialized_rollback brings back the seeded appeal categories other browser tests flush.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHOTS = Path(os.environ["SCREENSHOT_DIR"]) if os.environ.get("SCREENSHOT_DIR") else None
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


def test_a_cadre_must_choose_the_category_and_the_unit_corrects_it_later(live_server, browser):
    # given a cadre paired with an enterprise, and their unit's handler
    unit = factories.make_unit(name="区科工局")
    pairing = factories.make_assignment(cadre=factories.make_cadre(unit=unit, name="张海涛"))
    handler = factories.make_unit_handler(unit, username="kgj-handler", first_name="科工局经办")
    financing = AppealCategory.objects.get(code="financing")
    land = AppealCategory.objects.exclude(code="financing").filter(active=True).first()
    base = live_server.url

    # when the cadre opens the raise form on a phone
    phone = browser.new_context(**PHONE).new_page()
    log_in(phone, base, pairing.cadre.user)
    phone.goto(f"{base}/appeals/new/?enterprise={pairing.enterprise_id}")
    # then no category is chosen for them
    assert phone.eval_on_selector("#id_category", "s => s.options[s.selectedIndex].text") == "请选择"
    assert phone.eval_on_selector("#id_category", "s => s.value") == ""
    shot(phone, "issue13-raise-form-phone")
    # and sending the form without one says what is missing, keeping what was typed
    phone.fill("#id_title", "扩建用地指标不足")
    phone.fill("#id_description", "二期厂房扩建缺少用地指标，需协调规划。")
    phone.click("#raise-submit")
    phone.wait_for_selector("text=请选择问题所属的分类。")
    assert phone.input_value("#id_title") == "扩建用地指标不足"
    shot(phone, "issue13-raise-form-refused-phone")
    assert not Appeal.objects.exists()
    # and with a category chosen (wrongly: financing), the appeal is raised
    phone.select_option("#id_category", str(financing.pk))
    phone.click("#raise-submit")
    phone.wait_for_selector("#timeline")
    appeal = Appeal.objects.get()
    assert appeal.category == financing
    phone.context.close()

    # when the unit's handler corrects the category at a desk
    desk = browser.new_context(**DESKTOP).new_page()
    log_in(desk, base, handler)
    desk.goto(f"{base}/appeals/{appeal.pk}/")
    desk.click("#action-recategorise > summary")
    desk.select_option("#id_recategorise_category", str(land.pk))
    desk.fill("#id_recategorise_reason", "实为用地问题")
    shot(desk, "issue13-recategorise-form-desktop")
    desk.click("#action-recategorise button[data-submit=recategorise]")
    desk.wait_for_function("() => document.querySelector('#timeline li:last-child').dataset.kind === 'recategorised'")
    # then the appeal shows its new category and the timeline says who changed it, from what to what
    timeline = desk.inner_text("#timeline li:last-child")
    assert "更改分类" in timeline and f"{financing.name} → {land.name}" in timeline and "科工局经办" in timeline
    assert land.name in desk.inner_text("#appeal-panel")
    shot(desk, "issue13-recategorised-desktop")
    appeal.refresh_from_db()
    assert appeal.category == land
    assert appeal.events.filter(kind=EventKind.RECATEGORISED, actor=handler).exists()
    desk.context.close()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_error_pages_are_the_portals_own_in_chinese_with_the_reason_and_a_way_home(live_server, browser, size):
    base = live_server.url
    page = browser.new_context(**(PHONE if size == "phone" else DESKTOP)).new_page()
    # a stranger on an unknown address: the portal's 404, with a way home and to sign in
    response = page.goto(f"{base}/no-such-page/")
    assert response.status == 404
    assert page.inner_text("h1") == "页面不存在"
    assert page.is_visible("#error-home") and page.is_visible("#error-login")
    shot(page, f"issue13-404-{size}")
    # a cadre on the handbook's editor: the portal's 403, with the reason the code gave
    cadre = factories.make_pairing_with_login().cadre.user
    log_in(page, base, cadre)
    response = page.goto(f"{base}/policies/handbook/")
    assert response.status == 403
    assert page.inner_text("h1") == "无权访问"
    assert page.inner_text("#error-reason").strip() == "只有专班人员可以编辑手册。"
    shot(page, f"issue13-403-{size}")
    # and the way home leads home
    page.click("#error-home")
    page.wait_for_url(f"{base}/")
    page.context.close()


@pytest.mark.parametrize("size", ["phone", "desktop"])
@pytest.mark.urls("tests.test_error_pages")
def test_the_500_page_is_chinese_and_readable_on_a_phone(live_server, browser, size):
    page = browser.new_context(**(PHONE if size == "phone" else DESKTOP)).new_page()
    response = page.goto(f"{live_server.url}/boom/")
    assert response.status == 500
    assert page.inner_text("h1") == "服务器出错"
    assert page.is_visible("#error-home")
    # nothing wider than the screen
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, f"issue13-500-{size}")
    page.context.close()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_staff_are_warned_when_printed_codes_would_point_to_this_computer(live_server, browser, settings, size):
    from django.core.cache import cache

    from policies import qr
    from policies.models import Policy, PolicyCategory, PolicyStatus

    # given no address configured, and the portal opened on this computer's own address
    settings.POLICY_QR_BASE_URL = ""
    cache.delete(qr.LAST_STAFF_BASE_URL_KEY)
    policy = Policy.objects.create(category=PolicyCategory.objects.order_by("id").first(),
                                   status=PolicyStatus.PUBLISHED, title="关于支持企业技术改造的若干措施",
                                   summary="技改补助")
    taskforce = factories.make_user(role="taskforce", username="tf-qr", first_name="专班张")
    page = browser.new_context(**(PHONE if size == "phone" else DESKTOP)).new_page()
    log_in(page, live_server.url, taskforce)
    # when task-force staff open the catalogue, a policy and the handbook
    pages = (("list", "/policies/"), ("detail", f"/policies/{policy.pk}/"), ("handbook", "/policies/handbook/"))
    for name, path in pages:
        page.goto(f"{live_server.url}{path}")
        # then each says the codes point to this computer
        warning = page.inner_text("#qr-address-warning")
        assert "本机地址" in warning and live_server.url in warning
        shot(page, f"issue13-qr-warning-{name}-{size}")
    # and the code on the policy's page points where the page was opened
    svg = page.request.get(f"{live_server.url}/p/{policy.pk}/qr.svg").text()
    assert f"{live_server.url}/p/{policy.pk}/?src=qr" in svg
    page.context.close()
