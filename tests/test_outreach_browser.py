"""Policy push in a real browser: a cadre on a phone marks a pushed policy told; the task force's funnel
page on a desktop counts it."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from liaison.models import Role
from outreach import services
from outreach.models import PolicyPush
from policies.models import Policy, PolicyCategory, PolicyStatus, RuleGroup
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "")) if os.environ.get("SCREENSHOT_DIR") else None


def shot(page, name: str) -> None:
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pass-1234")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_a_cadre_marks_a_push_told_and_the_funnel_page_counts_it(live_server, phone_page, desktop_page):
    # given two paired high-tech enterprises and a policy for them, pushed
    unit = factories.make_unit(name="区科技局")
    mine = factories.make_assignment(cadre=factories.make_cadre(unit=unit, name="李干部"),
                                     enterprise=factories.make_enterprise(name="大连云帆科技有限公司", high_tech=True))
    factories.make_assignment(cadre=factories.make_cadre(unit=unit),
                              enterprise=factories.make_enterprise(name="大连海创软件有限公司", high_tech=True))
    category, _created = PolicyCategory.objects.get_or_create(code="innovation", defaults={"name": "科技创新"})
    policy = Policy.objects.create(title="高新技术企业认定奖励", category=category, status=PolicyStatus.PUBLISHED)
    RuleGroup.objects.create(policy=policy, high_tech=True)
    services.policy_push_run(day=date.today())
    push = PolicyPush.objects.get(enterprise=mine.enterprise)
    taskforce = factories.make_user(role=Role.TASKFORCE, username="tf-push")
    # when the cadre opens their policies to tell from the menu, on a phone
    page = phone_page
    log_in(page, live_server, mine.cadre.user.username)
    page.goto(f"{live_server.url}/outreach/mine/")
    row = page.locator(f'[data-push="{push.pk}"]')
    assert "高新技术企业认定奖励" in row.inner_text() and "大连云帆科技有限公司" in row.inner_text()
    shot(page, "outreach-phone-mine-before")
    # and marks it told
    row.get_by_role("button").click()
    page.wait_for_selector(".alert-success")
    # then the list shows it told
    assert page.locator(f'[data-push="{push.pk}"] .badge.text-bg-success').is_visible()
    shot(page, "outreach-phone-mine-after")
    # and the funnel page, on a desktop, counts one told of two pushed, both read or not
    desk = desktop_page
    log_in(desk, live_server, taskforce.username)
    desk.goto(f"{live_server.url}/outreach/policies/{policy.pk}/")
    assert desk.locator('#funnel-stages [data-stage="pushed"] [data-count]').inner_text() == "2"
    assert desk.locator('#funnel-stages [data-stage="read"] [data-count]').inner_text() == "1"
    assert desk.locator('#funnel-stages [data-stage="told"] [data-count]').inner_text() == "1"
    assert desk.locator("#funnel-chart svg").is_visible()
    shot(desk, "outreach-desktop-policy-funnel")
    desk.goto(f"{live_server.url}/outreach/units/{unit.pk}/")
    assert desk.locator(f'#funnel-policies [data-policy="{policy.pk}"]').is_visible()
    shot(desk, "outreach-desktop-unit-funnel")
    # and the same pages fit a phone
    page.context.clear_cookies()
    log_in(page, live_server, taskforce.username)
    page.goto(f"{live_server.url}/outreach/policies/{policy.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "outreach-phone-policy-funnel")
