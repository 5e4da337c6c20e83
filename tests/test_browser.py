"""Journeys in a real browser: Debian's Chromium driven by Playwright."""

import os
from pathlib import Path

import pytest

from liaison.models import Visit
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "")) if os.environ.get("SCREENSHOT_DIR") else None


def shot(page, name: str) -> None:
    """Keep a screenshot when SCREENSHOT_DIR is set, so people can look at what users see."""
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_cadre_on_a_phone_logs_in_logs_a_visit_and_sees_the_month_contacted(live_server, phone_page):
    # given a cadre paired with an enterprise, not yet contacted this month
    pairing = factories.make_pairing_with_login()
    enterprise = pairing.enterprise
    enterprise.name = "大连海韵精密机械有限公司"
    enterprise.save()
    page = phone_page
    # when they log in on a phone
    page.goto(f"{live_server.url}/")
    page.fill("#id_username", pairing.cadre.user.username)
    page.fill("#id_password", "pass-1234")
    shot(page, "phone-login")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("#my-enterprise").inner_text().count("大连海韵精密机械有限公司") == 1
    assert page.locator('[data-status="pending"]').is_visible()
    shot(page, "phone-home-before")
    # and fill in the one-screen visit form
    page.select_option("#id_method", "on_site")
    page.fill("#id_people_met", "总经理王某")
    page.fill("#id_summary", "了解二季度订单和用工情况，企业反映招工难。")
    page.fill("#id_issues_raised", "招工难")
    page.click("#log-visit button[type=submit]")
    # then the home page shows the month as contacted, with the visit in the history
    page.wait_for_selector('[data-status="contacted"]')
    assert "了解二季度订单" in page.locator("#my-visits").inner_text()
    shot(page, "phone-home-after")
    visit = Visit.objects.get()
    assert visit.cadre == pairing.cadre and visit.people_met == "总经理王某"


def test_a_visit_form_error_is_shown_in_chinese_on_a_phone(live_server, phone_page):
    pairing = factories.make_pairing_with_login()
    page = phone_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", pairing.cadre.user.username)
    page.fill("#id_password", "wrong")
    page.click("button[type=submit]")
    assert "用户名或密码错误" in page.content()
